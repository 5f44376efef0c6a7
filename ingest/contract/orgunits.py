"""The org-unit registry: every county's townships/streets and villages/communities, with codes.

The registry is data: a file in the layout of the official 统计用区划代码
(:mod:`ingest.contract.registry_file`), one version per unit and period of validity, so a
merged or renamed village keeps its history. The file in use is, first found:
``DANGJIAN_REGISTRY_FILE``; the home's copy (``<home>/registry/org_units.csv``, which
``dangjian registry load`` keeps); the synthetic Tongren list shipped with the package
(``data/tongren_org_units.csv``). Template dropdowns, the clerk's check, the audit (through
``raw.org_unit``, loaded from the same file) and the sample generator all read it.

Codes follow the national scheme: a township or street is the county's six digits plus three
(001–099 streets, 100–299 towns and townships); a village or community is the township's nine
digits plus three (001–199 communities, 200–399 administrative villages). Residential-area
party branches (小区党支部) have no statistical code; the registry gives them the community's
township plus 400–499.

The scale regions (``DANGJIAN_REGION`` province or national) add synthetic counties whose
units are generated from a fixed seed, for benchmarks only.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from ingest.contract import period_end, period_start
from ingest.contract.registry_file import Entry, read
from ingest.variables import value

UNIT_VILLAGE, UNIT_COMMUNITY, UNIT_BRANCH = "行政村", "社区", "小区党支部"


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    kind: str  # 街道 / 镇 / 乡 for townships; 行政村 / 社区 / 小区党支部 below them
    parent: str  # the county's or township's code


@dataclass(frozen=True)
class Township:
    unit: OrgUnit
    units: tuple[OrgUnit, ...]


_SYLLABLES = (
    "安白宝碧长城大德东峰凤福高观桂和红华黄金锦龙隆梅民南宁平青清瑞三桑山上石双水顺太桃天"
    "田万溪西仙祥新兴杏阳杨野鹦永玉园月云寨长正中竹梓"
)


def _name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = "".join(rng.sample(_SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            return name


@dataclass(frozen=True)
class _Plan:
    """How many units a synthetic county has."""

    towns: int
    streets: int
    villages: int
    communities: int
    branches: int
    named: dict[str, tuple[str, int, int, tuple[str, ...]]] = field(default_factory=dict)


def _plan(rng: random.Random) -> _Plan:
    towns = rng.randint(10, 22)
    return _Plan(
        towns=towns,
        streets=rng.randint(1, 4),
        villages=towns * rng.randint(12, 20),
        communities=rng.randint(8, 30),
        branches=rng.randint(5, 30),
    )


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` integers (≥ 0 each, as even as chance makes them)."""
    base, extra = divmod(total, parts) if parts else (0, 0)
    shares = [base] * parts
    for i in rng.sample(range(parts), extra):
        shares[i] += 1
    return shares


@cache
def _generated(county: str) -> tuple[Township, ...]:
    """A synthetic county's townships and streets (scale regions), from a fixed seed."""
    rng = random.Random(f"orgunits/{county}")
    plan = _plan(rng)
    used: set[str] = set()
    named = dict(plan.named)
    heads: list[tuple[str, str, int, int, tuple[str, ...]]] = []  # name, kind, villages, communities, names
    n_streets = plan.streets - sum(1 for v in named.values() if v[0] == "街道")
    n_towns = plan.towns - sum(1 for v in named.values() if v[0] != "街道")
    for name, (kind, v, c, names) in named.items():
        used.add(name)
        heads.append((name, kind, v, c, names))
    heads += [(_name(rng, used, "街道"), "街道", -1, -1, ()) for _ in range(n_streets)]
    for _ in range(n_towns):
        town = _name(rng, used, rng.choice("镇镇乡"))
        heads.append((town, town[-1], -1, -1, ()))
    free_v = plan.villages - sum(h[2] for h in heads if h[2] >= 0)
    free_c = plan.communities - sum(h[3] for h in heads if h[3] >= 0)
    town_heads = [i for i, h in enumerate(heads) if h[2] < 0 and h[1] != "街道"]
    street_heads = [i for i, h in enumerate(heads) if h[3] < 0 and h[1] == "街道"]
    v_share = dict(zip(town_heads, _spread(free_v, len(town_heads), rng), strict=True))
    c_share = dict(zip(street_heads, _spread(free_c, len(street_heads), rng), strict=True))
    streets_seq = towns_seq = 0
    result = []
    for i, (name, kind, v, c, names) in enumerate(heads):
        if kind == "街道":
            streets_seq += 1
            code = f"{county}{streets_seq:03d}"
        else:
            code = f"{county}{100 + towns_seq:03d}"
            towns_seq += 1
        n_v = v if v >= 0 else v_share.get(i, 0)
        n_c = c if c >= 0 else c_share.get(i, 0)
        fixed = list(names)
        units = [
            OrgUnit(f"{code}{1 + k:03d}", _name(rng, used, "社区"), UNIT_COMMUNITY, code) for k in range(n_c)
        ]
        for k in range(n_v):
            village_name = fixed.pop(0) if fixed else _name(rng, used, "村")
            used.add(village_name)
            units.append(OrgUnit(f"{code}{200 + k:03d}", village_name, UNIT_VILLAGE, code))
        result.append(Township(OrgUnit(code, name, kind, county), tuple(units)))
    # Residential-area branches hang under communities, spread over the county's communities.
    communities = [(t, u) for t in result for u in t.units if u.kind == UNIT_COMMUNITY]
    branches: dict[str, list[OrgUnit]] = {}
    for k in range(plan.branches if communities else 0):
        t, community = communities[k % len(communities)]
        seq = len(branches.setdefault(t.unit.code, []))
        branches[t.unit.code].append(
            OrgUnit(
                f"{t.unit.code}{400 + seq:03d}",
                f"{community.name}{_name(rng, used, '小区')}党支部",
                UNIT_BRANCH,
                t.unit.code,
            )
        )
    return tuple(Township(t.unit, t.units + tuple(branches.get(t.unit.code, ()))) for t in result)


# --- the registry file -------------------------------------------------------------------

#: The synthetic Tongren list: the demo's and the tests' registry unless another is configured.
SHIPPED = Path(__file__).parent / "data" / "tongren_org_units.csv"


def home_copy() -> Path:
    """Where ``dangjian registry load`` keeps the deployment's registry."""
    return _home_copy(value("DANGJIAN_HOME"))


@cache
def _home_copy(home: str) -> Path:  # noqa: ARG001 -- the cache's key: the home named in the environment
    from ingest.config import Settings

    return Settings.from_env().home / "registry" / "org_units.csv"


def registry_path() -> Path:
    """The registry file in use: ``DANGJIAN_REGISTRY_FILE``, else the home's copy, else the shipped list."""
    explicit = value("DANGJIAN_REGISTRY_FILE")
    if explicit:
        return Path(explicit)
    home = home_copy()
    return home if os.path.exists(home) else SHIPPED


@dataclass(frozen=True, eq=False)
class Registry:
    """Every version of every unit in one registry file, in the file's order."""

    entries: tuple[Entry, ...]

    @cached_property
    def versions(self) -> dict[str, list[Entry]]:
        found: dict[str, list[Entry]] = {}
        for e in self.entries:
            found.setdefault(e.code, []).append(e)
        for versions in found.values():
            versions.sort(key=lambda e: e.valid_from or dt.date.min)
        return found

    @cached_property
    def counties(self) -> dict[str, str]:
        """Counties in force now, with their names."""
        return {e.code: e.name for e in self.entries if e.level == "county" and e.valid_to is None}

    def latest(self, code: str, end: dt.date | None = None) -> Entry | None:
        """The unit as it was at ``end`` (None: as it is now, or was when it was retired)."""
        found = [
            e
            for e in self.versions.get(code, ())
            if end is None or e.valid_from is None or e.valid_from <= end
        ]
        return found[-1] if found else None

    @cache  # noqa: B019 -- one Registry per file version, held by _registry's cache
    def townships(self, county: str, period: str | None) -> tuple[Township, ...]:
        start, end = (period_start(period), period_end(period)) if period else (None, None)
        below: dict[str, list[OrgUnit]] = {}
        heads = []
        for e in self.entries:
            if e.code[:6] != county or not e.in_force(start, end):
                continue
            if e.level == "township":
                heads.append(_org_unit(e))
            elif e.level == "village":
                below.setdefault(e.parent, []).append(_org_unit(e))
        return tuple(Township(t, tuple(below.get(t.code, ()))) for t in heads)


def _org_unit(e: Entry) -> OrgUnit:
    return OrgUnit(e.code, e.name, e.kind, e.parent)


@cache
def _registry(path: str, mtime_ns: int, size: int) -> Registry:
    return Registry(read(Path(path)))


def registry() -> Registry:
    """The registry file in use, read once per version of the file (its size and mtime)."""
    path = registry_path()
    stat = os.stat(path)
    return _registry(str(path), stat.st_mtime_ns, stat.st_size)


# --- what the rest of the product asks ---------------------------------------------------


def townships(county: str, period: str | None = None) -> tuple[Township, ...]:
    """The county's townships and streets in force in ``period`` (None: now), each with its
    villages, communities and branches then."""
    found = registry()
    if county in found.counties or county in found.versions:
        return found.townships(county, period)
    return _generated(county)


def units(county: str, period: str | None = None) -> list[OrgUnit]:
    """Every village, community and residential branch of the county."""
    return [u for t in townships(county, period) for u in t.units]


def unit(code: str, period: str | None = None) -> OrgUnit | None:
    """A township, village, community or branch as it was at the end of ``period`` (None: as it
    is now, or was last), by its code."""
    found = registry()
    if code[:6] in found.versions:
        entry = found.latest(code, period_end(period) if period else None)
        return _org_unit(entry) if entry and entry.level in ("township", "village") else None
    if code[:6] not in counties():
        return None
    return _by_code(code[:6]).get(code)


@cache
def _by_code(county: str) -> dict[str, OrgUnit]:
    found: dict[str, OrgUnit] = {}
    for t in _generated(county):
        found[t.unit.code] = t.unit
        found.update((u.code, u) for u in t.units)
    return found


def parent_of(code: str, period: str | None = None) -> str | None:
    """The code of the unit ``code`` belongs to (a village's township, a township's county)."""
    found = unit(code, period)
    return found.parent if found else None


def kind_of(code: str, period: str | None = None) -> str | None:
    """What the registry says a unit is: 行政村, 社区, 小区党支部; 镇, 乡, 街道."""
    found = unit(code, period)
    return found.kind if found else None


def out_of_force(code: str, county: str, period: str) -> str:
    """Why a code of the county's registry is not a unit in ``period`` (retired before it,
    or set up after it), for a clerk: ``（杨桃村，2026-01-01 起已撤销）``; empty for any other code."""
    versions = registry().versions.get(code) if code[:6] == county else None
    if not versions:
        return ""
    if versions[0].valid_from and versions[0].valid_from > period_end(period):
        return f"（{versions[0].name}，{versions[0].valid_from} 起才设立）"
    last = versions[-1]
    if last.valid_to and last.valid_to <= period_start(period):
        return f"（{last.name}，{last.valid_to} 起已撤销或并入他处）"
    return ""


def township_by_name(county: str, name: str) -> Township:
    return next(t for t in townships(county) if t.unit.name == name)


def units_named(county: str, name: str, period: str | None = None) -> list[OrgUnit]:
    """The county's townships and units in force in ``period`` called ``name``."""
    return [u for t in townships(county, period) for u in (t.unit, *t.units) if u.name == name]


def city_name(code: str) -> str:
    """A city's (prefecture's) name from the registry; its code where the registry has none."""
    entry = registry().latest(code)
    return entry.name if entry and entry.level == "city" else code


REGIONS = ("city", "province", "national")


def counties(region: str | None = None) -> dict[str, str]:
    """Counties a deployment accepts: the registry's (``city``, the default), or for scale
    tests those plus synthetic ones to make a province (about 88) or the nation (about 2,800).

    ``DANGJIAN_REGION`` chooses the default.
    """
    region = region or value("DANGJIAN_REGION")
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; expected one of {REGIONS}")
    known = registry().counties
    return dict(known) if region == "city" else _synthetic(region, tuple(known.items()))


@cache
def _synthetic(region: str, known_items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    known = dict(known_items)
    rng = random.Random(f"counties/{region}")
    provinces = (
        ["52"]
        if region == "province"
        else [
            f"{p:02d}"
            for p in (
                11,
                12,
                13,
                14,
                15,
                21,
                22,
                23,
                31,
                32,
                33,
                34,
                35,
                36,
                37,
                41,
                42,
                43,
                44,
                45,
                46,
                50,
                51,
                52,
                53,
                54,
                61,
                62,
                63,
                64,
                65,
            )
        ]
    )
    target = 88 if region == "province" else 2800
    used: set[str] = set()
    while len(known) < target:
        code = f"{rng.choice(provinces)}{rng.randint(1, 30):02d}{rng.randint(21, 40):02d}"
        if code not in known:
            known[code] = _name(rng, used, rng.choice("县县区"))
    return known


def county_name(code: str) -> str:
    """A county's name: the registry's (as it is now, or was last), else a synthetic one."""
    entry = registry().latest(code)
    if entry and entry.level == "county":
        return entry.name
    return counties("national").get(code, code)
