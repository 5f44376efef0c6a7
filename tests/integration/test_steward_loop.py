"""The steward's loop: a critical problem holds its county back (the other county's data goes
out), it is traced to the county's cells, and a steward's release publishes it."""

from __future__ import annotations

import os

import psycopg
import pytest
from openpyxl import load_workbook

from ingest import contract
from ingest.contract import orgunits
from ingest.load import ingest_file
from ingest.night import build_and_publish
from ingest.outputs import corrections, steward_report
from ingest.quality import steward
from ingest.quality.audit import audit
from ingest.quality.audit import docs_dir as audit_docs_dir
from ingest.samples import generator
from tests.helpers import query

COUNTY, OTHER = "520603", "520624"


def _townships(s) -> dict[str, str]:
    return dict(
        query(s, "select org_unit_code, township_code from marts.fct_village_indicators", role="analyst")
    )


def _resubmit_with_wrong_townships(s, name: str, villages: int = 1):
    """The county's file again, with ``villages`` villages filed under a wrong township: every
    code is one of its own, but a village does not belong to that township."""
    rows = generator.county_rows(COUNTY, "2025")
    towns = [t.unit.code for t in orgunits.townships(COUNTY)]
    wrong = []
    for village in rows["villages"][:villages]:
        village["township_code"] = next(t for t in towns if t != village["township_code"])
        wrong.append(village)
    path = s.inbox / f"{name}_{contract.file_name(COUNTY, '2025')}"
    generator.write_workbook(path, COUNTY, "2025", rows)
    os.utime(path)
    result = ingest_file(path, s)
    assert result.status == "accepted" and result.critical == 2 * villages  # both cells of each
    return path, result, wrong


def test_a_critical_problem_holds_its_county_back_until_a_steward_releases_it(wh, tmp_path):
    for path in generator.generate("2025", wh.inbox, counties=[COUNTY, OTHER]):
        assert ingest_file(path, wh).status == "accepted"
    build_and_publish(wh, "night-1")
    published = _townships(wh)

    path, held, [village] = _resubmit_with_wrong_townships(wh, "更正")
    wrong = village["township_code"]
    build_and_publish(wh, "night-2")
    assert _townships(wh) == published  # its last good figures stay published
    [(current,)] = query(
        wh,
        "select is_current from marts.mart_county_period_status where county_code = %s",
        (COUNTY,),
        role="analyst",
    )
    assert current is False

    # It is traced to the cells of the county's file: the village's township code and its own
    # code, in the columns where this county's clerk put them.
    sheet = load_workbook(path)[contract.VILLAGES.title]
    letters = {str(c.value).rstrip("*"): c.column_letter for c in sheet[1]}
    expected = sorted(
        letters[contract.VILLAGES.column(name).template_header] + "2"
        for name in ("township_code", "org_unit_code")
    )
    cells = query(
        wh,
        "select cell, rule, message from quality.hold_cells where submission_id = %s order by cell",
        (held.submission_id,),
        role="steward",
    )
    assert [c for c, _, _ in cells] == expected
    assert {r for _, r, _ in cells} == {"village_in_its_township"}
    assert all("上级乡镇不一致" in m for *_, m in cells)
    page = steward_report.render(wh)
    assert all(f"{sheet.title}!{c}" in page for c in expected)

    # The county gets its file back with exactly those cells marked.
    [returned] = corrections.write(wh, tmp_path / "back", county=COUNTY)
    assert "暂缓发布" in returned.name
    marked = load_workbook(returned)[sheet.title]
    assert {
        c.coordinate for row in marked.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFC7CE")
    } == set(expected)
    assert "上级乡镇不一致" in marked[expected[0]].comment.text

    # Completeness was recorded with the run: both counties received, the others missing.
    recorded = dict(
        query(
            wh,
            "select county_code, status from quality.completeness where run_id = 'night-2'",
            role="steward",
        )
    )
    assert recorded.pop(COUNTY) in ("accepted", "late") and recorded.pop(OTHER) in ("accepted", "late")
    assert set(recorded) == set(orgunits.counties()) - {COUNTY, OTHER}
    assert set(recorded.values()) == {"missing"}

    # The steward releases it, with a reason; an empty reason or a submission not held is refused.
    with pytest.raises(ValueError):
        steward.release(wh, held.submission_id, "  ")
    with pytest.raises(steward.NotAFailure):
        steward.release(wh, held.submission_id - 1, "不是暂缓的报送")
    decision = steward.release(wh, held.submission_id, "县里确认：该村 2025 年已划转", by="王审核")
    [(action, reason, by, role)] = query(
        wh,
        "select action, reason, decided_by, decided_by_role from quality.disposition where disposition_id = %s",
        (decision,),
    )
    assert (action, reason, by, role) == ("release", "县里确认：该村 2025 年已划转", "王审核", "steward")

    # The next run publishes it as the county sent it; the audit still reports the rule on it.
    build_and_publish(wh, "night-3")
    assert _townships(wh)[village["org_unit_code"]] == wrong
    [(blocks, submissions)] = query(
        wh,
        "select blocks_publication, details -> 'submissions' from quality.validation_result"
        " where run_id = 'night-3' and details ->> 'rule_id' = 'village_in_its_township'",
    )
    assert blocks is False and submissions == [held.submission_id]

    # the report shows the decision's effect and links the audit's Great Expectations pages
    page = steward_report.render(wh)
    assert "没有暂缓发布的县（区）" in page
    docs = audit_docs_dir(wh) / "index.html"
    assert docs.exists() and docs.as_uri() in page
    # what the steward accepted is no longer sent back for correction
    assert corrections.with_problems(wh, county=COUNTY) == []


def test_a_waiver_covers_exactly_its_rows(wh):
    """A released county's rule failure, waived: the next audit passes it for those rows; a row
    that breaks the rule afterwards is not covered."""
    for path in generator.generate("2025", wh.inbox, counties=[COUNTY]):
        ingest_file(path, wh)
    _, held, _ = _resubmit_with_wrong_townships(wh, "a")
    steward.release(wh, held.submission_id, "已核实", by="李")
    build_and_publish(wh, "w-1")
    [failure] = [f for f in steward.failures(wh, "w-1") if f.severity == "critical"]
    waiver = steward.decide(wh, failure.validation_result_id, "waive", "已核实", by="李")

    def township_result(run_id: str) -> tuple:
        outcome = audit(wh, run_id)
        [found] = [f for f in outcome.failures if f["details"].get("rule_id") == "village_in_its_township"]
        return found.get("waived_by"), found["unexpected_count"]

    assert township_result("w-2") == (waiver, 1)
    # a second village of the same submission breaks the rule as well (a hand repair gone wrong)
    with psycopg.connect(wh.url()) as conn:
        conn.execute(
            "update raw.villages v set township_code = ("
            " select min(u.org_unit_code) from raw.org_unit u where u.unit_level = 'township'"
            " and left(u.org_unit_code, 6) = %s and u.org_unit_code <> v.township_code)"
            " where submission_id = %s and source_row = 3",
            (COUNTY, held.submission_id),
        )
    assert township_result("w-3") == (None, 2)


def test_decisions_from_a_reviewed_file_all_or_nothing(wh, tmp_path):
    for path in generator.generate("2025", wh.inbox, counties=[COUNTY]):
        ingest_file(path, wh)
    _, held, _ = _resubmit_with_wrong_townships(wh, "r", villages=2)
    steward.release(wh, held.submission_id, "两村已于年内调整隶属", by="张")
    build_and_publish(wh, "r-1")

    review = tmp_path / "处理清单.xlsx"
    listed = steward.failures(wh, "r-1")
    assert steward.export_review(wh, review) == len(listed)
    book = load_workbook(review)
    sheet = book.active
    assert tuple(c.value for c in sheet[1]) == steward.REVIEW_HEADERS
    ids = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == [f.validation_result_id for f in listed]
    critical = next(f.validation_result_id for f in listed if f.severity == "critical")
    line = ids.index(critical) + 2

    # a decision without a reason, or a word that is no decision: nothing is recorded
    sheet[f"H{line}"] = "豁免"
    sheet[f"H{line + 1 if line == 2 else 2}"] = "同意"
    book.save(review)
    with pytest.raises(steward.ReviewFileError) as bad:
        steward.apply_review(wh, review, by="张")
    assert f"I{line}：必须填写理由" in str(bad.value) and "处理应为「豁免」或「知悉」" in str(bad.value)
    assert review.name in str(bad.value)
    decided = "select validation_result_id, action, reason, decided_by from quality.disposition where action <> 'release'"
    assert query(wh, decided) == []

    sheet[f"H{line + 1 if line == 2 else 2}"] = None
    sheet[f"I{line}"] = "两村已于年内调整隶属"
    book.save(review)
    [disposition] = steward.apply_review(wh, review, by="张")
    assert query(wh, decided) == [(critical, "waive", "两村已于年内调整隶属", "张")]
    outcome = audit(wh, "r-2")
    assert disposition in [f.get("waived_by") for f in outcome.failures]
