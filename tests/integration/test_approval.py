"""Approval county by county: one county's bad data never stops another county.

Three of ten counties each send a different kind of critical problem; the other seven's new
data is published the same night, the three keep their last published figures and are named,
with their cells, to the steward and in the analysts' status mart. The next night publishes
the one that corrected its file and the one a steward released; the third stays held back.
The same night, a county whose file breaks a rule across counties (which only the audit sees)
is held back alone. Then the safety nets: a value that breaks the build although ingest let it
through, and a critical failure only the audit of the build sees, each hold back their county
alone.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import psycopg
import pytest

from ingest import contract
from ingest.config import Settings
from ingest.contract import orgunits
from ingest.load import ingest_file
from ingest.night import build_and_publish
from ingest.outputs import corrections, notify, steward_report
from ingest.quality import approval, steward
from ingest.samples import defects, generator
from tests.helpers import add_a_post_elsewhere, query

PERIOD = "2025"
COUNTIES = list(orgunits.counties())
BAD_VALUE, BAD_RULE, DUPLICATE = "520602", "520603", "520621"
BAD = (BAD_VALUE, BAD_RULE, DUPLICATE)


def _grids(rows: dict, more: int) -> None:
    """New data: every village reports ``more`` grids than before."""
    for village in rows["villages"]:
        village["grid_count"] = (village.get("grid_count") or 0) + more


def _send(s: Settings, county: str, tag: str, change=None, grids: int = 0):
    rows = generator.county_rows(county, PERIOD)
    _grids(rows, grids)
    where = change(rows) if change else None
    path = s.inbox / f"{tag}_{contract.file_name(county, PERIOD)}"
    generator.write_workbook(path, county, PERIOD, rows)
    os.utime(path)  # newer than the file it replaces
    result = ingest_file(path, s)
    assert result.status == "accepted"
    return result, where


def _per_county(s: Settings) -> dict[str, tuple]:
    """What analysts see of each county: its grids and roster size."""
    grids = dict(
        query(
            s,
            "select county_code, sum(grids) from marts.mart_county_period_summary group by 1",
            role="analyst",
        )
    )
    roster = dict(
        query(s, "select county_code, count(*) from marts.fct_cadre_roster group by 1", role="analyst")
    )
    return {c: (grids.get(c), roster.get(c)) for c in COUNTIES}


def _status(s: Settings) -> dict[str, tuple]:
    return {
        c: (current, figures, newest, reason)
        for c, current, figures, newest, reason in query(
            s,
            "select county_code, is_current, figures_version, newest_version, held_back_reason"
            " from marts.mart_county_period_status",
            role="analyst",
        )
    }


@pytest.fixture(scope="module")
def nights(warehouse_server):
    """Night 1: every county clean. Night 2: everyone sends new data; three send it broken."""
    from tests.helpers import reset_warehouse

    s = warehouse_server
    reset_warehouse(s)
    for county in COUNTIES:
        _send(s, county, "v1")
    build_and_publish(s, "night-1")
    first = _per_county(s)
    broken = {}
    for county, kind in zip(BAD, defects.CRITICAL_KINDS, strict=True):
        result, where = _send(
            s, county, "v2", lambda rows, c=county, k=kind: defects.make_critical(rows, c, k), grids=1
        )
        assert result.critical  # held back at ingest: the clerk's check says so too
        broken[county] = (result, where)
    for county in set(COUNTIES) - set(BAD):
        assert not _send(s, county, "v2", grids=1)[0].critical
    night = build_and_publish(s, "night-2")
    assert night is not None
    return s, first, broken


def test_the_other_seven_are_published_and_the_three_keep_their_last_figures(nights):
    s, first, _ = nights
    second = _per_county(s)
    for county in COUNTIES:
        if county in BAD:
            assert second[county] == first[county], county  # last published figures, untouched
        else:
            villages = query(
                s,
                "select count(*) from marts.fct_village_indicators where county_code = %s",
                (county,),
                role="analyst",
            )[0][0]
            assert second[county][0] == first[county][0] + villages, county  # tonight's new data
    status = _status(s)
    assert {c for c, (current, *_) in status.items() if not current} == set(BAD)
    for county in BAD:
        current, figures, newest, reason = status[county]
        assert (figures, newest) == (1, 2) and "严重问题" in reason
        assert not re.search(r"\d{6}", reason)  # no ID number nor any value: cells and counts only
    assert query(s, "select status from quality.publication where run_id = 'night-2'") == [("published",)]


def test_the_three_are_named_with_their_cells_to_the_steward(nights, tmp_path):
    s, _, broken = nights
    with psycopg.connect(s.url("steward")) as conn:
        held = approval.held_back(conn)
        cells = {
            (sid, f"{sheet}!{cell}")
            for sid, sheet, cell in conn.execute("select submission_id, sheet, cell from quality.hold_cells")
        }
        night = notify.night(s, "night-2", dt.datetime(2000, 1, 1, tzinfo=dt.UTC), True)
    assert [h.county_code for h in held] == sorted(BAD)
    status = query(
        s,
        "select county_code, newest_submission_id, held_back_reason from quality.county_period_status"
        " where is_held_back order by 1",
        role="steward",
    )
    assert [(c, sid) for c, sid, _ in status] == sorted((c, r.submission_id) for c, (r, _) in broken.items())
    for result, (sheet, cell) in broken.values():
        assert (result.submission_id, f"{sheet}!{cell}") in cells
    # the night's message: published, three held back, named first
    subject, body = night.message()
    assert night.ok and "3 个县（区）暂缓发布" in subject
    assert body.splitlines()[0].startswith("暂缓发布：碧江区")
    assert all(orgunits.county_name(c) in body for c in BAD)
    # the report lists them first, each cell with its reason
    page = steward_report.render(s)
    assert page.index("暂缓发布的县（区）") < page.index("报送情况")
    for _result, (sheet, cell) in broken.values():
        assert f"{sheet}!{cell}" in page
    # their correction workbooks come first, named as held back
    written = corrections.write(s, tmp_path / "back")
    assert [p.name[:6] for p in written[:3]] == sorted(BAD) and all("暂缓发布" in p.name for p in written[:3])


#: Night 3's scenario across counties: a person published in one county's full-time post
#: turns up in the other county's new file.
PUBLISHED, NEWCOMER = "520625", "520626"


@pytest.fixture(scope="module")
def third_night(nights):
    """Night 3, one build for two scenarios in other counties: 碧江区 corrects its file and the
    steward releases 万山区's (the village was transferred); and 520626 sends a file whose new
    committee member holds a full-time post in 520625, which only the audit can see."""
    s, first, broken = nights
    _send(s, BAD_VALUE, "v3", grids=2)
    steward.release(s, broken[BAD_RULE][0].submission_id, "县里确认：该村已划转到新乡镇", by="王审核")
    newcomer, _ = _send(
        s, NEWCOMER, "v3", lambda rows: add_a_post_elsewhere(rows, PUBLISHED, NEWCOMER, PERIOD)
    )
    night = build_and_publish(s, "night-3")
    return s, first, broken, newcomer, night


def test_the_next_night_publishes_the_corrected_and_the_released_county(third_night):
    s, first, broken, _, night = third_night
    assert night is not None
    third, status = _per_county(s), _status(s)
    assert status[BAD_VALUE][:3] == (True, 3, 3) and status[BAD_RULE][:3] == (True, 2, 2)
    assert status[DUPLICATE][:3] == (False, 1, 2)
    assert third[DUPLICATE] == first[DUPLICATE]
    # the released county is published as it sent it, wrong township and all
    village = generator.county_rows(BAD_RULE, PERIOD)["villages"][0]
    [(township,)] = query(
        s,
        "select township_code from marts.fct_village_indicators where org_unit_code = %s",
        (village["org_unit_code"],),
        role="analyst",
    )
    assert township != village["township_code"]
    # the audit still reports the rule's failure on it, without holding anything back
    [(blocks, submissions)] = query(
        s,
        "select blocks_publication, details -> 'submissions' from quality.validation_result"
        " where run_id = 'night-3' and details ->> 'rule_id' = 'village_in_its_township'",
    )
    assert blocks is False and submissions == [broken[BAD_RULE][0].submission_id]
    assert build_and_publish(s, "night-4") is None  # nothing differs: nothing to do


def test_a_rule_across_counties_holds_back_tonights_county_and_names_both(third_night):
    """Checks that need other counties' rows stay in the audit: the same person in full-time
    posts in two counties. Tonight's county is held back; the failure names both counties' cells."""
    s, _, _, result, night = third_night
    published, newcomer = PUBLISHED, NEWCOMER
    assert not result.critical  # nothing the clerk's check can see: it needs the other county
    assert night is not None
    status = _status(s)
    assert status[published][0] and not status[newcomer][0]
    assert query(
        s, "select kind from quality.active_hold where submission_id = %s", (result.submission_id,)
    ) == [("audit",)]
    cells = query(
        s,
        "select county_code, sheet, cell from quality.failed_cells"
        " where run_id = 'night-3~1' and rule_id = 'one_post_across_counties' order by 1",
        role="steward",
    )
    assert {c for c, *_ in cells} == {published, newcomer} and all(
        sheet == "干部名册" for _, sheet, _ in cells
    )
    assert query(
        s,
        "select sheet, left(cell, 1) from quality.hold_cells where submission_id = %s",
        (result.submission_id,),
        role="steward",
    ) == [("干部名册", "A")]


def test_the_safety_nets_hold_back_only_their_county(nights):
    """Values ingest would never load reach raw another way (an older contract, a hand load):
    the night bisects a failing build, and holds back what only the audit sees."""
    s, *_ = nights
    breaks, fails, clean = "520622", "520623", "520624"
    sent = {county: _send(s, county, "v5", grids=5)[0] for county in (breaks, fails, clean)}
    before = _per_county(s)
    with psycopg.connect(s.url()) as conn:
        conn.execute(
            "update raw.cadres set id_number = '520622199013011234' where submission_id = %s and source_row = 2",
            (sent[breaks].submission_id,),
        )
        conn.execute(
            "update raw.villages v set township_code = ("
            " select min(u.org_unit_code) from raw.org_unit u where u.unit_level = 'township'"
            " and left(u.org_unit_code, 6) = %s and u.org_unit_code <> v.township_code)"
            " where submission_id = %s and source_row = 2",
            (fails, sent[fails].submission_id),
        )
    assert build_and_publish(s, "night-5") is not None
    status = _status(s)
    assert status[clean][0] and status[clean][1] == status[clean][2] == 3  # v1, v2, then tonight's
    assert not status[breaks][0] and not status[fails][0]
    holds = dict(
        query(
            s,
            "select submission_id, kind from quality.active_hold where submission_id = any(%s)",
            ([r.submission_id for r in sent.values()],),
        )
    )
    assert holds == {sent[breaks].submission_id: "build", sent[fails].submission_id: "audit"}
    [error] = query(s, "select message from quality.hold_cells where kind = 'build'", role="steward")
    assert "date/time field value out of range" in error[0]
    audit_cells = query(
        s,
        "select sheet, cell from quality.hold_cells where kind = 'audit' and submission_id = %s order by cell",
        (sent[fails].submission_id,),
        role="steward",
    )
    assert audit_cells == [("村情", "A2"), ("村情", "D2")]
    # the held counties' figures are what they were before tonight; the clean one's are new
    after = _per_county(s)
    assert after[breaks] == before[breaks] and after[fails] == before[fails]
    assert after[clean] != before[clean]
