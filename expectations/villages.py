"""Expectations on the villages mart (``fct_village_indicators``) in the candidate build."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest.contract import orgunits

TABLE = "fct_village_indicators"


def _critical(expectation: gxe.Expectation, why: str) -> gxe.Expectation:
    expectation.meta = {"severity": "critical", "explanation": why}
    return expectation


def suite() -> gx.ExpectationSuite:
    """Checks every published build of the villages mart must pass. The values themselves
    (codes, ratings, types, plausible counts) are checked by the rule set on the rows the
    build is made from (expectations/rules.py)."""
    return gx.ExpectationSuite(
        name="marts.villages",
        expectations=[
            _critical(gxe.ExpectTableRowCountToBeBetween(min_value=1), "村情事实表不能为空"),
            _critical(
                gxe.ExpectColumnValuesToNotBeNull(column="org_unit_code"), "每行都必须有村（社区）代码"
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="county_code", value_set=sorted(orgunits.counties())),
                "县（区）代码必须是本系统受理的县（区）（默认：铜仁市十个县区）",
            ),
            _critical(
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["period", "org_unit_code"]),
                "同一期间每个村（社区）只能有一行",
            ),
        ],
    )
