"""Hostile text in a workbook and its file name stays inert: stored as text, shown escaped,
and never escaping the inbox or the archive."""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import load_workbook

from ingest import contract
from ingest.load import discover, ingest_file
from ingest.outputs import corrections, steward_report
from ingest.samples import generator
from tests.helpers import query

COUNTY = "520603"
SHEET_NAME = "村情');drop table raw.cadres;--"  # at most 31 characters, as Excel allows
CELL_TEXT = "x'); drop schema marts cascade; --"
NUMBER_TEXT = "<script>alert('报表')</script>"
HEADER_TEXT = '"; drop table quality.rejected_cells; --'


def _hostile_workbook(path: Path) -> dict[str, str]:
    """A real county workbook with SQL in its villages sheet's name, a text cell and an extra
    header, and markup in a number cell. Returns where the two cells are."""
    generator.write_workbook(path, COUNTY, "2025", generator.county_rows(COUNTY, "2025"))
    book = load_workbook(path)
    sheet = book[contract.VILLAGES.title]
    sheet.title = SHEET_NAME
    letters = {str(c.value).rstrip("*"): c.column_letter for c in sheet[1] if c.value}
    name_cell = f"{letters[contract.VILLAGES.column('org_unit_name').template_header]}2"
    number_cell = f"{letters[contract.VILLAGES.column('grid_count').template_header]}3"
    sheet[name_cell] = CELL_TEXT
    sheet[number_cell] = NUMBER_TEXT
    sheet.cell(1, sheet.max_column + 1, HEADER_TEXT)
    book.save(path)
    return {"name": name_cell, "number": number_cell}


def test_sql_in_sheet_names_headers_and_cells_is_stored_as_inert_text(wh, tmp_path):
    path = wh.inbox / contract.file_name(COUNTY, "2025")
    wh.inbox.mkdir(parents=True, exist_ok=True)
    cells = _hostile_workbook(path)
    result = ingest_file(path, wh)
    assert result.status == "accepted"

    # the text is data: stored exactly as typed, under the sheet name exactly as given
    assert query(
        wh, "select org_unit_name from raw.villages where sheet = %s and source_row = 2", (SHEET_NAME,)
    ) == [(CELL_TEXT,)]
    assert query(
        wh,
        "select sheet, cell, original_text from quality.rejected_cells where column_name = 'grid_count'",
    ) == [(SHEET_NAME, cells["number"], NUMBER_TEXT)]
    # and nothing it spelt out happened
    tables = {
        t for (t,) in query(wh, "select tablename from pg_tables where schemaname in ('raw', 'quality')")
    }
    assert {"submission", "rejected_cells", "cadres"} <= tables
    assert query(wh, "select count(*) from pg_namespace where nspname = 'marts'") == [(1,)]
    assert query(wh, "select count(*) from raw.submission") == [(1,)]

    # the steward's report shows the markup as text, not as markup
    page = steward_report.render(wh)
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    # the correction workbook marks the cell in the sheet of that name, and writes text as text
    [back] = corrections.write(wh, tmp_path / "out")
    marked = load_workbook(back)
    assert marked[SHEET_NAME][cells["number"]].comment is not None
    summary = marked[corrections.SUMMARY_SHEET]
    assert SHEET_NAME in [summary.cell(r, 2).value for r in range(2, summary.max_row + 1)]


def test_file_names_with_control_characters_and_dots_stay_inside_inbox_and_archive(wh):
    [made] = generator.generate("2025", wh.inbox, counties=[COUNTY])
    hostile = wh.inbox / "..\x1b[31m\x07..\u202e〔更正〕..xlsx"
    os.replace(made, hostile)
    assert discover(wh) == [hostile]
    result = ingest_file(hostile, wh)
    assert result.status == "accepted"
    [(name, archived)] = query(wh, "select file_name, archive_path from raw.submission")
    assert name == hostile.name  # recorded as received
    archive = Path(wh.archive).resolve()
    assert Path(archived).resolve().is_relative_to(archive)
    assert Path(archived).name == f"{result.sha256}.xlsx"  # addressed by content, not by name
    assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == [f"{result.sha256}.xlsx"]
