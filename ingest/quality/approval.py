"""Approval county by county: one county's bad data never stops another county's night.

As DHIS2 approves data per data set, period and organisation unit, each county-period is
published on its own. A county-period's newest accepted file (its *candidate*) is built and
published unless it is **held back**; then its figures stay those of the submission published
last (none if it never passed), and every other county's new data still goes out. A hold is
placed (``quality.submission_hold``):

- **at ingest**, when the workbook has a critical problem: a refused cell, or a critical rule
  of ``ingest/contract/rules.py`` failing on a row (so a clerk who ran ``dangjian check`` already knows);
- **by the night's build**, when dbt fails on the data: the night builds without tonight's new
  submissions, then bisects them, and holds back the ones the build fails with, the database's
  error recorded against each (``ingest/night.py``, ``recover``);
- **by the audit**, when a critical check fails on rows of a submission new tonight: the night
  holds it back, builds again and audits again (``ingest/night.py``, ``settle``; which failure
  holds back what is decided here, :func:`attribute`).

A hold ends with a newer file from the county (the new candidate is judged afresh), or with a
steward's decision: a release of the submission (``dangjian steward release``), or a waiver or
acknowledgement of every audit failure it was held for. A failure that cannot be placed in one
county (an empty mart, a check that failed to run) still refuses the whole night.

What a night builds is frozen when it takes the build lease (``quality.run_selection``, read
by dbt through ``quality.selected_submissions()``), and what the published build was made from
moves with it (``quality.published_submission``), so a rollback puts both back together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import psycopg

#: How many times a night holds submissions back after its audit and builds again.
MAX_AUDIT_PASSES = 5


def ingest_reason(problems: Sequence) -> str:
    """A hold's reason for a workbook with critical problems (cells named, no values)."""
    where = "、".join(dict.fromkeys(f"{p.sheet}!{p.cell}" if p.cell else p.sheet for p in problems[:3]))
    more = "等" if len(problems) > 3 else ""
    return f"入库检查发现 {len(problems)} 处严重问题（{where}{more}），待县里更正或数据管理员放行"


def hold(
    cur: psycopg.Cursor | psycopg.Connection,
    submission_ids: Iterable[int],
    kind: str,
    run_id: str | None,
    reason: str,
    details: dict | None = None,
) -> None:
    """Hold submissions back from publication (a new row each; holds are never changed)."""
    cur = cur.cursor() if isinstance(cur, psycopg.Connection) else cur
    cur.executemany(
        "insert into quality.submission_hold (submission_id, kind, run_id, reason, details)"
        " values (%s, %s, %s, %s, %s)",
        [
            (sid, kind, run_id, reason, json.dumps(details or {}, ensure_ascii=False))
            for sid in submission_ids
        ],
    )


def freeze(conn: psycopg.Connection, run_id: str) -> int:
    """Record what ``run_id`` builds from: the live selection now. Returns the rows recorded."""
    with conn.transaction():
        conn.execute("delete from quality.run_selection where run_id = %s", (run_id,))
        return conn.execute(
            "insert into quality.run_selection (run_id, county_code, period, sheet,"
            " candidate_submission_id, held, submission_id)"
            " select %s, county_code, period, sheet, candidate_submission_id, held, submission_id"
            " from quality.live_selection",
            (run_id,),
        ).rowcount


def pending(conn: psycopg.Connection) -> bool:
    """Whether a build now would differ from the published one: a new candidate, a hold placed
    or released, a county-period to build from another submission."""
    return conn.execute(
        "select exists ("
        " (select county_code, period, sheet, candidate_submission_id, held, submission_id"
        "  from quality.live_selection"
        "  except select county_code, period, sheet, candidate_submission_id, held, submission_id"
        "  from quality.published_submission where slot = 'marts')"
        " union all"
        " (select county_code, period, sheet, candidate_submission_id, held, submission_id"
        "  from quality.published_submission where slot = 'marts'"
        "  except select county_code, period, sheet, candidate_submission_id, held, submission_id"
        "  from quality.live_selection))"
    ).fetchone()[0]


def new_submissions(conn: psycopg.Connection, run_id: str) -> list[int]:
    """The submissions ``run_id`` builds from that the published build was not made from."""
    return [
        sid
        for (sid,) in conn.execute(
            "select submission_id from quality.run_selection where run_id = %s and submission_id is not null"
            " except select submission_id from quality.published_submission"
            " where slot = 'marts' and submission_id is not null order by 1",
            (run_id,),
        )
    ]


def released(conn: psycopg.Connection, submission_ids: Iterable[int]) -> set[int]:
    """Of these submissions, those a steward has released (approved as they are)."""
    return {
        sid
        for (sid,) in conn.execute(
            "select distinct submission_id from quality.disposition"
            " where action = 'release' and submission_id = any(%s)",
            (list(submission_ids),),
        )
    }


def selected_for(
    conn: psycopg.Connection, run_id: str, county_periods: Iterable[tuple]
) -> dict[tuple, set[int]]:
    """The submissions ``run_id`` builds each (county, period) from; ``(county, None)`` for all
    of a county's periods."""
    rows = conn.execute(
        "select county_code, period, submission_id from quality.run_selection"
        " where run_id = %s and submission_id is not null",
        (run_id,),
    ).fetchall()
    found: dict[tuple, set[int]] = {}
    wanted = set(county_periods)
    for county, period, sid in rows:
        for key in ((county, period), (county, None)):
            if key in wanted:
                found.setdefault(key, set()).add(sid)
    return found


def publish_selection(conn: psycopg.Connection, run_id: str) -> None:
    """Inside the publish transaction: ``run_id``'s selection becomes the published one, and
    the published one becomes the previous."""
    conn.execute("delete from quality.published_submission where slot = 'marts_previous'")
    conn.execute("update quality.published_submission set slot = 'marts_previous' where slot = 'marts'")
    conn.execute(
        "insert into quality.published_submission (slot, run_id, county_code, period, sheet,"
        " candidate_submission_id, held, submission_id)"
        " select 'marts', run_id, county_code, period, sheet, candidate_submission_id, held, submission_id"
        " from quality.run_selection where run_id = %s",
        (run_id,),
    )


def rollback_selection(conn: psycopg.Connection) -> None:
    """Inside the rollback transaction: the two published selections change places (deleted
    and written back: one update swapping the slots would trip over its own key midway)."""
    rows = conn.execute(
        "delete from quality.published_submission returning"
        " case slot when 'marts' then 'marts_previous' else 'marts' end, run_id, county_code, period,"
        " sheet, candidate_submission_id, held, submission_id"
    ).fetchall()
    conn.cursor().executemany(
        "insert into quality.published_submission (slot, run_id, county_code, period, sheet,"
        " candidate_submission_id, held, submission_id) values (%s, %s, %s, %s, %s, %s, %s, %s)",
        rows,
    )


def _row_submissions(conn: psycopg.Connection, run_id: str, rows: list[dict]) -> list[set[int]] | None:
    """The submissions each failing row belongs to: its own, or (a row keyed by county and
    period) the ones the build read for them; None when a row names neither."""
    places = {
        (r["county_code"], r.get("period"))
        for r in rows
        if r.get("submission_id") is None and r.get("county_code")
    }
    selected = selected_for(conn, run_id, places)
    found = []
    for row in rows:
        if row.get("submission_id") is not None:
            found.append({int(row["submission_id"])})
        elif row.get("county_code"):
            found.append(selected.get((row["county_code"], row.get("period")), set()))
        else:
            return None
    return found


def _placed_rows(conn: psycopg.Connection, run_id: str, failure: dict) -> list[tuple[dict, set[int]]] | None:
    """Each failing row the audit kept, with the submissions it belongs to; None when the
    audit did not keep them all, or a row names neither its submission nor its county."""
    rows = failure["details"].get("failing_rows") or []
    if not rows or len(rows) < (failure.get("unexpected_count") or 0):
        return None
    per_row = _row_submissions(conn, run_id, rows)
    return None if per_row is None else list(zip(rows, per_row, strict=True))


def _submissions_of(
    conn: psycopg.Connection, failure: dict, relations: dict, placed: list[tuple[dict, set[int]]] | None
) -> set[int] | None:
    """The submissions whose rows a failure is about, or None when it cannot be placed in
    counties (a check that failed to run, a whole-table check, rows without lineage)."""
    from ingest.contract import rules

    details = failure["details"]
    if details.get("exception") or failure.get("unexpected_count") is None:
        return None  # it did not run, or it judged the whole table
    rule = rules.by_id().get(details.get("rule_id") or "")
    if rule is not None and failure["suite"] in relations:  # every failing row, whatever was kept
        query = rule.failing_rows_query().format(batch=relations[failure["suite"]].as_string(conn))
        return {sid for (sid,) in conn.execute(f"select distinct submission_id from ({query}) as f")}
    return None if placed is None else set().union(*(sids for _, sids in placed))


def attribute(
    conn: psycopg.Connection,
    run_id: str,
    failures: list[dict],
    relations: dict,
    failed_before: Callable[[dict, list[dict]], bool],
) -> None:
    """Decide which critical failures block publishing the build as it is (``blocks``), and
    which of tonight's submissions to hold back for each (``details.hold``).

    A failure a steward waived or acknowledged blocks nothing. Otherwise its failing rows are
    placed in submissions: tonight's new submissions among them (not released by a steward)
    are held back, first (a check across counties may fail on published rows only because of
    tonight's); rows a steward released, or rows already published that failed the same way
    when they were (``failed_before(failure, rows)``: in the published build's audit), are
    reported and block nothing. A failure that cannot be placed, or that is new on published
    rows (the build changed under them: code, registry), blocks with nothing to hold back, and
    so refuses the night: published rows cannot be held back."""
    new = set(new_submissions(conn, run_id))
    for failure in failures:
        details = failure["details"]
        if failure["severity"] != "critical" or failure.get("waived_by") or failure.get("acknowledged_by"):
            continue
        placed = _placed_rows(conn, run_id, failure)
        found = _submissions_of(conn, failure, relations, placed)
        if found is None:
            details["hold"], failure["blocks"] = [], True
            continue
        approved = released(conn, found)
        details["submissions"] = sorted(found)
        details["hold"] = sorted(found & new - approved)
        if details["hold"]:  # hold tonight's first: rows across counties may fail only with them
            failure["blocks"] = True
            continue
        old = found - new - approved
        if not old:
            failure["blocks"] = False
        elif placed is None:  # published rows fail, and the audit did not keep them all to compare
            failure["blocks"] = True
        else:
            stale = [row for row, sids in placed if sids & old]
            failure["blocks"] = bool(stale) and not failed_before(failure, stale)


@dataclass(frozen=True)
class HeldBack:
    """A county-period whose newest file is held back, and what its figures are meanwhile."""

    county_code: str
    period: str
    submission_id: int
    file_name: str
    received_at: object
    published_submission_id: int | None
    reasons: tuple[str, ...]


def held_back(conn: psycopg.Connection, run_id: str | None = None) -> list[HeldBack]:
    """The county-periods held back by ``run_id``'s build, or as things stand now; by county."""
    source = (
        "(select * from quality.run_selection where run_id = %(run)s)" if run_id else "quality.live_selection"
    )
    rows = conn.execute(
        f"with sel as (select * from {source} as x)"
        " select s.county_code, s.period, s.candidate_submission_id, f.file_name, f.received_at,"
        "  max(s.submission_id),"
        "  array(select distinct h.reason from quality.submission_hold h"
        "   where h.submission_id = s.candidate_submission_id order by 1)"
        " from sel as s join quality.submission_status as f on f.submission_id = s.candidate_submission_id"
        " where s.held group by 1, 2, 3, 4, 5 order by 1, 2",
        {"run": run_id},
    ).fetchall()
    return [HeldBack(c, p, sid, name, at, pub, tuple(reasons)) for c, p, sid, name, at, pub, reasons in rows]
