"""The generic county: plausible rows at the scale of Tongren's counties, from the registry."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from ingest.contract import STRONG_OPERATING_INCOME, codes, orgunits
from ingest.contract.orgunits import UNIT_BRANCH, UNIT_COMMUNITY, UNIT_VILLAGE
from ingest.contract.village_projects import LAND_USES
from ingest.samples.county import EDUCATION, GIVEN, INDUSTRIES, County, birthday, random_day

# --- the generic county --------------------------------------------------------------------


def village_committees(c: County, units: list[orgunits.OrgUnit], reserves_per_unit: Callable[[], int]):
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
            p = c.person((22, 40), education=rng.choice(EDUCATION[:5]))
            mentors = [secretary, rng.choice(members)]
            reserves.append(
                c.spell(
                    p,
                    u.code,
                    "后备力量",
                    random_day(rng, dt.date(year - 2, 1, 1), dt.date(year - 1, 12, 31)),
                    source_category=rng.choice(("退役军人", "返乡大学生", "致富带头人", "其他")),
                    mentor1_id_number=mentors[0]["id_number"],
                    mentor2_id_number=mentors[1]["id_number"],
                )
            )
    return committees, reserves


def work_teams(c: County, villages: list[orgunits.OrgUnit], teams: int) -> list[dict]:
    rng, year = c.rng, c.end.year
    chosen = sorted(rng.sample(villages, teams), key=lambda u: u.code)
    members = []
    for n, u in enumerate(chosen, start=1):
        team = f"{c.code}-ZC{n:03d}"
        start = random_day(rng, dt.date(year, 3, 1), dt.date(year, 4, 30))
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
            hired = random_day(rng, dt.date(2019, 1, 1), dt.date(c.end.year - 1, 12, 31))
            rows.append(
                c.spell(
                    p,
                    u.code,
                    "社区工作者",
                    max(hired, birthday(p.birth_date, 18)),
                    source_category="公开招聘",
                    job_post=post,
                    job_grade=rng.randint(1, 20),
                    appraisal=rng.choice(("优秀", "称职", "称职")),
                )
            )
    return rows


def instructors_and_enterprises(
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
            # before the sample's first period, so every period's roster has them
            random_day(rng, dt.date(c.end.year - 3, 1, 1), dt.date(c.end.year - 3, 12, 31)),
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
        k: spread_total(rng, len(kinds), totals[k]) if totals else [rng.randint(a, b) for _ in kinds]
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
                "name": f"{orgunits.county_name(c.code)[:2]}{''.join(rng.sample(GIVEN, 2))}{suffix}",
                "org_type": kind,
                "township_code": rng.choice(towns),
                "industry": rng.choice(INDUSTRIES),
                "has_party_org": rng.random() < 0.6,
                "instructor_id_number": staff[assignment[i]]["id_number"],
                **{k: v[i] for k, v in metrics.items()},
            }
        )
    return staff


def spread_total(rng: random.Random, parts: int, total: int) -> list[int]:
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


def villages_sheet(
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
    grid = spread_total(rng, len(level), grids - len(level))
    groups = spread_total(rng, len(level), party_groups - len(level))
    members = spread_total(rng, len(level), (members_in_grids or len(level) * 18) - len(level))
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


def townships_sheet(c: County, lagging: int | None = None) -> dict[str, dict[str, Any]]:
    """One row for each township or street that the villages sheet reports under, drawn after
    everything else (the other sheets stay as they were without it); ``lagging`` committees
    rated 后进 (default: about one in twenty), all rectified. Returns the rows by code."""
    rng = c.rng
    names = {t.unit.code: t.unit.name for t in orgunits.townships(c.code, c.period)}
    codes = sorted({r["township_code"] for r in c.villages} & names.keys())
    lag = set(rng.sample(codes, lagging if lagging is not None else round(len(codes) * rng.uniform(0, 0.1))))
    for code in codes:
        groups = rng.randint(2, 12)
        problems = rng.randint(groups, groups * 5)
        c.townships.append(
            {
                "township_code": code,
                "township_name": names[code],
                "party_org_rating": "后进" if code in lag else rng.choice(("先进", "一般", "一般")),
                "is_rectified": True if code in lag else None,
                "supervision_groups": groups,
                "supervision_rounds": rng.randint(1, 4),
                "problems_solved": problems,
                "suggestions_made": rng.randint(problems // 2, problems),
                "talks_held": rng.randint(40, 320),
                "grievances_resolved": rng.randint(0, 30),
                "backbone_members_developed": rng.randint(0, 12),
            }
        )
    return {r["township_code"]: r for r in c.townships}


def village_projects_sheet(c: County) -> None:
    """Land some villages' collectives run (by use) and the investments some made, each a row of
    its own, with the village's total investment their sum; and, where a village runs land, its
    work for the villagers (trainings, local experts, local jobs). Drawn after everything else."""
    rng, end = c.rng, c.end
    for row in c.villages:
        if row["unit_type"] != UNIT_VILLAGE:
            continue
        code = row["org_unit_code"]
        if rng.random() < 0.25:
            use = rng.choice(LAND_USES[:5])
            c.village_projects.append(
                {
                    "org_unit_code": code,
                    "project_name": f"村集体自营{use}",
                    "project_type": "自营土地",
                    "land_use": use,
                    "area_mu": round(rng.uniform(10, 300), 1),
                    "started_on": random_day(rng, dt.date(end.year - 6, 1, 1), end),
                }
            )
            trainings = rng.randint(1, 6)
            row.update(
                villager_trainings=trainings,
                villager_trainees=trainings * rng.randint(15, 40),
                local_experts=rng.randint(0, 5),
                practical_sessions=rng.randint(0, 10),
                local_employment=rng.randint(50, 600),
                local_wages=round(rng.uniform(5, 90), 2),
            )
        if rng.random() < 0.15:
            amounts = [round(rng.uniform(2, 40), 1) for _ in range(rng.randint(1, 2))]
            for n, amount in enumerate(amounts, start=1):
                c.village_projects.append(
                    {
                        "org_unit_code": code,
                        "project_name": f"入股{rng.choice(INDUSTRIES)}企业（第{n}笔）",
                        "project_type": "对外投资",
                        "amount": amount,
                        "started_on": random_day(rng, dt.date(end.year - 5, 1, 1), end),
                    }
                )
            row["collective_investment"] = round(sum(amounts), 1)


def coverage_training(c: County, people: list[dict], level: str = "乡镇级") -> None:
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


def earlier_training(c: County, people: list[dict], years: int = 2) -> None:
    """A business training class in each of the ``years`` before the history's last, for the
    committee members in post by its start, so that every period reports training."""
    for year in range(c.end.year - years, c.end.year):
        day = dt.date(year, 3, 1)
        c.in_classes(
            [p for p in people if p["start_date"] <= day],
            120,
            f"{year}年村（社区）两委干部业务培训",
            "业务培训",
            "乡镇级",
            day,
            3,
            24,
        )


def generic(c: County, enterprises: bool = True) -> None:
    rng = c.rng
    all_units = orgunits.units(c.code)
    if c.rows_scale < 1:  # scale tests: only some townships' units, so every sheet stays consistent
        towns = orgunits.townships(c.code)
        kept = sorted(rng.sample(range(len(towns)), max(1, round(len(towns) * c.rows_scale))))
        all_units = [u for i in kept for u in towns[i].units]
    level = [u for u in all_units if u.kind in (UNIT_VILLAGE, UNIT_COMMUNITY)]
    villages = [u for u in level if u.kind == UNIT_VILLAGE]
    communities = [u for u in level if u.kind == UNIT_COMMUNITY]
    committees, reserves = village_committees(c, level, lambda: rng.randint(2, 4))
    work_teams(c, villages, len(villages) * 3 // 5)
    for u in rng.sample(villages, min(len(villages), rng.randint(8, 20))):
        c.spell(
            c.person((25, 40), education="大学本科"),
            u.code,
            "乡村振兴专干",
            random_day(rng, dt.date(c.end.year - 1, 1, 1), dt.date(c.end.year, 6, 30)),
            "新任",
        )
    _community_workers(c, communities)
    if enterprises:
        n_ent = rng.randint(80, 220)
        if c.rows_scale < 1:
            n_ent = max(2, round(n_ent * c.rows_scale))
            instructors_and_enterprises(
                c, max(1, n_ent // 2), n_ent, round(rng.randint(15, 50) * c.rows_scale)
            )
        else:
            instructors_and_enterprises(c, max(20, n_ent // 2), n_ent, rng.randint(15, 50))
    villages_sheet(
        c,
        all_units,
        lagging=round(len(level) * rng.uniform(0.05, 0.1)),
        strong=round(len(villages) * rng.uniform(0.2, 0.4)),
        grids=len(level) * rng.randint(2, 4),
        party_groups=len(level) * rng.randint(2, 3),
    )
    coverage_training(c, [p for rows in committees.values() for p in rows] + reserves)
    earlier_training(c, [p for rows in committees.values() for p in rows])
