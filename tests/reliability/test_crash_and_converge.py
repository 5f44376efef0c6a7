"""Kill the process (SIGKILL) in the middle of each step; a normal rerun converges.

Each step runs as the command a user or task runs (``dangjian ingest``, ``dangjian dbt build``,
``dangjian publish``). To kill it at a known point, the test holds a lock the step needs next
(a raw table for COPY, a source table for dbt, the audit's results table, the publication
record the publish transaction ends with), waits until the step's backend is waiting on it,
and sends SIGKILL to the whole process group. The published state after the reruns must equal an uninterrupted
night's: every ``marts`` table's content hash, every file registered exactly once.
"""

from __future__ import annotations

import os
import signal
import time

import psycopg

from ingest import contract
from ingest.samples import defects, generator
from tests.helpers import cli, content_hash, query, reset_warehouse

COUNTIES = ["520603", "520624"]
HELD = "520621"  # sends a workbook with a critical problem: held back, never published


def _inbox(s) -> None:
    """Two good counties' workbooks and one that is held back at ingest."""
    generator.generate("2025", s.inbox, counties=COUNTIES)
    rows = generator.county_rows(HELD, "2025")
    defects.make_critical(rows, HELD, "duplicate_row")
    generator.write_workbook(s.inbox / contract.file_name(HELD, "2025"), HELD, "2025", rows)


def _step(s, *args: str) -> None:
    done = cli(s, *args)
    assert done.returncode == 0, f"dangjian {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


def _killed_while_waiting(s, lock: str, waiting_on: str, *args: str) -> None:
    """Run ``dangjian <args>`` while holding ``lock``; SIGKILL it once a backend of it waits
    for that lock in a statement matching ``waiting_on``; then let go."""
    with (
        psycopg.connect(s.url()) as holder,
        psycopg.connect(s.url(), autocommit=True) as watcher,
    ):
        holder.execute(lock)  # held until the rollback below
        proc = cli(s, *args, start_new_session=True)
        try:
            blocked = None
            deadline = time.monotonic() + 600
            while blocked is None and time.monotonic() < deadline and proc.poll() is None:
                blocked = watcher.execute(
                    "select pid from pg_stat_activity where wait_event_type = 'Lock' and query ilike %s",
                    (waiting_on,),
                ).fetchone()
                time.sleep(0.2)
            assert blocked, f"never blocked on {waiting_on}: {proc.communicate()[0][-3000:]!r}"
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        # the server learns of the dead client when it next talks to it; end that wait now
        watcher.execute("select pg_terminate_backend(%s)", blocked)
        holder.rollback()


def _received(s) -> list[tuple]:
    return query(s, "select file_name, count(*) from raw.submission group by 1 order by 1")


def test_a_night_killed_at_every_step_converges_to_the_uninterrupted_one(wh):
    # the uninterrupted night
    _inbox(wh)
    _step(wh, "ingest")
    _step(wh, "dbt", "build")
    _step(wh, "publish")
    reference, received = content_hash(wh), _received(wh)
    raw_rows = query(wh, "select count(*) from raw.villages")
    assert len(received) == len(COUNTIES) + 1 and reference["fct_village_indicators"].split(":")[0] != "0"
    published = {c for (c,) in query(wh, "select distinct county_code from marts.fct_cadre_roster")}
    assert published == set(COUNTIES)  # the held county is not in marts

    reset_warehouse(wh)
    _inbox(wh)

    # 1. killed during COPY (the villages sheet, after the cadres and training sheets went in)
    _killed_while_waiting(wh, "lock table raw.villages in share mode", "copy raw.villages%", "ingest")
    assert query(wh, "select count(*) from raw.submission") == [(0,)]  # all of it or none of it
    assert query(wh, "select count(*) from raw.cadres") == [(0,)]
    _step(wh, "ingest")
    assert _received(wh) == received and query(wh, "select count(*) from raw.villages") == raw_rows

    # 2. killed during the dbt build (a mart that reads the enterprises sheet)
    _killed_while_waiting(
        wh, "lock table raw.enterprises in access exclusive mode", "%raw%enterprises%", "dbt", "build"
    )
    _step(wh, "dbt", "build")

    # 3. killed while the audit writes its results, and 4. inside the publish transaction
    # (`dangjian publish` builds, audits and publishes): marts stay as they were, and the
    # lease the killed command held does not keep the next one waiting
    _killed_while_waiting(
        wh,
        "lock table quality.validation_result in share mode",
        "%quality.validation_result%",
        "publish",
    )
    assert query(wh, "select count(*) from pg_tables where schemaname = 'marts'") == [(0,)]
    _killed_while_waiting(
        wh,
        "lock table quality.publication in share mode",
        "insert into quality.publication%",
        "publish",
    )
    assert query(wh, "select count(*) from pg_tables where schemaname = 'marts'") == [(0,)]
    assert query(wh, "select count(*) from quality.publication where status = 'published'") == [(0,)]

    _step(wh, "publish")
    assert content_hash(wh) == reference
    assert _received(wh) == received  # no file lost, none loaded twice
    assert query(wh, "select count(*) from raw.villages") == raw_rows
