"""The steward's report: one static HTML page in Chinese, rendered from the warehouse.

First the county-periods held back from publication (``ingest/quality/approval.py``), each with every
cell it is held back for and how to release it; then per county and period the submission
status (accepted, late, quarantined, superseded files, missing), the reporting and on-time
rates per period with a chart, the optional sheets a current submission left empty, every
problem ingest found with its file, sheet, cell, original text, rule and explanation, the
latest audit's failed checks with their rule's explanation and the steward's decisions, and
the history of every run.
``dangjian report`` writes it; nothing in it is secret or personal beyond what stewards see.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg

from ingest.config import Settings
from ingest.contract import orgunits
from ingest.quality import approval, completeness

#: Failed cells shown in the report (all of them are in ``quality.failed_cells``).
MAX_FAILED_CELLS = 2000


def context(s: Settings) -> dict:
    """Everything the report shows, read as the steward role."""
    with psycopg.connect(s.url("steward")) as conn:
        held = approval.held_back(conn)
        held_cells = conn.execute(
            "select submission_id, kind, sheet, cell, header, value, rule, message from quality.hold_cells"
            " where submission_id = any(%s) order by submission_id, hold_id, sheet, cell",
            ([h.submission_id for h in held],),
        ).fetchall()
        statuses = completeness.statuses(conn)
        rejected = conn.execute(
            "select s.county_code, s.period, s.file_name, r.sheet, r.cell,"
            " r.header, r.original_text, r.rule, r.message, s.status"
            " from quality.rejected_cells_named r join quality.submission_status s using (submission_id)"
            " where s.is_current or s.status = 'quarantined'"
            " order by s.county_code, s.period, r.rejected_cell_id"
        ).fetchall()
        left_empty = conn.execute(
            "select county_code, period, file_name, sheet_title from quality.optional_sheets_left_empty"
            " order by county_code, period, sheet"
        ).fetchall()
        latest = conn.execute("select run_id from quality.latest_audit").fetchone()
        failures = conn.execute(
            "select v.validation_result_id, v.severity, v.suite, v.column_name, v.unexpected_count,"
            " v.details ->> 'explanation', v.details ->> 'rule_id', v.waived_by,"
            " (select string_agg(case d.action when 'waive' then '豁免' else '知悉' end || '：' || d.reason"
            "   || '（' || d.decided_by || '，' || to_char(d.decided_at, 'YYYY-MM-DD HH24:MI') || '）', '；')"
            "  from quality.disposition d"
            "  where d.validation_result_id = v.validation_result_id or d.disposition_id = v.waived_by),"
            " (select count(*) from quality.failed_cells f"
            "  where f.validation_result_id = v.validation_result_id)"
            " from quality.validation_result v where v.run_id = %s and not v.success"
            " order by v.severity, v.validation_result_id",
            (latest[0] if latest else None,),
        ).fetchall()
        cells = conn.execute(
            "select validation_result_id, severity, waived_by, county_code, period, file_name, sheet,"
            " place, header, value, coalesce(rule_id, expectation),"
            " explanation from quality.failed_cells where run_id = %s"
            " order by county_code, period, validation_result_id, source_row, cell limit %s",
            (latest[0] if latest else None, MAX_FAILED_CELLS),
        ).fetchall()
        history = conn.execute(
            "select v.run_id, min(v.checked_at), count(*),"
            " count(*) filter (where not v.success and v.severity = 'critical' and v.waived_by is null),"
            " count(*) filter (where not v.success and v.severity = 'warning'),"
            " count(*) filter (where v.waived_by is not null),"
            " (select p.status from quality.publication p where p.run_id = v.run_id"
            "  order by p.publication_id desc limit 1)"
            " from quality.validation_result v group by v.run_id order by 2 desc limit 30"
        ).fetchall()
    from ingest.quality.audit import docs_dir

    gx_index = docs_dir(s) / "index.html"
    return {
        "held": held,
        "held_cells": held_cells,
        "county_names": {h.county_code: orgunits.county_name(h.county_code) for h in held},
        "gx_docs": gx_index.as_uri() if gx_index.exists() else None,
        "generated_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "deadline_days": completeness.deadline_days(),
        "statuses": statuses,
        "rates": completeness.rates(statuses),
        "cells": cells,
        "max_cells": MAX_FAILED_CELLS,
        "rejected": rejected,
        "left_empty": [(orgunits.county_name(c), c, p, f, sheet) for c, p, f, sheet in left_empty],
        "latest_run": latest[0] if latest else None,
        "failures": failures,
        "history": history,
        "by_county": _rejections_by_county(statuses),
    }


def _rejections_by_county(statuses: list[completeness.CountyStatus]) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for st in statuses:
        totals[st.county_name] = totals.get(st.county_name, 0) + st.rejected_cells
    return sorted(totals.items(), key=lambda kv: -kv[1])


def render(s: Settings, gx_docs: str | None = None) -> str:
    """The report's HTML; ``gx_docs``: where its link to the GX Data Docs points (default: the
    pages' file, when the audit wrote them; the portal serves them itself)."""
    from jinja2 import Environment, PackageLoader

    env = Environment(
        loader=PackageLoader("ingest.outputs", "templates"), autoescape=True
    )  # every value is data, never markup
    found = context(s)
    if gx_docs and found["gx_docs"]:
        found["gx_docs"] = gx_docs
    return env.get_template("steward_report.html.j2").render(**found)


def write(s: Settings, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    path.write_text(render(s), encoding="utf-8")
    return path
