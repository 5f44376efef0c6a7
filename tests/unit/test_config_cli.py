import ast

import pytest

from ingest import variables
from ingest.cli import main, terminal
from ingest.config import PROJECT_ROOT, Settings


def test_role_urls_swap_user_and_password_only(monkeypatch):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("WAREHOUSE_PORT", "6000")
    monkeypatch.setenv("WAREHOUSE_ANALYST_PASSWORD", "p@ss/word")
    s = Settings.from_env()
    assert s.url() == "postgresql://dangjian:dangjian-local@127.0.0.1:6000/warehouse"
    assert s.url("analyst") == "postgresql://analyst:p%40ss%2Fword@127.0.0.1:6000/warehouse"
    assert s.airflow_conn_uri("loader") == "postgres://loader:loader-local@127.0.0.1:6000/warehouse"


def test_an_external_warehouse_url_is_used_as_is_with_its_database(monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://admin:secret@db.internal:5432/dangjian_prod")
    s = Settings.from_env()
    assert s.url() == "postgresql://admin:secret@db.internal:5432/dangjian_prod"
    assert s.database == "dangjian_prod"
    assert s.url("steward") == "postgresql://steward:steward-local@db.internal:5432/dangjian_prod"


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="unknown role"):
        Settings.from_env().url("superuser")


def test_cli_prints_the_url_of_the_role_asked_for(monkeypatch, capsys):
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    assert main.main(["warehouse", "url", "--role", "analyst"]) == 0
    assert capsys.readouterr().out.strip().startswith("postgresql://analyst:")
    assert main.main(["warehouse", "url"]) == 0
    assert capsys.readouterr().out.strip().startswith("postgresql://dangjian:")


# --- every environment variable declared once (ingest/variables.py) -------------------------

PREFIXES = ("DANGJIAN_", "WAREHOUSE_", "DBT_")


def _python_files():
    for folder in ("ingest", "dags", "expectations"):
        yield from (PROJECT_ROOT / folder).rglob("*.py")


def _environment_reads(tree: ast.AST) -> list[str]:
    """Names read straight from the environment: ``os.environ.get("X")``, ``os.getenv("X")``,
    ``os.environ["X"]`` (read, not written)."""
    found = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "environ.get"):
                name = node.args[0].value
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if ast.unparse(node.value) == "os.environ" and isinstance(node.slice, ast.Constant):
                name = node.slice.value
        if isinstance(name, str) and name.startswith(PREFIXES):
            found.append(name)
    return found


def _declared_reads(tree: ast.AST) -> list[str]:
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and ast.unparse(node.func) in ("value", "is_set", "variables.value", "variables.is_set")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]


def test_the_product_reads_its_settings_only_through_the_declared_variables():
    declared = {v.name for v in variables.VARIABLES}
    straight, through = {}, set()
    for path in _python_files():
        if path.name == "variables.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _environment_reads(tree):
            straight.setdefault(name, []).append(str(path.relative_to(PROJECT_ROOT)))
        through.update(_declared_reads(tree))
    assert straight == {}  # read through ingest.variables.value instead
    assert {"DANGJIAN_RETRY_DELAY_SECONDS", "DANGJIAN_MAX_ROWS", "DANGJIAN_NOTIFY"} <= through
    assert sorted(through - declared) == []


def test_env_example_is_generated_from_the_declarations():
    committed = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    assert committed == variables.env_example(), "run `dangjian config env-example --write`"
    for v in variables.VARIABLES:  # each one shown, docker compose's own uncommented
        line = f"{v.name}={v.default if v.example is None else v.example}"
        assert (line if v.used_by != "local" else f"# {line}") in committed.splitlines()


@pytest.mark.parametrize(
    "var", [v for v in variables.VARIABLES if v.kind in ("int", "number", "choice")], ids=lambda v: v.name
)
def test_a_value_of_the_wrong_kind_is_refused_naming_the_variable(var, monkeypatch):
    monkeypatch.setenv(var.name, "十二")
    with pytest.raises(variables.SettingError, match=f"环境变量 {var.name} .*「十二」") as refused:
        variables.value(var.name)
    assert f"{var.name}='十二'" in str(refused.value)  # in English too
    monkeypatch.setenv(var.name, "")  # empty: the default, which is valid
    assert variables.value(var.name) == var.parse(var.default)


def test_numbers_are_typed_and_bounded(monkeypatch):
    monkeypatch.setenv("DANGJIAN_MAX_ROWS", " 1200 ")
    assert variables.value("DANGJIAN_MAX_ROWS") == 1200
    monkeypatch.setenv("DANGJIAN_MAX_REJECTED_SHARE", "1.5")
    with pytest.raises(variables.SettingError, match="0 到 1 之间"):
        variables.value("DANGJIAN_MAX_REJECTED_SHARE")
    monkeypatch.setenv("DANGJIAN_EXPECTED_PERIODS", "2024, 2025Q1,")
    assert variables.value("DANGJIAN_EXPECTED_PERIODS") == ["2024", "2025Q1"]
    monkeypatch.setenv("DANGJIAN_NOTIFY", " SMTP ")
    assert variables.value("DANGJIAN_NOTIFY") == "smtp"


def test_the_cli_names_a_bad_setting_instead_of_a_traceback(monkeypatch):
    import io

    shown = io.StringIO()
    monkeypatch.setattr(terminal.console, "file", shown)  # the one console every command prints to
    monkeypatch.setattr(terminal.console, "width", 200)
    monkeypatch.setenv("DANGJIAN_DEADLINE_DAYS", "二十")
    assert main.main(["config", "check"]) == 1
    assert "DANGJIAN_DEADLINE_DAYS" in shown.getvalue()
    monkeypatch.delenv("DANGJIAN_DEADLINE_DAYS")
    assert main.main(["config", "check"]) == 0
    monkeypatch.setenv("WAREHOUSE_PORT", "5432x")
    assert main.main(["warehouse", "url"]) == 2  # before anything else runs
    assert "WAREHOUSE_PORT" in shown.getvalue() and "Traceback" not in shown.getvalue()


def test_celery_workers_without_redis_server_are_refused_before_anything_starts(monkeypatch, tmp_path):
    import io

    shown = io.StringIO()
    monkeypatch.setattr(terminal.console, "file", shown)
    monkeypatch.setattr(terminal.console, "width", 200)
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    monkeypatch.setenv("DANGJIAN_HOME", str(tmp_path / "home"))
    assert main.main(["airflow", "--celery-workers", "2"]) == 2
    assert "redis-server" in shown.getvalue() and "apt-get install redis-server" in shown.getvalue()
    assert not (tmp_path / "home").exists()  # no warehouse started, nothing made
