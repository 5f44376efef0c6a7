"""The embedded warehouse: lifecycle, bootstrap and what each role may do."""

import psycopg
import pytest

from ingest import warehouse
from tests.helpers import query


def test_up_is_idempotent_and_reports_status(wh):
    assert warehouse.up(wh) == wh.url()
    st = warehouse.status(wh)
    assert st.running and st.detail.startswith("PostgreSQL 18")
    assert "127.0.0.1" in st.url


def test_bootstrap_creates_schemas_and_roles_and_can_run_again(wh):
    warehouse.bootstrap(wh)
    schemas = {r[0] for r in query(wh, "select nspname from pg_namespace")}
    assert {"raw", "quality", "staging", "analytics_next", "marts", "restricted"} <= schemas
    roles = {r[0] for r in query(wh, "select rolname from pg_roles where rolcanlogin")}
    assert {"loader", "transformer", "analyst", "steward"} <= roles


def test_server_listens_on_tcp_loopback_only(wh):
    assert query(wh, "show listen_addresses") == [("127.0.0.1",)]
    assert query(wh, "show unix_socket_directories") == [("",)]


@pytest.mark.parametrize("schema", ["raw", "quality", "restricted", "analytics_next", "staging"])
def test_analyst_is_denied_everything_but_marts(wh, schema):
    with psycopg.connect(wh.url()) as conn:
        conn.execute(f"create table if not exists {schema}.probe (x int)")
        conn.execute("create table if not exists marts.probe (x int)")
        conn.execute("grant select on marts.probe to analyst")
    assert query(wh, "select count(*) from marts.probe", role="analyst") == [(0,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(wh, f"select * from {schema}.probe", role="analyst")


def test_analyst_and_steward_cannot_write_marts(wh):
    with psycopg.connect(wh.url()) as conn:
        conn.execute("create table marts.probe (x int)")
        conn.execute("grant select on marts.probe to analyst, steward")
    for role in ("analyst", "steward"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, "insert into marts.probe values (1)", role=role)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, "create table marts.mine (x int)", role=role)


def test_steward_reads_quality(wh):
    assert query(wh, "select count(*) from quality.rejected_cells", role="steward") == [(0,)]


def test_loader_writes_raw_but_cannot_read_marts(wh):
    assert query(wh, "select count(*) from raw.submission", role="loader") == [(0,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(wh, "select 1 from marts.anything", role="loader")


def test_up_recovers_from_a_stale_pid_file(warehouse_server):
    s = warehouse_server
    assert warehouse.down(s) is True
    assert warehouse.status(s).running is False
    pid_file = (s.warehouse_dir / "data").resolve() / "postmaster.pid"
    pid_file.write_text("999999\n/nonexistent\n")  # what a crash leaves behind
    warehouse.up(s)
    assert warehouse.status(s).running
    assert query(s, "select 1") == [(1,)]
