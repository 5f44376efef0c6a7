"""Great Expectations suites as code, built from the submission contract and the rule set.

The audit (``ingest/quality/audit.py``) finds this package through the ``dangjian.audit``
entry point in pyproject.toml and calls :func:`mart_suites`, :func:`rule_suites`,
:func:`rule_targets` and :func:`key_columns`; this package imports ``ingest``, never the reverse.

Two kinds of target: the rows the build is made from, checked against the rule set of
``ingest/contract/rules.py`` (``expectations/rules.py``), and the marts of the candidate build
(``expectations/marts.py``: not empty; outliers in ``expectations/outliers.py``). The marts'
structure (keys, required columns, code lists, relationships, person keys) is dbt's to test.
"""

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

    from expectations import marts

    return {m.table: partial(_with_outliers, partial(marts.suite, m), m.table) for m in marts.MARTS}


def _with_outliers(build: Callable[[], gx.ExpectationSuite], table: str) -> gx.ExpectationSuite:
    """A mart's suite plus its outlier checks (history across periods: only on the marts)."""
    from expectations import outliers

    suite = build()
    for e in outliers.expectations_for(table):
        suite.add_expectation(e)
    return suite


def rule_suites() -> dict[str, gx.ExpectationSuite]:
    """The rule set's suites: rule target (a sheet's rows the build is made from) → suite."""
    from expectations import rules

    return rules.suites()


def rule_targets() -> dict[str, str]:
    """The rule targets: name → the query of the rows it checks."""
    from expectations import rules

    return rules.targets()


def key_columns(table: str) -> list[str]:
    """The columns that name a failing row of ``table`` (a mart or a rule target) in the audit's
    results: its source cell (submission, sheet, row) when it has one, else the mart's own key."""
    from expectations import marts, rules

    if table in rules.targets():
        return rules.key_columns(table)
    return next((m.keys for m in marts.MARTS if m.table == table), KEY_COLUMNS)
