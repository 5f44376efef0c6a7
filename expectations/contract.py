"""Contract suites: row-level checks on each parsed sheet, generated from the submission contract.

The reader already enforces types, code lists, patterns and required cells while parsing.
These suites add what needs whole rows or plausible ranges: a column's allowed range
(``Column.min_value``/``max_value``) and order rules between two columns
(``Sheet.order_rules``, e.g. an end date not before its start date). They run through Great
Expectations on a pandas DataFrame of the parsed rows; each failing row comes back with its
``source_row`` so the problem is reported at its cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest.contract import SHEETS, Sheet


@dataclass(frozen=True)
class Failure:
    """One failing row of one expectation: where to report it and what to say."""

    column: str
    source_row: int
    rule: str
    message: str


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"在 {low:g} 到 {high:g} 之间"
    return f"不小于 {low:g}" if low is not None else f"不大于 {high:g}"


def suite(sheet: Sheet) -> gx.ExpectationSuite:
    """The contract suite of a sheet."""
    expectations: list[gxe.Expectation] = []
    for col in sheet.columns:
        if col.min_value is not None or col.max_value is not None:
            e = gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=col.min_value, max_value=col.max_value
            )
            e.meta = {
                "column": col.name,
                "message": f"「{col.header}」应{_bounds(col.min_value, col.max_value)}",
            }
            expectations.append(e)
    for a, b, message in sheet.order_rules:
        e = gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
        )
        e.meta = {"column": a, "message": message}
        expectations.append(e)
    return gx.ExpectationSuite(name=f"contract.{sheet.key}", expectations=expectations)


@cache
def _context() -> tuple[Any, dict[str, Any]]:
    """One ephemeral GX context per process, with a pandas asset and suite per sheet."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(name="parsed_sheets")
    prepared = {}
    for sheet in SHEETS:
        asset = source.add_dataframe_asset(name=sheet.key)
        definition = asset.add_batch_definition_whole_dataframe("rows")
        prepared[sheet.key] = (definition, context.suites.add(suite(sheet)))
    return context, prepared


def prepare() -> None:
    """Build the contract suites now (they are otherwise built on first use)."""
    _context()


def check(sheet: Sheet, source_rows: Sequence[int], values: Mapping[str, Sequence[Any]]) -> list[Failure]:
    """Run the sheet's contract suite on parsed rows, given by column; every failing row, with
    its source row."""
    if not source_rows:
        return []
    import pandas as pd

    _, prepared = _context()
    definition, sheet_suite = prepared[sheet.key]
    if not sheet_suite.expectations:
        return []
    used = {c.name for c in sheet.columns if c.min_value is not None or c.max_value is not None}
    used |= {name for rule in sheet.order_rules for name in rule[:2]}
    missing = [None] * len(source_rows)
    frame = pd.DataFrame(
        {
            "source_row": source_rows,
            **{c.name: values.get(c.name, missing) for c in sheet.columns if c.name in used},
        }
    )
    for col in (c for c in sheet.columns if c.name in used):  # numbers as floats, dates as datetimes
        if col.type in ("integer", "decimal"):
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce")
        elif col.type == "date":
            frame[col.name] = pd.to_datetime(frame[col.name], errors="coerce")
    result = definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        sheet_suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]},
    )
    failures = []
    for res in result.results:
        meta = res.expectation_config.meta or {}
        for index in (res.result or {}).get("unexpected_index_list") or []:
            failures.append(
                Failure(
                    meta["column"],
                    int(index["source_row"]),
                    f"gx_{res.expectation_config.type}",
                    meta["message"],
                )
            )
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"contract check failed to run: {res.exception_info.get('exception_message')}")
    return failures
