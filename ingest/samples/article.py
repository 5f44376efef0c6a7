"""The counties the article reports on: rows that add up to its figures exactly
(docs/seed_figures.md), on top of the generic county where it says nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable

from ingest.contract import orgunits
from ingest.contract.orgunits import UNIT_BRANCH, UNIT_COMMUNITY, UNIT_VILLAGE
from ingest.samples.county import County, Person, random_day
from ingest.samples.generic import (
    coverage_training,
    earlier_training,
    generic,
    instructors_and_enterprises,
    spread_total,
    townships_sheet,
    village_committees,
    village_projects_sheet,
    villages_sheet,
    work_teams,
)
from ingest.samples.history import EARLIER

SINAN, WANSHAN, DEJIANG, YANHE, SONGTAO = "520624", "520603", "520626", "520627", "520628"


def _sinan(c: County) -> None:
    """思南县: the article's figures for 2025 (see docs/seed_figures.md)."""
    rng, year = c.rng, c.end.year
    all_units = orgunits.units(c.code)
    level = [u for u in all_units if u.kind in (UNIT_VILLAGE, UNIT_COMMUNITY)]  # 530
    villages = [u for u in level if u.kind == UNIT_VILLAGE]  # 518
    branches = [u for u in all_units if u.kind == UNIT_BRANCH]  # 58
    reserve_counts = spread_total(rng, len(level), 1759 - len(level))
    it = iter(reserve_counts)
    committees, reserves = village_committees(c, level, lambda: next(it) + 1)  # 1,759 with mentors
    # 38 secretaries adjusted this year: the old secretary's spell ends, a new one starts.
    for code in rng.sample(sorted(committees), 38):
        old = committees[code][0]
        change = random_day(rng, dt.date(year, 3, 1), dt.date(year, 9, 30))
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
        r.update(change_type="调整", start_date=random_day(rng, dt.date(year, 1, 1), dt.date(year, 10, 31)))
    for u in rng.sample(villages, 15):  # 15 rural-revitalisation specialists (市级“百千万”计划)
        c.spell(
            c.person((24, 35), education="大学本科"),
            u.code,
            "乡村振兴专干",
            random_day(rng, dt.date(year, 2, 1), dt.date(year, 4, 30)),
            "新任",
            source_category="机关选派",
        )
    team = work_teams(c, villages, 301)  # 301 village work teams
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
            random_day(rng, dt.date(year, 4, 1), dt.date(year, 10, 31)),
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
    coverage_training(c, cadres_and_reserves)
    earlier_training(c, [p for rows in committees.values() for p in rows])
    instructors_and_enterprises(c, 40, 90, 20)
    # Villages: 53 lagging (all rectified), 173 strong villages, 1,665 grids, 1,580 party groups,
    # 11,000-odd party members in grids; the 58 residential branches carry the volunteer work.
    villages_sheet(
        c, all_units, lagging=53, strong=173, grids=1665, party_groups=1580, members_in_grids=11046
    )
    rows = {r["org_unit_code"]: r for r in c.villages}
    level_rows = [rows[u.code] for u in level]
    for key, total in (("signboards_cleared", 586), ("talents_recruited", 283)):
        for r, v in zip(level_rows, spread_total(rng, len(level_rows), total), strict=True):
            r[key] = v
    for r, v in zip(rng.sample(level_rows, 40), spread_total(rng, 40, 8240 - 40 * 100), strict=True):
        r["party_fee_venue_funds"] = round((v + 100) / 100, 2)  # 82.40 万元 in all
    projects = rng.sample([rows[u.code] for u in villages], 18)  # 18 projects, 1,120 万元
    for r, funds in zip(projects, spread_total(rng, 18, 1120 - 18 * 30), strict=True):
        r.update(support_projects=1, support_funds=float(funds + 30))
    branch_rows = [rows[u.code] for u in branches]
    for key, total in (("volunteer_teams", 32), ("volunteer_services", 612), ("livelihood_items", 58)):
        for r, v in zip(branch_rows, spread_total(rng, len(branch_rows), total), strict=True):
            r[key] = v
    townships_sheet(c, lagging=3)  # 3 lagging township party committees, all rectified


def _wanshan(c: County) -> None:
    """万山区: 107 instructors covering 183 "三有" enterprises and 46 social organisations."""
    generic(c, enterprises=False)
    staff = instructors_and_enterprises(
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
    """德江县: 平原镇台头村's collective economy as the article gives it: its totals, the tea
    garden it runs and its two investments as project rows, and its work for the villagers."""
    generic(c)
    townships_sheet(c)
    village_projects_sheet(c)
    village = orgunits.township_by_name(c.code, "平原镇").units[0]
    row = next(r for r in c.villages if r["org_unit_code"] == village.code)
    row.update(
        collective_accumulation=34.8,
        collective_investment=36.8,
        collective_dividends=7.5,
        subsidies_applied=9.47,
        villager_trainings=4,  # 技术培训4次120余人
        villager_trainees=123,
        local_experts=6,  # 培育“土专家、田秀才”6人
        practical_sessions=12,  # 实用技术讲解12场次, 现场观摩学习3次, 惠及群众200余人次
        observation_visits=3,
        practical_attendees=206,
        local_employment=512,  # 500余人次就近务工, 工资80余万元
        local_wages=82.6,
    )
    year = c.end.year
    c.village_projects[:] = [p for p in c.village_projects if p["org_unit_code"] != village.code] + [
        {
            "org_unit_code": village.code,
            "project_name": "村集体自主经营茶园",
            "project_type": "自营土地",
            "land_use": "茶园",
            "area_mu": 63,
            "started_on": dt.date(year - 3, 3, 1),
        },
        {
            "org_unit_code": village.code,
            "project_name": "入股强村富民公司",
            "project_type": "对外投资",
            "amount": 5,
            "started_on": dt.date(year - 2, 6, 1),
        },
        {
            "org_unit_code": village.code,
            "project_name": "入股县天德公司、森德公司",
            "project_type": "对外投资",
            "amount": 31.8,
            "started_on": dt.date(year - 1, 4, 1),
        },
    ]


def _yanhe(c: County) -> None:
    """沿河县: 新景镇's 9 villages with 76 villager groups."""
    generic(c)
    town = orgunits.township_by_name(c.code, "新景镇")
    codes_ = {u.code for u in town.units}
    rows = [r for r in c.villages if r["org_unit_code"] in codes_]
    for r, v in zip(rows, spread_total(c.rng, len(rows), 76 - 5 * len(rows)), strict=True):
        r["villager_groups"] = v + 5


def _songtao(c: County) -> None:
    """松桃县: 蓼皋街道's community workers since the 2022 conversion (see docs/seed_figures.md)."""
    generic(c)
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
    ages = spread_total(rng, 191, 28 * 191 - 22 * 191)
    recruits = [
        worker(
            c.person(exact_age=22 + a, education=rng.choice(("大学本科", "大学专科"))),
            random_day(rng, dt.date(2023, 1, 1), dt.date(c.end.year, 6, 30)),
            "新任",
            "公开招聘",
            4,
        )
        for a in ages
    ]
    # 36 left (their spell ends); 34 had their post adjusted since 2023 (old spell ends, new starts).
    for r in rng.sample(converted[11:], 36):
        r.update(
            end_date=random_day(rng, dt.date(2023, 1, 1), dt.date(c.end.year, 6, 30)), change_type="离任"
        )
    current = [r for r in converted + hired + recruits if "end_date" not in r]
    for r in rng.sample(current, 34):
        when = random_day(rng, dt.date(2023, 3, 1), dt.date(c.end.year, 9, 30))
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
    # Appraisal, honours, promotion, degrees, certificates, "2+1" mentoring (since 2023). Their
    # dates and years come from a generator of their own, so every other draw stays as it was.
    dates, since = random.Random(f"{c.code}/{c.period}/dates"), dt.date(2023, 1, 1)

    def dated(label: str) -> str:  # an honour or certificate with its year, as the template asks
        return f"{label}（{dates.randint(since.year, c.end.year)}）"

    for r in rng.sample(current, 76):
        r["honours"] = dated("先进个人")
    for r in rng.sample(current, 32):  # "2023年以来，32名考核优秀人员提前晋升档次"
        when = random_day(dates, max(since, r["start_date"]), c.end)
        r.update(appraisal="优秀", is_early_promotion=True, promotion_date=when)
    for r in rng.sample(current, 20):  # "鼓励20人完成学历提升": completed, so dated
        when = random_day(dates, max(since, r["start_date"]), c.end)
        r.update(is_degree_upgrading=True, degree_completed_date=when)
    for r in rng.sample(current, 46):
        r["certificates"] = dated("助理社会工作师")
    for label, n in (
        ("两代表一委员", 15),
        ("全市优秀党务工作者", 1),
        ("全县优秀党务工作者", 2),
        ("全县优秀共产党员", 1),
    ):
        for r in rng.sample(current, n):
            r["honours"] = "；".join(filter(None, (r.get("honours"), dated(label))))
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
    # Training since 2023: 6 street-level business classes for all 262, each person in one held
    # after they joined (so on that year's roster); 55 at county level in 2024; the 191 recruits
    # rotated through posts for two months in the second half of the year they joined, or of
    # the next if they joined after June.
    joined = {}
    for r in c.cadres:
        joined[r["id_number"]] = min(joined.get(r["id_number"], r["start_date"]), r["start_date"])
    dates_ = [dt.date(2023 + k // 2, 3 + 4 * (k % 2), 15) for k in range(6)]
    classes: list[list[dict]] = [[] for _ in dates_]
    for r in current:
        classes[rng.choice([k for k, d in enumerate(dates_) if d >= joined[r["id_number"]]])].append(r)
    for n, (day, chunk) in enumerate(zip(dates_, classes, strict=True), start=1):
        c.training_class(f"蓼皋街道社区工作者业务培训（第{n}期）", "业务培训", "乡镇级", day, 2, 16, chunk)
    county_day = dt.date(2024, 5, 1)
    c.in_classes(
        rng.sample([r for r in current if joined[r["id_number"]] < county_day], 55),
        30,
        "县局级社区工作者示范培训",
        "专题培训",
        "县级",
        county_day,
        3,
        24,
    )
    for year in range(2023, c.end.year + 1):
        c.in_classes(
            [r for r in recruits if (r["start_date"] + dt.timedelta(days=184)).year == year],
            40,
            f"{year}年新招录社区工作者轮岗锻炼",
            "轮岗锻炼",
            "乡镇级",
            dt.date(year, 7, 1),
            60,
            320,
        )
    # The street's own work: 12 supervision groups, 2 rounds, 43 problems solved, 36 suggestions
    # in 2025; 262 one-to-one talks and 20-odd grievances resolved since 2023, year by year;
    # 19 backbone party members developed.
    talks = [rng.randint(70, 95), rng.randint(70, 95)]
    grievances = [rng.randint(5, 9), rng.randint(5, 9)]
    townships_sheet(c)[street.unit.code].update(
        supervision_groups=12,
        supervision_rounds=2,
        problems_solved=43,
        suggestions_made=36,
        talks_held=262 - sum(talks),
        grievances_resolved=23 - sum(grievances),
        backbone_members_developed=19,
        **{
            EARLIER: {
                str(year): {"talks_held": t, "grievances_resolved": g}
                for year, t, g in zip((2023, 2024), talks, grievances, strict=True)
            }
        },
    )


CALIBRATED: dict[str, Callable[[County], None]] = {
    SINAN: _sinan,
    WANSHAN: _wanshan,
    DEJIANG: _dejiang,
    YANHE: _yanhe,
    SONGTAO: _songtao,
}
