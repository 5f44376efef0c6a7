"""Sample generator: realistic county submissions, deterministic for a seed.

Every county gets a roster of cadres (secretaries, committee members, reserve cadres with
their "2+1" mentors, village work teams, specialists, community workers, party-building
instructors), their training, its villages' indicators and the enterprises and social
organisations its instructors cover. Where the article the product grew from reports on a
county, that county's rows add up to the article's figures exactly (see docs/seed_figures.md:
each figure is a query in ``dbt_project/analyses/article_figures/``, and a test runs them all
on a build of these rows); the other counties get plausible data at a similar scale. Workbooks
are written through the official template (``ingest.template``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import codes, contract, orgunits, template
from ingest.contract import STRONG_OPERATING_INCOME, period_end
from ingest.orgunits import UNIT_BRANCH, UNIT_COMMUNITY, UNIT_VILLAGE

SINAN, WANSHAN, DEJIANG, YANHE, SONGTAO = "520624", "520603", "520626", "520627", "520628"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田肖龙石姚冉杜向"
_GIVEN = "国建明华文军平志伟红英丽芳敏静海涛军强勇杰磊洋艳娟霞秀兰婷雪梅宇浩晨欣怡佳俊鹏飞"
_ETHNIC = ("汉族", "汉族", "土家族", "土家族", "苗族", "侗族", "仡佬族")
_EDUCATION = ("研究生", "大学本科", "大学本科", "大学专科", "大学专科", "中专或高中", "初中及以下")
_INDUSTRIES = (
    "农业",
    "制造业",
    "建筑业",
    "批发和零售业",
    "住宿和餐饮业",
    "信息技术服务业",
    "物流",
    "文化旅游",
)


def _birthday(born: dt.date, years: int) -> dt.date:
    """The day someone born on ``born`` turns ``years`` (1 March for 29 February)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@dataclass
class Person:
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    education: str
    political_status: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> Person:
        """The person a roster row describes (for their next role)."""
        return cls(
            *(
                row[k]
                for k in (
                    "id_number",
                    "name",
                    "sex",
                    "birth_date",
                    "ethnicity",
                    "education",
                    "political_status",
                )
            )
        )


@dataclass
class County:
    """Everything generated for one county and period, sheet by sheet."""

    code: str
    period: str
    rng: random.Random
    end: dt.date
    cadres: list[dict[str, Any]] = field(default_factory=list)
    training: list[dict[str, Any]] = field(default_factory=list)
    villages: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set)
    _classes: int = 0
    #: Share of a generic county's townships that report (scale tests: fewer rows per county).
    rows_scale: float = 1.0

    # --- people ------------------------------------------------------------------------
    def person(
        self,
        age: tuple[int, int] = (25, 55),
        exact_age: int | None = None,
        party: bool | None = None,
        education: str | None = None,
    ) -> Person:
        rng = self.rng
        years = exact_age if exact_age is not None else rng.randint(*age)
        # born so that the age in full years at the period end is exactly `years`
        birth = self.end.replace(year=self.end.year - years - 1) + dt.timedelta(days=rng.randint(1, 364))
        sex = rng.choice("男女男")
        while True:
            seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
            first17 = f"{self.code}{birth:%Y%m%d}{seq:03d}"
            id_number = first17 + codes.id_check_char(first17)
            if id_number not in self._ids:
                self._ids.add(id_number)
                break
        name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))
        is_party = party if party is not None else rng.random() < 0.7
        return Person(
            id_number,
            name,
            sex,
            birth,
            rng.choice(_ETHNIC),
            education or rng.choice(_EDUCATION),
            "中共党员" if is_party else rng.choice(("群众", "共青团员")),
        )

    def spell(
        self, p: Person, unit: str, role: str, start: dt.date, change: str = "留任", **extra: Any
    ) -> dict[str, Any]:
        row = {
            "id_number": p.id_number,
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth_date,
            "ethnicity": p.ethnicity,
            "education": p.education,
            "political_status": p.political_status,
            "org_unit_code": unit,
            "role": role,
            "start_date": start,
            "change_type": change,
            **extra,
        }
        self.cadres.append(row)
        return row

    # --- training ----------------------------------------------------------------------
    def training_class(
        self,
        name: str,
        kind: str,
        level: str,
        start: dt.date,
        days: int,
        hours: float,
        people: list[dict[str, Any]],
        completed: float = 0.97,
    ) -> str:
        self._classes += 1
        class_id = f"{self.code}-{start:%Y}-{self._classes:04d}"
        for person in people:
            self.training.append(
                {
                    "class_id": class_id,
                    "class_name": name,
                    "training_type": kind,
                    "organiser_level": level,
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=days - 1),
                    "hours": hours,
                    "id_number": person["id_number"],
                    "name": person["name"],
                    "is_completed": self.rng.random() < completed,
                }
            )
        return class_id

    def in_classes(
        self,
        people: list[dict],
        size: int,
        name: str,
        kind: str,
        level: str,
        year_start: dt.date,
        days: int,
        hours: float,
    ) -> int:
        """Put ``people`` through as many classes of about ``size`` as it takes; returns the count."""
        n = 0
        for i in range(0, len(people), size):
            n += 1
            start = _day(self.rng, year_start, min(self.end, year_start.replace(month=11, day=30)))
            self.training_class(f"{name}（第{n}期）", kind, level, start, days, hours, people[i : i + size])
        return n


# --- the generic county --------------------------------------------------------------------


def _village_committees(c: County, units: list[orgunits.OrgUnit], reserves_per_unit: Callable[[], int]):
    """Secretary, director, three members and reserve cadres with "2+1" mentors per unit."""
    rng, year = c.rng, c.end.year
    committees: dict[str, list[dict]] = {}
    reserves: list[dict] = []
    for u in units:
        secretary = c.spell(
            c.person((32, 58), party=True),
            u.code,
            "村（社区）党组织书记",
            dt.date(rng.choice((2021, 2021, 2022)), 1, 10) + dt.timedelta(days=rng.randint(0, 60)),
            rank_class=rng.choice(("一类", "二类", "二类", "三类")),
            appraisal=rng.choice(("优秀", "称职", "称职")),
        )
        director = c.spell(
            c.person((30, 58)),
            u.code,
            "村（居）委会主任",
            secretary["start_date"],
            rank_class=rng.choice(("二类", "三类")),
            appraisal="称职",
        )
        members = [
            c.spell(
                c.person((25, 55)),
                u.code,
                "两委委员",
                secretary["start_date"],
                appraisal=rng.choice(("优秀", "称职", "称职", "称职")),
            )
            for _ in range(3)
        ]
        committees[u.code] = [secretary, director, *members]
        for _ in range(reserves_per_unit()):
            p = c.person((22, 40), education=rng.choice(_EDUCATION[:5]))
            mentors = [secretary, rng.choice(members)]
            reserves.append(
                c.spell(
                    p,
                    u.code,
                    "后备力量",
                    _day(rng, dt.date(year - 2, 1, 1), dt.date(year - 1, 12, 31)),
                    source_category=rng.choice(("退役军人", "返乡大学生", "致富带头人", "其他")),
                    mentor1_id_number=mentors[0]["id_number"],
                    mentor2_id_number=mentors[1]["id_number"],
                )
            )
    return committees, reserves


def _work_teams(c: County, villages: list[orgunits.OrgUnit], teams: int) -> list[dict]:
    rng, year = c.rng, c.end.year
    chosen = sorted(rng.sample(villages, teams), key=lambda u: u.code)
    members = []
    for n, u in enumerate(chosen, start=1):
        team = f"{c.code}-ZC{n:03d}"
        start = _day(rng, dt.date(year, 3, 1), dt.date(year, 4, 30))
        members.append(
            c.spell(
                c.person((28, 50), party=True, education="大学本科"),
                u.code,
                "驻村第一书记",
                start,
                "新任",
                source_category="机关选派",
                work_team_id=team,
            )
        )
        for _ in range(rng.choice((1, 2))):
            members.append(
                c.spell(
                    c.person((25, 50)),
                    u.code,
                    "驻村工作队队员",
                    start,
                    "新任",
                    source_category="机关选派",
                    work_team_id=team,
                )
            )
    return members


def _community_workers(c: County, communities: list[orgunits.OrgUnit]) -> list[dict]:
    rng = c.rng
    rows = []
    for u in communities:
        for _ in range(rng.randint(6, 12)):
            post = rng.choice((1, 2, 3, 3, 4, 4, 4))
            p = c.person((23, 45))
            hired = _day(rng, dt.date(2019, 1, 1), dt.date(c.end.year - 1, 12, 31))
            rows.append(
                c.spell(
                    p,
                    u.code,
                    "社区工作者",
                    max(hired, _birthday(p.birth_date, 18)),
                    source_category="公开招聘",
                    job_post=post,
                    job_grade=rng.randint(1, 20),
                    appraisal=rng.choice(("优秀", "称职", "称职")),
                )
            )
    return rows


def _instructors_and_enterprises(
    c: County, instructors: int, enterprises: int, social: int, totals: dict[str, int] | None = None
) -> list[dict]:
    """Instructors at county level, and the enterprises and social organisations they cover
    ("一人一企" or "一人多企": every instructor covers at least one)."""
    rng = c.rng
    staff = [
        c.spell(
            c.person((28, 55), party=True),
            c.code,
            "党建指导员",
            _day(rng, dt.date(c.end.year - 2, 1, 1), dt.date(c.end.year - 1, 6, 30)),
            source_category="机关选派",
        )
        for _ in range(instructors)
    ]
    towns = [t.unit.code for t in orgunits.townships(c.code)]
    kinds = ["三有企业"] * enterprises + ["社会组织"] * social
    assignment = list(range(instructors)) + [
        rng.randrange(instructors) for _ in range(len(kinds) - instructors)
    ]
    rng.shuffle(assignment)
    metrics = {
        k: _spread_total(rng, len(kinds), totals[k]) if totals else [rng.randint(a, b) for _ in kinds]
        for k, (a, b) in {
            "guidance_visits": (2, 10),
            "problems_solved": (0, 3),
            "members_reporting": (0, 2),
            "volunteer_person_times": (0, 10),
        }.items()
    }
    for i, kind in enumerate(kinds):
        first17 = (
            ("91" if kind == "三有企业" else "52")
            + c.code
            + "".join(rng.choice(codes.CREDIT_ALPHABET) for _ in range(9))
        )
        suffix = (
            rng.choice(("有限公司", "农业专业合作社", "科技有限公司"))
            if kind == "三有企业"
            else rng.choice(("协会", "商会", "社会工作服务中心"))
        )
        c.enterprises.append(
            {
                "credit_code": first17 + codes.credit_check_char(first17),
                "name": f"{orgunits.county_name(c.code)[:2]}{''.join(rng.sample(_GIVEN, 2))}{suffix}",
                "org_type": kind,
                "township_code": rng.choice(towns),
                "industry": rng.choice(_INDUSTRIES),
                "has_party_org": rng.random() < 0.6,
                "instructor_id_number": staff[assignment[i]]["id_number"],
                **{k: v[i] for k, v in metrics.items()},
            }
        )
    return staff


def _spread_total(rng: random.Random, parts: int, total: int) -> list[int]:
    shares = [0] * parts
    for _ in range(total):
        shares[rng.randrange(parts)] += 1
    return shares


def _village_row(u: orgunits.OrgUnit, rating: str, **values: Any) -> dict[str, Any]:
    return {
        "org_unit_code": u.code,
        "org_unit_name": u.name,
        "unit_type": u.kind,
        "township_code": u.parent,
        "party_org_rating": rating,
        "is_rectified": True if rating == "后进" else None,
        **values,
    }


def _villages_sheet(
    c: County,
    units: list[orgunits.OrgUnit],
    lagging: int,
    strong: int,
    grids: int,
    party_groups: int,
    members_in_grids: int | None = None,
) -> None:
    rng = c.rng
    level = [u for u in units if u.kind != UNIT_BRANCH]
    villages = [i for i, u in enumerate(level) if u.kind == UNIT_VILLAGE]
    lag = set(rng.sample(range(len(level)), lagging))
    strong_set = set(rng.sample(villages, strong))
    grid = _spread_total(rng, len(level), grids - len(level))
    groups = _spread_total(rng, len(level), party_groups - len(level))
    members = _spread_total(rng, len(level), (members_in_grids or len(level) * 18) - len(level))
    for i, u in enumerate(level):
        values: dict[str, Any] = {
            "grid_count": grid[i] + 1,
            "party_group_count": groups[i] + 1,
            "party_members_in_grids": members[i] + 1,
            "household_heads": rng.randint(8, 40),
            "villager_groups": rng.randint(4, 12) if u.kind == UNIT_VILLAGE else None,
        }
        if u.kind == UNIT_VILLAGE:
            if i in strong_set:
                operating = round(rng.uniform(STRONG_OPERATING_INCOME, 130), 2)
            else:
                operating = round(rng.uniform(2, STRONG_OPERATING_INCOME - 0.01), 2)
            values["collective_operating_income"] = operating
            values["collective_net_income"] = round(operating * rng.uniform(0.2, 0.44), 2)
            values["collective_accumulation"] = round(rng.uniform(5, 120), 2)
        rating = "后进" if i in lag else rng.choice(("先进", "一般", "一般"))
        c.villages.append(_village_row(u, rating, **values))
    for u in units:
        if u.kind == UNIT_BRANCH:
            c.villages.append(
                _village_row(u, rng.choice(("先进", "一般")), household_heads=rng.randint(3, 12))
            )


def _coverage_training(c: County, people: list[dict], level: str = "乡镇级") -> None:
    """Every committee member and reserve cadre attends at least one business training."""
    c.rng.shuffle(people)
    c.in_classes(
        people,
        120,
        "村（社区）两委干部及后备力量业务培训",
        "业务培训",
        level,
        dt.date(c.end.year, 3, 1),
        3,
        24,
    )


def _generic(c: County, enterprises: bool = True) -> None:
    rng = c.rng
    all_units = orgunits.units(c.code)
    if c.rows_scale < 1:  # scale tests: only some townships' units, so every sheet stays consistent
        towns = orgunits.townships(c.code)
        kept = sorted(rng.sample(range(len(towns)), max(1, round(len(towns) * c.rows_scale))))
        all_units = [u for i in kept for u in towns[i].units]
    level = [u for u in all_units if u.kind in (UNIT_VILLAGE, UNIT_COMMUNITY)]
    villages = [u for u in level if u.kind == UNIT_VILLAGE]
    communities = [u for u in level if u.kind == UNIT_COMMUNITY]
    committees, reserves = _village_committees(c, level, lambda: rng.randint(2, 4))
    _work_teams(c, villages, len(villages) * 3 // 5)
    for u in rng.sample(villages, min(len(villages), rng.randint(8, 20))):
        c.spell(
            c.person((25, 40), education="大学本科"),
            u.code,
            "乡村振兴专干",
            _day(rng, dt.date(c.end.year - 1, 1, 1), dt.date(c.end.year, 6, 30)),
            "新任",
        )
    _community_workers(c, communities)
    if enterprises:
        n_ent = rng.randint(80, 220)
        if c.rows_scale < 1:
            n_ent = max(2, round(n_ent * c.rows_scale))
            _instructors_and_enterprises(
                c, max(1, n_ent // 2), n_ent, round(rng.randint(15, 50) * c.rows_scale)
            )
        else:
            _instructors_and_enterprises(c, max(20, n_ent // 2), n_ent, rng.randint(15, 50))
    _villages_sheet(
        c,
        all_units,
        lagging=round(len(level) * rng.uniform(0.05, 0.1)),
        strong=round(len(villages) * rng.uniform(0.2, 0.4)),
        grids=len(level) * rng.randint(2, 4),
        party_groups=len(level) * rng.randint(2, 3),
    )
    _coverage_training(c, [p for rows in committees.values() for p in rows] + reserves)


# --- the counties the article reports on ---------------------------------------------------


def _sinan(c: County) -> None:
    """思南县: the article's figures for 2025 (see docs/seed_figures.md)."""
    rng, year = c.rng, c.end.year
    all_units = orgunits.units(c.code)
    level = [u for u in all_units if u.kind in (UNIT_VILLAGE, UNIT_COMMUNITY)]  # 530
    villages = [u for u in level if u.kind == UNIT_VILLAGE]  # 518
    branches = [u for u in all_units if u.kind == UNIT_BRANCH]  # 58
    reserve_counts = _spread_total(rng, len(level), 1759 - len(level))
    it = iter(reserve_counts)
    committees, reserves = _village_committees(c, level, lambda: next(it) + 1)  # 1,759 with mentors
    # 38 secretaries adjusted this year: the old secretary's spell ends, a new one starts.
    for code in rng.sample(sorted(committees), 38):
        old = committees[code][0]
        change = _day(rng, dt.date(year, 3, 1), dt.date(year, 9, 30))
        old.update(end_date=change - dt.timedelta(days=1), change_type="离任")
        new = c.spell(
            c.person((30, 50), party=True),
            code,
            "村（社区）党组织书记",
            change,
            "调整",
            rank_class="三类",
            source_category=rng.choice(("返乡大学生", "退役军人", "致富带头人")),
        )
        committees[code].append(new)
    # 36 reserve cadres adjusted dynamically this year.
    for r in rng.sample(reserves, 36):
        r.update(change_type="调整", start_date=_day(rng, dt.date(year, 1, 1), dt.date(year, 10, 31)))
    for u in rng.sample(villages, 15):  # 15 rural-revitalisation specialists (市级“百千万”计划)
        c.spell(
            c.person((24, 35), education="大学本科"),
            u.code,
            "乡村振兴专干",
            _day(rng, dt.date(year, 2, 1), dt.date(year, 4, 30)),
            "新任",
            source_category="机关选派",
        )
    team = _work_teams(c, villages, 301)  # 301 village work teams
    # Training: 44 in degree upgrading; 4 reserve-secretary classes, one per source group;
    # 1,265 shadowing at the front line; 2 classes for newly sent work-team members;
    # every committee member and reserve cadre trained at least once.
    cadres_and_reserves = [p for rows in committees.values() for p in rows] + reserves
    for p in rng.sample(cadres_and_reserves, 44):
        c.training_class(
            "村干部学历能力“双提升”学历教育", "学历提升", "县级", dt.date(year, 3, 1), 300, 240, [p]
        )
        p["is_degree_upgrading"] = True
    for group in ("退役军人", "返乡大学生", "致富带头人", "其他"):
        members = [r for r in reserves if r.get("source_category") == group][:60]
        c.training_class(
            f"村党组织书记后备力量培训班（{group}）",
            "后备书记培训班",
            "县级",
            _day(rng, dt.date(year, 4, 1), dt.date(year, 10, 31)),
            5,
            40,
            members,
        )
    c.in_classes(
        rng.sample(cadres_and_reserves, 1265),
        50,
        "骨干一线跟岗锻炼",
        "跟岗锻炼",
        "县级",
        dt.date(year, 5, 1),
        30,
        160,
    )
    new_team = [m for m in team if m["change_type"] == "新任"]
    half = len(new_team) // 2
    for n, people in enumerate((new_team[:half], new_team[half:]), start=1):
        c.training_class(
            f"新选派驻村干部集中培训（第{n}期）",
            "驻村干部培训",
            "县级",
            dt.date(year, 4, 10 + 10 * n),
            3,
            24,
            people,
        )
    _coverage_training(c, cadres_and_reserves)
    _instructors_and_enterprises(c, 40, 90, 20)
    # Villages: 53 lagging (all rectified), 173 strong villages, 1,665 grids, 1,580 party groups,
    # 11,000-odd party members in grids; the 58 residential branches carry the volunteer work.
    _villages_sheet(
        c, all_units, lagging=53, strong=173, grids=1665, party_groups=1580, members_in_grids=11046
    )
    rows = {r["org_unit_code"]: r for r in c.villages}
    level_rows = [rows[u.code] for u in level]
    for key, total in (("signboards_cleared", 586), ("talents_recruited", 283)):
        for r, v in zip(level_rows, _spread_total(rng, len(level_rows), total), strict=True):
            r[key] = v
    for r, v in zip(rng.sample(level_rows, 40), _spread_total(rng, 40, 8240 - 40 * 100), strict=True):
        r["party_fee_venue_funds"] = round((v + 100) / 100, 2)  # 82.40 万元 in all
    projects = rng.sample([rows[u.code] for u in villages], 18)  # 18 projects, 1,120 万元
    for r, funds in zip(projects, _spread_total(rng, 18, 1120 - 18 * 30), strict=True):
        r.update(support_projects=1, support_funds=float(funds + 30))
    branch_rows = [rows[u.code] for u in branches]
    for key, total in (("volunteer_teams", 32), ("volunteer_services", 612), ("livelihood_items", 58)):
        for r, v in zip(branch_rows, _spread_total(rng, len(branch_rows), total), strict=True):
            r[key] = v


def _wanshan(c: County) -> None:
    """万山区: 107 instructors covering 183 "三有" enterprises and 46 social organisations."""
    _generic(c, enterprises=False)
    staff = _instructors_and_enterprises(
        c,
        107,
        183,
        46,
        totals={
            "guidance_visits": 1200,
            "problems_solved": 320,
            "members_reporting": 104,
            "volunteer_person_times": 1126,
        },
    )
    for n in range(1, 9):  # 8 on-site teaching points for the instructors
        people = c.rng.sample(staff, 30)
        c.training_class(
            f"党建指导员现场教学点（{n}）", "现场教学", "县级", dt.date(c.end.year, 3 + n, 10), 1, 6, people
        )


def _dejiang(c: County) -> None:
    """德江县: 平原镇台头村's collective economy as the article gives it."""
    _generic(c)
    village = orgunits.township_by_name(c.code, "平原镇").units[0]
    row = next(r for r in c.villages if r["org_unit_code"] == village.code)
    row.update(
        collective_accumulation=34.8,
        collective_investment=36.8,
        collective_dividends=7.5,
        subsidies_applied=9.47,
    )


def _yanhe(c: County) -> None:
    """沿河县: 新景镇's 9 villages with 76 villager groups."""
    _generic(c)
    town = orgunits.township_by_name(c.code, "新景镇")
    codes_ = {u.code for u in town.units}
    rows = [r for r in c.villages if r["org_unit_code"] in codes_]
    for r, v in zip(rows, _spread_total(c.rng, len(rows), 76 - 5 * len(rows)), strict=True):
        r["villager_groups"] = v + 5


def _songtao(c: County) -> None:
    """松桃县: 蓼皋街道's community workers since the 2022 conversion (see docs/seed_figures.md)."""
    _generic(c)
    rng = c.rng
    street = orgunits.township_by_name(c.code, "蓼皋街道")
    communities = [u for u in street.units if u.kind == UNIT_COMMUNITY]
    codes_ = {u.code for u in communities}
    c.cadres[:] = [r for r in c.cadres if not (r["role"] == "社区工作者" and r["org_unit_code"] in codes_)]

    def worker(p: Person, start: dt.date, change: str, source: str, post: int, **extra) -> dict:
        return c.spell(
            p,
            rng.choice(communities).code,
            "社区工作者",
            start,
            change,
            source_category=source,
            job_post=post,
            job_grade=rng.randint(1, 12),
            **extra,
        )

    # 2022: the committees' full-time members converted: posts 1–4 for 11, 21, 17 and 52 people.
    converted = [
        worker(c.person((30, 52)), dt.date(2022, 7, 1), "调整", "其他", post)
        for post, n in ((1, 11), (2, 21), (3, 17), (4, 52))
        for _ in range(n)
    ]
    # 2021: 31 "一村一大" graduates into the reserve pool; 6 of them hired as workers in 2024.
    pool = [
        c.spell(
            c.person((24, 30)),
            rng.choice(communities).code,
            "后备力量",
            dt.date(2021, 9, 1),
            "新任",
            source_category="一村一大",
        )
        for _ in range(31)
    ]
    hired = []
    for r in rng.sample(pool, 6):
        r.update(end_date=dt.date(2024, 6, 30), change_type="离任")
        p = Person.of(r)
        hired.append(worker(p, dt.date(2024, 7, 1), "新任", "一村一大", 4))
    # Since 2023: 191 recruited openly, average age 28 at the period end.
    ages = _spread_total(rng, 191, 28 * 191 - 22 * 191)
    recruits = [
        worker(
            c.person(exact_age=22 + a, education=rng.choice(("大学本科", "大学专科"))),
            _day(rng, dt.date(2023, 1, 1), dt.date(c.end.year, 6, 30)),
            "新任",
            "公开招聘",
            4,
        )
        for a in ages
    ]
    # 36 left (their spell ends); 34 had their post adjusted since 2023 (old spell ends, new starts).
    for r in rng.sample(converted[11:], 36):
        r.update(end_date=_day(rng, dt.date(2023, 1, 1), dt.date(c.end.year, 6, 30)), change_type="离任")
    current = [r for r in converted + hired + recruits if "end_date" not in r]
    for r in rng.sample(current, 34):
        when = _day(rng, dt.date(2023, 3, 1), dt.date(c.end.year, 9, 30))
        if when <= r["start_date"]:
            when = r["start_date"] + dt.timedelta(days=30)
        r.update(end_date=when - dt.timedelta(days=1))
        new = worker(Person.of(r), when, "调整", r["source_category"], max(1, r["job_post"] - 1))
        current[current.index(r)] = new
    assert len(current) == 262
    # One became a community committee member (their worker spell ends).
    promoted = rng.choice([r for r in current if r["source_category"] == "公开招聘"])
    promoted["end_date"] = dt.date(c.end.year, 3, 31)
    c.spell(
        dataclasses.replace(Person.of(promoted), political_status="中共党员"),
        promoted["org_unit_code"],
        "两委委员",
        dt.date(c.end.year, 4, 1),
        "新任",
    )
    # Appraisal, honours, promotion, degrees, certificates, "2+1" mentoring (since 2023).
    for r in rng.sample(current, 76):
        r["honours"] = "先进个人"
    for r in rng.sample(current, 32):
        r.update(appraisal="优秀", is_early_promotion=True)
    for r in rng.sample(current, 20):
        r["is_degree_upgrading"] = True
    for r in rng.sample(current, 46):
        r["certificates"] = "助理社会工作师"
    for label, n in (
        ("两代表一委员", 15),
        ("全市优秀党务工作者", 1),
        ("全县优秀党务工作者", 2),
        ("全县优秀共产党员", 1),
    ):
        for r in rng.sample(current, n):
            r["honours"] = "；".join(filter(None, (r.get("honours"), label)))
    secretaries = [
        r for r in c.cadres if r["role"] == "村（社区）党组织书记" and r["org_unit_code"] in codes_
    ]
    rng.choice(secretaries)["honours"] = "享受街道副科级干部经济待遇"
    mentors = [
        r
        for r in c.cadres
        if r["org_unit_code"] in codes_ and r["role"] in ("村（社区）党组织书记", "两委委员")
    ]
    for r in rng.sample([r for r in recruits if r in current], 159):
        m1, m2 = rng.sample(mentors, 2)
        r.update(mentor1_id_number=m1["id_number"], mentor2_id_number=m2["id_number"])
    # Training since 2023: 6 street-level business classes for all 262; 55 at county level;
    # the 191 recruits rotated through posts for two months.
    people = list(current)
    rng.shuffle(people)
    for n, chunk in enumerate((people[i::6] for i in range(6)), start=1):
        c.training_class(
            f"蓼皋街道社区工作者业务培训（第{n}期）",
            "业务培训",
            "乡镇级",
            dt.date(2023 + (n - 1) // 2, 3 + 4 * ((n - 1) % 2), 15),
            2,
            16,
            chunk,
        )
    c.in_classes(
        rng.sample(people, 55), 30, "县局级社区工作者示范培训", "专题培训", "县级", dt.date(2024, 5, 1), 3, 24
    )
    c.in_classes(recruits, 40, "新招录社区工作者轮岗锻炼", "轮岗锻炼", "乡镇级", dt.date(2023, 6, 1), 60, 320)


_CALIBRATED: dict[str, Callable[[County], None]] = {
    SINAN: _sinan,
    WANSHAN: _wanshan,
    DEJIANG: _dejiang,
    YANHE: _yanhe,
    SONGTAO: _songtao,
}


def _as_of(rows: list[dict], end: dt.date) -> Iterator[dict]:
    """Rows as a submission for a period ending ``end`` would list them: nothing later."""
    for r in rows:
        if r["start_date"] <= end:
            if r.get("end_date") and r["end_date"] > end:
                r = {**r, "end_date": None, "change_type": "留任"}
            yield r


def county_rows(
    county: str, period: str, seed: int = 2025, rows_scale: float = 1.0
) -> dict[str, list[dict[str, Any]]]:
    """All four sheets' rows for one county and period (deterministic for the seed).

    ``rows_scale`` < 1 (scale tests only) makes a generic county report for about that share
    of its townships; the counties calibrated to the article are left whole.
    """
    period = contract.parse_period(period)
    c = County(county, period, random.Random(f"{seed}/{county}/{period}"), period_end(period))
    c.rows_scale = 1.0 if county in _CALIBRATED else rows_scale
    _CALIBRATED.get(county, _generic)(c)
    return {
        "cadres": list(_as_of(c.cadres, c.end)),
        "training": list(_as_of(c.training, c.end)),
        "villages": c.villages,
        "enterprises": c.enterprises,
    }


def write_workbook(path: Path, county: str, period: str, rows_by_sheet: dict[str, list[dict]]) -> Path:
    """Write a submission workbook through the official template."""
    return template.write(path, county, period, rows_by_sheet)


DEFECTS_MANIFEST = "defects.csv"


def _write_one(args: tuple[str, str, Path, int, float, float]) -> tuple[Path, list]:
    county, period, target, seed, defects_rate, rows_scale = args
    rows = county_rows(county, period, seed, rows_scale)
    if not defects_rate:
        return write_workbook(target, county, period, rows), []
    from ingest import defects

    wb = template.build(county, period, rows)
    found = defects.inject(
        wb, target.name, county, rows, defects_rate, random.Random(f"{seed}/defects/{county}")
    )
    return template.save(wb, target), found


def generate(
    period: str,
    out: Path,
    seed: int = 2025,
    counties: list[str] | None = None,
    scale: str = "city",
    defects: float = 0.0,
    overwrite: bool = True,
    progress: Callable[[], None] | None = None,
    workers: int | None = None,
    rows_scale: float = 1.0,
) -> list[Path]:
    """Write one workbook per county into ``out``; returns the paths written.

    With ``overwrite=False`` a county whose file is already there is left alone (its bytes,
    and so its sha256, stay the same: the warehouse sees nothing new). With ``defects`` > 0
    some workbooks get real-world mess, listed in ``out/defects.csv`` (see ingest.defects).
    Counties are written in parallel processes (``workers``, default: one per CPU).
    ``rows_scale`` < 1 gives the generic counties fewer rows (scale tests; see county_rows).
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    period = contract.parse_period(period)
    jobs = []
    for county in counties or list(orgunits.counties(scale)):
        target = out / contract.file_name(county, period, orgunits.county_name(county))
        if overwrite or not target.exists():
            jobs.append((county, period, target, seed, defects, rows_scale))
        elif progress:
            progress()
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    written: list[Path] = []
    found: list = []
    with ProcessPoolExecutor(workers) if workers > 1 else _Serial() as pool:
        for path, defects_found in pool.map(_write_one, jobs):
            written.append(path)
            found += defects_found
            if progress:
                progress()
    if defects:
        from ingest.defects import write_manifest

        write_manifest(out / DEFECTS_MANIFEST, found)
    return written


class _Serial:
    """Stands in for a process pool when one process is enough."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def map(fn: Callable, items: Iterable) -> Iterator:
        """One at a time, like the pool's map. Not the builtin map: a StopIteration raised
        inside ``fn`` would end it quietly, with counties missing; here it is an error."""
        for item in items:
            yield fn(item)
