"""Great Expectations suites as code: one module per subject, built from the submission contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import great_expectations as gx

#: Lineage columns every mart row carries, so a failing row points back to its cell.
KEY_COLUMNS = ["submission_id", "source_sheet", "source_row"]


def mart_suites() -> dict[str, Callable[[], gx.ExpectationSuite]]:
    """The suites the audit runs on the candidate build: mart table → suite builder."""
    from functools import partial

    from expectations import marts, villages

    builders = {villages.TABLE: villages.suite} | {m.table: partial(marts.suite, m) for m in marts.MARTS}
    return {table: partial(_with_checks, build, table) for table, build in builders.items()}


def _with_checks(build: Callable[[], gx.ExpectationSuite], table: str) -> gx.ExpectationSuite:
    """A mart's suite plus its validation rules (expectations/rules.py) and outlier checks."""
    from expectations import outliers, rules

    suite = build()
    for e in [*rules.expectations_for(table), *outliers.expectations_for(table)]:
        suite.add_expectation(e)
    return suite


def key_columns(table: str) -> list[str]:
    """The columns that name a failing row of ``table`` in the audit's results: its source
    cell (submission, sheet, row) when the mart has lineage, else the mart's own key."""
    from expectations import marts

    return next((m.keys for m in marts.MARTS if m.table == table), KEY_COLUMNS)
