"""A night on a distributed executor: ``dangjian airflow --celery-workers 2`` (the CeleryExecutor,
a real Redis broker from Debian's redis-server, two Celery workers as processes of their own,
each in its own working folder), driven through the REST API like `make airflow`.

The night's ingest tasks must run on both workers, and what it publishes must equal a night of
the same files in one process."""

from __future__ import annotations

import shutil

from ingest.cli import local_celery
from ingest.samples import generator
from tests.e2e.airflow_server import Server, task_log
from tests.helpers import content_hash, night_by_hand, query, reset_warehouse

COUNTIES = ["520603", "520624"]
WORKERS = 2
#: Two counties and two scans: four ingest batches, handed to workers that take one task at a
#: time, so that both must take some while the other is busy.
SCANS = 2


def test_a_night_on_two_celery_workers_publishes_what_one_process_does(wh, tmp_path):
    workbooks = generator.generate("2025", wh.inbox, counties=COUNTIES)
    originals = tmp_path / "originals"
    originals.mkdir()
    for path in workbooks:
        shutil.copy2(path, originals / path.name)
    for i in range(SCANS):
        (wh.inbox / f"扫描件{i}.pdf").write_bytes(f"%PDF-1.4 扫描件 {i}".encode())

    server = Server(
        wh,
        tmp_path / "airflow-celery.log",
        options=("--celery-workers", str(WORKERS)),
        env={"DANGJIAN_INGEST_TASKS": str(len(COUNTIES) + SCANS), "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1"},
    )
    try:
        token, runs = server.night("test_celery_night")
        tasks = {r["dag_run_id"]: server.task_instances(token, r["dag_run_id"]) for r in runs}
        with server.client(token) as api:  # what the UI shows: the workers' logs, read by the API server
            logs = {
                (r["dag_run_id"], ti["map_index"]): "\n".join(task_log(api, r["dag_run_id"], ti))
                for r in runs
                for ti in tasks[r["dag_run_id"]]
                if ti["task_id"] == "ingest_submissions" and ti["try_number"]
            }
    finally:
        leftovers = server.stop()
        server.mark("stopped")
        print("\n".join(server.marks))
    assert not leftovers, f"processes left running: {[(p.pid, p.cmdline()) for p in leftovers]}"

    (published,) = query(wh, "select run_id from quality.publication where status = 'published'")
    names = local_celery.worker_names(WORKERS)
    # every ingest batch ran on one of the two workers, and each worker ran some
    batches = [ti for ti in tasks[published[0]] if ti["task_id"] == "ingest_submissions"]
    assert len(batches) == len(COUNTIES) + SCANS
    assert {ti["hostname"] for ti in batches} == set(names), [
        (ti["map_index"], ti["hostname"]) for ti in batches
    ]
    # each batch's log, as the UI shows it, read from the log folder the workers share
    for ti in batches:
        shown = logs[published[0], ti["map_index"]]
        assert str(server.airflow_home / "logs") in shown and "Could not read" not in shown, shown
    # and so did every other task that ran (dbt, the audit, publishing, the steward's outputs)
    ran = [ti for tis in tasks.values() for ti in tis if ti["state"] == "success"]
    assert len(ran) > len(batches) and {ti["hostname"] for ti in ran} <= set(names)
    # each worker in its own folder, where it kept its pid file and temporary files
    for name in names:
        assert (server.airflow_home / "celery" / name / "tmp").is_dir()
    assert query(wh, "select status, count(*) from raw.submission group by 1 order by 1") == [
        ("accepted", len(COUNTIES)),
        ("quarantined", SCANS),
    ]

    # The same workbooks in one process, on an empty warehouse: the same marts.
    distributed = content_hash(wh)
    reset_warehouse(wh)
    night_by_hand(wh, "one-process", sorted(originals.iterdir()))
    assert content_hash(wh) == distributed
    empty = {table for table, digest in distributed.items() if digest.startswith("0:")}
    assert len(distributed) > 10 and empty <= {"fct_cadre_recognitions"}  # no honours in these two
