"""Golden cases: every folder in cases/ is a test (see golden.py for the layout)."""

import csv
import runpy
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.workbook.reader import read_workbook

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if (p / "build.py").exists())


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _text(value) -> str:
    """A value as the CSV writes it; numbers compared by value (20 and 20.0 are the same)."""
    if isinstance(value, list):
        return ";".join(value)
    text = str(value)
    try:
        return format(Decimal(text).normalize(), "f") if not isinstance(value, bool) else text
    except ArithmeticError:
        return text


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_case(case: Path, tmp_path: Path):
    path = tmp_path / "520603_2025_万山区.xlsx"
    runpy.run_path(str(case / "build.py"))["build"](path)
    book = read_workbook(path, max_rejected_share=1)
    got_rows = {
        (data.title, str(row["source_row"]), name, _text(value))
        for data in book.sheets.values()
        for row in data.rows
        for name, value in row.items()
        if name != "source_row" and value not in (None, [])
    }
    expected_rows = {
        (r["sheet"], r["source_row"], r["column"], _text(r["value"])) for r in _csv(case / "expected.csv")
    }
    assert got_rows == expected_rows, {
        "missing": expected_rows - got_rows,
        "unexpected": got_rows - expected_rows,
    }
    got_errors = {(p.sheet, p.cell, p.rule) for p in book.problems if not p.row_loaded}
    expected_errors = {(r["sheet"], r["cell"], r["rule"]) for r in _csv(case / "expected_errors.csv")}
    assert got_errors == expected_errors, {
        "missing": expected_errors - got_errors,
        "unexpected": got_errors - expected_errors,
    }
