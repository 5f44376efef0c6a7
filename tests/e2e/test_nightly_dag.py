"""The nightly DAG end to end through the real Airflow (dag.test), dbt, GX and PostgreSQL."""

import os
import subprocess
import sys

from ingest import contract, sample
from tests.helpers import query


def _nightly(s) -> subprocess.CompletedProcess:
    env = {**os.environ, "DANGJIAN_HOME": str(s.home), "WAREHOUSE_PORT": str(s.port)}
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli", "nightly"], env=env, capture_output=True, text=True, timeout=900
    )


def _published(s) -> int:
    return query(s, "select count(*) from marts.fct_village_indicators", role="analyst")[0][0]


def _publications(s) -> list[tuple]:
    return query(s, "select status, source_high_water from quality.publication order by 1, 2")


def test_three_nights(wh):
    # Night 1: all ten counties submit; everything is loaded, built, audited and published.
    sample.generate("2025", wh.inbox)
    night1 = _nightly(wh)
    assert night1.returncode == 0, night1.stdout[-3000:] + night1.stderr[-3000:]
    raw_rows = query(wh, "select count(*) from raw.villages")[0][0]
    assert _published(wh) == raw_rows > 0
    assert query(
        wh, "select count(distinct county_code) from marts.fct_village_indicators", role="analyst"
    ) == [(10,)]
    assert _publications(wh) == [("published", 10)]
    assert (
        query(wh, "select count(*) from quality.validation_result where run_id like 'manual%%' and success")[
            0
        ][0]
        >= 10
    )

    # Night 2: nothing new; nothing is rebuilt or published again and the marts stay as they were.
    night2 = _nightly(wh)
    assert night2.returncode == 0, night2.stdout[-3000:] + night2.stderr[-3000:]
    assert _publications(wh) == [("published", 10)]
    assert _published(wh) == raw_rows

    # Night 3: 万山区 resubmits a corrected workbook with 5 fewer villages, and a broken file
    # arrives from 思南县; the correction replaces the earlier submission, the broken file is
    # quarantined, and the other counties' data is untouched.
    county = "520603"
    rows = sample.county_rows(county, "2025")
    before = query(wh, "select count(*) from marts.fct_village_indicators where county_code = %s", (county,))[
        0
    ][0]
    corrected = wh.inbox / "corrected" / contract.file_name(county, "2025")
    sample.write_workbook(corrected, county, "2025", {**rows, "villages": rows["villages"][:-5]})
    os.replace(corrected, wh.inbox / f"更正_{corrected.name}")
    (wh.inbox / "520624_2025_思南县_损坏.xlsx").write_bytes(b"not a workbook")
    night3 = _nightly(wh)
    assert night3.returncode == 0, night3.stdout[-3000:] + night3.stderr[-3000:]
    assert query(
        wh,
        "select count(*) from marts.fct_village_indicators where county_code = %s",
        (county,),
        role="analyst",
    ) == [(before - 5,)]
    assert _published(wh) == raw_rows - 5
    assert query(wh, "select status, count(*) from raw.submission group by 1 order by 1") == [
        ("accepted", 11),
        ("quarantined", 1),
    ]
    newest = query(wh, "select max(submission_id) from raw.submission where status = 'accepted'")[0][0]
    assert _publications(wh) == [("published", 10), ("published", newest)]
