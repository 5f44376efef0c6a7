"""The steward's loop: a critical failure blocks publishing, a waiver lets the next run publish."""

from __future__ import annotations

import os

import pytest
from openpyxl import load_workbook

from ingest import contract, corrections, dbt, orgunits, publish, sample, steward, steward_report
from ingest.audit import AuditFailed, audit
from ingest.audit import docs_dir as audit_docs_dir
from ingest.load import ingest_file
from tests.helpers import query

COUNTY, OTHER = "520603", "520624"


def _build_and_audit(s, run_id: str):
    dbt.run(s, "build")
    return audit(s, run_id)


def _townships(s) -> dict[str, str]:
    return dict(
        query(s, "select org_unit_code, township_code from marts.fct_village_indicators", role="analyst")
    )


def test_a_critical_failure_blocks_until_a_steward_waives_it(wh, tmp_path):
    for path in sample.generate("2025", wh.inbox, counties=[COUNTY, OTHER]):
        assert ingest_file(path, wh).status == "accepted"
    _build_and_audit(wh, "night-1")
    publish.publish(wh, "night-1")
    published = _townships(wh)

    # The county resubmits with a village filed under the wrong township: every code is one
    # of its own (ingest accepts it), but the village does not belong to that township.
    rows = sample.county_rows(COUNTY, "2025")
    village = rows["villages"][0]
    wrong = next(t.unit.code for t in orgunits.townships(COUNTY) if t.unit.code != village["township_code"])
    village["township_code"] = wrong
    path = wh.inbox / f"更正_{contract.file_name(COUNTY, '2025')}"
    sample.write_workbook(path, COUNTY, "2025", rows)
    os.utime(path)
    assert ingest_file(path, wh).status == "accepted"

    with pytest.raises(AuditFailed) as failed:
        _build_and_audit(wh, "night-2")
    publish.refuse(wh, "night-2", str(failed.value))
    [blocking] = failed.value.outcome.critical_failures
    assert blocking["details"]["rule_id"] == "village_in_its_township"
    assert blocking["unexpected_count"] == 1 and blocking["details"]["failing_rows"][0]["source_row"] == 2
    assert _townships(wh) == published  # the last good build stays

    # The failure is traced to the cells of the county's file: the village's township code
    # and its own code, in the columns where this county's clerk put them.
    sheet = load_workbook(path)[blocking["details"]["failing_rows"][0]["source_sheet"]]
    letters = {str(c.value).rstrip("*"): c.column_letter for c in sheet[1]}
    cells = query(
        wh,
        "select file_name, sheet, cell, header, value, explanation from quality.failed_cells"
        " where run_id = 'night-2' and severity = 'critical' order by cell",
        role="steward",
    )
    expected = sorted(
        (
            letters[contract.VILLAGES.column(name).template_header] + "2",
            contract.VILLAGES.column(name).template_header,
            value,
        )
        for name, value in (("township_code", wrong), ("org_unit_code", village["org_unit_code"]))
    )
    assert [(c, h, v) for _, _, c, h, v, _ in cells] == expected
    assert {(f, s) for f, s, *_ in cells} == {(path.name, sheet.title)}
    assert all("上级乡镇不一致" in e for *_, e in cells)
    page = steward_report.render(wh)
    assert all(f"{sheet.title}!{c}" in page for c, _, _ in expected)

    # The county gets its file back with exactly those cells marked.
    [returned] = corrections.write(wh, tmp_path / "back", county=COUNTY)
    marked = load_workbook(returned)[sheet.title]
    assert {
        c.coordinate for row in marked.iter_rows() for c in row if c.fill.fgColor.rgb.endswith("FFC7CE")
    } == {c for c, _, _ in expected}
    assert "上级乡镇不一致" in marked[expected[0][0]].comment.text

    # Completeness was recorded with the run: this county received, the others missing.
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

    # The steward sees it, with its explanation, and waives it with a reason.
    listed = {f.validation_result_id: f for f in steward.failures(wh, "night-2")}
    [failure_id] = [i for i, f in listed.items() if f.severity == "critical"]
    assert "上级乡镇不一致" in listed[failure_id].explanation
    with pytest.raises(ValueError):
        steward.decide(wh, failure_id, "waive", "  ")
    disposition = steward.decide(wh, failure_id, "waive", "县里确认：该村 2025 年已划转", by="王审核")
    [(action, reason, by, role)] = query(
        wh,
        "select action, reason, decided_by, decided_by_role from quality.disposition where disposition_id = %s",
        (disposition,),
    )
    assert (action, reason, by, role) == ("waive", "县里确认：该村 2025 年已划转", "王审核", "steward")

    # The next run honours the waiver: it publishes, and records which waiver let it pass.
    outcome = _build_and_audit(wh, "night-3")
    assert outcome.success and [f["waived_by"] for f in outcome.failures if f["severity"] == "critical"] == [
        disposition
    ]
    publish.publish(wh, "night-3")
    assert _townships(wh)[village["org_unit_code"]] == wrong
    assert query(
        wh, "select count(*) from quality.validation_result where waived_by = %s", (disposition,)
    ) == [(1,)]

    # the steward's report shows the decision, and links the audit's Great Expectations pages
    page = steward_report.render(wh)
    assert "县里确认：该村 2025 年已划转" in page and "（已豁免）" in page
    docs = audit_docs_dir(wh) / "index.html"
    assert docs.exists() and docs.as_uri() in page
    assert "fct_village_indicators" in docs.read_text(encoding="utf-8")
    # a waived failure is no longer sent back for correction
    assert corrections.with_problems(wh, county=COUNTY) == []


def test_a_waiver_does_not_cover_new_failing_rows(wh):
    for path in sample.generate("2025", wh.inbox, counties=[COUNTY]):
        ingest_file(path, wh)
    rows = sample.county_rows(COUNTY, "2025")
    towns = [t.unit.code for t in orgunits.townships(COUNTY)]
    rows["villages"][0]["township_code"] = next(t for t in towns if t != rows["villages"][0]["township_code"])
    first = wh.inbox / f"a_{contract.file_name(COUNTY, '2025')}"
    sample.write_workbook(first, COUNTY, "2025", rows)
    os.utime(first)
    ingest_file(first, wh)
    with pytest.raises(AuditFailed) as failed:
        _build_and_audit(wh, "w-1")
    [blocking] = [f for f in steward.failures(wh, "w-1") if f.severity == "critical"]
    steward.decide(wh, blocking.validation_result_id, "waive", "已核实", by="李")
    assert failed.value.outcome.critical_failures

    # a later file breaks the same rule in another village as well: the waiver does not cover it
    rows["villages"][1]["township_code"] = next(t for t in towns if t != rows["villages"][1]["township_code"])
    second = wh.inbox / f"b_{contract.file_name(COUNTY, '2025')}"
    sample.write_workbook(second, COUNTY, "2025", rows)
    ingest_file(second, wh)
    with pytest.raises(AuditFailed):
        _build_and_audit(wh, "w-2")


def test_decisions_from_a_reviewed_file_all_or_nothing(wh, tmp_path):
    for path in sample.generate("2025", wh.inbox, counties=[COUNTY]):
        ingest_file(path, wh)
    rows = sample.county_rows(COUNTY, "2025")
    towns = [t.unit.code for t in orgunits.townships(COUNTY)]
    for village in rows["villages"][:2]:
        village["township_code"] = next(t for t in towns if t != village["township_code"])
    path = wh.inbox / f"r_{contract.file_name(COUNTY, '2025')}"
    sample.write_workbook(path, COUNTY, "2025", rows)
    os.utime(path)
    ingest_file(path, wh)
    with pytest.raises(AuditFailed):
        _build_and_audit(wh, "r-1")

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
    assert query(wh, "select count(*) from quality.disposition") == [(0,)]

    sheet[f"H{line + 1 if line == 2 else 2}"] = None
    sheet[f"I{line}"] = "两村已于年内调整隶属"
    book.save(review)
    [disposition] = steward.apply_review(wh, review, by="张")
    assert query(wh, "select validation_result_id, action, reason, decided_by from quality.disposition") == [
        (critical, "waive", "两村已于年内调整隶属", "张")
    ]
    assert disposition and _build_and_audit(wh, "r-2").success
