"""Optional sheets (乡镇（街道）情况, 村集体经济项目): a workbook made before they existed still
loads, with none of their rows; the marts answer for the counties that sent them, leave the
others' figures empty rather than zero, and the steward's report names the county that sent
none."""

from __future__ import annotations

import openpyxl
import pytest

from ingest import contract
from ingest.load import ingest_file
from ingest.night import build_and_publish
from ingest.outputs import steward_report
from ingest.samples import generator
from tests.helpers import query

WITHOUT, WITH = "520622", "520623"
HELD_SHEET = "520621"  # its township sheet is held back whole: not "left empty"


OPTIONAL = [s for s in contract.SHEETS if s.optional]


#: the village sheet's columns added in 2025, which an older workbook does not have
NEW_VILLAGE_COLUMNS = (
    "villager_trainings",
    "villager_trainees",
    "local_experts",
    "practical_sessions",
    "observation_visits",
    "practical_attendees",
    "local_employment",
    "local_wages",
)


def _as_made_before(path) -> None:
    """The workbook as the template made it before 2025: no optional sheets, no new columns."""
    book = openpyxl.load_workbook(path)
    for s in OPTIONAL:
        del book[s.title]
    villages = book[contract.VILLAGES.title]
    headers = [contract.VILLAGES.column(n).template_header for n in NEW_VILLAGE_COLUMNS]
    for cell in reversed(villages[1]):
        if cell.value and str(cell.value).rstrip("*") in headers:
            villages.delete_cols(cell.column)
    book.save(path)


def test_a_workbook_without_the_optional_sheet_loads_and_is_named_to_the_steward(wh):
    paths = dict(
        zip((WITHOUT, WITH), generator.generate("2025", wh.inbox, counties=[WITHOUT, WITH]), strict=True)
    )
    _as_made_before(paths[WITHOUT])
    without, with_ = ingest_file(paths[WITHOUT], wh), ingest_file(paths[WITH], wh)
    assert without.status == with_.status == "accepted"
    assert without.cells_rejected == 0 and without.critical == 0
    broken = generator.county_rows(HELD_SHEET, "2025")
    for township in broken["townships"][: len(broken["townships"]) * 3 // 4]:
        township["party_org_rating"] = "较差"
    held_path = wh.inbox / contract.file_name(HELD_SHEET, "2025")
    held = ingest_file(generator.write_workbook(held_path, HELD_SHEET, "2025", broken), wh)
    assert held.status == "accepted" and held.critical
    assert query(
        wh, "select held_back_sheets from raw.submission where submission_id = %s", (held.submission_id,)
    ) == [(["townships"],)]
    sent_rows = generator.county_rows(WITH, "2025")
    sent = sent_rows["townships"]
    assert build_and_publish(wh, "night-1") is not None

    rows = query(
        wh,
        "select county_code, count(*), count(*) filter (where is_lagging)"
        " from marts.fct_township_indicators group by 1",
        role="analyst",
    )
    assert rows == [(WITH, len(sent), sum(r["party_org_rating"] == "后进" for r in sent))]
    summary = dict(
        (c, rest)
        for c, *rest in query(
            wh,
            "select county_code, townships_reported, lagging_townships, talks_held, village_level_orgs"
            " from marts.mart_county_period_summary",
            role="analyst",
        )
    )
    assert summary[WITH][:3] == [
        len(sent),
        sum(r["party_org_rating"] == "后进" for r in sent),
        sum(r["talks_held"] for r in sent),
    ]
    assert summary[WITHOUT][:3] == [0, None, None]  # not reported, not zero
    assert summary[WITHOUT][3] > 0  # its other sheets were published
    new_columns = query(
        wh,
        f"select county_code, count(*) filter (where coalesce({', '.join(NEW_VILLAGE_COLUMNS)}) is not null)"
        " from marts.fct_village_indicators group by 1 order by 1",
        role="analyst",
    )
    assert new_columns[0] == (WITHOUT, 0) and new_columns[1][0] == WITH and new_columns[1][1] > 0

    # each investment is a row of its own, and a village's total is their sum
    projects = query(
        wh,
        "select county_code, project_type, count(*), sum(amount) from marts.fct_village_projects"
        " group by 1, 2 order by 1, 2",
        role="analyst",
    )
    invested = [p for p in sent_rows["village_projects"] if p["project_type"] == "对外投资"]
    assert [(c, kind, n) for c, kind, n, _ in projects] == [
        (WITH, kind, sum(p["project_type"] == kind for p in sent_rows["village_projects"]))
        for kind in sorted({p["project_type"] for p in sent_rows["village_projects"]})
    ]
    totals = query(
        wh,
        "select sum(collective_investment) from marts.fct_village_indicators where county_code = %s",
        (WITH,),
        role="analyst",
    )
    assert float(totals[0][0]) == pytest.approx(sum(p["amount"] for p in invested))

    report = steward_report.context(wh)
    assert [(c, p, sheet) for _name, c, p, _file, sheet in report["left_empty"]] == [
        (WITHOUT, "2025", s.title) for s in sorted(OPTIONAL, key=lambda s: s.key)
    ]
    html = steward_report.render(wh)
    assert "未填报的可选工作表" in html and paths[WITHOUT].name in html
