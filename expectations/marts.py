"""Expectations on every other mart of the candidate build, from one table of specifications.

Each mart gets: not empty, its key unique, required columns filled, columns the build derives
within their code lists, and every person key a 64-digit HMAC (never an ID number). Columns
copied from the submission (a role, a training type) are checked where they come from, by
the rule set (expectations/rules.py). Villages have their own suite in
``expectations/villages.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations import KEY_COLUMNS
from ingest.contract import CADRES, DERIVED_CODE_LISTS

#: A person key: 64 lowercase hex digits, checked as hex digits plus a length of 64. PostgreSQL's
#: regex engine runs the bounded ``^[0-9a-f]{64}$`` about 14 times slower (0.21 s against 0.015 s
#: on 31,424 persons), and the answer is the same.
PERSON_KEY = r"^[0-9a-f]+$"
PERSON_KEY_LENGTH = 64


@dataclass(frozen=True)
class Mart:
    table: str
    what: str  # what a row is, in Chinese, for the explanations
    unique: tuple[str, ...]  # the key; also how a failing row is named when it has no lineage
    required: tuple[str, ...] = ()
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    person_keys: tuple[str, ...] = ()
    lineage: bool = False  # rows carry submission_id, source_sheet, source_row
    county: bool = False  # rows without lineage that carry the county that reported them

    @property
    def keys(self) -> list[str]:
        """Columns that name a failing row: its source cell when it has one, else its key (and
        its county, so that the audit can check such a mart county by county)."""
        return KEY_COLUMNS if self.lineage else [*self.unique, *(["county_code"] if self.county else [])]


MARTS: tuple[Mart, ...] = (
    Mart(
        "dim_org_unit",
        "组织单位",
        ("org_unit_code",),
        ("org_unit_name", "unit_level"),
        {"unit_level": DERIVED_CODE_LISTS["unit_level"]},
    ),
    Mart(
        "dim_org_unit_history",
        "组织单位版本",
        ("org_unit_version_id",),
        ("org_unit_code", "org_unit_name", "unit_level"),
        {"unit_level": DERIVED_CODE_LISTS["unit_level"]},
    ),
    Mart(
        "dim_period",
        "期间",
        ("period",),
        ("period_start_date", "period_end_date"),
        {"period_type": DERIVED_CODE_LISTS["period_type"]},
    ),
    Mart(
        "dim_person", "人员", ("person_key",), ("sex",), {"sex": CADRES.column("sex").codes}, ("person_key",)
    ),
    Mart(
        "dim_cadre_role_history",
        "任职历史",
        ("role_history_id",),
        ("person_key", "role", "valid_from_at"),
        {},
        ("person_key",),
        county=True,
    ),
    Mart(
        "dim_training_class",
        "培训班次",
        ("training_class_key",),
        ("class_id", "training_type"),
    ),
    Mart(
        "dim_enterprise",
        "企业或社会组织",
        ("credit_code",),
        ("enterprise_name", "org_type"),
    ),
    Mart(
        "fct_cadre_roster",
        "干部名册",
        ("roster_id",),
        ("county_code", "period", "person_key", "role"),
        {},
        ("person_key", "mentor1_person_key", "mentor2_person_key"),
        lineage=True,
    ),
    Mart(
        "fct_cadre_changes",
        "干部变动",
        ("change_id",),
        ("person_key", "change_kind", "change_date"),
        {"change_kind": DERIVED_CODE_LISTS["change_kind"]},
        ("person_key",),
        lineage=True,
    ),
    Mart(
        "fct_training_attendance",
        "培训记录",
        ("attendance_id",),
        ("person_key", "training_class_key"),
        {},
        ("person_key",),
        lineage=True,
    ),
    Mart(
        "fct_enterprise_coverage",
        "党建指导员联系企业",
        ("county_code", "period", "credit_code"),
        ("instructor_person_key", "org_type"),
        {},
        ("instructor_person_key",),
        lineage=True,
    ),
    Mart(
        "mart_county_period_summary", "县（区）期间汇总", ("county_code", "period"), ("county_code", "period")
    ),
    Mart("mart_city_period_summary", "市（州）期间汇总", ("city_code", "period"), ("city_code", "period")),
    Mart(
        "mart_county_period_status",
        "县（区）期间发布状态",
        ("county_code", "period"),
        ("county_code", "period", "is_current", "newest_submission_id"),
    ),
)


def _critical(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    expectation.meta = {"severity": "critical", "explanation": why}
    return expectation


def suite(mart: Mart) -> gx.ExpectationSuite:
    unique = (
        gxe.ExpectColumnValuesToBeUnique(column=mart.unique[0])
        if len(mart.unique) == 1
        else gxe.ExpectCompoundColumnsToBeUnique(column_list=list(mart.unique))
    )
    expectations = [
        _critical(gxe.ExpectTableRowCountToBeBetween(min_value=1), f"{mart.what}表不能为空"),
        _critical(unique, f"{mart.what}的键（{'、'.join(mart.unique)}）不能重复"),
        *(
            _critical(gxe.ExpectColumnValuesToNotBeNull(column=c), f"{mart.what}的 {c} 不能为空")
            for c in mart.required
        ),
        *(
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(v)), f"{c} 只能取：{'、'.join(v)}"
            )
            for c, v in mart.codes.items()
        ),
        *(
            _critical(check, f"{c} 必须是 64 位化名键，绝不能是身份证号或姓名")
            for c in mart.person_keys
            for check in (
                gxe.ExpectColumnValuesToMatchRegex(column=c, regex=PERSON_KEY),
                gxe.ExpectColumnValueLengthsToEqual(column=c, value=PERSON_KEY_LENGTH),
            )
        ),
    ]
    return gx.ExpectationSuite(name=f"marts.{mart.table}", expectations=expectations)
