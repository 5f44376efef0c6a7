"""A sample county's periods as views of one history, so that 2023, 2024 and 2025 agree.

A county is generated once, up to the end of its *history year* (2025, the year the article
reports, or the period's own year when that is later). Every period up to then is a view of
that history, as the county would have reported it then:

- **cadres**: the spells that overlap the period. One that started before it is 留任, or 离任
  when it ends within it; one that starts in it keeps the change it began with (新任, 调整), or
  新任 if it has none; one that ends after it has no end date yet. Honours and
  certificates dated after the period, and promotions and degrees completed after it, are
  not reported yet. The same people keep their ID numbers, the same spells their start dates.
- **training**: the classes that start within the period.
- **village projects**: the land and investments started by the period's end; a village's
  total investment is the sum of those.
- **villages, townships, enterprises**: the same units and codes. Counts that describe what a
  unit *has* (grids, party groups, villager groups) stay; what it did or earned in the period
  is smaller the further back and the shorter the period, and what it has accumulated
  (累计积累, 累计分红) grows year by year up to the history's figure. A row may carry what an
  earlier period reported exactly (``EARLIER``: period → values), where the article says so.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from ingest import contract
from ingest.contract import period_end, period_start
from ingest.contract.orgunits import UNIT_VILLAGE

#: The periods the sample writes by default, one workbook per county each.
SAMPLE_PERIODS = ("2023", "2024", "2025")
#: The year the sample's history is told up to (the article's), unless a later period asks.
HISTORY_YEAR = 2025
#: A row's values for an earlier period, where they are known exactly (period → column → value).
EARLIER = "_earlier"
#: Counts of what a unit has, the same in every period.
_STOCKS = frozenset(
    {
        "grid_count",
        "party_group_count",
        "party_members_in_grids",
        "household_heads",
        "villager_groups",
        "volunteer_teams",
        "supervision_groups",
    }
)
#: Totals accumulated over the years, up to the period's end.
_ACCUMULATED = frozenset({"collective_accumulation", "collective_dividends"})
_DATED_LABEL = re.compile(r"（(\d{4})）$")


def history_period(period: str) -> str:
    """The period whose history ``period`` is a view of: 2025, or the period's year if later."""
    return str(max(HISTORY_YEAR, period_end(period).year))


def view(history: dict[str, list[dict[str, Any]]], period: str, seed: str) -> dict[str, list]:
    """Every sheet's rows as a submission for ``period`` would give them (new dicts; the
    history is left as it was). ``seed`` draws each unit's yearly growth (the same in every
    period, so what accumulates only grows) and the period's ratings."""
    start, end = period_start(period), period_end(period)
    history_end = period_end(history_period(period))
    projects = [dict(p) for p in history["village_projects"] if p["started_on"] <= end]
    invested: dict[str, float] = {}
    for p in projects:
        if p["project_type"] == "对外投资":
            invested[p["org_unit_code"]] = round(invested.get(p["org_unit_code"], 0) + p["amount"], 2)
    earlier = _Earlier(period, start, end, history_end, seed)
    return {
        "cadres": [r for r in (_spell(r, start, end) for r in history["cadres"]) if r],
        "training": [dict(r) for r in history["training"] if start <= r["start_date"] <= end],
        "villages": [earlier.row("villages", r, invested) for r in history["villages"]],
        "enterprises": [earlier.row("enterprises", r) for r in history["enterprises"]],
        "townships": [earlier.row("townships", r) for r in history["townships"]],
        "village_projects": projects,
    }


def _spell(row: dict[str, Any], start: dt.date, end: dt.date) -> dict[str, Any] | None:
    ended = row.get("end_date")
    if row["start_date"] > end or (ended and ended < start):
        return None
    r = dict(row)
    if r["start_date"] < start:
        r["change_type"] = "离任" if ended and ended <= end else "留任"
    elif r["change_type"] == "留任" or (ended and ended > end and r["change_type"] == "离任"):
        r["change_type"] = "新任"  # in this period it began (and, if at all, ends later)
    if ended and ended > end:
        r["end_date"] = None
    for key in ("honours", "certificates"):
        if r.get(key):
            r[key] = "；".join(p for p in r[key].split("；") if _dated_by(p, end)) or None
    if r.get("promotion_date") and r["promotion_date"] > end:
        r.update(is_early_promotion=None, promotion_date=None)
    if r.get("degree_completed_date") and r["degree_completed_date"] > end:
        r["degree_completed_date"] = None
    return r


def _dated_by(label: str, end: dt.date) -> bool:
    """Whether an honour or certificate ("先进个人（2024）") was had by ``end`` (undated: yes)."""
    m = _DATED_LABEL.search(label)
    return not m or int(m.group(1)) <= end.year


class _Earlier:
    """A unit's row for the period: the history's own for its last year; for an earlier or
    shorter period, what it did smaller by a factor of its own, what it has as it is."""

    def __init__(self, period: str, start: dt.date, end: dt.date, history_end: dt.date, seed: str):
        self.period, self.seed, self.rng = period, seed, random.Random(f"{seed}/{period}")
        self.latest = end >= history_end and start.month == 1 and start.day == 1
        self.years_back = (history_end - end).days / 365.25
        self.share = ((end - start).days + 1) / 365.25

    def row(
        self, sheet: str, row: dict[str, Any], invested: dict[str, float] | None = None
    ) -> dict[str, Any]:
        r = dict(row)
        r.pop(EARLIER, None)
        if self.latest:
            return r
        unit = "/".join(str(r[k]) for k in contract.sheet(sheet).row_key)
        growth = random.Random(f"{self.seed}/{sheet}/{unit}").uniform(1.05, 1.3) ** self.years_back
        for col in contract.sheet(sheet).columns:
            value = r.get(col.name)
            if col.type not in ("integer", "decimal") or value is None or col.name in _STOCKS:
                continue
            factor = 1 / growth if col.name in _ACCUMULATED else self.share / growth
            r[col.name] = round(value * factor) if col.type == "integer" else round(value * factor, 2)
        if "party_org_rating" in r:
            lagging = self.rng.random() < 0.05
            r["party_org_rating"] = "后进" if lagging else self.rng.choice(("先进", "一般", "一般"))
            r["is_rectified"] = True if lagging else None
        if invested is not None and r.get("unit_type") == UNIT_VILLAGE:
            r["collective_investment"] = invested.get(r["org_unit_code"])
        r.update(row.get(EARLIER, {}).get(self.period, {}))
        return r
