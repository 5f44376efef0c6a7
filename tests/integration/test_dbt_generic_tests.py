"""The project's own dbt generic tests (dbt_project/tests/generic), failing as they should."""

from __future__ import annotations

import json

import psycopg
from psycopg import sql

from ingest.warehouse import dbt

NOT_NULL_COLUMNS = ("--select", "dim_org_unit,test_name:not_null_columns")


def _result(s, name: str) -> dict:
    results = json.loads((dbt.target_dir(s) / "run_results.json").read_text(encoding="utf-8"))
    (result,) = [r for r in results["results"] if r["unique_id"].startswith(f"test.dangjian.{name}")]
    return result


def _failing(s, select: tuple[str, ...], name: str, failures: int) -> list[tuple]:
    """Run the selected test, which must fail with ``failures`` rows; the rows its query returns."""
    failed = dbt.run(s, "test", *select, check=False)
    assert failed.returncode == 1, failed.stdout[-2000:]
    result = _result(s, name)
    assert (result["status"], result["failures"]) == ("fail", failures)
    with psycopg.connect(s.url()) as conn:
        return sorted(conn.execute(result["compiled_code"]).fetchall())


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


def test_not_null_columns_names_each_required_column_that_has_nulls(wh):
    dbt.run(wh, "run", "--select", "+dim_org_unit")  # from the registry alone
    # a city has no parent or county and a county no township: the conditions allow it
    dbt.run(wh, "test", *NOT_NULL_COLUMNS)

    _plant(wh, "org_unit_name", None, "village", rows=2)
    _plant(wh, "township_code", None, "village")  # required for a village (its condition holds)
    _plant(wh, "city_code", None, "county")
    rows = _failing(wh, NOT_NULL_COLUMNS, "not_null_columns_dim_org_unit", 3)  # one failing row per column
    assert rows == sorted({("org_unit_name", 2), ("township_code", 1), ("city_code", 1)})


def test_matches_pattern_with_a_length_refuses_other_lengths_and_characters(wh):
    hexes = "0123456789abcdef" * 4
    with psycopg.connect(wh.url()) as conn:
        conn.execute("drop table if exists analytics_next.person_keys")
        conn.execute("create table analytics_next.person_keys (person_key text)")
        conn.execute(
            "insert into analytics_next.person_keys values (%s), (%s), (%s), (%s), (null)",
            (hexes, hexes[:63], hexes + "a", "g" + hexes[1:]),
        )
        conn.execute("grant select on analytics_next.person_keys to transformer")
    try:
        shown = dbt.run(
            wh,
            "show",
            "--inline",
            "{{ test_matches_pattern(model=api.Relation.create(schema='analytics_next',"
            " identifier='person_keys'), column_name='person_key', pattern='^[0-9a-f]+$', length=64) }}",
            "--output",
            "json",
            "--log-format",
            "json",
        )
    finally:  # not a mart: never left behind for an audit
        with psycopg.connect(wh.url()) as conn:
            conn.execute("drop table analytics_next.person_keys")
    found = {
        row["person_key"]
        for line in shown.stdout.splitlines()
        if '"preview"' in line
        for row in json.loads(json.loads(line)["data"]["preview"])
    }
    assert found == {hexes[:63], hexes + "a", "g" + hexes[1:]}  # the 64-digit key and the null pass


def test_code_lists_names_each_value_outside_its_list_from_the_seed(wh):
    """The code lists come from the seed (generated from the contract), one test for the model."""
    dbt.run(wh, "seed", "--select", "code_lists")
    dbt.run(wh, "run", "--select", "+dim_org_unit")
    select = ("--select", "dim_org_unit,test_name:code_lists")
    dbt.run(wh, "test", *select)

    _plant(wh, "unit_level", "hamlet", "village", rows=3)
    _plant(wh, "unit_type", "自然村", "county")  # a county's type outside the registry's types
    rows = _failing(wh, select, "code_lists_dim_org_unit", 2)  # one row per column and value
    assert rows == sorted(
        {("unit_level", "unit_level", "hamlet", 3), ("unit_type", "org_unit_type", "自然村", 1)}
    )


def test_ranges_names_each_column_with_values_outside_its_bounds(wh):
    dbt.run(wh, "run", "--select", "+dim_period")
    select = ("--select", "dim_period,test_name:ranges")
    dbt.run(wh, "test", *select)

    with psycopg.connect(wh.url()) as conn:
        conn.execute("update analytics_next.dim_period set month_number = 13 where period = '2025-03'")
        conn.execute("update analytics_next.dim_period set month_number = 0 where period = '2025-04'")
        conn.execute("update analytics_next.dim_period set quarter_number = 5 where period = '2025Q1'")
    rows = _failing(wh, select, "ranges_dim_period", 3)  # one row per value outside
    assert rows == [("month_number", "0"), ("month_number", "13"), ("quarter_number", "5")]
