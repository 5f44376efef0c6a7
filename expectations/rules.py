"""The rule set on the build: every rule of ``ingest/contract/rules.py`` as a Great Expectations check.

The audit checks each sheet's rows the build is made from (``ingest.contract.rules.relation``) with one
``UnexpectedRowsExpectation`` per rule, and the figures of each county-period's submission
with the rules judged on a whole submission. A failing row comes back with its lineage
(submission, sheet, row) and the values of the columns the rule reads, so it is reported at
the same cells, with the same explanation, as ``dangjian check`` reports it on the workbook.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest.contract import SHEETS, rules
from ingest.contract.expressions import SUBMISSIONS_RELATION, relation

#: The audit's name for the rows of each sheet, and for the county-periods' submissions.
SHEET_TARGET = "rules.{}"
SUBMISSIONS_TARGET = "rules.submissions"


def targets() -> dict[str, str]:
    """Each target the rules are checked on: its name → the SQL of its rows."""
    found = {SHEET_TARGET.format(s.key): relation(s.key) for s in SHEETS}
    return found | {SUBMISSIONS_TARGET: SUBMISSIONS_RELATION}


def _expectation(rule: rules.Rule) -> gxe.Expectation:
    e = gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=rule.failing_rows_query(), description=f"{rule.rule_id}: {rule.explanation}"
    )
    e.meta = {
        "severity": rule.importance,
        "explanation": rule.explanation,
        "rule_id": rule.rule_id,
        "column": rule.columns[0] if rule.columns else None,
        "columns": rule.columns,
        "across_counties": rule.per == "counties",  # checked whole whenever a county changed
    }
    return e


def suites() -> dict[str, gx.ExpectationSuite]:
    """The rule suites, by target."""
    found: dict[str, list] = {name: [] for name in targets()}
    for rule in rules.all_rules():
        target = SUBMISSIONS_TARGET if rule.per == "submission" else SHEET_TARGET.format(rule.sheet)
        found[target].append(_expectation(rule))
    return {name: gx.ExpectationSuite(name=name, expectations=checks) for name, checks in found.items()}


def key_columns(target: str) -> list[str]:
    """The columns that name a failing row of a target."""
    if target == SUBMISSIONS_TARGET:
        return ["county_code", "period", "submission_id"]
    return ["submission_id", "source_sheet", "source_row", "county_code"]
