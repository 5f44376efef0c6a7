"""The embedded warehouse: lifecycle and bootstrap. What each role may do: tests/security/test_access.py."""

from ingest.warehouse import embedded
from tests.helpers import query


def test_up_is_idempotent_and_reports_status(wh):
    assert embedded.up(wh) == wh.url()
    st = embedded.status(wh)
    assert st.running and st.detail.startswith("PostgreSQL 18")
    assert "127.0.0.1" in st.url


def test_bootstrap_creates_schemas_and_roles_and_can_run_again(wh):
    embedded.bootstrap(wh)
    schemas = {r[0] for r in query(wh, "select nspname from pg_namespace")}
    assert {"raw", "quality", "staging", "analytics_next", "marts", "restricted"} <= schemas
    roles = {r[0] for r in query(wh, "select rolname from pg_roles where rolcanlogin")}
    assert {"loader", "transformer", "analyst", "steward"} <= roles


def test_server_listens_on_tcp_loopback_only(wh):
    assert query(wh, "show listen_addresses") == [("127.0.0.1",)]
    assert query(wh, "show unix_socket_directories") == [("",)]


def test_up_recovers_from_a_stale_pid_file(warehouse_server):
    s = warehouse_server
    assert embedded.down(s) is True
    assert embedded.status(s).running is False
    pid_file = (s.warehouse_dir / "data").resolve() / "postmaster.pid"
    pid_file.write_text("999999\n/nonexistent\n")  # what a crash leaves behind
    embedded.up(s)
    assert embedded.status(s).running
    assert query(s, "select 1") == [(1,)]
