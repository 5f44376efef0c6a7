"""The rule language gives the same verdict in Python (on the workbook) and in PostgreSQL (on
the build), for any values: Hypothesis draws rows, each rule is judged both ways.

Also each kind of declared limit, on one column for each distinct limit: the parser's verdict
on a typed value, and the audit's SQL for that limit on the same value stored in the warehouse.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from ingest import contract
from ingest.contract import codes, orgunits, rules
from ingest.contract.expressions import Book, Scope
from ingest.workbook.parse import ParseError, parse_value

COUNTY, PERIOD = "520603", "2025"
UNITS = [u.code for u in orgunits.units(COUNTY)][:30]
TOWNS = [t.unit.code for t in orgunits.townships(COUNTY)][:5]


def _ids() -> st.SearchStrategy:
    def make(born: dt.date, seq: int) -> str:
        first17 = f"{COUNTY}{born:%Y%m%d}{seq:03d}"
        return first17 + codes.id_check_char(first17)

    return st.builds(make, st.dates(dt.date(1930, 1, 1), dt.date(2024, 12, 31)), st.integers(0, 999))


def _value(col: contract.Column) -> st.SearchStrategy:
    """Typed values as the parser would hand them on, within the type, not within the limits."""
    typed = {
        "id_number": _ids(),
        "credit_code": st.just("91520603MA6DKXX9XC"),
        "integer": st.integers(-5, 200_000),
        "decimal": st.decimals(min_value=-10, max_value=200_000, places=5, allow_nan=False),
        "boolean": st.booleans(),
        "date": st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)),
        "text": st.text(alphabet="长村ab", min_size=1, max_size=12)
        | st.text(alphabet="长", min_size=45, max_size=210),
        "code": st.sampled_from((*col.codes, "不存在") if col.codes else (*UNITS, *TOWNS, COUNTY, "12345")),
    }[col.type]
    return st.none() | typed


def _rows(data, sheet: contract.Sheet, rule: rules.Rule, read: set[str]) -> list[dict]:
    """Rows with the columns ``read`` drawn and the others empty. What the rule says reads no
    other column of the sheet (asserted of its SQL, which is made from the same expression as
    its Python), and drawing whole rows would cost the tests most of their time."""
    failing = rule.fails(Scope("t", sheet.key))
    assert not [c.name for c in sheet.columns if c.name not in read and re.search(rf"\b{c.name}\b", failing)]
    drawn = data.draw(
        st.lists(
            st.fixed_dictionaries({c.name: _value(c) for c in sheet.columns if c.name in read}),
            min_size=1,
            max_size=25,
        )
    )
    return [{c.name: None for c in sheet.columns} | row for row in drawn]


@pytest.fixture(scope="module")
def conn(warehouse_server):
    from tests.helpers import reset_warehouse

    reset_warehouse(warehouse_server)
    with psycopg.connect(warehouse_server.url(), autocommit=True) as connection:
        yield connection


def sql_failing(
    conn, sheet: contract.Sheet, rows: list[dict], rule: rules.Rule, period: str = PERIOD
) -> list[int]:
    """The positions of ``rows`` (of ``COUNTY`` for ``period``) the rule's SQL finds failing,
    on a table of those rows."""
    cols = [c.name for c in sheet.columns]
    conn.execute("drop table if exists pg_temp.t")
    conn.execute(
        sql.SQL("create temp table t (county_code text, period text, source_row int, {})").format(
            sql.SQL(", ").join(sql.SQL(f"{c.name} {c.sql_type}") for c in sheet.columns)
        )
    )
    with conn.cursor().copy(
        f"copy t (county_code, period, source_row, {', '.join(cols)}) from stdin"
    ) as copy:
        for i, row in enumerate(rows):
            copy.write_row((COUNTY, period, i, *(row[c] for c in cols)))
    query = f"select source_row from t where {rule.fails(Scope('t', sheet.key))} order by 1"
    return [i for (i,) in conn.execute(query.replace("{{", "{").replace("}}", "}"))]


def reads_other_sheets(rule: rules.Rule) -> bool:
    """Rules that look into another sheet are judged on whole submissions: test_rule_set.py."""
    return rule.per == "submission" or any(f in repr(rule.holds) for f in ("InSheet(", "SumOf("))


ROW_RULES = [r for r in rules.RULES if not reads_other_sheets(r)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("rule", ROW_RULES, ids=lambda r: r.rule_id)
def test_a_rule_judges_alike_in_python_and_in_sql(conn, rule, data):
    sheet = contract.sheet(rule.sheet)
    read = set(rule.holds.columns()) | set(rule.when.columns() if rule.when is not None else ())
    assert read, rule.rule_id
    rows = _rows(data, sheet, rule, read)
    columns = {c.name: [r[c.name] for r in rows] for c in sheet.columns}
    book = Book(COUNTY, PERIOD, {rule.sheet: columns}, {rule.sheet: len(rows)})
    assert rule.failing(book) == sql_failing(conn, sheet, rows, rule)


def _limit(rule: rules.Rule) -> tuple[str, str, str]:
    """What a column limit checks: the column's type, the kind of limit and what it asks for
    (bounds, places, length, codes, format, dates). Two columns alike in these compile to the
    same SQL and parse alike but for their names."""
    _, column, kind = rule.rule_id.split(".")
    col = contract.sheet(rule.sheet).column(column)
    return col.type, kind, col.limit_text(kind)


#: One column for each distinct limit (the org-unit limit needs the registry: test_rule_set.py).
_FIRST: dict[tuple[str, str, str], rules.Rule] = {}
for _rule in rules.column_rules():
    if _rule.rule_id.split(".")[-1] != "org_unit":
        _FIRST.setdefault(_limit(_rule), _rule)
LIMITS = list(_FIRST.values())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("rule", LIMITS, ids=lambda r: r.rule_id)
def test_a_declared_limit_judges_alike_in_the_parser_and_in_sql(conn, rule, data):
    sheet = contract.sheet(rule.sheet)
    _, column, kind = rule.rule_id.split(".")
    col = sheet.column(column)
    rows = _rows(data, sheet, rule, {column})
    refused, other = [], set()  # a value refused for another reason says nothing of this limit
    for i, row in enumerate(rows):
        value = row[column]
        try:
            parse_value(value if not isinstance(value, Decimal) else str(value), col)
        except ParseError as error:
            (refused.append(i) if error.kind == kind else other.add(i))
    assert refused == [i for i in sql_failing(conn, sheet, rows, rule) if i not in other]
