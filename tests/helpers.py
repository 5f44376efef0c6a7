"""Helpers the tests share."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psycopg

from ingest.config import Settings

#: Schemas the tests reset between cases (everything the product writes).
PRODUCT_SCHEMAS = (
    "raw",
    "quality",
    "staging",
    "intermediate",
    "snapshots",
    "analytics_next",
    "marts",
    "marts_previous",
    "restricted",
)


def reset_warehouse(s: Settings) -> None:
    """Drop everything the product wrote and bootstrap again: an empty, ready warehouse."""
    from ingest import warehouse

    with psycopg.connect(s.url(), autocommit=True) as conn:
        for schema in PRODUCT_SCHEMAS:
            conn.execute(f'drop schema if exists "{schema}" cascade')
    warehouse.bootstrap(s)
    for sub in ("inbox", "archive"):
        shutil.rmtree(s.home / sub, ignore_errors=True)


def query(s: Settings, sql: str, params=(), role: str | None = None) -> list[tuple]:
    with psycopg.connect(s.url(role)) as conn:
        return conn.execute(sql, params).fetchall()


def content_hash(s: Settings, schema: str = "marts") -> dict[str, str]:
    """Every table of ``schema``, its content hashed, without what differs between two equal
    builds: submission ids (the sequence hands them out anew), load and snapshot timestamps,
    and the role history's row id (dbt's snapshot id, a hash of the time the snapshot saw the
    row)."""
    from psycopg import sql

    hashes = {}
    with psycopg.connect(s.url()) as conn:
        tables = [
            t for (t,) in conn.execute("select tablename from pg_tables where schemaname = %s", (schema,))
        ]
        for table in sorted(tables):
            columns = [
                name
                for name, kind in conn.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table),
                )
                if "submission_id" not in name
                and not kind.startswith("timestamp")
                and name != "role_history_id"
            ]
            row = sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
            hashes[table] = conn.execute(
                sql.SQL(
                    "select count(*) || ':' || coalesce(md5(string_agg(r::text, '|' order by r::text)), '')"
                    " from (select {row} as r from {schema}.{table}) as t"
                ).format(row=row, schema=sql.Identifier(schema), table=sql.Identifier(table))
            ).fetchone()[0]
    return hashes


def village_rows(
    county: str = "520603", period: str = "2025", n: int | None = None, seed: int = 1
) -> list[dict]:
    """The first ``n`` village rows the sample generator makes for a county."""
    from ingest import sample

    return sample.county_rows(county, period, seed)["villages"][:n]


def villages_workbook(path, rows: list[dict], county: str = "520603", period: str = "2025"):
    """A template workbook holding only these village rows (the other sheets empty)."""
    from ingest import template

    return template.write(path, county, period, {"villages": rows})


def column_of(sheet_key: str, name: str) -> str:
    """The spreadsheet column letter of a contract column, e.g. ``I``."""
    from ingest import contract
    from ingest.reader import column_letter

    return column_letter([c.name for c in contract.sheet(sheet_key).columns].index(name))


def cli(
    s: Settings, *args: str, timeout: float = 900, launcher: tuple[str, ...] = (), **popen
) -> subprocess.CompletedProcess | subprocess.Popen:
    """Run ``dangjian <args>`` as a user would, against this warehouse and home. With Popen
    keyword arguments (e.g. ``start_new_session=True``) the process is started and returned.
    ``launcher`` is a command that runs ``dangjian`` as its own argument list."""
    env = {**os.environ, "DANGJIAN_HOME": str(s.home), "WAREHOUSE_PORT": str(s.port)}
    command = [*launcher, sys.executable, "-m", "ingest.cli", *args]
    if popen:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def mark_published(s: Settings, run_id: str) -> None:
    """Record what a build made now is made from as the published selection (what a publish
    would record), for tests that build with dbt alone: a held-back submission then falls back
    to these, as after a real publish."""
    from ingest import approval

    with psycopg.connect(s.url(), autocommit=True) as conn:
        approval.freeze(conn, run_id)
        with conn.transaction():
            approval.publish_selection(conn, run_id)
