"""The local Airflow metadata database is migrated when it is new, not before every night."""

import sqlite3
import subprocess

from ingest.cli import local_airflow
from ingest.config import Settings


def test_the_local_database_is_migrated_once_and_again_when_made_anew(tmp_path, monkeypatch):
    monkeypatch.setenv("DANGJIAN_HOME", str(tmp_path))
    monkeypatch.delenv("AIRFLOW_HOME", raising=False)
    monkeypatch.delenv("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", raising=False)
    s = Settings.from_env()
    migrations = []
    real_run = subprocess.run

    def run(args, **kwargs):
        migrations.append(args[1:])
        return real_run(args, **kwargs)

    monkeypatch.setattr(local_airflow.subprocess, "run", run)
    db = s.airflow_home / "airflow.db"

    local_airflow.ensure_airflow_db(s)
    assert migrations == [["db", "migrate"]] and db.stat().st_size > 0
    local_airflow.ensure_airflow_db(s)  # nothing new: not migrated again
    assert len(migrations) == 1

    db.unlink()  # a database made anew (e.g. `make clean`) is migrated again
    local_airflow.ensure_airflow_db(s)
    assert len(migrations) == 2 and db.stat().st_size > 0
    with sqlite3.connect(db) as conn:  # migrated: Airflow's tables are there, empty
        assert conn.execute("select count(*) from dag_run").fetchone() == (0,)
