"""The org-unit registry: every county's townships/streets and villages/communities, with codes.

Codes follow the national statistical division scheme: a township or street is the county's
six digits plus three (001–099 streets, 100–299 towns and townships); a village or community
is the township's nine digits plus three (001–199 communities, 200–399 administrative
villages). Residential-area party branches (小区党支部) have no statistical code; the
registry gives them the community's township plus 400–499.

The registry is generated deterministically from a fixed seed, so every module (template
dropdowns, reader checks, sample generator) sees the same units. Where the article the
product grew from describes a place, the registry has it: 思南县's 28 townships with 518
administrative villages, 12 communities and 58 residential branches; 德江县平原镇台头村;
沿河县新景镇 with its 9 villages; 松桃县蓼皋街道 with 12 urban communities.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from ingest.contract import COUNTIES
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


@dataclass(frozen=True)
class CountyPlan:
    """How many units a county has; named places the article mentions are fixed."""

    towns: int
    streets: int
    villages: int
    communities: int
    branches: int
    named: dict[str, tuple[str, int, int, tuple[str, ...]]]  # township → (kind, villages, communities, names)


_SYLLABLES = (
    "安白宝碧长城大德东峰凤福高观桂和红华黄金锦龙隆梅民南宁平青清瑞三桑山上石双水顺太桃天"
    "田万溪西仙祥新兴杏阳杨野鹦永玉园月云寨长正中竹梓"
)

#: Fixed plans for the places the article describes (see module docstring).
_PLANS: dict[str, CountyPlan] = {
    "520624": CountyPlan(towns=24, streets=4, villages=518, communities=12, branches=58, named={}),
    "520626": CountyPlan(
        towns=16,
        streets=2,
        villages=320,
        communities=14,
        branches=20,
        named={"平原镇": ("镇", 14, 0, ("台头村",))},
    ),
    "520627": CountyPlan(
        towns=20,
        streets=2,
        villages=280,
        communities=12,
        branches=18,
        named={"新景镇": ("镇", 9, 0, ("姚溪村", "瑞石村", "白果村"))},
    ),
    "520628": CountyPlan(
        towns=24,
        streets=4,
        villages=440,
        communities=28,
        branches=30,
        named={"蓼皋街道": ("街道", 0, 12, ())},
    ),
}


def _name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = "".join(rng.sample(_SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            return name


def _plan(county: str, rng: random.Random) -> CountyPlan:
    if county in _PLANS:
        return _PLANS[county]
    towns = rng.randint(10, 22)
    return CountyPlan(
        towns=towns,
        streets=rng.randint(1, 4),
        villages=towns * rng.randint(12, 20),
        communities=rng.randint(8, 30),
        branches=rng.randint(5, 30),
        named={},
    )


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` integers (≥ 0 each, as even as chance makes them)."""
    base, extra = divmod(total, parts) if parts else (0, 0)
    shares = [base] * parts
    for i in rng.sample(range(parts), extra):
        shares[i] += 1
    return shares


@cache
def townships(county: str) -> tuple[Township, ...]:
    """The county's townships and streets, each with its villages, communities and branches."""
    rng = random.Random(f"orgunits/{county}")
    plan = _plan(county, rng)
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


def units(county: str) -> list[OrgUnit]:
    """Every village, community and residential branch of the county."""
    return [u for t in townships(county) for u in t.units]


@cache
def _by_code(county: str) -> dict[str, OrgUnit]:
    found: dict[str, OrgUnit] = {}
    for t in townships(county):
        found[t.unit.code] = t.unit
        found.update((u.code, u) for u in t.units)
    return found


def unit(code: str) -> OrgUnit | None:
    """A township, village, community or branch of the deployment's counties, by its code."""
    return _by_code(code[:6]).get(code) if code[:6] in counties() else None


def parent_of(code: str) -> str | None:
    """The code of the unit ``code`` belongs to (a village's township, a township's county)."""
    found = unit(code)
    return found.parent if found else None


def kind_of(code: str) -> str | None:
    """What the registry says a unit is: 行政村, 社区, 小区党支部; 镇, 乡, 街道."""
    found = unit(code)
    return found.kind if found else None


def township_by_name(county: str, name: str) -> Township:
    return next(t for t in townships(county) if t.unit.name == name)


# --- which counties a deployment knows --------------------------------------------------

#: Names of the cities (prefectures) the registry knows; others show their code.
CITIES = {"520600": "铜仁市"}


REGIONS = ("city", "province", "national")


def counties(region: str | None = None) -> dict[str, str]:
    """Counties a deployment accepts: Tongren's ten (``city``, the default), or for scale
    tests a province (about 88) or national (about 2,800) set of synthetic county codes.

    ``DANGJIAN_REGION`` chooses the default.
    """
    return _counties(region or value("DANGJIAN_REGION"))


@cache
def _counties(region: str) -> dict[str, str]:
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}; expected one of {REGIONS}")
    known = dict(COUNTIES)
    if region == "city":
        return known
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
    return counties("national").get(code, code)
