"""The sample generator: deterministic, valid, and honest about defects. That its rows reproduce the
article's figures is checked on a warehouse built from them: tests/integration/test_seed_figures_sql.py."""

import csv
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ingest import contract, seed_figures
from ingest.contract import codes, orgunits
from ingest.samples import generator
from ingest.workbook.reader import read_workbook


def test_the_article_counties_workbooks_read_back_without_a_problem(tmp_path):
    """Their rows are written by hand to the article's figures (the figures themselves are
    checked on a built warehouse: tests/integration/test_seed_figures_sql.py)."""
    article = sorted({f.county for f in seed_figures.FIGURES})
    paths = generator.generate(seed_figures.PERIOD, tmp_path, counties=article)
    assert [read_workbook(p).problems for p in paths] == [[]] * len(article)


def test_generation_is_deterministic_for_a_seed():
    assert generator.county_rows("520602", "2025", seed=7) == generator.county_rows("520602", "2025", seed=7)
    assert generator.county_rows("520602", "2025", seed=7) != generator.county_rows("520602", "2025", seed=8)


@pytest.mark.parametrize("county", list(orgunits.counties("city")))
def test_rows_are_valid_and_consistent(county):
    rows = generator.county_rows(county, "2025")
    assert all(len(rows[k]) > 0 for k in ("cadres", "training", "villages", "enterprises"))
    roster = {r["id_number"] for r in rows["cadres"]}
    assert all(codes.is_valid_id_number(i) for i in roster)
    assert {r["id_number"] for r in rows["training"]} <= roster  # every attendee is in the roster
    mentors = {r[k] for r in rows["cadres"] for k in ("mentor1_id_number", "mentor2_id_number") if r.get(k)}
    assert mentors <= roster
    assert {r["instructor_id_number"] for r in rows["enterprises"]} <= roster
    assert all(codes.is_valid_credit_code(r["credit_code"]) for r in rows["enterprises"])
    known = {u.code for u in orgunits.units(county)}
    assert {r["org_unit_code"] for r in rows["villages"]} == known
    assert all(r["start_date"] <= generator.period_end("2025") for r in rows["cadres"] + rows["training"])
    for r in rows["cadres"]:  # sex agrees with the ID number's 17th digit
        assert (int(r["id_number"][16]) % 2 == 1) == (r["sex"] == "男")
    strong = [r for r in rows["villages"] if r.get("collective_net_income") is not None]
    assert all(r["collective_net_income"] <= r["collective_operating_income"] for r in strong)


def test_province_scale_reuses_the_generator(tmp_path, monkeypatch):
    province = orgunits.counties("province")
    assert len(province) == 88 and set(orgunits.counties("city")) <= set(province)
    others = [c for c in province if c not in orgunits.counties("city")][:2]
    paths = generator.generate("2025", tmp_path, counties=others, workers=1)
    monkeypatch.setenv("DANGJIAN_REGION", "province")
    assert [read_workbook(p).county_code for p in paths] == others
    assert len(orgunits.counties("national")) == 2800


def _grid(books: dict, path: Path, title: str) -> list[list]:
    """A sheet's values; each workbook is read once into ``books`` for all its sheets."""
    if path not in books:
        books[path] = load_workbook(path)
    return [[c.value for c in row] for row in books[path][title].iter_rows()]


def test_the_defect_manifest_lists_every_injected_defect_and_nothing_else(tmp_path):
    clean_dir, messy_dir = tmp_path / "clean", tmp_path / "messy"
    counties = ["520602", "520622"]
    generator.generate("2025", clean_dir, counties=counties, seed=3, workers=1)
    generator.generate("2025", messy_dir, counties=counties, seed=3, defects=0.5, workers=1)
    with (messy_dir / generator.DEFECTS_MANIFEST).open(encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    assert manifest, "a 0.5 defect rate injects something"
    kinds = Counter(d["kind"] for d in manifest)
    assert {"wrong_check_digit", "negative_number"} & set(kinds)
    for path in sorted(messy_dir.glob("*.xlsx")):
        books: dict = {}  # this county's clean and messy workbooks
        entries = [d for d in manifest if d["file"] == path.name]
        renamed = {d["original"]: d["sheet"] for d in entries if d["kind"] == "renamed_sheet"}
        for s in contract.SHEETS:
            title = renamed.get(s.title, s.title)
            mine = [d for d in entries if d["sheet"] == title]
            clean = _grid(books, clean_dir / path.name, s.title)
            messy = _grid(books, path, title)
            # drop the rows the manifest says were inserted; every other difference from the
            # clean workbook must be a listed cell, and every listed cell must differ
            inserted: set[int] = set()
            for d in mine:
                if d["kind"] in ROW_SPANS and d["cell"]:
                    row = int(d["cell"].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                    inserted |= set(range(row, row + ROW_SPANS[d["kind"]]))
            listed = {d["cell"] for d in mine if d["cell"] and d["kind"] not in ROW_SPANS}
            messy_rows = [
                (i, row)
                for i, row in enumerate(messy, start=1)
                if i not in inserted and any(v is not None for v in row)
            ]
            clean_rows = [row for row in clean if any(v is not None for v in row)]
            assert len(messy_rows) == len(clean_rows), (path.name, s.title)
            for (row_no, got), want in zip(messy_rows, clean_rows, strict=True):
                for c, (a, b) in enumerate(zip(got, want, strict=False), start=1):
                    if a != b:
                        cell = f"{get_column_letter(c)}{row_no}"
                        assert cell in listed, (path.name, title, cell, a, b)
                        listed.discard(cell)
            assert not listed, f"listed but not changed: {listed}"


#: Defects that insert whole rows, and how many.
ROW_SPANS = {
    "title_rows": 2,
    "merged_header": 1,
    "instruction_row": 1,
    "blank_rows": 1,
    "footer_rows": 3,
    "totals_row": 1,
    "duplicate_row": 1,
}


def test_rows_scale_shrinks_generic_counties_only_and_stays_valid(tmp_path, monkeypatch):
    """Scale benchmarks (bench/night.py --scale national) ask for fewer rows per county."""
    generic = next(c for c in orgunits.counties("national") if c not in orgunits.counties("city"))
    full, small = (
        generator.county_rows(generic, "2025"),
        generator.county_rows(generic, "2025", rows_scale=0.1),
    )
    assert 0 < len(small["cadres"]) < len(full["cadres"]) / 3
    assert 0 < len(small["villages"]) < len(full["villages"])
    assert generator.county_rows("520626", "2025", rows_scale=0.1) == generator.county_rows("520626", "2025")
    monkeypatch.setenv("DANGJIAN_REGION", "national")
    (path,) = generator.generate("2025", tmp_path, counties=[generic], workers=1, rows_scale=0.1)
    book = read_workbook(path)
    assert book.problems == [] and book.sheets["cadres"].row_count == len(small["cadres"])
