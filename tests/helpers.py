"""Helpers the tests share."""

from __future__ import annotations

import shutil

import psycopg

from ingest.config import Settings

#: Schemas the tests reset between cases (everything the product writes).
PRODUCT_SCHEMAS = ("raw", "quality", "staging", "analytics_next", "marts", "marts_previous", "restricted")


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
