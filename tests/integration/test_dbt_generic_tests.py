"""The project's own dbt generic test, `structure` (dbt_project/tests/generic/structure.sql),
and its checks (dbt_project/macros/structure_checks.sql), failing as they should."""

from __future__ import annotations

import json

import psycopg
from psycopg import sql

from ingest.warehouse import dbt

ORG_UNITS = ("--select", "structure_dim_org_unit")
PROBE = "api.Relation.create(schema='analytics_next', identifier='structure_probe')"


def _failing(s, select: tuple[str, ...], check: str) -> set[tuple]:
    """Run the selected structure test, which must fail; what its ``check`` found, as
    (column, value, failing rows)."""
    failed = dbt.run(s, "test", *select, check=False)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "Failing rows:" in failed.stdout
    return {(f.column, f.value, f.rows) for f in dbt.failures(s) if f.check == check}


def _plant(s, column: str, value: str | None, level: str, rows: int = 1) -> None:
    """Set ``column`` to ``value`` in the first ``rows`` org units of ``level`` in the candidate."""
    with psycopg.connect(s.url()) as conn:
        conn.execute(
            sql.SQL(
                "update analytics_next.dim_org_unit set {} = %s where org_unit_code in"
                " (select org_unit_code from analytics_next.dim_org_unit where unit_level = %s"
                "  order by 1 limit %s)"
            ).format(sql.Identifier(column)),
            (value, level, rows),
        )


def _probe(s, columns: str, rows: list[tuple], check: str) -> set[tuple]:
    """Run one check (a macro call on ``PROBE``, a table of ``columns`` holding ``rows``) with
    ``dbt show``; what it returns as (check, column, value, failing rows)."""
    marks = ", ".join(["%s"] * len(rows[0]))
    with psycopg.connect(s.url()) as conn:
        conn.execute("drop table if exists analytics_next.structure_probe")
        conn.execute(f"create table analytics_next.structure_probe ({columns})")
        conn.cursor().executemany(f"insert into analytics_next.structure_probe values ({marks})", rows)
        conn.execute("grant select on analytics_next.structure_probe to transformer")
    try:
        shown = dbt.run(
            s,
            "show",
            "--inline",
            "{{ " + check + " }}",
            "--limit",
            "100",
            "--output",
            "json",
            "--log-format",
            "json",
        )
    finally:  # not a mart: never left behind for an audit
        with psycopg.connect(s.url()) as conn:
            conn.execute("drop table analytics_next.structure_probe")
    return {
        (row["check_name"], row["column_name"], row["value"], row["failing_rows"])
        for line in shown.stdout.splitlines()
        if '"preview"' in line
        for row in json.loads(json.loads(line)["data"]["preview"])
    }


def test_not_null_names_each_required_column_that_has_nulls(wh):
    dbt.run(wh, "seed", "--select", "code_lists")
    dbt.run(wh, "run", "--select", "+dim_org_unit")  # from the registry alone
    # a city has no parent or county and a county no township: the conditions allow it
    dbt.run(wh, "test", *ORG_UNITS)

    _plant(wh, "org_unit_name", None, "village", rows=2)
    _plant(wh, "township_code", None, "village")  # required for a village (its condition holds)
    _plant(wh, "city_code", None, "county")
    rows = _failing(wh, ORG_UNITS, "not_null")  # one failing row per column
    assert rows == {("org_unit_name", None, 2), ("township_code", None, 1), ("city_code", None, 1)}


def test_code_lists_name_each_value_outside_its_list_from_the_seed(wh):
    """The code lists come from the seed (generated from the contract)."""
    dbt.run(wh, "seed", "--select", "code_lists")
    dbt.run(wh, "run", "--select", "+dim_org_unit")
    dbt.run(wh, "test", *ORG_UNITS)

    _plant(wh, "unit_level", "hamlet", "village", rows=3)
    _plant(wh, "unit_type", "自然村", "county")  # a county's type outside the registry's types
    rows = _failing(wh, ORG_UNITS, "code_lists")  # one row per column and value
    assert rows == {("unit_level", "hamlet", 3), ("unit_type", "自然村", 1)}


def test_ranges_name_each_value_outside_its_bounds(wh):
    dbt.run(wh, "seed", "--select", "code_lists")
    dbt.run(wh, "run", "--select", "+dim_period")
    select = ("--select", "structure_dim_period")
    dbt.run(wh, "test", *select)

    with psycopg.connect(wh.url()) as conn:
        conn.execute("update analytics_next.dim_period set month_number = 13 where period = '2025-03'")
        conn.execute("update analytics_next.dim_period set month_number = 0 where period = '2025-04'")
        conn.execute("update analytics_next.dim_period set quarter_number = 5 where period = '2025Q1'")
    rows = _failing(wh, select, "ranges")  # one row per value outside
    assert rows == {("month_number", "0", 1), ("month_number", "13", 1), ("quarter_number", "5", 1)}


def test_a_pattern_with_a_length_refuses_other_lengths_and_characters(wh):
    hexes = "0123456789abcdef" * 4
    rows = [(hexes,), (hexes[:63],), (hexes + "a",), ("g" + hexes[1:],), (None,)]
    found = _probe(
        wh,
        "person_key text",
        rows,
        f"structure_pattern(structure_rows({PROBE}), 'person_key', {{'pattern': '^[0-9a-f]+$', 'length': 64}})",
    )
    # the 64-digit key and the null pass
    assert found == {("patterns", "person_key", v, 1) for v in (hexes[:63], hexes + "a", "g" + hexes[1:])}


def test_a_key_finds_rows_that_share_it_among_those_its_condition_keeps(wh):
    rows = [
        ("a", 1, True),
        ("a", 1, False),
        ("b", 2, True),
        ("b", 2, True),
        (None, None, True),
        (None, None, True),
    ]
    columns = "code text, n int, is_current boolean"
    whole = _probe(wh, columns, rows, f"structure_key(structure_rows({PROBE}), ['code', 'n'])")
    assert whole == {("keys", "code, n", "a, 1", 2), ("keys", "code, n", "b, 2", 2)}  # nulls: not compared
    current = _probe(wh, columns, rows, f"structure_key(structure_rows({PROBE}), ['code'], 'is_current')")
    assert current == {("keys", "code", "b", 2)}


def test_expressions_and_references_count_the_rows_that_fail_them(wh):
    dbt.run(wh, "run", "--select", "+dim_period")
    rows = [("2025", 1, 2), ("2025", 3, 2), ("1999", 5, 1), ("1999", None, 1), (None, 9, 1)]
    columns = "period text, low int, high int"
    found = _probe(
        wh,
        columns,
        rows,
        f"structure_expressions(structure_rows({PROBE}), ['low <= high', 'high > 0'])",
    )
    assert found == {("expressions", "low <= high", None, 3)}  # a null comparison is no failure
    referenced = _probe(
        wh,
        columns,
        rows,
        f"structure_reference(structure_rows({PROBE}), 'period', ref('dim_period'), 'period')",
    )
    assert referenced == {("references", "period", "1999", 2)}  # no such period; a null is none
