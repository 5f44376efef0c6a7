"""Reports for people: what the warehouse received, rejected and published."""

from __future__ import annotations

import psycopg
from rich.console import Console
from rich.table import Table

from ingest.config import Settings
from ingest.contract.orgunits import county_name
from ingest.publish import PUBLISHED, row_counts
from ingest.quality import approval

#: The sample analyst query the demo runs as the ``analyst`` role (see README): the county
#: summary mart, which computes these figures once for every reader.
ANALYST_QUERY = """
select
    county_code,
    period,
    village_level_orgs,
    lagging_orgs,
    rectified_lagging_orgs,
    administrative_villages,
    strong_economy_villages,
    -- truncated to two decimals, as the article prints it (173 / 518 = 33.397 % → 33.39 %)
    trunc(strong_economy_share_pct, 2) as strong_economy_share_pct,
    grids,
    party_groups
from marts.mart_county_period_summary
order by period, county_code
"""

ANALYST_HEADERS = {
    "period": "期间",
    "village_level_orgs": "村级组织",
    "lagging_orgs": "后进",
    "rectified_lagging_orgs": "已整顿",
    "administrative_villages": "行政村",
    "strong_economy_villages": "强村",
    "strong_economy_share_pct": "强村%",
    "grids": "网格",
    "party_groups": "党小组",
}


def submission_counts(conn: psycopg.Connection) -> dict[str, int]:
    row = conn.execute(
        "select count(*),"
        " count(*) filter (where status = 'accepted'),"
        " count(*) filter (where status = 'quarantined'),"
        " count(*) filter (where superseded_by is not null)"
        " from raw.submission"
    ).fetchone()
    return dict(zip(["seen", "accepted", "quarantined", "superseded"], row, strict=True))


def print_summary(s: Settings, console: Console) -> None:
    with psycopg.connect(s.url()) as conn:
        files = submission_counts(conn)
        published = row_counts(conn, PUBLISHED)
        last = conn.execute(
            "select run_id, status, coalesce(reason, ''), decided_at from quality.publication"
            " order by publication_id desc limit 1"
        ).fetchone()
        rejected = conn.execute("select count(*) from quality.rejected_cells").fetchone()[0]
        held = approval.held_back(conn)

    t = Table(title="报送文件 / files")
    for key in files:
        t.add_column(key, justify="right")
    t.add_row(*(str(v) for v in files.values()))
    console.print(t)
    console.print(f"rejected cells recorded: {rejected}")
    if held:
        t = Table(title="暂缓发布 / held back (their last published figures stay in marts)")
        for col in ("县（区）", "期间", "文件", "原因"):
            t.add_column(col)
        for h in held:
            t.add_row(county_name(h.county_code), h.period, h.file_name, "；".join(h.reasons))
        console.print(t)

    t = Table(title="已发布 / published (marts)")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in published.items():
        t.add_row(f"marts.{name}", f"{n:,}")
    console.print(t)
    if last:
        console.print(
            f"last publication: {last[1]} at {last[3]:%Y-%m-%d %H:%M:%S %Z} (run {last[0]}) {last[2]}"
        )

    if "fct_village_indicators" not in published:
        return
    with psycopg.connect(s.url("analyst")) as conn:
        cur = conn.execute(ANALYST_QUERY)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    t = Table(title="分析员查询示例 / sample analyst query, as role analyst (README)")
    t.add_column("县（区）")
    for name in names[1:]:
        t.add_column(ANALYST_HEADERS.get(name, name), justify="right")
    for row in rows:
        t.add_row(county_name(row[0]), *(str(v) for v in row[1:]))
    console.print(t)
