"""The city organisation department's summary workbook, from the published marts only.

One sheet per period (newest first) with every county's key indicators (marts.mart_county_period_summary)
and the city's total row (marts.mart_city_period_summary: sums, and shares from the summed parts),
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
#: Shares in per cent, shown with two decimals.
SHARES = {"strong_economy_share_pct", "mentoring_coverage_pct", "training_coverage_pct"}
TREND_SHEET = "全市趋势"


def _rows(s: Settings, relation: str, name: str) -> list[dict]:
    """A summary mart's rows, newest period first, each with its unit's name from the registry."""
    with psycopg.connect(s.url("analyst")) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(
            f"select s.*, coalesce(u.org_unit_name, s.{name}) as unit_name"
            f" from marts.{relation} s"
            f" left join marts.dim_org_unit u on u.org_unit_code = s.{name}"
            f" order by s.period desc, s.{name}"
        ).fetchall()


def _total_label(row: dict, cities: int) -> str:
    """全市 for the one city a deployment reports to; the city's name when there are several."""
    return "全市" if cities == 1 else row["unit_name"]


def _value(row: dict, name: str):
    value = row[name]
    return round(float(value), 2) if name in SHARES and value is not None else value


def write(s: Settings, path: Path) -> Path:
    """Write the summary workbook to ``path``; returns it."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font

    rows = _rows(s, "mart_county_period_summary", "county_code")
    cities = _rows(s, "mart_city_period_summary", "city_code")
    several = len({c["city_code"] for c in cities})
    book = Workbook()
    book.remove(book.active)
    names = [n for n, _ in INDICATORS]
    for period in dict.fromkeys(r["period"] for r in rows):
        sheet = book.create_sheet(f"{period}年度" if period.isdigit() else period)
        sheet.append(("县（区）代码", "县（区）", *(h for _, h in INDICATORS)))
        mine = [r for r in rows if r["period"] == period]
        for r in mine:
            sheet.append((r["county_code"], r["unit_name"], *(_value(r, n) for n in names)))
        for city in (c for c in cities if c["period"] == period):
            sheet.append(("", _total_label(city, several), *(_value(city, n) for n in names)))
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
    for city in sorted(cities, key=lambda c: (c["city_code"], c["period"])):
        label = city["period"] if several == 1 else f"{city['unit_name']} {city['period']}"
        trend.append((label, *(_value(city, n) for n in names)))
    line = LineChart()
    line.title = "全市村级党组织与集体经济强村"
    for col in (2, 2 + names.index("strong_economy_villages")):
        line.add_data(Reference(trend, min_col=col, min_row=1, max_row=trend.max_row), titles_from_data=True)
    line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
    trend.add_chart(line, f"A{trend.max_row + 3}")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
