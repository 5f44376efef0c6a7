"""dbt keeps one PostgreSQL connection per thread for a whole build (ingest/warehouse/dbt_in_process.py,
``keep_connections_per_thread``), and nothing passes from one node to the next on it."""

from __future__ import annotations

import time

import psycopg
import yaml

from ingest.load import ingest_file
from ingest.samples import generator
from ingest.warehouse import dbt


def _sessions(conn: psycopg.Connection) -> int:
    """Connections ever made to this database (the server counts them as they start)."""
    conn.execute("select pg_stat_clear_snapshot()")
    return conn.execute(
        "select sessions from pg_stat_database where datname = current_database()"
    ).fetchone()[0]


def _settled(conn: psycopg.Connection) -> int:
    seen = _sessions(conn)
    for _ in range(50):
        time.sleep(0.1)
        now = _sessions(conn)
        if now == seen:
            return now
        seen = now
    return seen


def test_a_build_opens_one_connection_per_thread_and_each_node_starts_clean(wh):
    for path in generator.generate("2025", wh.inbox, counties=["520603"]):
        assert ingest_file(path, wh).status == "accepted"
    threads = yaml.safe_load((wh.dbt_project_dir / "profiles.yml").read_text(encoding="utf-8"))["dangjian"][
        "outputs"
    ]["warehouse"]["threads"]
    with psycopg.connect(wh.url(), autocommit=True) as conn:
        before = _settled(conn)
        built = dbt.run(wh, "build", check=False)
        assert built.returncode == 0, built.stdout[-3000:]
        opened = _settled(conn) - before
    assert len(dbt.run_results(wh)) > 10 * (threads + 1)  # nodes: many more than the connections allowed
    # one per thread, and one for the main thread's own queries (the relation cache, the
    # tested counties); not one per node
    assert 1 <= opened <= threads + 1, opened

    # Again on one thread: every node on the same connection, one after another. The
    # incremental persons model runs after nodes that ended their transaction with a `commit`
    # statement; its pre-hook's `on commit drop` tables must still be there for its SQL (they
    # would not be if the connection carried psycopg2's stale transaction into the next node).
    again = dbt.run(wh, "build", "--threads", "1", check=False)
    assert again.returncode == 0, again.stdout[-3000:]
    persons = [r for r in dbt.run_results(wh) if r["unique_id"] == "model.dangjian.int_persons_pseudonymised"]
    assert [r["status"] for r in persons] == ["success"]


def test_every_event_of_a_build_built_quickly_is_the_message_dbt_would_build(wh, monkeypatch):
    """dbt's log events are built by their message's constructor (``build_events_quickly``):
    over a whole build, each such message equals the one protobuf's ParseDict makes, dbt's way."""
    from google.protobuf.json_format import ParseDict

    from ingest.warehouse import dbt_in_process

    for path in generator.generate("2025", wh.inbox, counties=["520622"]):
        assert ingest_file(path, wh).status == "accepted"
    quick, built = dbt_in_process.quick_message, []

    def compared(event_type, kwargs):
        message = quick(event_type, kwargs)
        if message is not None:
            built.append((event_type.__name__, message, ParseDict(kwargs, type(message)())))
        return message

    monkeypatch.setattr(dbt_in_process, "quick_message", compared)
    assert dbt.run(wh, "build", check=False).returncode == 0
    kinds = {name for name, _, _ in built}
    assert len(built) > 1000 and {"NodeStart", "SQLQuery", "LogTestResult"} <= kinds, kinds
    assert [name for name, message, dbts in built if message != dbts] == []
