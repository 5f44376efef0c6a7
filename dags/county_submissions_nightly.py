"""county_submissions_nightly: load what the counties submitted, rebuild, audit and publish.

discover → ingest (the new workbooks in at most DANGJIAN_INGEST_TASKS mapped tasks, batches
balanced by size with a county's files together, so that any number of files stays under
Airflow's max_map_length; a workbook with a critical problem is held back) → anything new? →
dbt (Cosmos, from the precompiled manifest, into analytics_next) → recover a build that
failed on data (hold back the submissions it fails with) → audit (holds back counties whose
new rows fail; fails closed on what no county can be held back for) → publish → the
steward's report and correction workbooks → notify; summary says which workbooks could not
be read.

Thin by design: every task calls into the ``ingest`` package, which is tested without
Airflow. Credentials come from Airflow connections: ``warehouse`` (owner, publishes),
``warehouse_loader`` (ingest), ``warehouse_transformer`` (dbt and audit), ``warehouse_steward``
(report, corrections, notify).
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import dag, task

from dangjian_airflow import DAG_DEFAULTS, build_audit_publish, ingest_task_count, settings


@dag(
    dag_id="county_submissions_nightly",
    description="各县（区）党建统计报送：每晚入库、建模、审核、发布",
    schedule="0 2 * * *",
    **DAG_DEFAULTS,
    tags=["dangjian", "nightly", "warehouse"],
    doc_md=__doc__,
)
def county_submissions_nightly():
    @task
    def discover() -> list[list[str]]:
        from ingest import batches
        from ingest.load import discover as find_new

        found = batches.of_files([str(p) for p in find_new(settings("loader"))], ingest_task_count())
        print(f"{sum(map(len, found))} new files in {len(found)} ingest tasks")
        return found

    @task(
        map_index_template="{{ task.op_kwargs['paths'][0].rsplit('/', 1)[-1] }} +{{ task.op_kwargs['paths'] | length - 1 }}"
    )
    def ingest_submissions(paths: list[str]) -> list[dict]:
        from ingest.load import ingest_batch

        return ingest_batch([Path(p) for p in paths], settings("loader"))

    @task(trigger_rule="all_done", retries=0)
    def summary(batches: list[list[str]]) -> dict:
        """Say what tonight did; fail the run if any workbook could not be ingested at all."""
        from ingest.load import registered

        paths = [p for batch in batches for p in batch]
        found = registered([Path(p) for p in paths], settings("loader"))
        failed = [p for p in paths if p not in found]
        outcome = {status: list(found.values()).count(status) for status in set(found.values())}
        print(f"files: {len(paths)} new, {outcome}; failed to ingest: {failed or 'none'}")
        if failed:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{len(failed)} workbook(s) failed to ingest: {failed}")
        return outcome

    found = discover()
    results = ingest_submissions.expand(paths=found)
    build_audit_publish(results)
    results >> summary(found)  # a leaf beside the rest: a workbook that failed fails the run


county_submissions_nightly()
