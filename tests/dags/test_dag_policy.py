"""Every DAG imports cleanly and obeys the team's policy."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT

DAGS_DIR = PROJECT_ROOT / "dags"
#: The DAG files: every Python file in dags/ but what .airflowignore lists (what they share)
IGNORED = {
    line for line in (DAGS_DIR / ".airflowignore").read_text().splitlines() if not line.startswith("#")
}
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if p.name not in IGNORED)
HEAVY = ("pandas", "great_expectations", "openpyxl", "python_calamine", "psycopg", "dbt.cli")


@pytest.fixture(scope="module")
def dagbag(settings):
    import os

    from ingest.cli.local_airflow import airflow_env

    os.environ.update(airflow_env(settings))
    from airflow.dag_processing.dagbag import BundleDagBag

    # as the dag-processor loads them: the folder on sys.path (dags/dangjian_airflow.py)
    return BundleDagBag(dag_folder=str(DAGS_DIR), bundle_path=DAGS_DIR)


def test_dag_files_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"county_submissions_nightly", "reprocess_period", "city_summary_export"}


def test_a_mistyped_setting_is_an_import_error_naming_it(settings):
    """A DAG file parsed with a bad value names the variable (and every other bad one)."""
    import os

    from ingest.cli.local_airflow import airflow_env

    probe = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_DIR / 'county_submissions_nightly.py')!r})\n"
        "print('ERRORS:', *bag.import_errors.values())\n"
    )
    env = {
        **os.environ,
        **airflow_env(settings),
        "DANGJIAN_RETRY_DELAY_SECONDS": "2m",
        "DANGJIAN_REGION": "prefecture",
    }
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    errors = out.stdout.split("ERRORS:", 1)[1]
    assert "环境变量 DANGJIAN_RETRY_DELAY_SECONDS 的值「2m」无效，应为整数" in errors
    assert "DANGJIAN_REGION='prefecture': expected one of city, province, national" in errors


def test_file_name_is_the_dag_id(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert Path(dag.fileloc).stem == dag_id


def test_policy_owner_tags_retries_schedule(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags, dag.dag_id
        assert dag.catchup is False
        assert dag.max_active_runs == 1
        assert "Asia/Shanghai" in str(dag.timezone)
        for t in dag.tasks:
            assert t.owner == "dangjian-data", t.task_id
            # a failed audit, and a dbt task failed on data, would fail again: never retried
            if t.task_id not in ("audit", "summary", "dbt_build"):
                assert t.retries >= 2, t.task_id
                assert t.retry_exponential_backoff, t.task_id


def test_failures_are_notified_and_every_night_ends_with_the_stewards_outputs(dagbag):
    for dag_id in ("county_submissions_nightly", "reprocess_period"):
        dag = dagbag.dags[dag_id]
        for t in dag.tasks:
            if t.task_id not in ("audit", "notify"):  # these two report through notify itself
                callbacks = t.on_failure_callback
                callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
                assert any(type(c).__name__ == "TaskFailed" for c in callbacks), (dag_id, t.task_id)
        assert dag.get_task("steward_outputs").trigger_rule == "all_done"
        assert dag.get_task("notify").trigger_rule == "all_done"
        assert "notify" in {leaf.task_id for leaf in dag.leaves}
        assert dag.get_task("steward_outputs").upstream_task_ids == {"publish"}
        assert [o.name for o in dag.get_task("publish").outlets] == ["marts"]


def test_downstream_export_is_scheduled_on_the_published_marts(dagbag):
    from airflow.sdk import Asset

    dag = dagbag.dags["city_summary_export"]
    assert list(dag.timetable.asset_condition.objects) == [
        Asset(name="marts", uri="dangjian://warehouse/marts")
    ]


def test_reprocess_is_manual_with_a_checked_period(dagbag):
    dag = dagbag.dags["reprocess_period"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule=None: triggered by hand
    assert set(dag.params) == {"period", "county"}
    dag.params.validate()  # the defaults are valid
    import copy

    from airflow.sdk.exceptions import ParamValidationError

    bad = copy.deepcopy(dag.params)
    with pytest.raises(ParamValidationError, match="period"):
        bad["period"] = "2025年"
    with pytest.raises(ParamValidationError, match="county"):
        bad["county"] = "52"


def test_audit_is_never_retried(dagbag):
    dag = dagbag.dags["county_submissions_nightly"]
    assert dag.get_task("audit").retries == 0


def test_a_build_that_failed_is_recovered_not_retried(dagbag):
    """dbt's build is not retried (a data error fails again); recover_build runs whatever it
    did, finds the submissions the build fails with and builds without them; then the audit. A
    build that fails without them (an outage) is what recover_build's own retries are for."""
    for dag_id in ("county_submissions_nightly", "reprocess_period"):
        dag = dagbag.dags[dag_id]
        assert dag.get_task("dbt_build").retries == 0
        recover = dag.get_task("recover_build")
        assert recover.trigger_rule == "all_done" and recover.retries >= 2
        assert recover.upstream_task_ids >= {"dbt_build"}
        assert dag.get_task("audit").upstream_task_ids == {"recover_build"}


def test_nightly_runs_at_two_in_the_morning_shanghai_time(dagbag):
    dag = dagbag.dags["county_submissions_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert "Asia/Shanghai" in str(dag.timetable.timezone)


def test_dbt_builds_the_whole_project_once_through_cosmos_inside_the_worker(dagbag):
    """One `dbt build` per night (decision 0013), after the rebuild check, before the audit:
    every model with its tests, as ingest/night.py builds; run by Cosmos's dbtRunner in the
    task's own process, without a selection that would leave part of the project out."""
    from cosmos.constants import InvocationMode
    from cosmos.operators.local import DbtBuildLocalOperator

    for dag_id in ("county_submissions_nightly", "reprocess_period"):
        dag = dagbag.dags[dag_id]
        build = dag.get_task("dbt_build")
        assert isinstance(build, DbtBuildLocalOperator)
        assert build.invocation_mode == InvocationMode.DBT_RUNNER
        assert build.base_cmd == ["build"] and not build.select and not build.exclude
        assert build.upstream_task_ids == {"rebuild_due"}
        assert not [t for t in dag.task_ids if t.startswith("dbt.")]  # no task per model
        assert {"audit", "publish"} <= set(build.get_flat_relative_ids(upstream=False))


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_imports_at_module_level(path):
    """Parsing a DAG file must not import pandas, GX, openpyxl, calamine or a DB driver."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            for name in names:
                assert not name.startswith(HEAVY), f"{path.name} imports {name} at module level"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parsing_loads_no_heavy_module_and_touches_no_network(path, settings):
    """Import the file in a fresh interpreter with sockets disabled; list what got imported."""
    from ingest.cli.local_airflow import airflow_env

    roots = sorted({h.split(".")[0] for h in HEAVY if h != "dbt.cli"})
    probe = f"""
import socket, sys
def _no_network(*a, **k):
    raise RuntimeError("network access at DAG parse time")
socket.socket.connect = _no_network
socket.create_connection = _no_network
import runpy
runpy.run_path({str(path)!r})
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})
print("HEAVY:" + ",".join(heavy))
"""
    import os

    env = {**os.environ, **airflow_env(settings)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("HEAVY:"))
    assert line == "HEAVY:", line


def _imports(*folders: str):
    """(file, module) for every absolute import in the project's own Python folders."""
    for folder in folders:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    yield path.relative_to(PROJECT_ROOT), node.module
                elif isinstance(node, ast.Import):
                    yield from ((path.relative_to(PROJECT_ROOT), a.name) for a in node.names)


#: The package's one exception: the local launcher, which loads the DAG files to run them with
#: ``dag.test()`` (local_airflow.py) and builds that run's in-process execution API for the one
#: version its task runner speaks (execution_api.py); what each may import of Airflow.
LAUNCHER = {
    "ingest/cli/local_airflow.py": {"airflow.dag_processing.dagbag"},
    "ingest/cli/execution_api.py": {
        "airflow.api_fastapi.execution_api",
        "airflow.api_fastapi.execution_api.app",
        "airflow.sdk.api.client",
    },
}


def test_the_ingest_package_knows_no_orchestrator():
    """Airflow and Cosmos are imported by dags/ only, and by the local launcher (LAUNCHER)."""
    for path, name in _imports("ingest"):
        if name.split(".")[0] in ("airflow", "cosmos"):
            assert name in LAUNCHER.get(path.as_posix(), ()), f"{path} imports {name}"


def test_the_package_never_imports_the_suites():
    """``expectations/`` imports the package; the audit finds the suites through the
    ``dangjian.audit`` entry point, so no import runs the other way."""
    from ingest.quality.audit import suites

    reverse = [(path, name) for path, name in _imports("ingest") if name.split(".")[0] == "expectations"]
    assert reverse == []
    assert suites().__name__ == "expectations"
    assert set(suites().mart_suites()) and set(suites().rule_targets()) == set(suites().rule_suites())


def test_no_module_reaches_into_a_dependency_s_private_modules():
    """Only public interfaces of what is installed: no ``import pkg._private`` (the embedded
    PostgreSQL's binaries are found as its package data, ``embedded.wheel_bin_dir``)."""
    own = ("ingest", "dags", "expectations")
    for path, name in _imports(*own):
        top, *inner = name.split(".")
        private = [part for part in inner if part.startswith("_") and not part.startswith("__")]
        assert not private or top in own, f"{path} imports {name}"


def test_the_failure_notifier_names_the_task_the_run_and_the_error(dagbag, monkeypatch, capsys):
    from types import SimpleNamespace

    from dangjian_airflow import task_failed

    monkeypatch.setenv("DANGJIAN_NOTIFY", "log")
    ti = SimpleNamespace(dag_id="county_submissions_nightly", task_id="ingest", try_number=3)
    task_failed({"ti": ti, "run_id": "scheduled__2026-12-05", "exception": ValueError("磁盘已满")})
    out = capsys.readouterr().out
    assert "【党建统计数仓】任务失败：county_submissions_nightly.ingest" in out
    assert "运行：scheduled__2026-12-05\n第 3 次尝试\n错误：磁盘已满" in out
