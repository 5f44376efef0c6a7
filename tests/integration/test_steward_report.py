"""The steward's HTML report, opened in a real headless Chromium: what a steward sees."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from ingest import contract
from ingest.contract import orgunits
from ingest.load import ingest_file
from ingest.outputs import steward_report
from ingest.samples import generator
from tests.helpers import query

CLEAN, MESSY, BROKEN = "520602", "520603", "520624"


def _chromium(*args: str) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Chromium is installed by .ci/ensure-services (make test runs it)"
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def report(wh, tmp_path, monkeypatch):
    monkeypatch.setenv("DANGJIAN_DEADLINE_DAYS", "100000")  # everything received counts as on time
    inbox = tmp_path / "inbox"
    clean = generator.generate("2025", inbox, counties=[CLEAN])[0]
    messy = generator.generate("2025", tmp_path / "messy", counties=[MESSY], seed=5, defects=0.5)[0]
    broken = inbox / contract.file_name(BROKEN, "2025")
    broken.write_bytes(b"PK\x03\x04 truncated upload")
    for path in (clean, messy, broken):
        ingest_file(path, wh)
    return steward_report.write(wh, tmp_path / "report")


def test_the_report_shows_each_countys_status_and_every_rejected_cell(report, wh, tmp_path):
    text = _chromium("--dump-dom", report.as_uri()).stdout
    names = orgunits.counties()
    assert f"{names[CLEAN]}</td><td>{CLEAN}</td><td>2025</td>\n    <td>已接收" in text
    assert f"{names[MESSY]}</td><td>{MESSY}</td><td>2025</td>\n    <td>已接收" in text
    missing = [c for c in names if c not in (CLEAN, MESSY)]
    assert text.count("<td>未报送</td>") == len(missing)
    assert "报送率 20%" in text  # two of ten counties delivered a usable workbook
    sheet, cell, message = query(
        wh,
        "select r.sheet, r.cell, r.message from quality.rejected_cells r join raw.submission s using (submission_id)"
        " where s.county_code = %s order by r.rejected_cell_id limit 1",
        (MESSY,),
    )[0]
    assert f"{sheet}!{cell}" in text and message.replace("<", "&lt;") in text

    shot = tmp_path / "report.png"
    _chromium("--window-size=1280,1600", f"--screenshot={shot}", report.as_uri())
    data = shot.read_bytes()
    width, height = struct.unpack(">II", data[16:24])  # the PNG header
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and (width, height) == (1280, 1600) and len(data) > 50_000
