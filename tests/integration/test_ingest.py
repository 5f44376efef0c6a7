"""Loading workbooks into raw with lineage: exactly once, nothing lost, bad cells recorded."""

from pathlib import Path

from openpyxl import load_workbook

from ingest import contract
from ingest.load import discover, ingest_file, sha256_of
from tests.helpers import column_of, query, village_rows, villages_workbook


def _workbook(inbox: Path, county: str = "520603", period: str = "2025", n: int = 6, seed: int = 1):
    rows = village_rows(county, period, n, seed)
    return villages_workbook(inbox / contract.file_name(county, period), rows, county, period), rows


def test_accepted_workbook_is_archived_registered_and_copied_with_lineage(wh):
    path, rows = _workbook(wh.inbox)
    result = ingest_file(path, wh)
    assert (result.status, result.rows_loaded, result.cells_rejected) == ("accepted", 6, 0)

    sha = sha256_of(path)
    archived = Path(wh.archive) / sha[:2] / f"{sha}.xlsx"
    assert archived.read_bytes() == path.read_bytes()
    assert query(
        wh, "select sha256, county_code, period, status, row_count, archive_path from raw.submission"
    ) == [(sha, "520603", "2025", "accepted", 6, str(archived))]
    loaded = query(
        wh, "select sheet, source_row, org_unit_code, grid_count from raw.villages order by source_row"
    )
    assert loaded == [("村情", i + 2, r["org_unit_code"], r["grid_count"]) for i, r in enumerate(rows)]


def test_the_same_file_twice_loads_once(wh):
    path, _ = _workbook(wh.inbox)
    assert ingest_file(path, wh).status == "accepted"
    assert discover(wh) == []
    again = ingest_file(path, wh)
    assert again.status == "duplicate"
    assert query(wh, "select count(*) from raw.submission") == [(1,)]
    assert query(wh, "select count(*) from raw.villages") == [(6,)]


def test_bad_cells_are_held_back_and_recorded_and_the_rest_loads(wh):
    path, rows = _workbook(wh.inbox)
    wb = load_workbook(path)
    grid = column_of("villages", "grid_count")
    wb["村情"][f"{grid}4"] = "十来个"  # grid_count of the second village
    wb.save(path)
    result = ingest_file(path, wh)
    assert (result.status, result.rows_loaded, result.cells_rejected) == ("accepted", 5, 1)
    assert query(wh, "select count(*) from raw.villages where source_row = 4") == [(0,)]
    [(sheet, cell, column, original, rule, message)] = query(
        wh,
        "select sheet, cell, column_name, original_text, rule, message from quality.rejected_cells"
        " where not row_loaded",
    )
    assert (sheet, cell, column, original, rule) == (
        "村情",
        f"{grid}4",
        "grid_count",
        "十来个",
        "parse_integer",
    )
    assert message == f"村情!{grid}4「网格数」应为数字（单位：个），实际为「十来个」"


def test_unreadable_file_is_quarantined_with_its_reason_and_kept(wh):
    wh.inbox.mkdir(parents=True, exist_ok=True)
    path = wh.inbox / "520624_2025_思南县.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    good, _ = _workbook(wh.inbox)
    results = {p.name: ingest_file(p, wh) for p in discover(wh)}
    assert results[path.name].status == "quarantined"
    assert "无法打开文件" in results[path.name].reason
    assert results[good.name].status == "accepted"  # other counties' data still flows
    assert query(
        wh,
        "select status, status_reason like '无法打开文件%%' from raw.submission where file_name = %s",
        (path.name,),
    ) == [("quarantined", True)]
    assert query(wh, "select rule from quality.rejected_cells where not row_loaded") == [("unreadable",)]
    sha = sha256_of(path)
    assert (Path(wh.archive) / sha[:2] / f"{sha}.xlsx").exists()


def test_a_resubmission_supersedes_the_earlier_one(wh):
    first, _ = _workbook(wh.inbox, seed=1)
    ingest_file(first, wh)
    second, _ = _workbook(wh.inbox / "later", seed=2, n=4)
    ingest_file(second, wh)
    assert query(wh, "select version from raw.submission order by 1") == [(1,), (2,)]
    assert query(wh, "select submission_id, superseded_by from raw.submission order by 1") == [
        (1, 2),
        (2, None),
    ]


def test_strict_mode_quarantines_a_workbook_with_any_bad_cell(wh):
    path, _ = _workbook(wh.inbox)
    wb = load_workbook(path)
    wb["村情"][f"{column_of('villages', 'grid_count')}3"] = "-2"
    wb.save(path)
    result = ingest_file(path, wh, strict=True)
    assert result.status == "quarantined" and result.reason.startswith("严格模式：工作簿有 1 处严重问题")
    assert query(wh, "select count(*) from raw.villages") == [(0,)]


def test_approximations_are_loaded_with_their_flag(wh):
    path, _ = _workbook(wh.inbox)
    wb = load_workbook(path)
    wb["村情"][f"{column_of('villages', 'grid_count')}2"] = "20余"
    wb.save(path)
    ingest_file(path, wh)
    assert query(wh, "select grid_count, approximate_columns from raw.villages where source_row = 2") == [
        (20, ["grid_count"])
    ]


def test_the_archive_can_be_any_fsspec_location(wh, monkeypatch):
    import fsspec

    monkeypatch.setenv("DANGJIAN_ARCHIVE", "memory://dangjian-archive")
    s = type(wh).from_env()
    path, _ = _workbook(wh.inbox)
    result = ingest_file(path, s)
    sha = sha256_of(path)
    location = f"memory://dangjian-archive/{sha[:2]}/{sha}.xlsx"
    assert query(
        wh, "select archive_path from raw.submission where submission_id = %s", (result.submission_id,)
    ) == [(location,)]
    assert fsspec.open(location, "rb").open().read() == path.read_bytes()


def test_the_newest_file_is_current_whatever_order_they_are_ingested_in(wh):
    import os

    older, _ = _workbook(wh.inbox / "a", seed=1)
    newer, _ = _workbook(wh.inbox / "b", seed=2, n=4)
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    first = ingest_file(newer, wh)  # parallel tasks may finish in any order
    second = ingest_file(older, wh)
    assert query(wh, "select submission_id, superseded_by from raw.submission order by 1") == [
        (first.submission_id, None),
        (second.submission_id, first.submission_id),
    ]


def test_identical_files_under_two_names_are_both_reported(wh):
    from ingest.load import registered

    path, _ = _workbook(wh.inbox)
    twin = wh.inbox / "copy" / path.name
    twin.parent.mkdir()
    twin.write_bytes(path.read_bytes())
    assert ingest_file(path, wh).status == "accepted"
    assert ingest_file(twin, wh).status == "duplicate"
    assert registered([path, twin], wh) == {str(path): "accepted", str(twin): "accepted"}


def test_a_held_back_sheet_keeps_the_published_version(wh):
    """A sheet with most of its rows wrong is held back whole, and so is its submission; when a
    steward releases the submission, that sheet still keeps the published version."""
    import os

    from ingest.night import build_and_publish
    from ingest.quality import steward
    from ingest.samples import generator

    [first] = generator.generate("2025", wh.inbox / "a", counties=["520603"])
    ingest_file(first, wh)
    build_and_publish(wh, "sheet-1")
    villages = query(wh, "select count(*) from marts.fct_village_indicators", role="analyst")
    rows = generator.county_rows("520603", "2025")
    rows["villages"] = [dict(r, grid_count="不详") for r in rows["villages"]]  # every row wrong
    rows["cadres"] = rows["cadres"][:-1]  # and one cadre fewer
    second = generator.write_workbook(wh.inbox / "b" / first.name, "520603", "2025", rows)
    os.utime(second)
    result = ingest_file(second, wh)
    assert result.status == "accepted" and result.critical
    assert query(
        wh, "select held_back_sheets from raw.submission where submission_id = %s", (result.submission_id,)
    ) == [(["villages"],)]
    steward.release(wh, result.submission_id, "其余工作表先发布", by="测试")
    build_and_publish(wh, "sheet-2")
    assert query(
        wh, "select count(*), min(submission_id) from marts.fct_village_indicators", role="analyst"
    ) == [(villages[0][0], 1)]
    assert query(wh, "select distinct submission_id from marts.fct_cadre_roster", role="analyst") == [
        (result.submission_id,)
    ]


def test_a_batch_shares_one_connection_and_goes_on_past_losing_it(wh, monkeypatch):
    """One task's batch (ingest/batches.py): the files load on one connection of the loader;
    when the server drops it mid-batch, that file fails, the next ones load on a new one, the
    batch then fails naming the file, and its retry loads only that one."""
    import pytest

    from ingest import load

    counties = ["520602", "520603", "520621"]
    paths = [_workbook(wh.inbox, county)[0] for county in counties]
    read, loaders = load.read_workbook, []

    def read_and_drop_the_second(path, *args):
        loaders.append(query(wh, "select count(*) from pg_stat_activity where usename = 'loader'")[0][0])
        if path == paths[1]:
            query(wh, "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'loader'")
        return read(path, *args)

    monkeypatch.setattr(load, "read_workbook", read_and_drop_the_second)
    with pytest.raises(load.BatchFailed, match=paths[1].name):
        load.ingest_batch(paths, wh)
    assert loaders == [1, 1, 1]  # the batch's connection while each file is read (a new one for the third)
    accepted = "select county_code from raw.submission where status = 'accepted' order by 1"
    assert query(wh, accepted) == [(counties[0],), (counties[2],)]

    monkeypatch.undo()
    retried = load.ingest_batch(paths, wh)
    assert [(r["file"], r["status"]) for r in retried] == [(paths[1].name, "accepted")]
    assert query(wh, accepted) == [(c,) for c in counties]
    assert query(wh, "select count(*), count(distinct sha256) from raw.submission") == [(3, 3)]
