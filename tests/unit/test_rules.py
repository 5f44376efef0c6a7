"""The rule set as a table: well formed, documented, and evaluated as SQL would on the workbook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from expectations import rules as rule_suites
from ingest import contract
from ingest.config import PROJECT_ROOT
from ingest.contract import rules
from ingest.contract.expressions import Book, Rows, col


def test_docs_show_the_rule_table_as_it_is():
    assert rules.render_markdown() in (PROJECT_ROOT / "docs" / "quality.md").read_text(encoding="utf-8")


def test_every_rule_is_well_formed():
    every = rules.all_rules()
    assert len({r.rule_id for r in every}) == len(every)
    for r in every:
        sheet = contract.sheet(r.sheet)
        assert r.importance in ("critical", "warning") and r.explanation and r.if_missing in ("pass", "fail")
        assert set(r.columns) <= {c.name for c in sheet.columns}, r.rule_id
        assert r.per == "submission" or r.columns, r.rule_id  # a row rule names its cells
        assert not (r.rejects_row and r.importance == "warning")  # a refused row is never a mere warning
        query = r.failing_rows_query()
        assert "{batch}" in query and "{schema}" not in query


def test_a_rule_that_looks_into_another_sheet_joins_it_instead_of_testing_each_row():
    """``x in (select …)`` is hashed only while the other sheet's values fit in ``work_mem``;
    past that PostgreSQL compares each row with every value (a province's rosters: minutes).
    A rule's query joins the other sheet's values instead, whose cost grows with the rows."""
    looking = [r for r in rules.all_rules() if "InSheet(" in repr(r.holds)]
    assert {r.rule_id for r in looking} >= {"attendee_on_the_roster", "one_post_across_counties"}
    for r in looking:
        query = r.failing_rows_query()
        assert " left join " in query and " in (select" not in query, r.rule_id


def test_each_declared_limit_of_each_column_is_a_rule():
    every = rules.by_id()
    for s in contract.SHEETS:
        for c in s.columns:
            for kind in c.limits():
                rule = every[rules.column_rule_id(s, c, kind)]
                assert rule.parser_checked and rule.rejects_row and rule.columns == [c.name]
                assert rule.explanation == f"「{c.header}」{c.limit_text(kind)}"


def _book(**sheets) -> Book:
    full = {s.key: sheets.get(s.key, {}) for s in contract.SHEETS}
    counts = {key: len(next(iter(cols.values()), [])) for key, cols in full.items()}
    return Book("520603", "2025", full, counts)


def test_missing_values_pass_or_fail_as_the_rule_says():
    ends = rules.by_id()["cadre_post_ends_after_it_starts"]  # a missing end date: still in post
    day = dt.date(2025, 3, 1)
    book = _book(cadres={"start_date": [day, day, None], "end_date": [None, day - dt.timedelta(days=1), day]})
    assert ends.if_missing == "pass" and ends.failing(book) == [1]
    township = rules.by_id()["village_in_its_township"]  # no township: cannot be right
    assert township.if_missing == "fail"
    book = _book(
        villages={"org_unit_code": ["520603001001", "520603001001"], "township_code": [None, "520603001"]}
    )
    assert township.failing(book) == [0]


def test_three_valued_logic_as_in_sql():
    book = _book(villages={"grid_count": [1, None, 70]})
    rows = Rows(book, "villages")
    assert (col("grid_count") <= 60).values(rows) == [True, None, False]
    assert ((col("grid_count") <= 60) | (col("grid_count") > 0)).values(rows) == [True, None, True]
    assert ((col("grid_count") <= 60) & col("grid_count").is_null()).values(rows) == [False, None, False]
    assert (~col("grid_count").is_null()).values(rows) == [True, False, True]


def test_rules_between_sheets_look_within_the_same_submission():
    attendee = rules.by_id()["attendee_on_the_roster"]
    book = _book(
        cadres={"id_number": ["A", "B"], "role": ["两委委员", "后备力量"]},
        training={"id_number": ["B", "C", None]},
    )
    assert attendee.failing(book) == [1]
    plausible = rules.by_id()["reserve_cadres_at_least_one_per_village"]
    end = dt.date(2025, 1, 1)
    book = _book(
        cadres={
            "id_number": ["A", "B"],
            "role": ["后备力量", "后备力量"],
            "start_date": [end, end],
            "end_date": [None, end],  # ended on or before the period's end: not in post
        },
        villages={"unit_type": ["行政村", "社区", "小区党支部"], "grid_count": [Decimal(1)] * 3},
    )
    assert plausible.failing(book) == [0]  # one reserve cadre for two village-level units


def test_rules_carry_their_severity_and_explanation_into_the_suite():
    suites = rule_suites.suites()
    [e] = [e for e in suites["rules.villages"].expectations if e.meta["rule_id"] == "village_in_its_township"]
    assert e.meta["severity"] == "critical" and "上级乡镇" in e.meta["explanation"]
    assert e.meta["columns"] == ["township_code", "org_unit_code"]
    assert sum(len(s.expectations) for s in suites.values()) == len(rules.all_rules())
