"""A reader during publishing sees one complete build or the next, never a mix and never an error."""

from __future__ import annotations

import threading

import psycopg
from psycopg import sql

from ingest import publish
from ingest.load import ingest_file
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import query

PUBLISHES = 20
#: Two totals that every complete build keeps equal: villages' grids, and the summary's grids.
TOTALS = (
    "select (select sum(grid_count) from marts.fct_village_indicators),"
    " (select sum(grids) from marts.mart_county_period_summary)"
)


def _stage_copy(s, run_id: str, k: int) -> None:
    """A candidate build copied from marts, with k more grids in every village (and in the
    summary, consistently); its audit verdict is recorded as passed. The swap is under test
    here, not the audit (tests/integration/test_build_audit_publish.py covers that)."""
    with psycopg.connect(s.url()) as conn, conn.transaction():
        for (table,) in conn.execute(
            "select tablename from pg_tables where schemaname = 'marts' order by 1"
        ).fetchall():
            conn.execute(
                sql.SQL("create table analytics_next.{t} as select * from marts.{t}").format(
                    t=sql.Identifier(table)
                )
            )
        conn.execute(
            "update analytics_next.fct_village_indicators set grid_count = coalesce(grid_count, 0) + 1"
        )
        conn.execute(
            "update analytics_next.mart_county_period_summary s set grids = grids + v.n"
            " from (select county_code, period, count(*) as n from analytics_next.fct_village_indicators"
            " group by 1, 2) v where v.county_code = s.county_code and v.period = s.period"
        )
        conn.execute(
            "insert into quality.validation_result (run_id, suite, expectation, severity, success)"
            " values (%s, 'test', 'staged copy', 'critical', true)",
            (run_id,),
        )


def test_concurrent_readers_see_whole_builds_while_publishing_twenty_times(wh):
    for path in generator.generate("2025", wh.inbox, counties=["520603"]):
        assert ingest_file(path, wh).status == "accepted"
    dbt.run(wh, "build")
    audit(wh, "base")
    publish.publish(wh, "base")
    base, villages = query(
        wh, "select sum(grid_count), count(*) from marts.fct_village_indicators", role="analyst"
    )[0]
    possible = {base + k * villages for k in range(PUBLISHES + 1)}

    seen: list[tuple] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            with psycopg.connect(wh.url("analyst"), autocommit=True) as conn:
                while not done.is_set():
                    seen.append(conn.execute(TOTALS).fetchone())
        except BaseException as exc:  # noqa: BLE001 - any error is a failure of the guarantee
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for k in range(1, PUBLISHES + 1):
            _stage_copy(wh, f"copy-{k}", k)
            publish.publish(wh, f"copy-{k}")
    finally:
        done.set()
        reader.join(timeout=60)
    assert errors == []
    assert seen and all(a == b and a in possible for a, b in seen), [p for p in seen if p[0] != p[1]][:5]
    assert len({a for a, _ in seen}) >= 3  # the reader really read across several publishes
    assert query(wh, TOTALS, role="analyst") == [(base + PUBLISHES * villages,) * 2]
