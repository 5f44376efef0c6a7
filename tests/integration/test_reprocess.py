"""Reprocessing: an archived original read again becomes the county-period's newest submission."""

from __future__ import annotations

import psycopg

from ingest import contract
from ingest.load import ingest_file, reprocess, to_reprocess
from ingest.samples import generator
from tests.helpers import query

A, B = "520603", "520624"


def test_reprocessing_reads_the_archive_again_and_supersedes(wh):
    paths = {p.name[:6]: p for p in generator.generate("2025", wh.inbox, counties=[A, B])}
    first = {c: ingest_file(p, wh) for c, p in paths.items()}
    # 思南县's second file is unreadable: it is quarantined, its accepted file stays current
    broken = wh.inbox / contract.file_name(B, "2025")
    broken.write_bytes(b"PK\x03\x04 broken")
    assert ingest_file(broken, wh).status == "quarantined"

    assert to_reprocess(wh, "2025") == sorted(r.submission_id for r in first.values())
    assert to_reprocess(wh, "2025", county=A) == [first[A].submission_id]
    assert to_reprocess(wh, "2024") == []

    again = reprocess(wh, first[A].submission_id)
    assert again.status == "accepted" and again.sha256 == first[A].sha256
    assert again.rows_loaded == first[A].rows_loaded > 0
    assert query(
        wh,
        "select file_name, reprocess_of, superseded_by from raw.submission where county_code = %s"
        " order by submission_id",
        (A,),
    ) == [
        (paths[A].name, None, again.submission_id),
        (paths[A].name, first[A].submission_id, None),
    ]
    # the original file dropped into the inbox again is still a duplicate, not a third copy
    assert ingest_file(paths[A], wh).status == "duplicate"
    # reprocessing again re-reads the current (reprocessed) submission
    assert to_reprocess(wh, "2025", county=A) == [again.submission_id]
    # its rows are loaded once more under the new submission, with the same cells
    assert query(
        wh,
        "select count(*), count(distinct (sheet, source_row)) from raw.villages where submission_id = %s",
        (again.submission_id,),
    ) == query(
        wh,
        "select count(*), count(distinct (sheet, source_row)) from raw.villages where submission_id = %s",
        (first[A].submission_id,),
    )


def test_a_county_without_an_accepted_file_has_its_newest_held_back_file_read_again(wh):
    [path] = generator.generate("2025", wh.inbox, counties=[A])
    held = ingest_file(path, wh)
    assert held.status == "accepted"
    with psycopg.connect(wh.url(), autocommit=True) as conn:  # as if it had been held back
        conn.execute(
            "update raw.submission set status = 'quarantined' where submission_id = %s", (held.submission_id,)
        )
    assert to_reprocess(wh, "2025") == [held.submission_id]
    again = reprocess(wh, held.submission_id)
    assert again.status == "accepted"
    assert query(
        wh, "select reprocess_of from raw.submission where submission_id = %s", (again.submission_id,)
    ) == [(held.submission_id,)]
