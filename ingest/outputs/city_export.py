"""The city organisation department's summary workbook, from the published marts only.

One sheet per period (newest first) with every county's key indicators and a city total row,
a bar chart of the strong-economy village share by county, and a sheet of the city's trend
across periods with a line chart. Read as the ``analyst`` role: it holds no personal data.
Written by the ``city_summary_export`` DAG whenever a new build is published.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import psycopg.rows

from ingest.config import Settings

#: (column of marts.mart_county_period_summary, header) in the order the sheet shows them.
INDICATORS: tuple[tuple[str, str], ...] = (
    ("village_level_orgs", "村级党组织"),
    ("administrative_villages", "行政村"),
    ("lagging_orgs", "软弱涣散党组织"),
    ("rectified_lagging_orgs", "已整顿"),
    ("strong_economy_villages", "集体经济强村"),
    ("strong_economy_share_pct", "强村占比（%）"),
    ("reserve_cadres", "村级后备力量"),
    ("mentoring_coverage_pct", "双导师帮带率（%）"),
    ("training_coverage_pct", "两委及后备培训覆盖率（%）"),
    ("grids", "网格"),
    ("party_groups", "党小组"),
    ("volunteer_services", "志愿服务（次）"),
    ("instructors", "党建指导员"),
    ("enterprises_covered", "覆盖企业"),
    ("social_organisations_covered", "覆盖社会组织"),
)
#: Shares, recomputed for the city from their parts (as the mart computes them per county).
RATIOS = {
    "strong_economy_share_pct": ("strong_economy_villages", "administrative_villages"),
    "mentoring_coverage_pct": ("reserve_cadres_with_two_mentors", "reserve_cadres"),
    "training_coverage_pct": ("trained_committee_and_reserve_cadres", "committee_and_reserve_cadres"),
}
TREND_SHEET = "全市趋势"


def _rows(s: Settings) -> list[dict]:
    with psycopg.connect(s.url("analyst")) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(
            "select s.*, coalesce(u.org_unit_name, s.county_code) as county_name"
            " from marts.mart_county_period_summary s"
            " left join marts.dim_org_unit u on u.org_unit_code = s.county_code"
            " order by s.period desc, s.county_code"
        ).fetchall()


def city_total(rows: list[dict]) -> dict:
    """The city's figures for one period: sums, and shares recomputed from the summed parts."""
    total = {}
    for name in {n for n, _ in INDICATORS} | {p for pair in RATIOS.values() for p in pair}:
        present = [r[name] for r in rows if r[name] is not None]
        total[name] = sum(present) if present else None
    for name, (part, whole) in RATIOS.items():
        total[name] = 100 * total[part] / total[whole] if total[part] is not None and total[whole] else None
    return total


def _value(row: dict, name: str):
    value = row[name]
    return round(float(value), 2) if name in RATIOS and value is not None else value


def write(s: Settings, path: Path) -> Path:
    """Write the summary workbook to ``path``; returns it."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    rows = _rows(s)
    book = Workbook()
    book.remove(book.active)
    names = [n for n, _ in INDICATORS]
    totals: dict[str, dict] = {}
    for period in dict.fromkeys(r["period"] for r in rows):
        sheet = book.create_sheet(f"{period}年度" if period.isdigit() else period)
        sheet.append(("县（区）代码", "县（区）", *(h for _, h in INDICATORS)))
        mine = [r for r in rows if r["period"] == period]
        for r in mine:
            sheet.append((r["county_code"], r["county_name"], *(_value(r, n) for n in names)))
        totals[period] = city_total(mine)
        sheet.append(("", "全市", *(_value(totals[period], n) for n in names)))
        for cell in (*sheet[1], *sheet[sheet.max_row]):
            cell.font = Font(bold=True)
        sheet.freeze_panes = "C2"
        chart = BarChart()
        chart.title = f"{period} 各县（区）集体经济强村占比（%）"
        share = 3 + names.index("strong_economy_share_pct")
        chart.add_data(
            Reference(sheet, min_col=share, min_row=1, max_row=1 + len(mine)), titles_from_data=True
        )
        chart.set_categories(Reference(sheet, min_col=2, min_row=2, max_row=1 + len(mine)))
        chart.width, chart.height = 22, 9
        sheet.add_chart(chart, f"B{sheet.max_row + 3}")
    trend = book.create_sheet(TREND_SHEET)
    trend.append(("期间", *(h for _, h in INDICATORS)))
    for period in sorted(totals):
        trend.append((period, *(_value(totals[period], n) for n in names)))
    line = LineChart()
    line.title = "全市村级党组织与集体经济强村"
    for col in (2, 2 + names.index("strong_economy_villages")):
        line.add_data(Reference(trend, min_col=col, min_row=1, max_row=trend.max_row), titles_from_data=True)
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
    trend.add_chart(line, f"A{trend.max_row + 3}")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
