"""The warehouse restarts in the middle of a night: the run ends cleanly (no hang), and the
next run completes and publishes.

``dangjian nightly`` runs the DAG with Airflow's ``dag.test()``. In Airflow 3 that loop honours
retries: a failed task with tries left goes to ``up_for_retry`` and is run again once its
retry delay has passed (meanwhile the loop sleeps a second at a time), with the DAG's
``retries=2`` and exponential backoff (``retry_exponential_backoff=True`` is read as a
multiplier of 2; in the tests ``DANGJIAN_RETRY_DELAY_SECONDS=1``: about 1–2 s, then 2–4 s; in
production 2–4 min, then 4–8 min). A task's tries are recorded in Airflow's metadata database
as they would be under the scheduler, which is what these tests read.

What a user can rely on: the night ends, its exit code says how (0 only when it succeeded),
nothing is half published, and the next night publishes everything that came in, every file
registered exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import psycopg
import pytest

from ingest.cli.local_airflow import DAG_ID
from ingest.samples import generator
from ingest.warehouse import embedded
from tests.helpers import cli, query

COUNTIES = ["520603", "520624"]
CUT_TASK = "dbt_build"  # cut while its model reading raw.enterprises runs
#: dbt's build is not retried (a failure on data would fail again); recover_build builds
#: again, with the DAG's retries and backoff when the warehouse is still away.
RECOVERY = "recover_build"
RETRIES = 2  # DAG_DEFAULTS in dags/dangjian_airflow.py (not imported here: it imports Airflow and Cosmos)
RUN_BOUND_SECONDS = 900  # a night with dbt takes 1.5–3 minutes here; far beyond that is a hang


def _log(s) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((s.home / "logs").glob("nightly-*.log"))
    )


def _finish(proc: subprocess.Popen, deadline: float) -> str:
    """The run's terminal output, once it has ended; fails (and kills it) if it does not end in time."""
    try:
        out, _ = proc.communicate(timeout=max(deadline - time.monotonic(), 1))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"dangjian nightly still running after {RUN_BOUND_SECONDS} s: {out[-3000:]!r}")
    return out.decode("utf-8", errors="replace")


def _lease_taken(s) -> bool:
    try:
        with psycopg.connect(s.url(), connect_timeout=2) as conn:
            return conn.execute("select count(*) from quality.build_lease").fetchone()[0] > 0
    except psycopg.OperationalError:
        return False


def _task_instances(s) -> dict[str, tuple[str, int]]:
    """The last DAG run's task instances in Airflow's metadata database: state and tries."""
    db = sqlite3.connect(f"file:{s.airflow_home / 'airflow.db'}?mode=ro", uri=True)
    try:
        [run_id] = db.execute(
            "select run_id from dag_run where dag_id = ? order by id desc limit 1", (DAG_ID,)
        ).fetchone()
        rows = db.execute(
            "select task_id, map_index, state, try_number from task_instance where dag_id = ? and run_id = ?",
            (DAG_ID, run_id),
        ).fetchall()
    finally:
        db.close()
    return {task if index < 0 else f"{task}[{index}]": (state, tries) for task, index, state, tries in rows}


def _villages_by_county(s) -> dict[str, int]:
    return dict(
        query(
            s,
            "select county_code, count(*) from marts.fct_village_indicators group by 1",
            role="analyst",
        )
    )


def _night_with_an_outage(s, outage: float | None) -> tuple[int, str, dict[str, tuple[str, int]]]:
    """Run ``dangjian nightly`` on two counties' workbooks and stop the warehouse while dbt is in
    the middle of a statement; start it again ``outage`` seconds later (None: once the night has
    ended). Returns the night's exit code, terminal output and task instances."""
    for log in (s.home / "logs").glob("nightly-*.log"):
        log.unlink()
    generator.generate("2025", s.inbox, counties=COUNTIES)
    started = time.monotonic()
    deadline = started + RUN_BOUND_SECONDS
    proc = cli(s, "nightly", start_new_session=True)
    holder = None
    try:
        # The workbooks are in and the rebuild check has taken the build lease: dbt is next.
        while not _lease_taken(s) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _lease_taken(s), f"the night never reached the rebuild: {proc.communicate()[0][-3000:]!r}"
        # Hold the enterprises sheet so that its staging model is mid-statement when the
        # server stops (dbt spends seconds starting up: a timed stop would often fall between
        # two queries and cut nothing).
        holder = psycopg.connect(s.url())
        holder.execute("lock table raw.enterprises in access exclusive mode")
        blocked = None
        while blocked is None and proc.poll() is None and time.monotonic() < deadline:
            blocked = holder.execute(
                "select pid from pg_locks where relation = 'raw.enterprises'::regclass and not granted"
            ).fetchone()
            time.sleep(0.2)
        assert blocked, f"dbt never reached raw.enterprises: {proc.communicate()[0][-3000:]!r}"
        assert embedded.down(s)  # pg_ctl stop -m fast: the blocked dbt statement is cut off
        holder.close()
        if outage is not None:
            time.sleep(outage)
            embedded.up(s)
        out = _finish(proc, deadline)
    finally:
        if holder is not None:
            holder.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        embedded.up(s)
    tries = _task_instances(s)
    print(
        f"night with an outage of {outage} s: exit {proc.returncode} after {time.monotonic() - started:.0f} s"
    )
    print({task: ti for task, ti in tries.items() if ti != ("success", 1)})
    # It ended, and says how: 0 and "success" only for a successful run, else 1 and "failed".
    assert proc.returncode in (0, 1), out
    assert ("DAG run: success" in out) == (proc.returncode == 0), out
    # The cut-off dbt build failed once; the recovery built again (with the DAG's retries when
    # the warehouse was still away), and gave up only after all of them.
    assert tries[CUT_TASK] == ("failed", 1), tries
    state, tried = tries[RECOVERY]
    assert state == "success" or (state == "failed" and tried == 1 + RETRIES), tries
    # Nothing half published: marts exist only with a recorded publication, and hold both counties.
    published = query(s, "select status from quality.publication where status = 'published'")
    if proc.returncode == 0:
        assert published == [("published",)]
    if published:
        assert set(_villages_by_county(s)) == set(COUNTIES)
    else:
        assert query(s, "select count(*) from pg_tables where schemaname = 'marts'") == [(0,)]
    # The workbooks were received once each, whatever happened after.
    assert query(s, "select status, count(*) from raw.submission group by 1") == [("accepted", len(COUNTIES))]
    return proc.returncode, out, tries


def _next_night_publishes_everything(s) -> None:
    """The next night (nothing new in the inbox) succeeds; the published marts hold what came in."""
    night = cli(s, "nightly", timeout=RUN_BOUND_SECONDS)
    assert night.returncode == 0, night.stdout[-3000:] + night.stderr[-3000:] + _log(s)[-5000:]
    villages = _villages_by_county(s)
    assert set(villages) == set(COUNTIES)
    assert sum(villages.values()) == query(s, "select count(*) from raw.villages")[0][0]
    # every file registered exactly once
    assert query(s, "select count(*), count(distinct sha256) from raw.submission") == [(len(COUNTIES),) * 2]
    assert query(s, "select count(*) from raw.submission where superseded_by is not null") == [(0,)]
    # the publication records the build, made from every accepted submission
    newest = query(s, "select max(submission_id) from raw.submission where status = 'accepted'")[0][0]
    assert query(
        s, "select status, source_high_water from quality.publication order by publication_id desc limit 1"
    ) == [("published", newest)]
    assert query(s, "select count(*) from quality.build_lease") == [(0,)]


def test_a_restart_of_a_few_seconds_mid_night(wh, monkeypatch):
    """Stopped for 5 s: the recovery's build (and its retries) usually outlasts it (the night
    succeeds); if not, the night fails cleanly. Either way the next night publishes."""
    # A build lease left behind would make the next night wait two hours
    # (DANGJIAN_BUILD_WAIT_MINUTES) before failing; one minute shows it just as well.
    monkeypatch.setenv("DANGJIAN_BUILD_WAIT_MINUTES", "1")
    code, _, _ = _night_with_an_outage(wh, outage=5)
    if code != 0:
        assert query(wh, "select count(*) from quality.build_lease") == [(0,)]
    _next_night_publishes_everything(wh)


def test_a_warehouse_down_for_the_rest_of_the_night(wh, monkeypatch):
    """Stopped for good mid-night: every task that needs the warehouse fails after its retries,
    the night ends (exit 1) instead of hanging, and once the warehouse is back the next night
    publishes what was loaded."""
    monkeypatch.setenv("DANGJIAN_BUILD_WAIT_MINUTES", "1")
    code, out, tries = _night_with_an_outage(wh, outage=None)
    assert code == 1, out
    assert tries[RECOVERY] == ("failed", 1 + RETRIES)
    assert tries["publish"][0] in ("upstream_failed", "failed")
    # Its notify task could not give the build lease back (the warehouse was down); the next
    # night takes it over at once, as Airflow knows that run has ended (it would otherwise
    # wait DANGJIAN_BUILD_WAIT_MINUTES, one minute here, and fail).
    assert query(wh, "select count(*) from quality.build_lease") == [(1,)]
    _next_night_publishes_everything(wh)
