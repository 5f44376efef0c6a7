"""Expectations on the villages mart (``fct_village_indicators``) in the candidate build."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest import orgunits
from ingest.contract import VILLAGES

TABLE = "fct_village_indicators"


def _critical(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    expectation.meta = {"severity": "critical", "explanation": why}
    return expectation


def _warning(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    expectation.meta = {"severity": "warning", "explanation": why}
    return expectation


def suite() -> gx.ExpectationSuite:
    """Checks every published build of the villages mart must pass (critical) or report (warning)."""
    code = VILLAGES.column("org_unit_code")
    township = VILLAGES.column("township_code")
    rating = VILLAGES.column("party_org_rating")
    unit_type = VILLAGES.column("unit_type")
    return gx.ExpectationSuite(
        name="marts.villages",
        expectations=[
            _critical(gxe.ExpectTableRowCountToBeBetween(min_value=1), "村情事实表不能为空"),
            _critical(
                gxe.ExpectColumnValuesToNotBeNull(column="org_unit_code"), "每行都必须有村（社区）代码"
            ),
            _critical(
                gxe.ExpectColumnValuesToMatchRegex(column="org_unit_code", regex=code.pattern),
                "村（社区）代码应为 12 位铜仁市统计用区划代码",
            ),
            _critical(
                gxe.ExpectColumnValuesToMatchRegex(column="township_code", regex=township.pattern),
                "乡镇（街道）代码应为 9 位代码",
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="county_code", value_set=sorted(orgunits.counties())),
                "县（区）代码必须是本系统受理的县（区）（默认：铜仁市十个县区）",
            ),
            _critical(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["period", "org_unit_code"]),
                "同一期间每个村（社区）只能有一行",
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="party_org_rating", value_set=list(rating.codes)),
                "党组织定级只能是先进、一般、后进",
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="unit_type", value_set=list(unit_type.codes)),
                "类型只能是行政村、社区、小区党支部",
            ),
            _warning(
                gxe.ExpectColumnValuesToBeBetween(column="grid_count", min_value=0, max_value=60),
                "单个村（社区）网格数超出常见范围（0–60），请核实",
            ),
        ],
    )
