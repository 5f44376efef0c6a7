"""The audit checks what differs from the published build, and its verdicts equal a whole audit's."""

from __future__ import annotations

import json

import psycopg
import pytest

from ingest import contract, publish
from ingest.load import ingest_file
from ingest.quality.audit import AuditFailed, audit
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import night_by_hand, query, reset_warehouse, restore_snapshot, save_snapshot

STAYS, RESUBMITS = "520603", "520602"
RESUBMITTED = "audit-scope-resubmitted"


def _workbook(tmp_path, county: str, grids: dict[int, int]):
    """The county's sample workbook with some villages' grid counts set (over 60 is a warning)."""
    rows = generator.county_rows(county, "2025")
    for index, value in grids.items():
        rows["villages"][index]["grid_count"] = value
    path = tmp_path / county / contract.file_name(county, "2025")
    path.parent.mkdir(parents=True, exist_ok=True)
    generator.write_workbook(path, county, "2025", rows)
    return path


def _verdicts(s, run_id: str) -> dict[tuple, tuple]:
    """Each check's verdict in a run: passed, how many rows failed, and which."""
    return {
        (suite, expectation, column, rule): (
            success,
            count,
            sorted(json.dumps(r, sort_keys=True) for r in (details or {}).get("failing_rows") or []),
        )
        for suite, expectation, column, rule, success, count, details in query(
            s,
            "select suite, expectation, column_name, details->>'rule_id', success, unexpected_count, details"
            " from quality.validation_result where run_id = %s",
            (run_id,),
        )
    }


@pytest.fixture(scope="module")
def built(warehouse_server, tmp_path_factory):
    """Two counties published (scope-1), then one resubmits; built, not yet audited. Made once
    for the module and kept as a snapshot: each test that uses it starts from it as it was."""
    s, tmp_path = warehouse_server, tmp_path_factory.mktemp("audit_scope")
    reset_warehouse(s)
    night_by_hand(
        s, "scope-1", [_workbook(tmp_path, STAYS, {0: 70}), _workbook(tmp_path, RESUBMITS, {0: 71})]
    )
    # the county corrects its first village and gets its second wrong instead
    assert ingest_file(_workbook(tmp_path / "again", RESUBMITS, {1: 75}), s).status == "accepted"
    dbt.run(s, "build")
    save_snapshot(s, RESUBMITTED)
    return s


@pytest.fixture
def resubmitted(built):
    """The warehouse as :func:`built` left it (restored: a test before may have changed it)."""
    assert restore_snapshot(built, RESUBMITTED)
    return built


def test_a_resubmission_is_audited_where_it_changed_with_a_whole_audits_verdicts(resubmitted):
    wh = resubmitted
    audit(wh, "scope-2")
    audit(wh, "scope-2-whole", whole=True)

    assert _verdicts(wh, "scope-2") == _verdicts(wh, "scope-2-whole")
    grids = query(
        wh,
        "select details->'scope', unexpected_count, details->'failing_rows' from quality.validation_result"
        " where run_id = 'scope-2' and details->>'rule_id' = 'village_grids_plausible'",
    )
    assert len(grids) == 1
    scope, count, failing = grids[0]
    assert scope == {"counties": [RESUBMITS], "carried_from": "scope-1"}  # checked there only
    assert count == 2 and sorted(r["grid_count"] for r in failing) == [70, 75]  # 70: carried over
    # rows that did not change are not checked again: the calendar's checks are carried over
    periods = query(
        wh,
        "select count(*), count(*) filter (where details->'scope' = '{\"carried_from\": \"scope-1\"}')"
        " from quality.validation_result where run_id = 'scope-2' and suite = 'marts.dim_period'",
    )
    assert periods[0][0] > 0 and periods[0][0] == periods[0][1]


def test_after_a_rollback_the_whole_build_is_audited(wh, night, tmp_path):
    night(wh, "whole-1", [_workbook(tmp_path, STAYS, {})])
    night(wh, "whole-2", [_workbook(tmp_path, RESUBMITS, {})])
    publish.rollback(wh, "whole-rollback")
    assert ingest_file(_workbook(tmp_path / "again", RESUBMITS, {2: 66}), wh).status == "accepted"
    dbt.run(wh, "build")

    audit(wh, "whole-3")

    scoped = query(
        wh, "select count(*) from quality.validation_result where run_id = 'whole-3' and details ? 'scope'"
    )
    assert scoped == [(0,)]
    assert query(
        wh,
        "select unexpected_count from quality.validation_result where run_id = 'whole-3'"
        " and details->>'rule_id' = 'village_grids_plausible'",
    ) == [(1,)]


def test_a_critical_failure_in_a_changed_county_is_found_among_its_rows(resubmitted):
    wh = resubmitted
    ((resubmission,),) = query(
        wh, "select max(submission_id) from raw.submission where county_code = %s", (RESUBMITS,)
    )
    with psycopg.connect(wh.url()) as conn:  # a value ingest refuses, loaded by hand
        conn.execute(
            "update raw.villages set grid_count = -1 where submission_id = %s and source_row ="
            " (select min(source_row) from raw.villages where submission_id = %s)",
            (resubmission, resubmission),
        )

    for run_id, whole in (("crit-2", False), ("crit-2-whole", True)):
        with pytest.raises(AuditFailed) as failed:
            audit(wh, run_id, whole=whole)
        assert failed.value.outcome.to_hold == {resubmission}

    assert _verdicts(wh, "crit-2") == _verdicts(wh, "crit-2-whole")
    ((scope, count, failing),) = query(
        wh,
        "select details->'scope', unexpected_count, details->'failing_rows' from quality.validation_result"
        " where run_id = 'crit-2' and details->>'rule_id' = 'villages.grid_count.range'",
    )
    assert scope["counties"] == [RESUBMITS]  # checked on that county's rows only
    assert count == 1 and [r["grid_count"] for r in failing] == [-1]
