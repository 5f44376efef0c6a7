"""The embedded warehouse: lifecycle and bootstrap. What each role may do: tests/security/test_access.py."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest.warehouse import embedded, schema
from tests.helpers import cli, query


def test_up_is_idempotent_and_reports_status(wh):
    assert embedded.up(wh) == wh.url()
    st = embedded.status(wh)
    assert st.running and st.detail.startswith("PostgreSQL 18")
    assert "127.0.0.1" in st.url


def test_bootstrap_creates_schemas_and_roles_and_can_run_again(wh):
    schema.bootstrap(wh)
    schemas = {r[0] for r in query(wh, "select nspname from pg_namespace")}
    assert {"raw", "quality", "staging", "analytics_next", "marts", "restricted"} <= schemas
    roles = {r[0] for r in query(wh, "select rolname from pg_roles where rolcanlogin")}
    assert {"loader", "transformer", "analyst", "steward"} <= roles


@pytest.mark.parametrize(
    "argv",
    [
        ("warehouse", "psql", "--role", "analyst", "--", "-Atc", "select current_user"),
        ("warehouse", "--role", "analyst", "psql", "--", "-Atc", "select current_user"),
    ],
)
def test_psql_takes_the_role_before_or_after_the_action(wh, argv):
    done = cli(wh, *argv, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "analyst"


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


# --- numbered migrations (ingest/warehouse/schema.py) ------------------------------------


def _ledger(s) -> list[tuple]:
    return query(s, "select version, name, sha256 from quality.schema_migration order by version")


def test_every_migration_is_applied_once_in_order_and_recorded(wh):
    shipped = schema.migrations()
    assert [m.version for m in shipped] == list(range(1, len(shipped) + 1))  # no gaps, no repeats
    assert _ledger(wh) == [(m.version, m.name, m.sha256) for m in shipped]
    before = query(wh, "select version, applied_at from quality.schema_migration order by version")
    assert schema.bootstrap(wh) == []
    assert query(wh, "select version, applied_at from quality.schema_migration order by version") == before


def test_a_new_migration_is_applied_once(wh):
    import psycopg

    # not idempotent on purpose: running it twice would fail
    probe = schema.Migration(9999, "9999_probe.sql", "create table quality.migration_probe (x integer);")
    with psycopg.connect(wh.url(), autocommit=True) as conn:
        assert schema.migrate(conn, [*schema.migrations(), probe]) == ["9999_probe.sql"]
        assert schema.migrate(conn, [*schema.migrations(), probe]) == []
    assert query(wh, "select count(*) from quality.migration_probe") == [(0,)]
    assert _ledger(wh)[-1] == (9999, "9999_probe.sql", probe.sha256)


def test_an_edited_applied_migration_is_refused_before_anything_runs(wh):
    import psycopg
    import pytest

    first, *rest = schema.migrations()
    edited = schema.Migration(first.version, first.name, first.text + "\n-- edited afterwards\n")
    probe = schema.Migration(9999, "9999_probe.sql", "create table quality.migration_probe (x integer);")
    with psycopg.connect(wh.url(), autocommit=True) as conn:
        with pytest.raises(embedded.WarehouseError, match=f"迁移 {first.name} 已在本库执行过"):
            schema.migrate(conn, [edited, *rest, probe])
    assert query(wh, "select to_regclass('quality.migration_probe')") == [(None,)]
    assert [row[0] for row in _ledger(wh)] == [m.version for m in schema.migrations()]


def test_a_warehouse_from_before_numbered_migrations_catches_up(wh):
    """Made by the old bootstrap: every table there, no ledger. The baseline runs on it
    (idempotent), is recorded, and the warehouse's rows stay."""
    import psycopg

    with psycopg.connect(wh.url(), autocommit=True) as conn:
        conn.execute(
            "insert into raw.submission (sha256, file_name, archive_path, status) values ('x', 'f.xlsx', 'a', 'accepted')"
        )
        conn.execute("drop table quality.schema_migration")
    assert schema.bootstrap(wh) == [m.name for m in schema.migrations()]
    assert _ledger(wh) == [(m.version, m.name, m.sha256) for m in schema.migrations()]
    assert query(wh, "select file_name from raw.submission") == [("f.xlsx",)]


def test_the_migrations_command_lists_what_is_applied_and_what_is_pending(wh):
    import psycopg

    done = cli(wh, "warehouse", "migrations", timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(m.name in done.stdout for m in schema.migrations()) and "pending" not in done.stdout
    last = schema.migrations()[-1]
    with psycopg.connect(wh.url(), autocommit=True) as conn:
        conn.execute("delete from quality.schema_migration where version = %s", (last.version,))
    done = cli(wh, "warehouse", "migrations", timeout=60)
    assert done.returncode == 1
    assert [line for line in done.stdout.splitlines() if "pending" in line] == [
        line for line in done.stdout.splitlines() if last.name in line
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a system user needs root (as in CI)")
def test_servers_started_at_once_as_root_share_one_new_system_user(monkeypatch):
    """On a fresh machine the test workers start their servers together, and each finds the
    server's system user missing: the ones that lose the race to create it go on."""
    name = f"pgrace{os.getpid()}"
    monkeypatch.setattr(embedded, "PG_SYSTEM_USER", name)
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: embedded._ensure_system_user(), range(8)))
        assert subprocess.run(["id", "-u", name], capture_output=True).returncode == 0
    finally:
        subprocess.run(["userdel", name], capture_output=True)
