"""county_submissions_nightly: load what the counties submitted, rebuild, audit and publish.

discover → ingest (one mapped task per workbook) → anything new? → dbt (Cosmos, from the
precompiled manifest, into analytics_next) → audit (fails closed) → publish → summary.

Thin by design: every task calls into the ``ingest`` package, which is tested without
Airflow. Heavy libraries are imported inside the tasks so that parsing this file stays fast.
Credentials come from Airflow connections: ``warehouse`` (owner, publishes),
``warehouse_loader`` (ingest), ``warehouse_transformer`` (dbt and audit).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

DBT_PROJECT_DIR = Path(
    os.environ.get("DBT_PROJECT_DIR") or Path(__file__).resolve().parent.parent / "dbt_project"
)
DBT_EXECUTABLE = os.environ.get("DBT_EXECUTABLE") or str(Path(sys.executable).with_name("dbt"))

#: The published marts; downstream DAGs can be scheduled on it.
MARTS = Asset(name="marts", uri="dangjian://warehouse/marts")

DEFAULT_ARGS = {
    "owner": "dangjian-data",
    "retries": 2,
    "retry_delay": timedelta(seconds=int(os.environ.get("DANGJIAN_RETRY_DELAY_SECONDS", "120"))),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def _settings(role: str | None):
    """Settings that reach the warehouse through one Airflow connection only: ``warehouse``
    (the owner, for publishing), ``warehouse_loader`` or ``warehouse_transformer``."""
    from airflow.sdk import BaseHook

    from ingest.config import Settings

    conn_id = "warehouse" if role is None else f"warehouse_{role}"
    uri = (
        BaseHook.get_connection(conn_id).get_uri().split("?", 1)[0].replace("postgres://", "postgresql://", 1)
    )
    os.environ["WAREHOUSE_URL" if role is None else f"WAREHOUSE_{role.upper()}_URL"] = uri
    return Settings.from_env()


@dag(
    dag_id="county_submissions_nightly",
    description="各县（区）党建统计报送：每晚入库、建模、审核、发布",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["dangjian", "nightly", "warehouse"],
    doc_md=__doc__,
)
def county_submissions_nightly():
    @task
    def discover() -> list[str]:
        from ingest.load import discover as find_new

        return [str(p) for p in find_new(_settings("loader"))]

    @task(map_index_template="{{ task.op_kwargs['path'].rsplit('/', 1)[-1] }}")
    def ingest_submission(path: str) -> dict:
        from dataclasses import asdict

        from ingest.load import ingest_file

        return asdict(ingest_file(Path(path), _settings("loader")))

    @task.short_circuit(trigger_rule="all_done", ignore_downstream_trigger_rules=False)
    def rebuild_due() -> int | None:
        """Rebuild only when accepted submissions are newer than the published build.

        Runs even if some workbooks failed to ingest: the others' data still flows.
        """
        from ingest.publish import pending

        high_water = pending(_settings("transformer"))
        print(f"rebuild due up to submission {high_water}" if high_water else "nothing new")
        return high_water

    dbt_build = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
        ),
        profile_config=ProfileConfig(
            profile_name="dangjian",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id="warehouse_transformer", profile_args={"schema": "analytics_next"}
            ),
        ),
        # one task per model, then every dbt test in one task once all models are built (tests
        # between two models need both); dbt runs inside the worker, not as a new process per task
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_ALL),
        execution_config=ExecutionConfig(
            dbt_executable_path=DBT_EXECUTABLE, invocation_mode=InvocationMode.DBT_RUNNER
        ),
        operator_args={"install_deps": False},
    )

    @task(retries=0)
    def audit(run_id: str | None = None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from ingest.audit import AuditFailed
        from ingest.audit import audit as run_audit
        from ingest.publish import refuse

        s = _settings("transformer")
        try:
            outcome = run_audit(s, run_id)
        except AuditFailed as failed:
            refuse(s, run_id, str(failed))
            raise AirflowFailException(str(failed)) from None
        except Exception as exc:  # an error while auditing is a failed audit: fail closed
            refuse(s, run_id, f"审核出错 / audit error: {type(exc).__name__}: {exc}")
            raise AirflowFailException(f"audit error: {exc}") from exc
        return {"checked": outcome.checked, "warnings": len(outcome.failures)}

    @task(outlets=[MARTS])
    def publish(high_water: int, run_id: str | None = None) -> dict:
        from ingest.publish import publish as swap

        return swap(_settings(None), run_id, high_water).row_counts

    @task(trigger_rule="all_done", retries=0)
    def summary(paths: list[str]) -> dict:
        """Say what tonight did; fail the run if any workbook could not be ingested at all."""
        from ingest.load import registered

        found = registered([Path(p) for p in paths], _settings("loader"))
        failed = [p for p in paths if p not in found]
        outcome = {status: list(found.values()).count(status) for status in set(found.values())}
        print(f"files: {len(paths)} new, {outcome}; failed to ingest: {failed or 'none'}")
        if failed:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{len(failed)} workbook(s) failed to ingest: {failed}")
        return outcome

    paths = discover()
    results = ingest_submission.expand(path=paths)
    high_water = rebuild_due()
    results >> high_water >> dbt_build
    published = publish(high_water)
    dbt_build >> audit() >> published
    results >> summary(paths)  # a leaf beside publish: an audit failure still fails the run


county_submissions_nightly()
