"""Completeness and timeliness: which county submitted for which period, and on time or not.

Expected: every county of the configured region, for every period that any county submitted
for (plus ``DANGJIAN_EXPECTED_PERIODS``, comma-separated, for periods nobody has sent yet).
A county-period is ``accepted`` when it has a current accepted file received by its deadline
(the period's end plus ``DANGJIAN_DEADLINE_DAYS``, default 20), ``late`` when received after
it, ``quarantined`` when every file it sent was quarantined (unreadable as a whole), ``missing`` when nothing came.
Each audited run records the table in ``quality.completeness``; the steward's report shows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg

from ingest.contract import orgunits, parse_period, period_end
from ingest.variables import value

LABELS = {"accepted": "已接收", "late": "逾期接收", "quarantined": "整份隔离", "missing": "未报送"}


def deadline_days() -> int:
    """Days after a period's end by which a county's submission is on time (default 20)."""
    return value("DANGJIAN_DEADLINE_DAYS")


def expected_periods() -> list[str]:
    """Periods configured as expected even before any county has submitted for them."""
    return [parse_period(p) for p in value("DANGJIAN_EXPECTED_PERIODS")]


@dataclass
class CountyStatus:
    county_code: str
    county_name: str
    period: str
    due_date: dt.date
    status: str  # a key of LABELS
    submission_id: int | None
    version: int | None
    files: int
    superseded: int
    received_at: dt.datetime | None
    rejected_cells: int

    @property
    def label(self) -> str:
        return LABELS[self.status]


_QUERY = """
with due as (select * from unnest(%(periods)s::text[], %(due)s::date[]) as d (period, due_date)),
county as (select * from unnest(%(codes)s::text[], %(names)s::text[]) as c (county_code, county_name))
select c.county_code, c.county_name, d.period, d.due_date,
    case when cur.submission_id is null then (case when sent.files > 0 then 'quarantined' else 'missing' end)
         when cur.received_at::date > d.due_date then 'late' else 'accepted' end,
    cur.submission_id, cur.version, sent.files, sent.superseded, cur.received_at, coalesce(cur.rejected, 0)
from county as c
cross join due as d
cross join lateral (
    select count(*) as files, count(*) filter (where f.status = 'accepted' and not f.is_current) as superseded
    from quality.submission_status as f where f.county_code = c.county_code and f.period = d.period
) as sent
left join lateral (
    select f.submission_id, f.version, f.received_at,
        (select count(*) from quality.rejected_cells as r where r.submission_id = f.submission_id) as rejected
    from quality.submission_status as f
    where f.county_code = c.county_code and f.period = d.period and f.is_current
) as cur on true
order by d.period, c.county_code
"""


def _params(conn: psycopg.Connection) -> dict:
    seen = conn.execute(
        "select distinct period from quality.submission_status where period is not null"
    ).fetchall()
    periods = sorted({p for (p,) in seen} | set(expected_periods()))
    counties = orgunits.counties()
    days = dt.timedelta(days=deadline_days())
    return {
        "periods": periods,
        "due": [period_end(p) + days for p in periods],
        "codes": list(counties),
        "names": list(counties.values()),
    }


def statuses(conn: psycopg.Connection) -> list[CountyStatus]:
    """Every expected county-period with its status, as of now."""
    return [CountyStatus(*row) for row in conn.execute(_QUERY, _params(conn)).fetchall()]


def rates(rows: list[CountyStatus]) -> list[dict]:
    """Per period: expected, received, on time, and the reporting and on-time rates (%)."""
    by_period: dict[str, list[CountyStatus]] = {}
    for r in rows:
        by_period.setdefault(r.period, []).append(r)
    found = []
    for period, mine in sorted(by_period.items()):
        received = sum(r.status in ("accepted", "late") for r in mine)
        on_time = sum(r.status == "accepted" for r in mine)
        found.append(
            {
                "period": period,
                "due": mine[0].due_date,
                "expected": len(mine),
                "received": received,
                "on_time": on_time,
                "rate": 100 * received / len(mine),
                "on_time_rate": 100 * on_time / len(mine),
            }
        )
    return found


def record(conn: psycopg.Connection, run_id: str) -> int:
    """Store the statuses as of this run in ``quality.completeness``; returns the row count."""
    rows = statuses(conn)
    with conn.cursor() as cur:
        cur.executemany(
            "insert into quality.completeness (run_id, county_code, period, due_date, status,"
            " current_submission_id, version, files, superseded, received_at, rejected_cells)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
            [
                (run_id, r.county_code, r.period, r.due_date, r.status, r.submission_id, r.version)
                + (r.files, r.superseded, r.received_at, r.rejected_cells)
                for r in rows
            ],
        )
    return len(rows)
