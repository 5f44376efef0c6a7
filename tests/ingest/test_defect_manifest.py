"""The reader against the sample generator's ground truth: every injected defect found at its
exact cell, nothing else reported, and every tolerable mess parsed to the original value."""

import csv
from decimal import Decimal

import pytest

from ingest.samples import generator
from ingest.workbook.book import column_letter
from ingest.workbook.reader import read_workbook

COUNTIES = ["520602", "520603", "520622", "520623"]
LAYOUT = {"header_synonym", "header_whitespace", "renamed_sheet"}  # not values: nothing to compare


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    generator.generate("2025", out, counties=COUNTIES, seed=11, defects=0.6)
    with (out / generator.DEFECTS_MANIFEST).open(encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    return out, manifest


def test_the_corpus_has_both_kinds_of_defect(messy):
    _, manifest = messy
    assert {d["expect"] for d in manifest} == {"parse", "reject"}
    assert len({d["kind"] for d in manifest}) >= 15


@pytest.mark.parametrize("county", COUNTIES)
def test_every_rejectable_defect_is_reported_at_its_cell_and_nothing_else(messy, county):
    out, manifest = messy
    path = next(out.glob(f"{county}_*.xlsx"))
    book = read_workbook(path)
    expected = {
        (d["sheet"], d["cell"]) for d in manifest if d["file"] == path.name and d["expect"] == "reject"
    }
    # refused at their cells; what follows from a refused row (a trainee no longer on the
    # roster it was refused from) is only flagged, and the row kept
    reported = {(p.sheet, p.cell) for p in book.problems if not p.row_loaded}
    assert reported == expected, {"missed": expected - reported, "unexpected": reported - expected}
    assert all(p.severity == "warning" for p in book.problems if p.row_loaded)


def _same(parsed, original: str) -> bool:
    if isinstance(parsed, Decimal | int) and not isinstance(parsed, bool):
        return Decimal(str(parsed)) == Decimal(original)
    return str(parsed) == original


@pytest.mark.parametrize("county", COUNTIES)
def test_tolerable_mess_parses_to_the_original_value(messy, county):
    out, manifest = messy
    path = next(out.glob(f"{county}_*.xlsx"))
    book = read_workbook(path)
    by_cell = {}
    for data in book.sheets.values():
        names = [c.name for c in data.sheet.columns]
        for row in data.rows:
            for name in names:
                by_cell[(data.title, f"{column_letter(data.column_index[name])}{row['source_row']}")] = (
                    row,
                    name,
                )
    cell_defects = [
        d
        for d in manifest
        if d["file"] == path.name and d["expect"] == "parse" and d["original"] and d["kind"] not in LAYOUT
    ]
    rejected_rows = {
        (d["sheet"], d["cell"].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        for d in manifest
        if d["file"] == path.name and d["expect"] == "reject"
    }
    cell_defects = [
        d
        for d in cell_defects
        if (d["sheet"], d["cell"].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) not in rejected_rows
    ]
    assert cell_defects
    for d in cell_defects:
        row, name = by_cell[(d["sheet"], d["cell"])]
        assert _same(row[name], d["original"]), (d, row[name])
        if d["kind"] == "approximate":
            assert name in row["approximate_columns"]


def test_clean_generated_workbooks_have_no_problems(tmp_path):
    for path in generator.generate("2025", tmp_path, counties=COUNTIES[:2], seed=11):
        assert read_workbook(path).problems == []
