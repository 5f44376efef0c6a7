"""Correction workbooks: the county's own file, every problem marked at its cell and nowhere else."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook

from ingest import contract
from ingest.load import ingest_file
from ingest.outputs import corrections
from ingest.samples import generator

COUNTIES = ["520603", "520624"]


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    """Two counties' workbooks with injected defects, and the manifest of where they are."""
    inbox = tmp_path_factory.mktemp("inbox")
    paths = generator.generate("2025", inbox, counties=COUNTIES, seed=5, defects=0.5)
    with (inbox / generator.DEFECTS_MANIFEST).open(encoding="utf-8") as fh:
        return paths, list(csv.DictReader(fh))


def _marked(book) -> dict[tuple[str, str], str]:
    """(sheet, cell) → comment text, for every highlighted cell of a correction workbook."""
    marked = {}
    for ws in book.worksheets[1:]:
        for row in ws.iter_rows():
            for cell in row:
                if cell.fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE"):
                    marked[(ws.title, cell.coordinate)] = cell.comment.text if cell.comment else ""
    return marked


def test_correction_workbooks_mark_exactly_the_injected_defects(wh, tmp_path, defective):
    paths, manifest = defective
    for path in paths:
        assert ingest_file(path, wh).status == "accepted"

    written = corrections.write(wh, tmp_path / "out")
    assert len(written) == len(COUNTIES)
    for path in written:
        county = path.name[:6]
        original = next(p for p in paths if p.name.startswith(county))
        expected = {
            (d["sheet"], d["cell"])
            for d in manifest
            if d["file"] == original.name and d["expect"] == "reject"
        }
        book = load_workbook(path)
        marked = _marked(book)
        assert expected and set(marked) == expected, {
            "missed": expected - set(marked),
            "extra": set(marked) - expected,
        }
        assert all("（规则：" in text and len(text) > 10 for text in marked.values())
        assert book.sheetnames[0] == corrections.SUMMARY_SHEET
        summary = list(book[corrections.SUMMARY_SHEET].iter_rows(min_row=2, values_only=True))
        assert {(r[1], r[2]) for r in summary} >= expected
        # the column is named as the county's sheet shows it, not by the warehouse's name
        headers = {c.template_header for s in contract.SHEETS for c in s.columns}
        assert {r[3] for r in summary if r[3]} <= headers
        assert book.sheetnames[1:] == load_workbook(original, read_only=True).sheetnames  # the county's own


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for i, text in enumerate(("=1+1", "+86", "-3", "@SUM(A1)", "普通"), start=1):
        corrections.text_cell(book.active.cell(i, 1), text)
    book.save(tmp_path / "t.xlsx")
    cells = [c.value for (c,) in load_workbook(tmp_path / "t.xlsx").active.iter_rows()]
    assert cells == ["=1+1", "+86", "-3", "@SUM(A1)", "普通"]
    assert all(c.data_type == "s" for (c,) in load_workbook(tmp_path / "t.xlsx").active.iter_rows())


def test_only_the_asked_county_and_the_same_findings_annotated_once(wh, tmp_path, defective):
    """Only the county or period asked for; a night with nothing new copies last night's
    correction workbooks; new findings, or an entry not asked for in CACHE_DAYS, make it anew."""
    import dataclasses
    import os
    import time

    s = dataclasses.replace(wh, home=tmp_path / "home")  # a cache of its own
    paths, _ = defective
    for path in paths:
        ingest_file(path, s)
    assert [p.name[:6] for p in corrections.write(s, tmp_path / "one", county="520624")] == ["520624"]
    assert corrections.write(s, tmp_path / "none", period="2024") == []

    for old in (s.home / "cache" / "annotated").glob("*.xlsx"):
        old.unlink()
    first = corrections.write(s, tmp_path / "night1")
    cache = s.home / "cache" / "annotated"
    made = sorted(cache.glob("*.xlsx"))
    assert len(made) == len(first) == len(COUNTIES)
    assert sorted(p.read_bytes() for p in made) == sorted(p.read_bytes() for p in first)

    made[0].write_bytes(b"kept from the night before")  # what the next night copies, if it copies
    second = corrections.write(s, tmp_path / "night2")
    assert sorted(p.read_bytes() for p in second).count(b"kept from the night before") == 1

    sub = corrections.with_problems(s)[0]
    fewer = dataclasses.replace(sub, findings=sub.findings[1:])
    held = dataclasses.replace(sub, held_for=("另一原因",))
    assert len({corrections._digest(x) for x in (sub, fewer, held)}) == 3

    long_ago = time.time() - (corrections.CACHE_DAYS + 1) * 86400
    os.utime(made[0], (long_ago, long_ago))
    os.utime(made[1], (long_ago, long_ago))
    third = corrections.write(s, tmp_path / "night3")  # asks for both again: both kept
    assert sorted(cache.glob("*.xlsx")) == made
    asked = third[0].name[:6]
    [kept] = [cache / f"{corrections._digest(x)}.xlsx" for x in corrections.with_problems(s, county=asked)]
    for old in made:
        os.utime(old, (long_ago, long_ago))
    corrections.write(s, tmp_path / "night4", county=asked)  # asks for one only
    assert list(cache.glob("*.xlsx")) == [kept]
