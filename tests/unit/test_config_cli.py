import pytest

from ingest import cli
from ingest.config import Settings


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
    assert cli.main(["warehouse", "url", "--role", "analyst"]) == 0
    assert capsys.readouterr().out.strip().startswith("postgresql://analyst:")
    assert cli.main(["warehouse", "url"]) == 0
    assert capsys.readouterr().out.strip().startswith("postgresql://dangjian:")
