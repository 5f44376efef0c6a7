"""An optional sheet (乡镇（街道）情况): a workbook made before it existed still loads, with none
of its rows; the marts answer for the counties that sent it, leave the others' figures empty
rather than zero, and the steward's report names the county that sent none."""

from __future__ import annotations

import openpyxl

from ingest import contract
from ingest.load import ingest_file
from ingest.night import build_and_publish
from ingest.outputs import steward_report
from ingest.samples import generator
from tests.helpers import query

WITHOUT, WITH = "520622", "520623"


def _without_the_sheet(path) -> None:
    book = openpyxl.load_workbook(path)
    del book[contract.TOWNSHIPS.title]
    book.save(path)


def test_a_workbook_without_the_optional_sheet_loads_and_is_named_to_the_steward(wh):
    paths = dict(
        zip((WITHOUT, WITH), generator.generate("2025", wh.inbox, counties=[WITHOUT, WITH]), strict=True)
    )
    _without_the_sheet(paths[WITHOUT])
    without, with_ = ingest_file(paths[WITHOUT], wh), ingest_file(paths[WITH], wh)
    assert without.status == with_.status == "accepted"
    assert without.cells_rejected == 0 and without.critical == 0
    sent = generator.county_rows(WITH, "2025")["townships"]
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

    report = steward_report.context(wh)
    assert [(c, p, sheet) for _name, c, p, _file, sheet in report["left_empty"]] == [
        (WITHOUT, "2025", contract.TOWNSHIPS.title)
    ]
    html = steward_report.render(wh)
    assert "未填报的可选工作表" in html and paths[WITHOUT].name in html
