"""reprocess_period: read one period's archived originals again and rebuild, audit, publish.

For when a code list, a parsing rule or a check changed: each county's current file for the
period (or, where a county has none, the newest file it sent, which was quarantined) is read
again from the archive under the current contract, loaded as that county-period's newest
submission (recording which one it re-reads; in at most DANGJIAN_INGEST_TASKS mapped tasks,
see ingest/batches.py), and the night's second half runs as usual:
dbt → audit gate → publish → the steward's report and correction workbooks → notify.

Trigger it by hand with ``period`` (e.g. ``2025``, ``2025Q3``, ``2025-09``) and, optionally,
one ``county`` (6-digit code); leave ``county`` empty for every county.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from dangjian_airflow import DAG_DEFAULTS, build_audit_publish, ingest_task_count, settings


@dag(
    dag_id="reprocess_period",
    description="按现行规则重新处理某一期的报送原件（存档），重建、审核、发布",
    schedule=None,
    **DAG_DEFAULTS,
    tags=["dangjian", "manual", "warehouse"],
    params={
        "period": Param(
            "2025",
            type="string",
            pattern=r"^20\d\d(Q[1-4]|-(0[1-9]|1[0-2]))?$",
            description="报送期间：2025、2025Q3 或 2025-09 / the period",
        ),
        "county": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{6}$",
            description="县（区）代码，空则全部县（区）/ one county, or empty for all",
        ),
    },
    doc_md=__doc__,
)
def reprocess_period():
    @task
    def select_submissions(params=None) -> list[list[int]]:
        from airflow.sdk.exceptions import AirflowFailException

        from ingest import batches
        from ingest.load import to_reprocess

        found = to_reprocess(settings("loader"), params["period"], params.get("county") or None)
        if not found:
            raise AirflowFailException(f"没有可重新处理的报送 / nothing received for {dict(params)}")
        print(f"reprocessing submissions {found}")
        return batches.spread(found, lambda _: 1, ingest_task_count(), lambda _: "")

    @task(
        map_index_template="{{ task.op_kwargs['submission_ids'][0] }} +{{ task.op_kwargs['submission_ids'] | length - 1 }}"
    )
    def reprocess(submission_ids: list[int]) -> list[dict]:
        from dataclasses import asdict

        from ingest.load import reprocess as read_again

        return [asdict(read_again(settings("loader"), sid)) for sid in submission_ids]

    build_audit_publish(reprocess.expand(submission_ids=select_submissions()))


reprocess_period()
