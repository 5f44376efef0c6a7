"""Local Airflow: the environment for the embedded setup, and one nightly run through ``dag.test()``."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ingest.config import PROJECT_ROOT, Settings, local_secret

DAG_ID = "county_submissions_nightly"


def airflow_env(s: Settings) -> dict[str, str]:
    """Settings for Airflow on the embedded setup: SQLite metadata, connections from the URL.

    Existing environment variables win, so a deployment can point anything elsewhere.
    """
    env = {
        "AIRFLOW_HOME": str(s.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{s.airflow_home / 'airflow.db'}",
        "AIRFLOW__API_AUTH__JWT_SECRET": _local_secret(s),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
        # the parse dbt leaves for the next night, kept with this home: Cosmos's default
        # (/tmp/cosmos) is shared by every home on the machine, and a parse made for another
        # warehouse's connection is no use to this one (dbt parses the project in full again)
        "AIRFLOW__COSMOS__CACHE_DIR": str(s.home / "cache" / "cosmos"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW_CONN_WAREHOUSE": s.airflow_conn_uri(),
        "AIRFLOW_CONN_WAREHOUSE_LOADER": s.airflow_conn_uri("loader"),
        "AIRFLOW_CONN_WAREHOUSE_TRANSFORMER": s.airflow_conn_uri("transformer"),
        "AIRFLOW_CONN_WAREHOUSE_STEWARD": s.airflow_conn_uri("steward"),
        "AIRFLOW_CONN_WAREHOUSE_ANALYST": s.airflow_conn_uri("analyst"),
        "DBT_PROJECT_DIR": str(s.dbt_project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DANGJIAN_HOME": str(s.home),
        "GX_ANALYTICS_ENABLED": "False",
        "TQDM_DISABLE": "1",
        "NO_PROXY": "*",
        "XDG_RUNTIME_DIR": str(s.home / "run"),
    }
    env = {**env, **{k: v for k, v in os.environ.items() if k in env}}
    # A process that imports a DAG file finds what the DAG files share, as Airflow's own do
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, (env["AIRFLOW__CORE__DAGS_FOLDER"], os.environ.get("PYTHONPATH")))
    )
    return env


def _local_secret(s: Settings) -> str:
    """A random secret for the local Airflow, made once and kept in .local/airflow (never committed)."""
    return local_secret(s.airflow_home / "jwt_secret")


def airflow_executable() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def ensure_airflow_db(s: Settings) -> None:
    """Create or upgrade the local Airflow metadata database (idempotent).

    ``airflow db migrate`` costs about 3 s of CPU even when there is nothing to do, so the local
    SQLite database, once migrated by this Airflow version, is marked (with the file's inode: a
    database made anew is migrated again) and not migrated again; any other database
    (``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` set) is migrated every time.
    """
    from importlib.metadata import version

    s.airflow_home.mkdir(parents=True, exist_ok=True)
    (s.home / "run").mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, **airflow_env(s)}
    local_db = s.airflow_home / "airflow.db"
    local = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{local_db}"
    mark = s.airflow_home / f"migrated-{version('apache-airflow')}"
    if local and local_db.exists() and mark.exists() and mark.read_text() == str(local_db.stat().st_ino):
        return
    result = subprocess.run([airflow_executable(), "db", "migrate"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    if local:
        mark.write_text(str(local_db.stat().st_ino))


def run_nightly(s: Settings, log_file: Path | None = None) -> str:
    """Run the nightly DAG once with ``dag.test()`` in this process; returns the run's state."""
    return run_dag(s, DAG_ID, log_file)


def run_dag(s: Settings, dag_id: str, log_file: Path | None = None, conf: dict | None = None) -> str:
    """Run one of the project's DAGs once with ``dag.test()`` in this process (with ``conf``
    as its params); returns the run's state.

    Must be called before anything imports Airflow in this process: Airflow reads its
    configuration from the environment at import time. With ``log_file``, everything the
    run prints (task logs, dbt output) goes there instead of the terminal.
    """
    os.environ.update(airflow_env(s))
    with _output_to(log_file):
        from airflow.dag_processing.dagbag import BundleDagBag

        from ingest.cli import execution_api

        execution_api.newest_only()  # the one version this task runner speaks: a third of a quiet night

        # as Airflow's dag-processor and workers load them: the folder on sys.path, so that the
        # DAG files import what they share (dags/dangjian_airflow.py)
        folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
        bag = BundleDagBag(dag_folder=folder, bundle_path=Path(folder))
        if bag.import_errors:
            raise RuntimeError(f"DAG import errors: {bag.import_errors}")
        dag_run = bag.dags[dag_id].test(run_conf=conf)
    return str(dag_run.state)


@contextlib.contextmanager
def _output_to(log_file: Path | None):
    """Send this process's stdout and stderr (file descriptors 1 and 2) to ``log_file``."""
    if log_file is None:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("ab") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def serve(s: Settings, port: int = 8080, celery_workers: int = 0) -> int:
    """Run a local Airflow (api-server, scheduler, dag-processor) until interrupted (Ctrl-C or
    SIGTERM), then stop it. With ``celery_workers``, on the CeleryExecutor: a local Redis and
    that many Celery workers (ingest/cli/local_celery.py) instead of the LocalExecutor."""
    from ingest.cli import local_celery

    env = {
        **os.environ,
        **airflow_env(s),
        "AIRFLOW__API__PORT": str(port),
        # Tasks report to the api-server's execution API, which Airflow otherwise looks for on
        # port 8080 whatever --port says.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": os.environ.get(
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://127.0.0.1:{port}/execution/"
        ),
    }

    def stop(signum, frame):  # `kill` stops the servers too, as Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    broker: list[subprocess.Popen] = []
    procs: list[subprocess.Popen] = []

    def start(*command: str) -> None:
        procs.append(subprocess.Popen([airflow_executable(), *command], env=env))

    try:
        if celery_workers:
            redis, url = local_celery.start_broker(s)
            broker.append(redis)
            env.update(local_celery.executor_env(url))
            procs += local_celery.start_workers(s, env, celery_workers, airflow_executable())
        start("api-server", "--host", "127.0.0.1", "--port", str(port))
        start("dag-processor")
        if celery_workers:  # the scheduler then hands the first tasks to every worker
            local_celery.wait_for_workers(url, procs[:celery_workers])
        start("scheduler")
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for group in (procs, broker):
            for p in group:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in group:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
    return max((p.returncode or 0 for p in procs), default=0)
