"""Access control: each login role signs in and may read (and write) exactly what
docs/warehouse.md says, and the published marts hold no personal data.

``analyst`` reads ``marts`` only; ``steward`` reads ``quality``, ``restricted`` (but not the
pseudonymisation pads) and ``marts``; neither writes ``marts``: only the owner does, by
publishing. The design, schema by schema, is :data:`READS`.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from ingest.config import ROLES
from tests.helpers import PRODUCT_SCHEMAS, query

#: Every schema the product writes, and who may read it (docs/warehouse.md, "Schemas").
SCHEMAS = PRODUCT_SCHEMAS
READS = {"analyst": {"marts"}, "steward": {"quality", "restricted", "marts"}}
#: Readable schemas' relations that a reader may still not see: the key's HMAC pads.
NOT_FOR_STEWARDS = {("restricted", "pseudonym_key")}

# standing alone, not as digits inside a 64-digit hexadecimal person key
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def _attempt(s, role: str, statement: str) -> None:
    """Run ``statement`` as ``role`` and roll it back, whatever it did."""
    with psycopg.connect(s.url(role)) as conn:
        try:
            conn.execute(statement)
        finally:
            conn.rollback()


def _publish_probe(s, run_id: str, table: str) -> None:
    """A night in miniature: the transformer builds a one-table candidate, it passes an
    audit, and the publish step swaps it into ``marts`` with the grants it gives for real."""
    from ingest import publish

    with psycopg.connect(s.url("transformer")) as conn:
        conn.execute(f"create table analytics_next.{table} as select 1 as x")
    with psycopg.connect(s.url()) as conn:
        conn.execute(
            "insert into quality.validation_result (run_id, suite, expectation, severity, success)"
            " values (%s, 'probe', 'probe', 'critical', true)",
            (run_id,),
        )
    publish.publish(s, run_id)


# --- an empty warehouse: probe tables made as their real writers make them ----------------


@pytest.mark.parametrize("schema", [s for s in SCHEMAS if s not in ("marts", "marts_previous")])
def test_analyst_is_denied_everything_but_marts(wh, schema):
    with psycopg.connect(wh.url()) as conn:
        conn.execute(f"create table if not exists {schema}.probe (x int)")
        conn.execute("create table if not exists marts.probe (x int)")
        conn.execute("grant select on marts.probe to analyst")
    assert query(wh, "select count(*) from marts.probe", role="analyst") == [(0,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(wh, f"select * from {schema}.probe", role="analyst")


def test_steward_reads_what_dbt_puts_in_restricted_but_not_the_key(wh):
    with psycopg.connect(wh.url("transformer")) as conn:  # as dbt builds person_identity
        conn.execute("create table restricted.probe as select 1 as x")
    assert query(wh, "select count(*) from restricted.probe", role="steward") == [(1,)]
    assert query(wh, "select count(*) from quality.rejected_cells", role="steward") == [(0,)]
    for role in ("steward", "analyst", "loader"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, "select * from restricted.pseudonym_key", role=role)


@pytest.mark.parametrize("schema", ["raw", "staging", "intermediate", "snapshots", "analytics_next"])
def test_steward_is_denied_raw_and_every_build_schema(wh, schema):
    if schema == "raw":  # the loader's: the contract's tables, made by the bootstrap
        tables = ["raw.submission", "raw.cadres"]
    else:
        with psycopg.connect(wh.url("transformer")) as conn:  # as dbt builds them
            conn.execute(f"create table {schema}.probe as select 1 as x")
        tables = [f"{schema}.probe"]
    for table in tables:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, f"select count(*) from {table}", role="steward")


def test_published_marts_are_readable_and_the_previous_build_is_not(wh):
    _publish_probe(wh, "probe-1", "first")
    _publish_probe(wh, "probe-2", "second")  # "first" is now in marts_previous
    assert query(wh, "select count(*) from marts_previous.first") == [(1,)]
    for role in ("analyst", "steward"):
        assert query(wh, "select x from marts.second", role=role) == [(1,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, "select * from marts_previous.first", role=role)
    for role in ("loader", "transformer"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(wh, "select * from marts.second", role=role)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_the_publish_step_writes_marts(wh, role):
    _publish_probe(wh, "probe-1", "second")
    for statement in (
        "insert into marts.second values (2)",
        "update marts.second set x = 2",
        "delete from marts.second",
        "truncate marts.second",
        "alter table marts.second add column y int",
        "drop table marts.second",
        "create table marts.mine (x int)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _attempt(wh, role, statement)
    assert query(wh, "select x from marts.second") == [(1,)]


def test_loader_writes_raw_but_cannot_read_marts(wh):
    assert query(wh, "select count(*) from raw.submission", role="loader") == [(0,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(wh, "select 1 from marts.anything", role="loader")


# --- the whole city, built, audited and published ------------------------------------------


@pytest.fixture(scope="module")
def built(city):
    """The city's published build, with tonight's next candidate already in analytics_next
    (as dbt leaves it between building and publishing)."""
    with psycopg.connect(city.url("transformer")) as conn:
        conn.execute("create table analytics_next.fct_cadre_roster as select 1 as x")
    return city


def _relations(s, schema: str) -> list[str]:
    """Tables, views and materialized views of ``schema``."""
    return [
        name
        for (name,) in query(
            s,
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm') order by 1",
            (schema,),
        )
    ]


@pytest.mark.parametrize("role", sorted(READS))
@pytest.mark.parametrize("schema", [s for s in SCHEMAS if s != "marts_previous"])  # empty after one night
def test_who_reads_what(built, role, schema):
    """Every relation of every schema, as docs/warehouse.md says: read where allowed,
    permission denied everywhere else."""
    names = _relations(built, schema)
    assert names, f"{schema} holds nothing to try"
    denied, readable = [], []
    with psycopg.connect(built.url(role), autocommit=True) as conn:
        for name in names:
            try:
                conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
                readable.append(name)
            except psycopg.errors.InsufficientPrivilege:
                denied.append(name)
    allowed = schema in READS[role]
    expected_denied = [
        n for n in names if not allowed or (role == "steward" and (schema, n) in NOT_FOR_STEWARDS)
    ]
    assert denied == expected_denied, (role, schema, readable)


def test_steward_reads_the_identities_behind_the_person_keys(built):
    identities = query(built, "select count(*) from restricted.person_identity", role="steward")
    roster = query(built, "select count(distinct person_key) from marts.fct_cadre_roster", role="steward")
    assert identities[0][0] >= roster[0][0] > 0


@pytest.mark.parametrize("role", ["analyst", "steward"])
def test_neither_reader_can_change_the_published_marts(built, role):
    for statement in (
        "insert into marts.fct_cadre_roster select * from marts.fct_cadre_roster limit 1",
        "update marts.fct_cadre_roster set person_key = person_key",
        "delete from marts.fct_cadre_roster",
        "truncate marts.fct_cadre_roster",
        "create table marts.mine (x int)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _attempt(built, role, statement)


def test_no_id_number_name_or_phone_number_anywhere_in_marts(built):
    """Every value of every column of every marts table (as text), as the analyst reads it."""
    people = query(built, "select id_number, person_name from restricted.person_identity")
    names = {n for _, n in people if n}
    assert len(names) > 1000
    assert all(ID_NUMBER.fullmatch(i) for i, _ in people[:100])  # the pattern finds real ones
    assert PHONE.search("联系电话13912345678") and not PHONE.search("a" + "0" * 63)
    columns = query(
        built,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts' order by 1, 2",
    )
    assert ("fct_cadre_roster", "person_key") in columns and len(columns) > 100
    with psycopg.connect(built.url("analyst")) as conn:
        for table, column in columns:
            values = {
                v
                for (v,) in conn.execute(
                    f'select distinct "{column}"::text from marts."{table}" where "{column}" is not null'
                )
            }
            leaks = {v for v in values if ID_NUMBER.search(v) or PHONE.search(v) or v in names}
            assert not leaks, (table, column, sorted(leaks)[:5])
