"""What the warehouse's DAGs share: connections, default arguments, the failure callback, and
the second half of every night: rebuild check → dbt (Cosmos) → recover a build that failed on
data → audit gate (holding back counties whose new data fails) → publish → the steward's report
and correction workbooks → notify.

Imported only by the DAG files beside it (``.airflowignore`` keeps Airflow from parsing it as a
DAG file), so the ``ingest`` package itself knows no orchestrator. It may import Airflow and
Cosmos; heavy libraries are imported inside the tasks, so that parsing a DAG file stays fast.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import Asset, BaseNotifier, task
from cosmos import ProfileConfig
from cosmos import settings as cosmos_settings
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator
from cosmos.profiles import PostgresUserPasswordProfileMapping

from ingest.variables import SettingError, check_all, value
from ingest.warehouse import NIGHT_BUILD_FLAGS

# Settings are checked as the DAG files are parsed: a mistyped value names its variable among
# the DAGs' import errors instead of failing tasks later.
if _bad_settings := check_all():
    raise SettingError("设置有误 / invalid settings:\n" + "\n".join(_bad_settings))

DBT_PROJECT_DIR = Path(value("DBT_PROJECT_DIR") or Path(__file__).resolve().parent.parent / "dbt_project")

#: The task that builds the candidate (analytics_next) with dbt.
DBT_TASK = "dbt_build"
#: The published marts; downstream DAGs are scheduled on it.
MARTS = Asset(name="marts", uri="dangjian://warehouse/marts")
OWNER = "dangjian-data"


def settings(role: str | None):
    """Settings that reach the warehouse through one Airflow connection only: ``warehouse``
    (the owner, for publishing), ``warehouse_loader``, ``warehouse_transformer``,
    ``warehouse_steward`` or ``warehouse_analyst``."""
    from airflow.sdk import BaseHook

    from ingest.config import Settings

    conn_id = "warehouse" if role is None else f"warehouse_{role}"
    uri = (
        BaseHook.get_connection(conn_id).get_uri().split("?", 1)[0].replace("postgres://", "postgresql://", 1)
    )
    os.environ["WAREHOUSE_URL" if role is None else f"WAREHOUSE_{role.upper()}_URL"] = uri
    return Settings.from_env()


def ingest_task_count() -> int:
    """How many ingest tasks a night maps at most: DANGJIAN_INGEST_TASKS, never more than this
    Airflow's ``[core] max_map_length`` (ingest/batches.py)."""
    from airflow.sdk import conf

    from ingest import batches

    return batches.task_count(conf.getint("core", "max_map_length", fallback=batches.AIRFLOW_MAP_LIMIT))


class TaskFailed(BaseNotifier):
    """Failure callback, as an Airflow notifier: tell the operations team which task failed,
    in which run, and why, on the configured channel (``ingest/outputs/notify.py``)."""

    def notify(self, context) -> None:
        from ingest.outputs import notify

        ti = context["ti"]
        notify.send(
            f"【党建统计数仓】任务失败：{ti.dag_id}.{ti.task_id}",
            f"运行：{context['run_id']}\n第 {ti.try_number} 次尝试\n错误：{context.get('exception')}",
        )


task_failed = TaskFailed()


DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=value("DANGJIAN_RETRY_DELAY_SECONDS")),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "on_failure_callback": task_failed,
}


def _run_ended(dag_id: str | None, run_id: str) -> bool:
    """Whether a DAG run has ended, as Airflow knows it (a lease holder that never gave it back)."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    from ingest.publish import local_owner_gone

    if dag_id is None:
        return False
    if local_owner_gone(dag_id, run_id):  # a `dangjian publish` on this machine that exited
        return True
    try:
        state = RuntimeTaskInstance.get_dagrun_state(dag_id, run_id)
    except Exception:  # an unknown run (e.g. a manual run outside Airflow): let the age rule decide
        return False
    return str(state).rsplit(".", 1)[-1].lower() in ("success", "failed")


#: What every DAG of the warehouse shares: one run at a time, no catch-up, Shanghai time.
DAG_DEFAULTS = {
    "start_date": pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
}


def _quick_dbt(context) -> None:
    """Before the Cosmos task runs dbt in this process:

    - spare dbt a stack walk per behaviour flag (1.2 s a command), a connection per node
      (about 260 a build: a quarter of its CPU, dbt's and the server's), its events' JSON parsing
      and its templates' compilation per node, as ``dbt.run`` does for every dbt command it runs
      (``quicken_in_process``, ingest/warehouse/dbt_in_process.py);
    - freeze what the task process already holds (Airflow, Cosmos, dbt's modules), so that the
      full garbage collection Cosmos runs after the dbt command scans only what that command
      made (0.45 s inside a night run by ``dag.test()``).
    """
    import gc

    from ingest.warehouse.dbt_in_process import quicken_in_process

    quicken_in_process()
    gc.freeze()


def build_audit_publish(loaded) -> None:
    """After ``loaded`` (the tasks that put submissions into raw), rebuild when something new
    was accepted, audit (fail closed, never retried), publish, then always write the steward's
    report and correction workbooks and send the night's outcome."""

    @task.short_circuit(trigger_rule="all_done", ignore_downstream_trigger_rules=False)
    def rebuild_due(run_id: str | None = None, dag_run=None) -> int | None:
        """Rebuild only when accepted submissions are newer than the published build.

        Runs even if some workbooks failed to ingest: the others' data still flows. First
        waits for the build lease, so that two runs never build ``analytics_next`` at once;
        then records which counties' rows the dbt tests check (ingest/quality/scope.py).
        """
        from ingest.publish import rebuild_due as check

        high_water = check(settings("transformer"), run_id, dag_id=dag_run.dag_id, finished=_run_ended)
        print(f"rebuild due up to submission {high_water}" if high_water else "nothing new")
        return high_water

    dbt_build = DbtBuildLocalOperator(
        task_id=DBT_TASK,
        project_dir=DBT_PROJECT_DIR,
        profile_config=ProfileConfig(
            profile_name="dangjian",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id="warehouse_transformer", profile_args={"schema": "analytics_next"}
            ),
        ),
        # One `dbt build` of the whole project, inside the worker (dbtRunner, not a new process),
        # as every other path builds (ingest/night.py): a model's tests run before what is made
        # from it, and dbt's threads run independent models at once (decision 0013).
        invocation_mode=InvocationMode.DBT_RUNNER,
        # Cosmos runs dbt in a temporary copy of the project; the parse it leaves is kept here
        # for the next night (the first one parses in full)
        cache_dir=cosmos_settings.cache_dir / "dangjian_dbt_build",
        install_deps=False,
        # A data error fails again on every retry: recover_build handles a failed build. No
        # manifest.json and run_results.json (a third of a second each): nothing reads them from
        # Cosmos's temporary copy of the project, whose compiled SQL is not kept either; the DAGs
        # are scheduled on our own asset (MARTS), not on the per-table assets Cosmos would emit.
        retries=0,
        on_execute_callback=_quick_dbt,
        dbt_cmd_global_flags=["--no-write-json"],
        dbt_cmd_flags=list(NIGHT_BUILD_FLAGS),  # the models' unit tests run in the test suite
        should_store_compiled_sql=False,
        emit_datasets=False,
    )

    @task(trigger_rule="all_done")
    def recover_build(high_water: int | None, run_id: str | None = None, dag_run=None, ti=None) -> list[int]:
        """When the dbt build failed: find which of tonight's submissions the build fails with, hold
        them back with the database's error, and build without them (ingest/night.py recover).
        A build that fails without them too (the warehouse down, a fault in the project) is
        retried with the DAG's backoff, then fails the night."""
        from airflow.sdk.exceptions import AirflowSkipException
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        from ingest import night

        if high_water is None:
            raise AirflowSkipException("nothing new")
        failed = RuntimeTaskInstance.get_ti_count(
            dag_id=dag_run.dag_id, task_ids=[DBT_TASK], run_ids=[run_id], states=["failed", "upstream_failed"]
        )
        if not failed:
            return []
        s = settings("transformer")
        try:
            held = night.recover(s, run_id)
        except night.BuildFailed as exc:
            if ti.try_number > ti.max_tries:  # the last try: the night is refused, and says why
                from ingest.publish import refuse

                refuse(s, run_id, str(exc))
            raise
        print(f"held back after the build failed: {held or 'none (a passing fault)'}")
        return held

    @task(retries=0, on_failure_callback=None)  # a refusal is reported by notify
    def audit(run_id: str | None = None) -> dict:
        """The audit gate: tonight's submissions whose rows fail a critical check are held back
        and the build is done again without them (ingest/night.py settle); a failure that cannot
        be placed in a county refuses the night."""
        from airflow.sdk.exceptions import AirflowFailException

        from ingest import night
        from ingest.publish import refuse
        from ingest.quality.audit import AuditFailed

        s = settings("transformer")
        try:
            outcome = night.settle(s, run_id)
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

        return swap(settings(None), run_id, high_water).row_counts

    @task(trigger_rule="all_done")
    def steward_outputs(ds_nodash: str | None = None) -> None:
        """The steward's report and this night's correction workbooks, whatever the audit said."""
        from ingest.outputs import corrections, steward_report

        s = settings("steward")
        print(f"report: {steward_report.write(s, s.home / 'report')}")
        written = corrections.write(s, s.home / "corrections" / (ds_nodash or "latest"))
        print(f"correction workbooks: {len(written)}")

    @task(trigger_rule="all_done", on_failure_callback=None)
    def notify(run_id: str | None = None, dag_run=None) -> dict:
        """Send the night's outcome; fail the run when it published nothing it should have."""
        from dataclasses import asdict

        from airflow.sdk.exceptions import AirflowFailException

        from ingest.outputs import notify as channel
        from ingest.publish import pending, release_build_lease

        s, transformer = settings("steward"), settings("transformer")
        due = pending(transformer) is not None
        release_build_lease(transformer, run_id)
        night = channel.night(s, run_id, dag_run.start_date, due)
        channel.send(*night.message(str(s.home / "report" / "report.html")))
        if not night.ok:
            raise AirflowFailException(f"{night.outcome}: {night.reason}")
        return asdict(night)

    high_water = rebuild_due()
    loaded >> high_water >> dbt_build
    published = publish(high_water)
    dbt_build >> recover_build(high_water) >> audit() >> published
    published >> steward_outputs() >> notify()
