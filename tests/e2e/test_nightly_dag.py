"""The DAGs end to end through the real Airflow (dag.test), dbt, GX and PostgreSQL."""

import os

from openpyxl import load_workbook

from ingest import contract
from ingest.contract import orgunits
from ingest.samples import defects, generator
from tests.helpers import cli, query

LATE, CORRECTED = "520624", "520603"  # 思南县 submits a night late; 万山区 corrects its workbook
HELD = "520621"  # 江口县 resubmits with a duplicate key: held back, its first file stays published


def _log(s) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in (s.home / "logs").glob("*.log"))


def _villages_by_county(s) -> dict[str, int]:
    return dict(
        query(
            s,
            "select county_code, count(*) from marts.fct_village_indicators group by 1",
            role="analyst",
        )
    )


def _publications(s) -> list[tuple]:
    return query(s, "select status, source_high_water from quality.publication order by publication_id")


def test_three_nights_then_a_reprocessing(wh):
    counties = list(orgunits.counties())
    # Night 1: nine counties submit (思南县 is late); all nine are loaded, built, audited, published.
    generator.generate("2025", wh.inbox, counties=[c for c in counties if c != LATE])
    night1 = cli(wh, "nightly")
    assert night1.returncode == 0, night1.stdout[-3000:] + night1.stderr[-3000:]
    after1 = _villages_by_county(wh)
    assert set(after1) == set(counties) - {LATE}
    assert sum(after1.values()) == query(wh, "select count(*) from raw.villages")[0][0]
    assert _publications(wh) == [("published", 9)]
    assert query(
        wh, "select status from quality.completeness where county_code = %s and period = '2025'", (LATE,)
    ) == [("missing",)]
    # the steward's report is written and the night's outcome sent (to the log, by default)
    assert (wh.home / "report" / "report.html").exists()
    assert "【党建统计数仓】已发布" in _log(wh)
    # dbt's parse is kept with this home for the next night (not in a folder every home shares)
    assert (wh.home / "cache" / "cosmos" / "dangjian_dbt_build" / "target" / "partial_parse.msgpack").exists()

    # Night 2: 思南县 arrives late; 万山区 resubmits with 5 fewer villages; 江口县 resubmits with
    # a duplicate row and 3 fewer villages (held back); a broken file comes in.
    rows = generator.county_rows(CORRECTED, "2025")
    generator.generate("2025", wh.inbox, counties=[LATE])
    corrected = wh.inbox / "corrected" / contract.file_name(CORRECTED, "2025")
    generator.write_workbook(corrected, CORRECTED, "2025", {**rows, "villages": rows["villages"][:-5]})
    os.replace(corrected, wh.inbox / f"更正_{corrected.name}")
    held = generator.county_rows(HELD, "2025")
    defects.make_critical(held, HELD, "duplicate_row")
    resent = wh.inbox / "held" / contract.file_name(HELD, "2025")
    generator.write_workbook(resent, HELD, "2025", {**held, "villages": held["villages"][:-3]})
    os.replace(resent, wh.inbox / f"重报_{resent.name}")
    (wh.inbox / "520621_2025_江口县_损坏.xlsx").write_bytes(b"not a workbook")
    night2 = cli(wh, "nightly")
    assert night2.returncode == 0, night2.stdout[-3000:] + night2.stderr[-3000:]
    after2 = _villages_by_county(wh)
    assert set(after2) == set(counties)
    assert after2[CORRECTED] == after1[CORRECTED] - 5
    assert after2[HELD] == after1[HELD]  # held back: its last published figures
    assert {c: n for c, n in after2.items() if c not in (LATE, CORRECTED)} == {
        c: n for c, n in after1.items() if c != CORRECTED
    }
    assert query(wh, "select status, count(*) from raw.submission group by 1 order by 1") == [
        ("accepted", 12),
        ("quarantined", 1),
    ]
    # the night is green, and says whom it held back and why
    assert "【党建统计数仓】已发布（1 个县（区）暂缓发布）" in _log(wh) and "暂缓发布：江口县 2025" in _log(
        wh
    )
    assert query(
        wh,
        "select is_current from marts.mart_county_period_status where county_code = %s",
        (HELD,),
        role="analyst",
    ) == [(False,)]
    newest = query(wh, "select max(submission_id) from raw.submission where status = 'accepted'")[0][0]
    assert _publications(wh) == [("published", 9), ("published", newest)]
    assert query(
        wh,
        "select status from quality.completeness where county_code = %s order by recorded_at desc limit 1",
        (LATE,),
    )[0][0] in ("accepted", "late")

    # Night 3: nothing new; nothing is rebuilt or published again and the marts stay as they were.
    night3 = cli(wh, "nightly")
    assert night3.returncode == 0, night3.stdout[-3000:] + night3.stderr[-3000:]
    assert _publications(wh) == [("published", 9), ("published", newest)]
    assert _villages_by_county(wh) == after2
    assert "【党建统计数仓】无新报送，未重建" in _log(wh)

    # A rule changed: 万山区's 2025 file is read again from the archive, rebuilt and published;
    # the figures stay the same and the reprocessing records which submission it re-read.
    current = query(
        wh,
        "select submission_id from raw.submission where county_code = %s and superseded_by is null"
        " and status = 'accepted'",
        (CORRECTED,),
    )[0][0]
    again = cli(wh, "reprocess", "--period", "2025", "--county", CORRECTED)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert query(
        wh,
        "select reprocess_of, superseded_by is null from raw.submission where submission_id ="
        " (select max(submission_id) from raw.submission)",
    ) == [(current, True)]
    assert _villages_by_county(wh) == after2
    assert [status for status, _ in _publications(wh)] == ["published"] * 3

    # the city's summary workbook, from the published marts
    out = wh.home / "exports" / "summary.xlsx"
    export = cli(wh, "export", "--to", str(out))
    assert export.returncode == 0, export.stderr[-3000:]
    sheet = load_workbook(out)["2025年度"]
    assert sheet.cell(sheet.max_row, 2).value == "全市"
    assert sheet._charts
