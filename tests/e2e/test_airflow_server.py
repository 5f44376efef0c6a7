"""`make airflow` end to end: start the local Airflow the way a user does, drive it through its
REST API (health, unpause, trigger, watch the run), check what the run published, stop it.

The night brings more files than Airflow maps tasks for (``[core] max_map_length``, 1,024): two
counties' workbooks and the scans and attachments a deadline brings beside them. They are
ingested in a bounded number of tasks (ingest/batches.py), every one registered once."""

from __future__ import annotations

from ingest.samples import generator
from tests.e2e.airflow_server import Server
from tests.helpers import query

COUNTIES = ["520603", "520624"]
#: Files beside the workbooks: more than Airflow would map one task each for.
ATTACHMENTS = 1100
INGEST_TASKS = 4  # DANGJIAN_INGEST_TASKS for this server: each task is a process of its own


def test_make_airflow_runs_the_dag(wh, tmp_path):
    generator.generate("2025", wh.inbox, counties=COUNTIES)
    for i in range(ATTACHMENTS):  # not workbooks: each is quarantined with its reason
        (wh.inbox / f"附件{i:04d}_扫描件.pdf").write_bytes(f"%PDF-1.4 扫描件 {i}".encode())
    server = Server(wh, tmp_path / "airflow-server.log", env={"DANGJIAN_INGEST_TASKS": str(INGEST_TASKS)})
    try:
        token, runs = server.night("test_airflow_server")
        run_ids = {r["dag_run_id"] for r in runs}
        ingest_tasks = {r: len(server.task_instances(token, r, "ingest_submissions")) for r in run_ids}
    finally:
        leftovers = server.stop()
        server.mark("stopped")
        print("\n".join(server.marks))
    assert not leftovers, f"processes left running: {[(p.pid, p.cmdline()) for p in leftovers]}"

    # What the runs published: the analysts see exactly the counties that submitted, published
    # once, by one of this server's runs (whichever came first; the other found nothing new).
    assert query(
        wh, "select distinct county_code from marts.fct_village_indicators order by 1", role="analyst"
    ) == [(c,) for c in sorted(COUNTIES)]
    published = query(wh, "select run_id from quality.publication where status = 'published'")
    assert len(published) == 1
    assert published[0][0] in run_ids
    # every file registered exactly once, in at most INGEST_TASKS mapped tasks
    assert query(
        wh, "select status, count(*), count(distinct sha256) from raw.submission group by 1 order by 1"
    ) == [
        ("accepted", len(COUNTIES), len(COUNTIES)),
        ("quarantined", ATTACHMENTS, ATTACHMENTS),
    ]
    assert 1 < ingest_tasks[published[0][0]] <= INGEST_TASKS
