"""Helpers for golden cases: each case folder has ``build.py`` (a ``build(path)`` function that
writes ``input.xlsx``), ``expected.csv`` (sheet, source_row, column, value: every value the
reader must produce) and ``expected_errors.csv`` (sheet, cell, rule: every rejection).
Adding a case is adding a folder; no test code changes."""

from __future__ import annotations

from openpyxl import Workbook

from ingest import contract
from ingest.workbook import template

COUNTY, PERIOD = "520603", "2025"


def blank(county: str = COUNTY, period: str = PERIOD) -> Workbook:
    """The official template for a county, empty, ready to be typed into."""
    return template.build(county, period)


def village_columns() -> list[str]:
    return [c.name for c in contract.VILLAGES.columns]


def put(ws, row: int, values: dict[str, object], sheet: contract.Sheet = contract.VILLAGES) -> None:
    """Type ``values`` into ``row`` of a sheet laid out as the template lays it out."""
    names = [c.name for c in sheet.columns]
    for name, value in values.items():
        ws.cell(row, names.index(name) + 1, value)


def rewrite_sheet_xml(path, replacements: dict[bytes, bytes]) -> None:
    """Replace pieces of the saved workbook's sheet XML, for what openpyxl cannot write (a
    formula with its calculated result); each piece must be found."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    for old, new in replacements.items():
        name = next(n for n, xml in parts.items() if n.startswith("xl/worksheets/") and old in xml)
        parts[name] = parts[name].replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
