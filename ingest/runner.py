"""Local Airflow: the environment for the embedded setup, and one nightly run through ``dag.test()``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ingest.config import PROJECT_ROOT, Settings

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
        "AIRFLOW__API_AUTH__JWT_SECRET": "dangjian-local-only",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW_CONN_WAREHOUSE": s.airflow_conn_uri(),
        "AIRFLOW_CONN_WAREHOUSE_LOADER": s.airflow_conn_uri("loader"),
        "AIRFLOW_CONN_WAREHOUSE_TRANSFORMER": s.airflow_conn_uri("transformer"),
        "DBT_PROJECT_DIR": str(s.dbt_project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DANGJIAN_HOME": str(s.home),
        "GX_ANALYTICS_ENABLED": "False",
        "TQDM_DISABLE": "1",
        "NO_PROXY": "*",
    }
    return {**env, **{k: v for k, v in os.environ.items() if k in env}}


def airflow_executable() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def ensure_airflow_db(s: Settings) -> None:
    """Create or upgrade the local Airflow metadata database (idempotent)."""
    s.airflow_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **airflow_env(s)}
    result = subprocess.run([airflow_executable(), "db", "migrate"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def run_nightly(s: Settings) -> str:
    """Run the nightly DAG once with ``dag.test()`` in this process; returns the run's state.

    Must be called before anything imports Airflow in this process: Airflow reads its
    configuration from the environment at import time.
    """
    os.environ.update(airflow_env(s))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag_run = bag.get_dag(DAG_ID).test()
    return str(dag_run.state)
