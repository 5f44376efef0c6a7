"""Publish: swap the audited candidate build (``analytics_next``) into ``marts`` atomically.

In one transaction, as the warehouse owner: the current ``marts`` becomes ``marts_previous``
(kept for rollback), ``analytics_next`` becomes ``marts`` and is handed to the owner, analysts
and stewards get read access to it, and an empty ``analytics_next`` is made for the next build.
A concurrent analyst query sees the old build or the new one, never a mix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ingest.config import Settings
from ingest.quality import approval
from ingest.variables import value

CANDIDATE, PUBLISHED, PREVIOUS = "analytics_next", "marts", "marts_previous"
READERS = ("analyst", "steward")


class PublishRefused(RuntimeError):
    """The candidate build is not fit to publish (for example, it is empty)."""


@dataclass(frozen=True)
class Publication:
    run_id: str
    row_counts: dict[str, int]


def relations(conn: psycopg.Connection, schema: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p') order by c.relname",
        (schema,),
    ).fetchall()


def row_counts(conn: psycopg.Connection, schema: str) -> dict[str, int]:
    counts = {}
    for name, kind in relations(conn, schema):
        if kind in ("r", "p", "m"):
            counts[name] = conn.execute(
                sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
            ).fetchone()[0]
    return counts


def _record(
    conn: psycopg.Connection,
    run_id: str,
    status: str,
    reason: str | None,
    counts: dict[str, int] | None,
    high_water: int | None = None,
) -> None:
    conn.execute(
        "insert into quality.publication (run_id, status, reason, row_counts, source_high_water)"
        " values (%s, %s, %s, %s, %s)",
        (run_id, status, reason, json.dumps(counts) if counts is not None else None, high_water),
    )


def pending(s: Settings) -> int | None:
    """When a build now would differ from the published one (a new file, a hold placed or
    released: ``approval.pending``), the newest accepted submission_id; else None.

    Judged from the warehouse, not from tonight's files alone: a night that crashed after
    loading but before publishing leaves its submissions pending for the next run. Pass the
    value on to :func:`publish` so that it records what the build was made from.
    """
    with psycopg.connect(s.url("transformer")) as conn:
        if not approval.pending(conn):
            return None
        return conn.execute(
            "select coalesce(max(submission_id), 0) from raw.submission where status = 'accepted'"
        ).fetchone()[0]


def rebuild_due(
    s: Settings,
    run_id: str,
    dag_id: str | None = None,
    finished: Callable[[str | None, str], bool] | None = None,
) -> int | None:
    """The night's rebuild check: wait for the build lease, then return :func:`pending`'s
    high-water mark; when a rebuild is due, freeze what the build is made from
    (``approval.freeze``) and decide which counties its dbt tests check."""
    from ingest.quality import scope

    take_build_lease(s, run_id, dag_id=dag_id, finished=finished)
    high_water = pending(s)
    if high_water is not None:
        with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
            approval.freeze(conn, run_id)
        scope.decide_dbt_tests(s, run_id)
    return high_water


def _swap(conn: psycopg.Connection, new: str, old: str) -> None:
    """Inside a transaction: ``marts`` → ``old``, ``new`` → ``marts``, readers moved across."""
    ident = sql.Identifier
    readers = sql.SQL(", ").join(map(ident, READERS))
    conn.execute(sql.SQL("drop schema if exists {} cascade").format(ident(old)))
    conn.execute(sql.SQL("alter schema {} rename to {}").format(ident(PUBLISHED), ident(old)))
    conn.execute(sql.SQL("revoke all on schema {} from {}").format(ident(old), readers))
    conn.execute(sql.SQL("alter schema {} rename to {}").format(ident(new), ident(PUBLISHED)))
    conn.execute(sql.SQL("alter schema {} owner to current_user").format(ident(PUBLISHED)))
    conn.execute(sql.SQL("revoke all on schema {} from public, transformer").format(ident(PUBLISHED)))
    for name, kind in relations(conn, PUBLISHED):
        what = "view" if kind == "v" else "materialized view" if kind == "m" else "table"
        conn.execute(
            sql.SQL("alter {} {}.{} owner to current_user").format(
                sql.SQL(what), ident(PUBLISHED), ident(name)
            )
        )
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(ident(PUBLISHED), readers))
    conn.execute(sql.SQL("grant select on all tables in schema {} to {}").format(ident(PUBLISHED), readers))


def _unfit(conn: psycopg.Connection, run_id: str) -> str | None:
    """Why the candidate must not be published, or None when it may."""
    counts = row_counts(conn, CANDIDATE)
    if not counts:
        return "候选构建 analytics_next 中没有表 / the candidate build is empty"
    others = [name for name, kind in relations(conn, CANDIDATE) if kind not in ("r", "p")]
    others += [
        f"{name}()"
        for (name,) in conn.execute(
            "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = %s",
            (CANDIDATE,),
        )
    ]
    if others:  # a view or function would run with the owner's rights for analysts
        return f"候选构建中有视图或函数，不予发布 / only tables may be published: {', '.join(others)}"
    checked, failed = conn.execute(
        "select count(*), count(*) filter (where coalesce(blocks_publication,"
        "  not success and severity = 'critical' and waived_by is null))"
        " from quality.validation_result where run_id = %s",
        (run_id,),
    ).fetchone()
    if not checked or failed:
        return f"运行 {run_id} 未通过审核 / run {run_id} has no passing audit"
    return None


def publish(s: Settings, run_id: str, high_water: int | None = None) -> Publication:
    """Swap ``analytics_next`` into ``marts``, if the run's audit passed on a build of tables only.

    Refuses, and records why, when the candidate is empty, holds views or functions, or has
    no passing audit for ``run_id``. ``high_water`` is the newest accepted submission the
    build was made from (default: the newest accepted submission now).
    """
    with psycopg.connect(s.url()) as conn:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('dangjian.publish'))")
            reason = _unfit(conn, run_id)
            if reason is None:
                counts = row_counts(conn, CANDIDATE)
                # planner statistics go with the tables: analysts' first queries get good plans
                for name in counts:
                    conn.execute(
                        sql.SQL("analyze {}.{}").format(sql.Identifier(CANDIDATE), sql.Identifier(name))
                    )
                high_water = (
                    high_water
                    or conn.execute(
                        "select coalesce(max(submission_id), 0) from raw.submission where status = 'accepted'"
                    ).fetchone()[0]
                )
                _swap(conn, CANDIDATE, PREVIOUS)
                approval.publish_selection(conn, run_id)
                conn.execute(sql.SQL("create schema {}").format(sql.Identifier(CANDIDATE)))
                conn.execute(
                    sql.SQL("grant usage, create on schema {} to transformer").format(
                        sql.Identifier(CANDIDATE)
                    )
                )
                _record(conn, run_id, "published", None, counts, high_water)
        if reason is not None:
            with conn.transaction():
                _record(conn, run_id, "refused", reason, None)
            raise PublishRefused(reason)
    return Publication(run_id, counts)


def refuse(s: Settings, run_id: str, reason: str) -> None:
    """Record that a run did not publish (the audit failed, or a step before it did)."""
    with psycopg.connect(s.url("transformer")) as conn, conn.transaction():
        _record(conn, run_id, "refused", reason, None)


def rollback(s: Settings, run_id: str) -> Publication:
    """Put the previous published build back into ``marts`` (the current one is kept instead)."""
    with psycopg.connect(s.url()) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('dangjian.publish'))")
        if not relations(conn, PREVIOUS):
            raise PublishRefused("没有可回退的上一版 / there is no previous build to roll back to")
        conn.execute(
            sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(PREVIOUS), sql.Identifier("marts_rollback")
            )
        )
        _swap(conn, "marts_rollback", PREVIOUS)
        approval.rollback_selection(conn)
        counts = row_counts(conn, PUBLISHED)
        _record(conn, run_id, "rolled_back", None, counts)
    return Publication(run_id, counts)


def local_owner() -> str:
    """Who holds the build lease when it is this command (not an Airflow run): host and PID."""
    import os
    import socket

    return f"cli:{socket.gethostname()}:{os.getpid()}"


def local_owner_gone(dag_id: str | None, run_id: str) -> bool:
    """Whether a lease holder that is a command on this machine has exited (killed, crashed)."""
    import os
    import socket

    if not dag_id or not dag_id.startswith("cli:"):
        return False
    _, host, pid = dag_id.rsplit(":", 2)
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


class BuildBusy(RuntimeError):
    """Another run holds the build lease (it is building ``analytics_next`` right now)."""


def take_build_lease(
    s: Settings,
    run_id: str,
    wait: float | None = None,
    poll: float = 15.0,
    dag_id: str | None = None,
    finished: Callable[[str | None, str], bool] | None = None,
) -> None:
    """Hold the one build lease for ``run_id``: from the rebuild check to the night's end only
    one run builds, audits and publishes ``analytics_next`` (the nightly DAG and a reprocessing
    started at the same time would otherwise build into the same schema). Waits up to
    ``wait`` seconds (default ``DANGJIAN_BUILD_WAIT_MINUTES``, 120 minutes) for the holder,
    then raises :class:`BuildBusy`.

    A lease is free again when its holder gives it back, when ``finished(dag_id, run_id)``
    says the holding run has ended (a run that ended without giving it back, e.g. because the
    warehouse was down when it tried), or when it is older than ``DANGJIAN_BUILD_LEASE_HOURS``
    (6)."""
    import time

    wait = value("DANGJIAN_BUILD_WAIT_MINUTES") * 60 if wait is None else wait
    stale = value("DANGJIAN_BUILD_LEASE_HOURS")
    deadline = time.monotonic() + wait
    while True:
        with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
            held = conn.execute(
                "insert into quality.build_lease as l (run_id, dag_id) values (%s, %s)"
                " on conflict (singleton) do update set run_id = excluded.run_id, dag_id = excluded.dag_id,"
                " acquired_at = now()"
                " where l.run_id = excluded.run_id or l.acquired_at < now() - make_interval(secs => %s)"
                " returning run_id",
                (run_id, dag_id, stale * 3600),
            ).fetchone()
            if held:
                return
            holder = conn.execute("select dag_id, run_id, acquired_at from quality.build_lease").fetchone()
            if holder and finished is not None and finished(holder[0], holder[1]):
                conn.execute("delete from quality.build_lease where run_id = %s", (holder[1],))
                continue  # the holder ended without giving it back: take it now
        if time.monotonic() >= deadline:
            raise BuildBusy(
                f"另一次运行正在构建，稍后再试 / run {holder[1]} has held the build since {holder[2]}"
            )
        time.sleep(poll)


def release_build_lease(s: Settings, run_id: str) -> None:
    """Give the build lease back (only if ``run_id`` holds it)."""
    with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
        conn.execute("delete from quality.build_lease where run_id = %s", (run_id,))


def decision(conn: psycopg.Connection, run_id: str) -> tuple | None:
    """What became of ``run_id``'s build, as last recorded: (status, reason, decided_at,
    row_counts), or None when it was neither published nor refused."""
    return conn.execute(
        "select status, reason, decided_at, row_counts from quality.publication where run_id = %s"
        " order by publication_id desc limit 1",
        (run_id,),
    ).fetchone()
