"""The project's column comments (dbt_project/macros/persist_docs.sql): what dbt-postgres would
comment, in one statement that asks nothing first."""

from __future__ import annotations

import json

import psycopg

from ingest.warehouse import dbt


def _compiled(s, jinja: str) -> str:
    """The SQL ``jinja`` compiles to (``dbt compile --inline``)."""
    shown = dbt.run(s, "compile", "--inline", jinja, "--output", "json", "--log-format", "json")
    (compiled,) = [
        json.loads(line)["data"]["compiled"] for line in shown.stdout.splitlines() if '"compiled"' in line
    ]
    return compiled


def test_documented_columns_that_exist_get_their_comments_and_the_others_are_skipped(wh):
    columns = {
        "plain": {"description": "村（社区）代码 / it's a code; 50% of $1", "quote": False},
        "Mixed": {"description": "带引号的列名 / a quoted name", "quote": True},
        "Folded": {"description": "不加引号即小写 / unquoted folds to lower case", "quote": False},
        "missing": {"description": "表中没有此列 / not in the table", "quote": False},
        "undocumented": {"description": None, "quote": False},
    }
    with psycopg.connect(wh.url()) as conn:
        conn.execute("drop table if exists analytics_next.comment_probe")
        conn.execute(
            'create table analytics_next.comment_probe (plain int, "Mixed" int, folded int, undocumented int)'
        )
    try:
        statement = _compiled(
            wh,
            "{{ postgres__alter_column_comment(api.Relation.create(database=target.database,"
            " schema='analytics_next', identifier='comment_probe'), "
            + json.dumps(columns, ensure_ascii=False).replace("null", "none")  # a Jinja literal
            + ") }}",
        )
        assert statement.lstrip().startswith("do $dbt_column_comments$")  # the project's, one statement
        with psycopg.connect(wh.url()) as conn:
            conn.execute(statement)
            comments = dict(
                conn.execute(
                    "select attname, col_description(attrelid, attnum) from pg_attribute"
                    " where attrelid = 'analytics_next.comment_probe'::regclass and attnum > 0"
                ).fetchall()
            )
    finally:  # not a mart: never left behind for an audit
        with psycopg.connect(wh.url()) as conn:
            conn.execute("drop table analytics_next.comment_probe")
    assert comments == {
        "plain": columns["plain"]["description"],
        "Mixed": columns["Mixed"]["description"],
        "folded": columns["Folded"]["description"],
        "undocumented": None,
    }
