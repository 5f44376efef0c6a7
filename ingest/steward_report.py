"""The steward's report: one static HTML page in Chinese, rendered from the warehouse.

Per county and period the submission status (accepted, late, quarantined, superseded files,
missing), the reporting and on-time rates per period with a chart, every rejected cell with
its file, sheet, cell, original text, rule and explanation, the latest audit's failed checks
with their rule's explanation and the steward's decisions, and the history of every run.
``dangjian report`` writes it; nothing in it is secret or personal beyond what stewards see.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ingest import orgunits
from ingest.config import Settings
from ingest.contract import period_end


def deadline_days() -> int:
    """Days after a period's end by which a county's submission is on time (default 20)."""
    return int(os.environ.get("DANGJIAN_DEADLINE_DAYS") or 20)


@dataclass
class CountyStatus:
    county_code: str
    county_name: str
    period: str
    status: str  # accepted | late | quarantined | missing
    label: str
    version: int | None
    files: int
    superseded: int
    received_at: dt.datetime | None
    rejected_cells: int


_LABELS = {"accepted": "已接收", "late": "逾期接收", "quarantined": "整份隔离", "missing": "未报送"}


def _statuses(conn: psycopg.Connection) -> tuple[list[CountyStatus], list[dict]]:
    files = conn.execute(
        "select s.county_code, s.period, s.status, s.is_current, s.version, s.received_at,"
        " (select count(*) from quality.rejected_cells r where r.submission_id = s.submission_id)"
        " from quality.submission_status s where s.county_code is not null and s.period is not null"
    ).fetchall()
    periods = sorted({f[1] for f in files})
    counties = orgunits.counties()
    rows, rates = [], []
    for period in periods:
        due = period_end(period) + dt.timedelta(days=deadline_days())
        on_time = received = 0
        for code, name in counties.items():
            mine = [f for f in files if f[0] == code and f[1] == period]
            current = next((f for f in mine if f[3]), None)
            if current:
                late = current[5].date() > due
                status = "late" if late else "accepted"
                received += 1
                on_time += not late
            else:
                status = "quarantined" if mine else "missing"
            rows.append(
                CountyStatus(
                    code,
                    name,
                    period,
                    status,
                    _LABELS[status],
                    current[4] if current else None,
                    len(mine),
                    sum(1 for f in mine if f[2] == "accepted" and not f[3]),
                    current[5] if current else None,
                    current[6] if current else 0,
                )
            )
        expected = len(counties)
        rates.append(
            {
                "period": period,
                "due": due,
                "expected": expected,
                "received": received,
                "on_time": on_time,
                "rate": 100 * received / expected,
                "on_time_rate": 100 * on_time / expected,
            }
        )
    return rows, rates


def context(s: Settings) -> dict:
    """Everything the report shows, read as the steward role."""
    with psycopg.connect(s.url("steward")) as conn:
        statuses, rates = _statuses(conn)
        rejected = conn.execute(
            "select s.county_code, s.period, s.file_name, r.sheet, r.cell, r.column_name, r.original_text,"
            " r.rule, r.message, s.status from quality.rejected_cells r"
            " join quality.submission_status s using (submission_id)"
            " where s.is_current or s.status = 'quarantined'"
            " order by s.county_code, s.period, r.rejected_cell_id"
        ).fetchall()
        latest = conn.execute(
            "select run_id from quality.validation_result order by validation_result_id desc limit 1"
        ).fetchone()
        failures = conn.execute(
            "select v.validation_result_id, v.severity, v.suite, v.column_name, v.unexpected_count,"
            " v.details ->> 'explanation', v.details ->> 'rule_id', v.waived_by,"
            " (select string_agg(case d.action when 'waive' then '豁免' else '知悉' end || '：' || d.reason"
            "   || '（' || d.decided_by || '，' || to_char(d.decided_at, 'YYYY-MM-DD HH24:MI') || '）', '；')"
            "  from quality.disposition d"
            "  where d.validation_result_id = v.validation_result_id or d.disposition_id = v.waived_by),"
            " (select string_agg(distinct s.file_name || ' ' || (k ->> 'source_sheet') || ' 第 '"
            "   || (k ->> 'source_row') || ' 行', '、')"
            "  from jsonb_array_elements(v.details -> 'failing_rows') k"
            "  join quality.submission_status s on s.submission_id = (k ->> 'submission_id')::bigint)"
            " from quality.validation_result v where v.run_id = %s and not v.success"
            " order by v.severity, v.validation_result_id",
            (latest[0] if latest else None,),
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
    from ingest.audit import docs_dir

    gx_index = docs_dir(s) / "index.html"
    return {
        "gx_docs": gx_index.as_uri() if gx_index.exists() else None,
        "generated_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "deadline_days": deadline_days(),
        "statuses": statuses,
        "rates": rates,
        "rejected": rejected,
        "latest_run": latest[0] if latest else None,
        "failures": failures,
        "history": history,
        "by_county": _rejections_by_county(statuses),
    }


def _rejections_by_county(statuses: list[CountyStatus]) -> list[tuple[str, int]]:
    totals: dict[str, int] = {}
    for st in statuses:
        totals[st.county_name] = totals.get(st.county_name, 0) + st.rejected_cells
    return sorted(totals.items(), key=lambda kv: -kv[1])


def render(s: Settings) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("ingest", "templates"), autoescape=select_autoescape())
    return env.get_template("steward_report.html.j2").render(**context(s))


def write(s: Settings, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    path.write_text(render(s), encoding="utf-8")
    return path
