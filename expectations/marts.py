"""Expectations on the marts of the candidate build: what dbt's tests do not check.

Each check has one owner (decision 0012). dbt owns the structure of every mart, tested while
it builds (``dbt_project/models/**/_*__models.yml``): keys, required columns, code lists read
from the contract's seed, relationships, and the 64-digit person keys that are never an ID
number. A dbt test that fails on tonight's data holds back the submission it fails with
(``ingest/night.py`` ``recover``). Great Expectations owns what a steward follows up: the
rule set on the rows the build is made from (``expectations/rules.py``) and, here, the two
checks of the marts themselves that dbt has no test for:

- every mart the candidate build publishes has rows (an empty mart would replace the
  analysts' table with nothing), but for marts of what a county may have none of (honours,
  the optional townships and village projects sheets);
- a village's indicator far from its own history is flagged as an outlier
  (``expectations/outliers.py``).

The list of marts is also what may be published: a table of the candidate that is not
named here has no suite, and the audit refuses the build (``ingest/quality/audit.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations import KEY_COLUMNS


@dataclass(frozen=True)
class Mart:
    table: str
    what: str  # what a row is, in Chinese, for the explanations
    lineage: bool = False  # rows carry submission_id, source_sheet, source_row
    may_be_empty: bool = False  # e.g. honours: a build whose counties list none has no rows

    @property
    def keys(self) -> list[str]:
        """Columns that name a failing row: its source cell when it has one."""
        return KEY_COLUMNS if self.lineage else []


MARTS: tuple[Mart, ...] = (
    Mart("dim_org_unit", "组织单位"),
    Mart("dim_org_unit_history", "组织单位版本"),
    Mart("dim_period", "期间"),
    Mart("dim_person", "人员"),
    Mart("dim_cadre_role_history", "任职历史"),
    Mart("dim_training_class", "培训班次"),
    Mart("dim_enterprise", "企业或社会组织"),
    Mart("fct_cadre_roster", "干部名册", lineage=True),
    Mart("fct_cadre_changes", "干部变动", lineage=True),
    Mart("fct_cadre_recognitions", "干部荣誉与证书", lineage=True, may_be_empty=True),
    Mart("fct_training_attendance", "培训记录", lineage=True),
    Mart("fct_enterprise_coverage", "党建指导员联系企业", lineage=True),
    Mart("fct_village_indicators", "村情", lineage=True),
    # optional sheets: a build whose counties sent none has no rows
    Mart("fct_village_projects", "村集体经济项目", lineage=True, may_be_empty=True),
    Mart("fct_township_indicators", "乡镇（街道）情况", lineage=True, may_be_empty=True),
    Mart("mart_county_period_summary", "县（区）期间汇总"),
    Mart("mart_city_period_summary", "市（州）期间汇总"),
    Mart("mart_county_period_status", "县（区）期间发布状态"),
)


def suite(mart: Mart) -> gx.ExpectationSuite:
    """The mart's own checks (its outliers are added by ``expectations.mart_suites``)."""
    if mart.may_be_empty:  # nothing for GX to check: its structure is dbt's to test
        return gx.ExpectationSuite(name=f"marts.{mart.table}", expectations=[])
    not_empty = gxe.ExpectTableRowCountToBeBetween(min_value=1)
    not_empty.meta = {"severity": "critical", "explanation": f"{mart.what}表不能为空"}
    return gx.ExpectationSuite(name=f"marts.{mart.table}", expectations=[not_empty])
