"""Sample generator: realistic county workbooks, deterministic for a seed.

Codes follow the national statistical division scheme: a township or street is the county's
six digits plus three (001–099 streets, 100–299 towns and townships), a village or community
is the township's nine digits plus three (001–199 communities, 200–399 villages).
Where the article the product grew from gives a county's figures, that county's rows add up
to them (see docs/seed_figures.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ingest import contract
from ingest.contract import COUNTIES, COVER_FIELDS, COVER_SHEET, VILLAGES

#: Thresholds of a "strong" village collective economy (万元), used by the article.
STRONG_OPERATING_INCOME = 55
STRONG_NET_INCOME = 25


@dataclass(frozen=True)
class VillageProfile:
    """What a county's villages sheet must add up to."""

    townships: int
    communities: int
    villages: int
    lagging: int
    strong: int
    grids: int
    party_groups: int


#: 思南县 as the article reports it: 28 townships, 530 village-level organisations of which
#: 53 lagging (all rectified), 173 strong villages (33.39 % of administrative villages),
#: 1,665 grids and 1,580 party groups.
PROFILES: dict[str, VillageProfile] = {
    "520624": VillageProfile(28, 12, 518, 53, 173, 1665, 1580),
}


def _default_profile(rng: random.Random) -> VillageProfile:
    townships = rng.randint(10, 28)
    villages = townships * rng.randint(12, 20)
    communities = rng.randint(6, 30)
    units = villages + communities
    return VillageProfile(
        townships=townships,
        communities=communities,
        villages=villages,
        lagging=round(units * rng.uniform(0.05, 0.12)),
        strong=round(villages * rng.uniform(0.2, 0.4)),
        grids=units * rng.randint(2, 4),
        party_groups=units * rng.randint(2, 3),
    )


def _spread(total: int, parts: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """Split ``total`` into ``parts`` positive integers that add up exactly."""
    shares = [minimum] * parts
    for _ in range(total - minimum * parts):
        shares[rng.randrange(parts)] += 1
    return shares


def village_rows(county: str, rng: random.Random) -> list[dict]:
    p = PROFILES.get(county) or _default_profile(rng)
    townships = [f"{county}{100 + i:03d}" for i in range(p.townships)]
    units: list[tuple[str, str]] = []
    per_township = _spread(p.villages, p.townships, rng)
    for t, n in zip(townships, per_township, strict=True):
        units += [(f"{t}{200 + k:03d}", "行政村") for k in range(n)]
    for k in range(p.communities):
        units.append((f"{townships[k % p.townships]}{1 + k // p.townships:03d}", "社区"))
    lagging = set(rng.sample(range(len(units)), p.lagging))
    villages = [i for i, (_, kind) in enumerate(units) if kind == "行政村"]
    strong = set(rng.sample(villages, p.strong))
    grids = _spread(p.grids, len(units), rng)
    groups = _spread(p.party_groups, len(units), rng)
    rows = []
    for i, (code, kind) in enumerate(units):
        if i in strong:
            operating = round(rng.uniform(STRONG_OPERATING_INCOME, 120), 2)
        else:
            operating = round(rng.uniform(3, STRONG_OPERATING_INCOME - 0.01), 2)
        net = round(operating * rng.uniform(0.2, 0.44), 2)
        rating = "后进" if i in lagging else rng.choice(["先进", "一般", "一般"])
        rows.append(
            {
                "org_unit_code": code,
                "org_unit_name": f"{code[-6:]}{'村' if kind == '行政村' else '社区'}",
                "unit_type": kind,
                "township_code": code[:9],
                "party_org_rating": rating,
                "is_rectified": True if rating == "后进" else None,
                "collective_operating_income": operating if kind == "行政村" else None,
                "collective_net_income": net if kind == "行政村" else None,
                "grid_count": grids[i],
                "party_group_count": groups[i],
            }
        )
    return rows


def write_workbook(path: Path, county: str, period: str, rows_by_sheet: dict[str, list[dict]]):
    """Write a submission workbook: the cover sheet plus one sheet per subject."""
    from openpyxl import Workbook

    wb = Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    cover.append(["铜仁市党建统计报送"])
    cover.append([COVER_FIELDS["county_code"], county])
    cover.append(["县（区）名称", COUNTIES[county]])
    cover.append([COVER_FIELDS["period"], period])
    for s in contract.SHEETS:
        ws = wb.create_sheet(s.title)
        ws.append([c.template_header for c in s.columns])
        for row in rows_by_sheet.get(s.key, []):
            ws.append([row.get(c.name) for c in s.columns])
        for c, col in enumerate(s.columns, start=1):
            if col.type == "code":  # codes are text, never numbers (leading zeros, long codes)
                for (cell,) in ws.iter_rows(min_row=2, min_col=c, max_col=c):
                    cell.number_format = "@"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def generate(
    period: str,
    out: Path,
    seed: int = 2025,
    counties: list[str] | None = None,
    overwrite: bool = True,
    progress=None,
) -> list[Path]:
    """Write one workbook per county into ``out``; returns the paths written.

    With ``overwrite=False`` a county whose file is already there is left alone (its bytes,
    and so its sha256, stay the same: the warehouse sees nothing new).
    """
    period = contract.parse_period(period)
    written = []
    for county in counties or list(COUNTIES):
        target = out / contract.file_name(county, period)
        if target.exists() and not overwrite:
            if progress:
                progress()
            continue
        rng = random.Random(f"{seed}/{county}/{period}")
        rows = {VILLAGES.key: village_rows(county, rng)}
        written.append(write_workbook(target, county, period, rows))
        if progress:
            progress()
    return written
