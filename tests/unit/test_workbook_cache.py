"""The tests' workbook cache (tests/workbook_cache.py) gives the bytes openpyxl would have."""

import hashlib
import time
import zipfile

from python_calamine import CalamineWorkbook

from ingest.samples import generator
from ingest.workbook import template
from tests import workbook_cache


def _cells(path) -> dict:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_same_content_is_copied_with_a_new_save_time_and_other_content_is_written(tmp_path):
    assert template.write.cached  # installed by tests/conftest.py for every test
    workbook_cache.install(tmp_path / "cache")  # already installed: left as it is
    rows = generator.county_rows("520603", "2025")
    first = generator.write_workbook(tmp_path / "a.xlsx", "520603", "2025", rows)
    time.sleep(1.1)
    again = generator.write_workbook(tmp_path / "b.xlsx", "520603", "2025", rows)
    # the same cells, but bytes of its own, saved later (as a second openpyxl save would be)
    assert _cells(first) == _cells(again)
    assert hashlib.sha256(first.read_bytes()).digest() != hashlib.sha256(again.read_bytes()).digest()
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(again) as b:
        assert a.namelist() == b.namelist()
        assert a.read("docProps/core.xml") != b.read("docProps/core.xml")
        assert all(a.read(n) == b.read(n) for n in a.namelist() if n != "docProps/core.xml")
        assert b"<dcterms:modified" in b.read("docProps/core.xml")
    # other rows: written anew, with those rows
    fewer = {**rows, "villages": rows["villages"][:-2]}
    other = generator.write_workbook(tmp_path / "c.xlsx", "520603", "2025", fewer)
    villages = next(n for n in _cells(first) if n.startswith("村"))
    assert len(_cells(other)[villages]) == len(_cells(first)[villages]) - 2
