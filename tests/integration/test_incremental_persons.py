"""int_persons_pseudonymised is incremental by person: a night recomputes only the persons
mentioned in submissions that became current or stopped being current, and ends with exactly
what a full rebuild gives (dbt_project/macros/persons_incremental.sql).

Three counties are built; then one county resubmits other people (another seed), plus a
roster row for a cadre of an unchanged county; then another county resubmits with three
cadres left out of its roster, its enterprises sheet empty and its training sheet held back
whole; a steward releases it, so its earlier, published training records stay current. After each incremental night the table must
equal a full rebuild's, and the rows of persons untouched by the change must not have been
written again.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ingest import contract
from ingest.load import ingest_file
from ingest.quality import steward
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import content_hash, mark_published, query

PERIOD = "2025"
UNCHANGED, RESUBMITS, HOLDS_BACK = "520603", "520624", "520626"
PERSONS = "intermediate.int_persons_pseudonymised"


def _ids(rows: dict[str, list[dict]]) -> set[str]:
    """Every ID number a county's rows mention (cadre, mentor, trainee, instructor)."""
    found = set()
    for r in rows["cadres"]:
        found |= {r["id_number"], r.get("mentor1_id_number"), r.get("mentor2_id_number")}
    found |= {r["id_number"] for r in rows["training"]}
    found |= {r.get("instructor_id_number") for r in rows["enterprises"]}
    return found - {None}


def _build(s) -> None:
    # and the code-list seed its tests read (a full build loads it; a selection must name it)
    dbt.run(
        s, "build", "--select", "+int_persons_pseudonymised code_lists", "--indirect-selection", "cautious"
    )


def _ingest(s, path: Path) -> None:
    assert ingest_file(path, s).status == "accepted"


def _resubmitted(folder: Path, county: str, rows: dict[str, list[dict]]) -> Path:
    path = folder / f"更正_{contract.file_name(county, PERIOD)}"
    generator.write_workbook(path, county, PERIOD, rows)
    os.utime(path)  # newer than the first file: it becomes the current version
    return path


def _rows(s) -> dict[str, tuple]:
    """The table's rows by ID number."""
    return {r[1]: r for r in query(s, f"select * from {PERSONS}")}


def _person(s, id_number: str) -> dict:
    columns = [
        c
        for (c,) in query(
            s,
            "select column_name from information_schema.columns where table_schema = 'intermediate'"
            " and table_name = 'int_persons_pseudonymised' order by ordinal_position",
        )
    ]
    [row] = query(s, f"select * from {PERSONS} where id_number = %s", (id_number,))
    return dict(zip(columns, row, strict=True))


def _written_by(s) -> dict[str, str]:
    """Each row's inserting transaction: a row rewritten, even unchanged, gets a new one."""
    return dict(query(s, f"select id_number, xmin::text from {PERSONS}"))


def _equals_a_full_rebuild(s) -> dict[str, tuple]:
    incremental, hashed = _rows(s), content_hash(s, "intermediate")
    dbt.run(s, "build", "--full-refresh", "--select", "int_persons_pseudonymised")
    full = _rows(s)
    assert incremental.keys() == full.keys()
    assert {i: r for i, r in incremental.items() if full[i] != r} == {}
    assert content_hash(s, "intermediate") == hashed  # the record of submissions beside it too
    return full


def test_a_resubmission_recomputes_only_the_persons_it_touches_and_equals_a_full_rebuild(wh, tmp_path):
    first = {c: generator.county_rows(c, PERIOD) for c in (UNCHANGED, RESUBMITS, HOLDS_BACK)}
    for path in generator.generate(PERIOD, wh.inbox, counties=list(first)):
        _ingest(wh, path)
    _build(wh)
    mark_published(wh, "persons-1")
    before, written = _rows(wh), _written_by(wh)
    assert before.keys() == set().union(*map(_ids, first.values()))

    # night 2: other people, and a later roster row for a cadre of the unchanged county
    other = generator.county_rows(RESUBMITS, PERIOD, seed=7)
    template = next(r for r in other["cadres"] if r["role"] == "两委委员")
    moved = next(r for r in first[UNCHANGED]["cadres"] if r["education"] != "研究生")
    other["cadres"].append(
        {
            **template,
            **{k: moved[k] for k in ("id_number", "name", "sex", "birth_date", "ethnicity")},
            "education": "研究生",
            "start_date": dt.date(2025, 12, 1),
            "end_date": None,
            "change_type": "新任",
            "mentor1_id_number": None,
            "mentor2_id_number": None,
        }
    )
    _ingest(wh, _resubmitted(tmp_path, RESUBMITS, other))
    _build(wh)
    after = _rows(wh)
    gone = _ids(first[RESUBMITS]) - _ids(other)
    assert gone and not gone & after.keys(), "persons no longer mentioned anywhere are deleted"
    assert _ids(other) <= after.keys()
    # a person of the unchanged county, recomputed: the changed county's roster row is later
    assert _person(wh, moved["id_number"])["education"] == "研究生"
    untouched = _ids(first[UNCHANGED]) | _ids(first[HOLDS_BACK])
    untouched.discard(moved["id_number"])
    now_written = _written_by(wh)
    assert {i for i in untouched if now_written[i] != written[i]} == set(), "untouched rows are not rewritten"
    _equals_a_full_rebuild(wh)

    # night 3: three cadres left out of the roster, no enterprises, the training sheet held back
    rows = first[HOLDS_BACK]
    trainees = {r["id_number"] for r in rows["training"]}
    roster_rows: dict[str, int] = {}
    for r in rows["cadres"]:
        roster_rows[r["id_number"]] = roster_rows.get(r["id_number"], 0) + 1
    mentors = {r.get(m) for r in rows["cadres"] for m in ("mentor1_id_number", "mentor2_id_number")}
    instructors = {r["instructor_id_number"] for r in rows["enterprises"]}
    left_out = [
        r["id_number"]
        for r in rows["cadres"]
        if r["id_number"] in trainees
        and roster_rows[r["id_number"]] == 1
        and r["id_number"] not in mentors | instructors
    ][:3]
    assert len(left_out) == 3
    held_back = [{**r, "id_number": "123"} for r in rows["training"]]  # every row rejected
    _ingest(
        wh,
        _resubmitted(
            tmp_path,
            HOLDS_BACK,
            {
                **rows,
                "cadres": [r for r in rows["cadres"] if r["id_number"] not in left_out],
                "training": held_back,
                "enterprises": [],
            },
        ),
    )
    [(held, sheets)] = query(
        wh,
        "select submission_id, held_back_sheets from raw.submission where county_code = %s"
        " order by submission_id desc limit 1",
        (HOLDS_BACK,),
    )
    assert sheets == ["training"]
    steward.release(wh, held, "培训表另行补报", by="测试")
    written = _written_by(wh)
    _build(wh)
    for id_number in left_out:  # still trainees (the earlier training sheet is still current)
        person = _person(wh, id_number)
        assert person["person_name"] and person["education"] is None, person
    now_written = _written_by(wh)
    assert {i for i in _ids(first[UNCHANGED]) if now_written[i] != written[i]} == set()
    _equals_a_full_rebuild(wh)
