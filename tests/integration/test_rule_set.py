"""One rule set from the clerk's check to the audit: for every rule, a workbook that breaks it is
flagged by ``dangjian check`` at the right cells, and the audit of the same data flags the
same cells with the same explanation.

Every rule of ``ingest/contract/rules.py`` (each column's declared limits, and the rules between
columns, rows and sheets) gets a row of its own that breaks it. "The same data" reaches the
audit as the county sent it: the workbook is ingested (its rows with impossible values are
refused there, as they must be), then every row of it is put into ``raw`` as typed, as if
loaded under an older, laxer contract, and the steward releases the submission.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg
import pytest

from ingest import contract
from ingest.contract import codes, orgunits, rules
from ingest.load import ingest_file
from ingest.quality import steward
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.workbook.reader import read_workbook
from tests.helpers import query

COUNTY, OTHER = "520603", "520624"
PERIOD = "2025"


def _new_id(row_id: str, born: dt.date, seq: int) -> str:
    """A valid ID number with the region and sex digit of ``row_id`` and another birth date."""
    first17 = f"{row_id[:6]}{born:%Y%m%d}{seq:02d}{row_id[16]}"
    return first17 + codes.id_check_char(first17)


def _other_county_code(level: str) -> str:
    towns = orgunits.townships(OTHER)
    return {"unit": towns[5].units[0].code, "township": towns[5].unit.code}.get(level, towns[5].units[0].code)


def _break_limit(row: dict, c: contract.Column, kind: str) -> None:
    """Make ``row``'s value of ``c`` break one of its declared limits."""
    low, high = c.bounds if c.type in ("integer", "decimal") else (None, None)
    row[c.name] = {
        "required": lambda: None,
        "codes": lambda: "不存在的值",
        "pattern": lambda: "12345",
        "org_unit": lambda: _other_county_code(c.org_level),
        "range": lambda: int(high) + 1 if c.type == "integer" else high + 1,
        "scale": lambda: Decimal(1).scaleb(-(c.scale + 1)) + 1,
        "length": lambda: "长" * (c.text_limit + 1),
        # a day before the range, or after it where Excel has no day before (1900)
        "dates": lambda: (
            c.date_range()[0] - dt.timedelta(days=1)
            if c.date_range()[0].year > 1900
            else c.date_range()[1] + dt.timedelta(days=1)
        ),
    }[kind]()


def _cross_rule_breakers(rows: dict, period_end: dt.date) -> dict[str, object]:
    """For each rule between columns and sheets, how to break it on one row (``row`` → None)."""
    towns = orgunits.townships(COUNTY)

    def other_township(r):
        r["township_code"] = next(t.unit.code for t in towns if t.unit.code != r["township_code"])

    def retype(r):
        r["unit_type"] = "社区" if r["unit_type"] == "行政村" else "行政村"

    def someone_else(r, key="id_number"):
        r[key] = _new_id(r[key], dt.date(1980, 7, 7), 11)

    def reborn(r):  # a 后备力量 aged 80
        born = dt.date(period_end.year - 80, 3, 3)
        r["id_number"], r["birth_date"] = _new_id(r["id_number"], born, 23), born

    def lonely_instructor(r):  # covers no enterprise: their ID is nowhere else
        born = r["birth_date"]
        r["id_number"] = _new_id(r["id_number"], born, 37)

    return {
        "cadre_post_ends_after_it_starts": (
            "cadres",
            lambda r: r.update(end_date=r["start_date"] - dt.timedelta(days=1), change_type="离任"),
        ),
        "cadre_post_starts_after_birth": (
            "cadres",
            lambda r: r.update(start_date=r["birth_date"] - dt.timedelta(days=1)),
        ),
        "cadre_birth_date_matches_id": (
            "cadres",
            lambda r: r.update(birth_date=r["birth_date"] + dt.timedelta(days=1)),
        ),
        "cadre_sex_matches_id": ("cadres", lambda r: r.update(sex="女" if r["sex"] == "男" else "男")),
        "cadre_adult_when_appointed": (
            "cadres",
            lambda r: r.update(start_date=r["birth_date"].replace(year=r["birth_date"].year + 10)),
        ),
        "cadre_age_plausible_for_role": ("cadres", reborn),
        "cadre_post_starts_by_period_end": (
            "cadres",
            lambda r: r.update(start_date=period_end + dt.timedelta(days=10), end_date=None),
        ),
        "cadre_promotion_dated_if_promoted": (
            "cadres",
            lambda r: r.update(promotion_date=dt.date(period_end.year, 3, 1), is_early_promotion=False),
        ),
        "cadre_degree_completed_only_if_upgrading": (
            "cadres",
            lambda r: r.update(
                degree_completed_date=dt.date(period_end.year, 7, 1), is_degree_upgrading=None
            ),
        ),
        "instructor_covers_an_enterprise": ("cadres", lonely_instructor),
        "training_ends_after_it_starts": (
            "training",
            lambda r: r.update(end_date=r["start_date"] - dt.timedelta(days=1)),
        ),
        "attendee_on_the_roster": ("training", someone_else),
        "village_investment_is_its_projects": ("villages", lambda r: r.update(collective_investment=None)),
        "project_land_has_an_area": ("village_projects", lambda r: r.update(area_mu=None)),
        "project_investment_has_an_amount": ("village_projects", lambda r: r.update(amount=None)),
        "village_net_within_operating_income": (
            "villages",
            lambda r: r.update(collective_operating_income=Decimal(10), collective_net_income=Decimal(11)),
        ),
        "village_in_its_township": ("villages", other_township),
        "village_type_as_registered": ("villages", retype),
        "village_grids_plausible": ("villages", lambda r: r.update(grid_count=61)),
        "instructor_on_the_roster": ("enterprises", lambda r: someone_else(r, "instructor_id_number")),
    }


#: rows a breaker must be put on (the rule only looks at such rows)
_WHERE = {
    "cadre_age_plausible_for_role": lambda r: r["role"] == "后备力量",
    "instructor_covers_an_enterprise": lambda r: r["role"] == "党建指导员",
    "cadre_post_ends_after_it_starts": lambda r: not r.get("end_date"),
    "village_net_within_operating_income": lambda r: r.get("collective_operating_income") is not None,
    "village_investment_is_its_projects": lambda r: r.get("collective_investment") is not None,
    "project_land_has_an_area": lambda r: r["project_type"] == "自营土地",
    "project_investment_has_an_amount": lambda r: r["project_type"] == "对外投资",
}
#: rules broken on a row from the end of its sheet: far from the rows broken first (a village's
#: total of investments is judged against its project rows, which must stay as they are)
_FROM_THE_END = {"village_investment_is_its_projects"}
#: rules judged on a whole submission: each breaks in a workbook of its own (county → how)
_WHOLE = {
    "reserve_cadres_at_least_one_per_village": (
        "520621",
        lambda rows: rows.update(cadres=[r for r in rows["cadres"] if r["role"] != "后备力量"]),
    ),
    "reserve_cadres_per_village_plausible": (
        "520622",
        lambda rows: rows.update(villages=[v for v in rows["villages"] if v["unit_type"] == "行政村"][:2]),
    ),
}


def _broken_rows() -> tuple[dict, dict[str, tuple[str, int]]]:
    """The county's rows with one row broken per row rule; rule → (sheet, row position)."""
    rows = generator.county_rows(COUNTY, PERIOD)
    period_end = contract.period_end(PERIOD)
    breaks = {s.key: sum(len(c.limits()) for c in s.columns) for s in contract.SHEETS}
    # rows 0–2 stay as they are where the sheet has rows to spare (a county's few townships may not)
    used = {key: itertools.count(min(3, max(0, len(rows[key]) - breaks[key]))) for key in rows}
    where: dict[str, tuple[str, int]] = {}

    tail = {key: itertools.count(len(rows[key]) - 1, -1) for key in rows}

    def pick(sheet: str, rule_id: str) -> int:
        fits = _WHERE.get(rule_id, lambda r: True)
        while True:
            i = next(tail[sheet] if rule_id in _FROM_THE_END else used[sheet])
            if fits(rows[sheet][i]):
                return i

    for s in contract.SHEETS:
        for c in s.columns:
            for kind in c.limits():
                rule_id = rules.column_rule_id(s, c, kind)
                i = where.setdefault(rule_id, (s.key, pick(s.key, rule_id)))[1]
                _break_limit(rows[s.key][i], c, kind)
    for rule_id, (sheet, breaker) in _cross_rule_breakers(rows, period_end).items():
        i = pick(sheet, rule_id)
        breaker(rows[sheet][i])
        where[rule_id] = (sheet, i)
    return rows, where


def _load(s, path, rows: dict, as_typed: bool) -> int:
    """Ingest the workbook and release it if it is held back. ``as_typed``: then put every row of
    it into ``raw`` as the county typed it (as an older, laxer contract would have loaded it)."""
    result = ingest_file(path, s)
    assert result.status == "accepted"
    sid = result.submission_id
    if as_typed:
        with psycopg.connect(s.url()) as conn:
            for sheet in contract.SHEETS:
                names = [c.name for c in sheet.columns]
                conn.execute(f"delete from {sheet.table} where submission_id = %s", (sid,))
                conn.cursor().executemany(
                    f"insert into {sheet.table} (submission_id, sheet, source_row, {', '.join(names)})"
                    f" values (%s, %s, %s, {', '.join(['%s'] * len(names))})",
                    [
                        (sid, sheet.title, i + 2, *(r.get(n) for n in names))
                        for i, r in enumerate(rows[sheet.key])
                    ],
                )
    if result.critical:  # held back at ingest: released as it is
        steward.release(s, sid, "测试：按县里报送的原样审核", by="测试")
    return sid


@dataclass
class Checked:
    """What the clerk's check and the audit said, per (county, period): rule → cells."""

    by_check: dict[tuple, dict[str, set[str]]] = field(default_factory=dict)
    by_audit: dict[tuple, dict[str, set[str]]] = field(default_factory=dict)
    #: rows ingest refused, per (county, period): (sheet, row number)
    refused: dict[tuple, set[tuple[str, str]]] = field(default_factory=dict)
    #: the check's message for each rule
    messages: dict[str, str] = field(default_factory=dict)
    #: (county, rule) of each failure of a rule on a whole submission
    whole_failures: set[tuple[str, str]] = field(default_factory=set)


#: The row rules' workbook goes in twice: as typed (every row, refused ones too, reaches the
#: audit) and as ingested (the audit sees the rows ingest kept, as in every night).
AS_TYPED, AS_INGESTED = PERIOD, "2025Q4"


@pytest.fixture(scope="module")
def checked(warehouse_server, tmp_path_factory):
    """The broken workbooks, checked by the clerk's check and by the audit of the same data."""
    from tests.helpers import reset_warehouse

    s = warehouse_server
    reset_warehouse(s)
    folder = tmp_path_factory.mktemp("broken")
    rows, where = _broken_rows()
    books = [(COUNTY, AS_TYPED, rows), (COUNTY, AS_INGESTED, rows)]
    for county, breaker in _WHOLE.values():
        whole = generator.county_rows(county, PERIOD)
        breaker(whole)
        books.append((county, PERIOD, whole))
    found = Checked()
    # a county's few townships are nearly all broken: no sheet is held back whole for its share
    # of refused rows here, so that the audit sees every sheet's rows
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DANGJIAN_MAX_REJECTED_SHARE", "1")
        for county, period, book_rows in books:
            path = folder / contract.file_name(county, period)
            generator.write_workbook(path, county, period, book_rows)
            for p in read_workbook(path).problems:
                found.by_check.setdefault((county, period), {}).setdefault(p.rule, set()).add(
                    _cell(p.sheet, p.cell)
                )
                found.messages[p.rule] = p.message
                if not p.row_loaded and p.cell:
                    found.refused.setdefault((county, period), set()).add(_row(_cell(p.sheet, p.cell)))
            _load(s, path, book_rows, as_typed=period == AS_TYPED)
    audit(s, "rule-set", whole=True)
    for county, period, rule_id, sheet, cell in query(
        s,
        "select county_code, period, rule_id, sheet, cell from quality.failed_cells where run_id = 'rule-set'",
        role="steward",
    ):
        found.by_audit.setdefault((county, period), {}).setdefault(rule_id, set()).add(_cell(sheet, cell))
    found.whole_failures = {
        (r["county_code"], rule_id)
        for rule_id, failing in query(
            s,
            "select details ->> 'rule_id', details -> 'failing_rows' from quality.validation_result"
            " where run_id = 'rule-set' and not success and suite = 'rules.submissions'",
            role="steward",
        )
        for r in failing
    }
    return found, where


def _cell(sheet: str, cell: str) -> str:
    return f"{sheet}!{cell}" if cell else sheet


def _row(cell: str) -> tuple[str, str]:
    """``干部名册!D11`` → (干部名册, 11)."""
    sheet, ref = cell.split("!")
    return sheet, ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _cells(sheet: contract.Sheet, i: int, rule: rules.Rule) -> set[str]:
    """The cells of row ``i`` a rule's failure names: each column it reads (template layout)."""
    from tests.helpers import column_of

    return {f"{sheet.title}!{column_of(sheet.key, c)}{i + 2}" for c in rule.columns}


@pytest.mark.parametrize("rule", [r for r in rules.all_rules() if r.per == "row"], ids=lambda r: r.rule_id)
def test_a_row_rule_is_flagged_at_the_same_cells_by_the_check_and_the_audit(checked, rule):
    found, where = checked
    sheet_key, i = where[rule.rule_id]
    expected = _cells(contract.sheet(sheet_key), i, rule)
    for period in (AS_TYPED, AS_INGESTED):
        flagged = found.by_check[COUNTY, period].get(rule.rule_id, set())
        assert expected <= flagged, f"dangjian check missed {expected - flagged}"
    audited = found.by_audit[COUNTY, AS_TYPED].get(rule.rule_id, set())
    assert expected <= audited, f"the audit of the rows as typed missed {expected - audited}"
    # On the rows ingest loads, the audit and the check agree cell by cell, everywhere. (A row
    # ingest refuses is reported for the first reason it cannot be loaded and never reaches the
    # audit; loaded as typed, the audit judges every rule on it.)
    refused = found.refused[COUNTY, AS_INGESTED]
    flagged = {
        c for c in found.by_check[COUNTY, AS_INGESTED].get(rule.rule_id, set()) if _row(c) not in refused
    }
    assert flagged == found.by_audit[COUNTY, AS_INGESTED].get(rule.rule_id, set())


@pytest.mark.parametrize("rule_id", sorted(_WHOLE))
def test_a_rule_on_the_whole_submission_fails_it_on_both_sides(checked, rule_id):
    found, _ = checked
    county = _WHOLE[rule_id][0]
    assert rule_id in found.by_check[county, PERIOD]
    assert (county, rule_id) in found.whole_failures
    # the other workbooks do not break it, on either side
    for other, _period in found.by_check:
        if other != county:
            assert (
                rule_id not in found.by_check[other, _period] and (other, rule_id) not in found.whole_failures
            )


def test_every_rule_is_covered_here():
    """A new rule needs a breaker above: the rule set and this test grow together."""
    row_rules = {r.rule_id for r in rules.RULES if r.per == "row"}
    assert row_rules == set(
        _cross_rule_breakers(generator.county_rows(COUNTY, PERIOD), dt.date(2025, 12, 31))
    )
    assert {r.rule_id for r in rules.RULES if r.per == "submission"} == set(_WHOLE)


def test_the_explanation_is_the_same_words_on_both_sides(checked, warehouse_server):
    """The clerk reads the rule's explanation in the check's message; the steward reads the
    same words in the audit's failed cells."""
    found, _ = checked
    explained = dict(
        query(
            warehouse_server,
            "select distinct rule_id, explanation from quality.failed_cells where run_id = 'rule-set'",
            role="steward",
        )
    )
    assert len(explained) > 100
    for rule in rules.all_rules():
        if rule.rule_id in explained:
            assert explained[rule.rule_id] == rule.explanation
            message = found.messages[rule.rule_id]
            if rule.parser_checked:  # the parser's message: the header, then the limit in words
                header, words = rule.explanation[1:].split("」", 1)
                assert f"「{header}」" in message and words in message, message
            else:
                assert rule.explanation in message
