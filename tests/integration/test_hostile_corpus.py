"""Hostile and malformed files through the loader: each refused or defused with a clear reason,
and the rest of the batch still loads."""

from pathlib import Path

import pytest

from ingest.load import discover, ingest_file
from tests.helpers import query
from tests.ingest import hostile


@pytest.fixture(scope="module")
def batch(warehouse_server, tmp_path_factory):
    from tests.helpers import reset_warehouse

    reset_warehouse(warehouse_server)
    s = warehouse_server
    cases = hostile.build(s.inbox)
    good = [hostile.copy_good(s.inbox, c) for c in ("520602", "520621")]
    assert len(cases) >= 25
    results = {r.file: r for r in (ingest_file(p, s) for p in discover(s))}
    return s, cases, good, results


def test_every_file_was_registered_exactly_once(batch):
    s, cases, good, results = batch
    assert len(results) == len(cases) + len(good)
    assert query(s, "select count(*), count(distinct sha256) from raw.submission") == [(len(results),) * 2]


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda c: c.name)
def test_each_hostile_file_gets_a_clear_outcome(batch, case):
    s, _, _, results = batch
    result = results[case.file_name]
    assert result.status == case.status, result
    problems = query(
        s,
        "select rule, message from quality.rejected_cells where submission_id = %s",
        (result.submission_id,),
    )
    if case.status == "quarantined":
        assert case.reason in result.reason
        assert (case.rule, result.reason) in problems
    elif case.reason:
        assert any(case.reason in message for _, message in problems), problems
    if case.inert_text:
        assert query(
            s,
            "select industry from raw.enterprises where submission_id = %s and source_row = 2",
            (result.submission_id,),
        ) == [(case.inert_text,)]


def test_the_other_counties_still_load(batch):
    s, _, good, results = batch
    for path in good:
        assert results[path.name].status == "accepted" and results[path.name].rows_loaded > 0
    assert query(s, "select count(distinct county_code) from raw.submission where status = 'accepted'") == [
        (3,)
    ]


def test_archive_paths_never_leave_the_archive(batch):
    s, _, _, _ = batch
    root = Path(s.archive).resolve()
    for (archived,) in query(s, "select archive_path from raw.submission"):
        assert Path(archived).resolve().is_relative_to(root)
        assert Path(archived).exists()


def test_sql_in_a_sheet_name_is_stored_as_inert_text(batch):
    s, _, _, results = batch
    case = next(c for c in hostile.CASES if c.name == "sql_injection_sheet_name")
    sid = results[case.file_name].submission_id
    stored = query(s, "select distinct sheet from raw.enterprises where submission_id = %s", (sid,))
    assert stored == [(hostile.SQL_SHEET,)]
    assert query(
        s, "select to_regclass('raw.villages') is not null, to_regclass('raw.submission') is not null"
    ) == [(True, True)]
