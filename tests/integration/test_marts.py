"""The published marts: what analysts may see, what stewards may see, and how a night changes them."""

from __future__ import annotations

import os
import re

import psycopg
import pytest

from ingest import contract, dbt, pseudonym, publish, sample
from ingest.audit import audit
from ingest.load import ingest_file
from tests.helpers import query, reset_warehouse

# standing alone, not as digits inside a 64-digit hexadecimal person key
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
FACTS = ("fct_cadre_roster", "fct_cadre_changes", "fct_training_attendance", "fct_enterprise_coverage")


def _night(s, run_id: str, paths) -> None:
    for path in paths:
        assert ingest_file(path, s).status == "accepted"
    dbt.run(s, "build")
    audit(s, run_id)
    publish.publish(s, run_id)


@pytest.fixture(scope="module")
def city(warehouse_server):
    """The whole city's sample data (ten counties), built, audited and published."""
    s = warehouse_server
    reset_warehouse(s)
    _night(s, "city-1", sample.generate("2025", s.inbox))
    return s


def _text_columns(s, schema: str) -> list[tuple[str, str]]:
    return query(
        s,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = %s and data_type in ('text', 'character varying') order by 1, 2",
        (schema,),
    )


def test_no_id_number_name_or_phone_number_anywhere_in_marts(city):
    names = {n for (n,) in query(city, "select person_name from restricted.person_identity") if n}
    assert len(names) > 1000
    columns = _text_columns(city, "marts")
    assert ("fct_cadre_roster", "person_key") in columns
    with psycopg.connect(city.url("analyst")) as conn:
        for table, column in columns:
            values = {
                v
                for (v,) in conn.execute(
                    f'select distinct "{column}" from marts."{table}" where "{column}" is not null'
                )
            }
            leaks = {v for v in values if ID_NUMBER.search(v) or PHONE.search(v) or v in names}
            assert not leaks, (table, column, sorted(leaks)[:5])


def test_person_keys_are_the_keyed_hash_of_the_id_number(city):
    secret = pseudonym.key(city)
    identities = query(city, "select person_key, id_number from restricted.person_identity limit 200")
    assert identities and all(key == pseudonym.person_key(id_, secret) for key, id_ in identities)
    roster_keys = {k for (k,) in query(city, "select distinct person_key from marts.fct_cadre_roster")}
    assert roster_keys <= {k for (k,) in query(city, "select person_key from restricted.person_identity")}


def test_the_key_never_appears_in_dbt_artefacts_or_logs(city):
    secret = pseudonym.key(city)
    inner, outer = pseudonym.pads(secret)
    needles = [secret, inner.hex().encode(), outer.hex().encode()]
    searched = 0
    for folder in (city.dbt_project_dir / "target", city.dbt_project_dir / "logs", city.home):
        for root, _dirs, files in os.walk(folder):
            if "secrets" in root or "warehouse" in root:
                continue  # the key's own file, and the database's files
            for name in files:
                path = os.path.join(root, name)
                if os.path.getsize(path) < 50_000_000:
                    data = open(path, "rb").read()
                    searched += 1
                    assert not any(n in data for n in needles), path
    assert searched > 10


@pytest.mark.parametrize(
    ("role", "schema", "table", "allowed"),
    [
        ("analyst", "marts", "fct_cadre_roster", True),
        ("analyst", "raw", "cadres", False),
        ("analyst", "quality", "rejected_cells", False),
        ("analyst", "restricted", "person_identity", False),
        ("analyst", "analytics_next", "fct_cadre_roster", False),
        ("analyst", "intermediate", "int_cadre_roster_as_of", False),
        ("steward", "marts", "fct_cadre_roster", True),
        ("steward", "quality", "rejected_cells", True),
        ("steward", "restricted", "person_identity", True),
        ("steward", "restricted", "pseudonym_key", False),
        ("steward", "raw", "cadres", False),
    ],
)
def test_who_reads_what(city, role, schema, table, allowed):
    statement = f"select count(*) from {schema}.{table}"
    if allowed:
        assert query(city, statement, role=role)[0][0] >= 0
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(city, statement, role=role)


@pytest.mark.parametrize("role", ["analyst", "steward"])
def test_nobody_but_the_publish_step_writes_marts(city, role):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(city, "delete from marts.fct_cadre_roster", role=role)


def test_every_marts_table_and_column_is_explained_in_the_database(city):
    undocumented = query(
        city,
        "select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped"
        " and col_description(c.oid, a.attnum) is null order by 1, 2",
    )
    assert undocumented == []
    tables = query(
        city,
        "select c.relname, obj_description(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts' and c.relkind = 'r'",
    )
    assert len(tables) >= 12 and all(description for _, description in tables)


def _contents(s, table: str, schema: str = "marts") -> set[tuple]:
    return set(query(s, f"select * from {schema}.{table}"))


def test_a_resubmission_changes_exactly_that_countys_rows_and_incremental_equals_full_refresh(wh):
    counties, corrected_county = ["520603", "520624", "520626"], "520626"
    _night(wh, "two-nights-1", sample.generate("2025", wh.inbox, counties=counties))
    before = {table: _contents(wh, table) for table in (*FACTS, "fct_village_indicators")}

    rows = sample.county_rows(corrected_county, "2025")
    fixed = rows["cadres"][:-3]  # the county drops three roster rows it sent by mistake,
    path = wh.inbox / f"更正_{contract.file_name(corrected_county, '2025')}"  # and its training records
    sample.write_workbook(path, corrected_county, "2025", {**rows, "cadres": fixed, "training": []})
    os.utime(path)  # newer than the first file: it becomes the current version
    _night(wh, "two-nights-2", [path])

    for table, old in before.items():
        new = _contents(wh, table)
        columns = [
            c
            for (c,) in query(
                wh,
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = %s"
                " order by ordinal_position",
                (table,),
            )
        ]
        county = columns.index("county_code")
        changed = old ^ new
        assert {row[county] for row in changed} == {corrected_county}, table
    roster = query(wh, "select county_code, count(*) from marts.fct_cadre_roster group by 1 order by 1")
    assert dict(roster)[corrected_county] == len(fixed)
    trained = query(
        wh, "select count(*) from marts.fct_training_attendance where county_code = %s", (corrected_county,)
    )
    assert trained == [(0,)]  # withdrawn rows are gone, though nothing replaced them

    # the incremental tables now hold exactly what a full rebuild from scratch gives
    incremental = {
        t: _contents(wh, t, "intermediate")
        for t in ("int_cadre_roster_as_of", "int_training_attendance_pseudonymised")
    }
    dbt.run(
        wh,
        "run",
        "--full-refresh",
        "--select",
        "int_cadre_roster_as_of",
        "int_training_attendance_pseudonymised",
    )
    for table, rows_ in incremental.items():
        assert rows_ and _contents(wh, table, "intermediate") == rows_, table
