"""The article's figures and how each is computed from row-level submissions.

The product grew from a newspaper article on party building in five places of Tongren
(思南县, 万山区, 沿河县新景镇, 德江县平原镇台头村, 松桃县蓼皋街道). Each countable figure is
listed here once, with the sentence it comes from, how it is computed from the rows of the
county's 2025 submission, and the computation itself. ``docs/seed_figures.md`` is rendered
from this list and the tests recompute every figure from generated rows. Each figure also
carries one query over the published ``marts`` tables that answers it (``Figure.sql``).

Approximate figures ("580余", "1.1万余") are met by any value from the figure up to, not
including, the next step of its last significant digit (580余 → 580–589; 1.1万余 → 11,000–11,999).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ingest.contract import orgunits

PERIOD = "2025"
PERIOD_END = dt.date(2025, 12, 31)
Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Figure:
    county: str
    place: str
    figure: str  # as the article prints it
    sentence: str  # the article's own words (abridged)
    how: str  # the computation in words
    compute: Callable[[Rows], Any]
    approximate: bool = False
    sql: str = ""  # one query over the published marts.* tables: one row, one column

    def __post_init__(self) -> None:
        object.__setattr__(self, "sql", textwrap.dedent(self.sql).strip())

    def expected(self) -> Decimal:
        digits = self.figure.replace(",", "").replace("%", "").replace("万元", "").replace("余", "")
        if digits.endswith("万"):
            return Decimal(digits[:-1]) * 10000
        return Decimal(digits)

    def holds(self, value: Any) -> bool:
        value = Decimal(str(value))
        expected = self.expected()
        if not self.approximate:
            return value == expected
        exponent = expected.normalize().as_tuple().exponent
        step = Decimal(1).scaleb(exponent)
        return expected <= value < expected + step


# --- small helpers over rows ---------------------------------------------------------------


def _in(rows: Rows, sheet: str, **where: Any) -> list[dict]:
    def ok(r: dict) -> bool:
        for key, want in where.items():
            have = r.get(key)
            if callable(want):
                if not want(have):
                    return False
            elif have != want:
                return False
        return True

    return [r for r in rows[sheet] if ok(r)]


def _people(rows: list[dict], key: str = "id_number") -> set[str]:
    return {r[key] for r in rows}


def _sum(rows: list[dict], key: str) -> Decimal:
    return sum((Decimal(str(r[key])) for r in rows if r.get(key) is not None), Decimal(0))


def _since(year: int) -> Callable[[dt.date | None], bool]:
    return lambda d: d is not None and d >= dt.date(year, 1, 1)


def _year(year: int) -> Callable[[dt.date | None], bool]:
    return lambda d: d is not None and d.year == year


def _current(r: dict) -> bool:
    return r["start_date"] <= PERIOD_END and (r.get("end_date") is None or r["end_date"] > PERIOD_END)


def _township(county: str, name: str) -> str:
    return orgunits.township_by_name(county, name).unit.code


def _unit(county: str, township: str, name: str) -> str:
    return next(u.code for u in orgunits.township_by_name(county, township).units if u.name == name)


def _taitou(rows: Rows, column: str) -> Decimal:
    """One figure of 德江县平原镇台头村's row in the villages sheet."""
    return _sum(_in(rows, "villages", org_unit_code=_unit(D, "平原镇", "台头村")), column)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


_COMMITTEE = ("村（社区）党组织书记", "村（居）委会主任", "两委委员")
S, W, D, Y, T = "520624", "520603", "520626", "520627", "520628"


def _sinan_coverage(rows: Rows) -> Decimal:
    people = _people([r for r in rows["cadres"] if _current(r) and r["role"] in (*_COMMITTEE, "后备力量")])
    trained = _people(rows["training"]) & people
    return (Decimal(100) * len(trained) / len(people)).quantize(Decimal("0.01"))


def _strong_share(rows: Rows) -> Decimal:
    villages = _in(rows, "villages", unit_type="行政村")
    strong = [
        r
        for r in villages
        if (r.get("collective_operating_income") or 0) >= 55 or (r.get("collective_net_income") or 0) >= 25
    ]
    # the article truncates: 173 / 518 = 33.397 % is printed as 33.39 %
    return (Decimal(100) * len(strong) / len(villages)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _liaogao(rows: Rows) -> set[str]:
    town = _township(T, "蓼皋街道")
    return {r["org_unit_code"] for r in rows["villages"] if r["township_code"] == town}


def _liaogao_workers(rows: Rows, **where: Any) -> list[dict]:
    units = _liaogao(rows)
    return [r for r in _in(rows, "cadres", role="社区工作者", **where) if r["org_unit_code"] in units]


def _liaogao_training(rows: Rows, **where: Any) -> list[dict]:
    workers = _people(_liaogao_workers(rows))
    return [r for r in _in(rows, "training", **where) if r["id_number"] in workers]


def _honoured(rows: Rows, *labels: str) -> int:
    units = _liaogao(rows)
    return len(
        _people(
            [
                r
                for r in rows["cadres"]
                if r["org_unit_code"] in units and any(label in (r.get("honours") or "") for label in labels)
            ]
        )
    )


#: 蓼皋街道's community workers in 2025, looked up through the registry: the start of the
#: queries of the figures about them.
_LIAOGAO_WORKERS = """
            with workers as (
              select r.person_key
              from marts.fct_cadre_roster as r
              join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
              where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
                and r.role = '社区工作者'
            )
"""


FIGURES: tuple[Figure, ...] = (
    # --- 思南县 -------------------------------------------------------------------------
    Figure(
        S,
        "思南县",
        "28",
        "对28个乡镇(街道)、530个村(社区)党组织逐一定级排查",
        "村情表中不同的乡镇（街道）代码个数",
        lambda r: len({x["township_code"] for x in r["villages"]}),
        sql="""
            select count(distinct v.township_code)
            from marts.fct_village_indicators as v
            where v.county_code = '520624' and v.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "530",
        "530个村(社区)党组织",
        "村情表中类型为行政村或社区的行数",
        lambda r: len(_in(r, "villages", unit_type=lambda t: t in ("行政村", "社区"))),
        sql="""
            select s.village_level_orgs
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "53",
        "确定……后进村(社区)党组织53个",
        "村、社区中党组织定级为“后进”的行数",
        lambda r: len(_in(r, "villages", party_org_rating="后进")),
        sql="""
            select s.lagging_orgs
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "0",
        "实现后进党组织全部销号",
        "定级为“后进”但“是否完成整顿”不为“是”的行数（应为 0）",
        lambda r: len(_in(r, "villages", party_org_rating="后进", is_rectified=lambda v: v is not True)),
        sql="""
            select s.lagging_orgs - s.rectified_lagging_orgs
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "580余",
        "2025年以来,清理规范村级牌子、规章制度580余块",
        "村情表“清理牌子制度数”之和",
        lambda r: _sum(r["villages"], "signboards_cleared"),
        True,
        sql="""
            select s.signboards_cleared
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "80余万元",
        "划拨80余万元党费用于村级阵地修缮改造",
        "村情表“党费阵地修缮资金（万元）”之和",
        lambda r: _sum(r["villages"], "party_fee_venue_funds"),
        True,
        sql="""
            select s.party_fee_venue_funds
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "38",
        "优化调整党组织书记38人",
        "干部名册中岗位为村（社区）党组织书记、变动类型为“调整”、任职开始于 2025 年的人数",
        lambda r: len(
            _people(_in(r, "cadres", role="村（社区）党组织书记", change_type="调整", start_date=_year(2025)))
        ),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            where r.county_code = '520624' and r.period = '2025'
              and r.role = '村（社区）党组织书记' and r.change_type = '调整'
              and extract(year from r.start_date) = 2025
        """,
    ),
    Figure(
        S,
        "思南县",
        "15",
        "安排15名乡村振兴专干到村工作",
        "干部名册中岗位为乡村振兴专干的人数",
        lambda r: len(_people(_in(r, "cadres", role="乡村振兴专干"))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            where r.county_code = '520624' and r.period = '2025'
              and r.role = '乡村振兴专干'
        """,
    ),
    Figure(
        S,
        "思南县",
        "44",
        "组织44名村干部及后备力量参加学历提升",
        "培训记录中类型为“学历提升”的不同学员数",
        lambda r: len(_people(_in(r, "training", training_type="学历提升"))),
        sql="""
            select count(distinct a.person_key)
            from marts.fct_training_attendance as a
            where a.county_code = '520624' and a.period = '2025' and a.training_type = '学历提升'
        """,
    ),
    Figure(
        S,
        "思南县",
        "4",
        "举办4期村党组织书记后备力量培训班",
        "培训记录中类型为“后备书记培训班”的不同班次数",
        lambda r: len(_people(_in(r, "training", training_type="后备书记培训班"), "class_id")),
        sql="""
            select count(distinct a.class_id)
            from marts.fct_training_attendance as a
            where a.county_code = '520624' and a.period = '2025' and a.training_type = '后备书记培训班'
        """,
    ),
    Figure(
        S,
        "思南县",
        "100%",
        "实现村(社区)“两委”干部和后备力量全覆盖培训",
        "期末在任的两委干部和后备力量中，至少有一条培训记录者所占百分比",
        _sinan_coverage,
        sql="""
            select round(s.training_coverage_pct, 2)
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1759",
        "推动1759名后备力量落实“2+1”导师帮带制度",
        "期末在任的后备力量中，两名导师身份证号都已填写的人数",
        lambda r: len(
            _people(
                [
                    x
                    for x in _in(r, "cadres", role="后备力量")
                    if _current(x) and x.get("mentor1_id_number") and x.get("mentor2_id_number")
                ]
            )
        ),
        sql="""
            select s.reserve_cadres_with_two_mentors
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1265",
        "组织1265名骨干到一线跟岗锻炼",
        "培训记录中类型为“跟岗锻炼”的不同学员数",
        lambda r: len(_people(_in(r, "training", training_type="跟岗锻炼"))),
        sql="""
            select count(distinct a.person_key)
            from marts.fct_training_attendance as a
            where a.county_code = '520624' and a.period = '2025' and a.training_type = '跟岗锻炼'
        """,
    ),
    Figure(
        S,
        "思南县",
        "36",
        "动态调整村级后备力量36名",
        "干部名册中岗位为后备力量、变动类型为“调整”的人数",
        lambda r: len(_people(_in(r, "cadres", role="后备力量", change_type="调整"))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            where r.county_code = '520624' and r.period = '2025'
              and r.role = '后备力量' and r.change_type = '调整'
        """,
    ),
    Figure(
        S,
        "思南县",
        "301",
        "完成301支驻村工作队选派",
        "干部名册中不同的驻村工作队编号个数",
        lambda r: len({x["work_team_id"] for x in r["cadres"] if x.get("work_team_id")}),
        sql="""
            select s.work_teams
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "2",
        "组织2期新选派驻村干部集中培训",
        "培训记录中类型为“驻村干部培训”的不同班次数",
        lambda r: len(_people(_in(r, "training", training_type="驻村干部培训"), "class_id")),
        sql="""
            select count(distinct a.class_id)
            from marts.fct_training_attendance as a
            where a.county_code = '520624' and a.period = '2025' and a.training_type = '驻村干部培训'
        """,
    ),
    Figure(
        S,
        "思南县",
        "3",
        "将“两委”主要成员划分为三类职级",
        "书记、主任所填“职级类别”的不同取值个数",
        lambda r: len({x["rank_class"] for x in r["cadres"] if x.get("rank_class")}),
        sql="""
            select count(distinct r.rank_class)
            from marts.fct_cadre_roster as r
            where r.county_code = '520624' and r.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "173",
        "全县173个行政村实现集体经济经营收入55万元以上或收益25万元以上",
        "行政村中经营收入 ≥ 55 万元或收益 ≥ 25 万元的个数",
        lambda r: len(
            [
                x
                for x in _in(r, "villages", unit_type="行政村")
                if (x.get("collective_operating_income") or 0) >= 55
                or (x.get("collective_net_income") or 0) >= 25
            ]
        ),
        sql="""
            select s.strong_economy_villages
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "33.39%",
        "占比达33.39%",
        "上一项除以行政村个数（173 ÷ 518 = 33.397%，原文截断到两位小数）",
        _strong_share,
        sql="""
            select trunc(s.strong_economy_share_pct, 2)
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1120",
        "统筹1120万元资金",
        "村情表“扶持资金（万元）”之和",
        lambda r: _sum(r["villages"], "support_funds"),
        sql="""
            select s.support_funds
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "18",
        "高质量推进18个扶持壮大村集体经济项目",
        "村情表“扶持集体经济项目数”之和",
        lambda r: _sum(r["villages"], "support_projects"),
        sql="""
            select s.support_projects
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1665",
        "划分1665个网格",
        "村情表“网格数”之和",
        lambda r: _sum(r["villages"], "grid_count"),
        sql="""
            select s.grids
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1580",
        "组建1580个党小组",
        "村情表“党小组数”之和",
        lambda r: _sum(r["villages"], "party_group_count"),
        sql="""
            select s.party_groups
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "1.1万余",
        "推动1.1万余名农村党员下沉网格",
        "村情表“下沉网格党员数”之和",
        lambda r: _sum(r["villages"], "party_members_in_grids"),
        True,
        sql="""
            select s.party_members_in_grids
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "58",
        "推动58个居民小区党支部全覆盖",
        "村情表中类型为“小区党支部”的行数",
        lambda r: len(_in(r, "villages", unit_type="小区党支部")),
        sql="""
            select s.residential_branches
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "32",
        "组建32支志愿服务队",
        "村情表“志愿服务队数”之和",
        lambda r: _sum(r["villages"], "volunteer_teams"),
        sql="""
            select s.volunteer_teams
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "600余",
        "开展志愿服务600余次",
        "村情表“志愿服务次数”之和",
        lambda r: _sum(r["villages"], "volunteer_services"),
        True,
        sql="""
            select s.volunteer_services
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "58",
        "办理民生实事58件",
        "村情表“办理民生实事数”之和",
        lambda r: _sum(r["villages"], "livelihood_items"),
        sql="""
            select s.livelihood_items
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    Figure(
        S,
        "思南县",
        "280余",
        "回引各类人才280余人",
        "村情表“回引人才数”之和",
        lambda r: _sum(r["villages"], "talents_recruited"),
        True,
        sql="""
            select s.talents_recruited
            from marts.mart_county_period_summary as s
            where s.county_code = '520624' and s.period = '2025'
        """,
    ),
    # --- 万山区 -------------------------------------------------------------------------
    Figure(
        W,
        "万山区",
        "107",
        "推动107名党建指导员精准覆盖",
        "干部名册中岗位为党建指导员的人数",
        lambda r: len(_people(_in(r, "cadres", role="党建指导员"))),
        sql="""
            select s.instructors
            from marts.mart_county_period_summary as s
            where s.county_code = '520603' and s.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "183",
        "183家“三有”企业",
        "新兴领域表中类型为“三有企业”的行数",
        lambda r: len(_in(r, "enterprises", org_type="三有企业")),
        sql="""
            select s.enterprises_covered
            from marts.mart_county_period_summary as s
            where s.county_code = '520603' and s.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "46",
        "46家社会组织",
        "新兴领域表中类型为“社会组织”的行数",
        lambda r: len(_in(r, "enterprises", org_type="社会组织")),
        sql="""
            select s.social_organisations_covered
            from marts.mart_county_period_summary as s
            where s.county_code = '520603' and s.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "107",
        "采取“一人一企”“一人多企”等模式",
        "至少联系一家企业或社会组织、且在干部名册中为党建指导员的人数（每名指导员都有联系对象）",
        lambda r: len(
            _people(r["enterprises"], "instructor_id_number") & _people(_in(r, "cadres", role="党建指导员"))
        ),
        sql="""
            select s.instructors_covering
            from marts.mart_county_period_summary as s
            where s.county_code = '520603' and s.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "8",
        "培育现场教学点8个",
        "培训记录中类型为“现场教学”的不同班次（教学点）数",
        lambda r: len(_people(_in(r, "training", training_type="现场教学"), "class_id")),
        sql="""
            select count(distinct a.class_id)
            from marts.fct_training_attendance as a
            where a.county_code = '520603' and a.period = '2025' and a.training_type = '现场教学'
        """,
    ),
    Figure(
        W,
        "万山区",
        "1200",
        "累计开展指导1200次",
        "新兴领域表“指导次数”之和",
        lambda r: _sum(r["enterprises"], "guidance_visits"),
        sql="""
            select sum(e.guidance_visits)
            from marts.fct_enterprise_coverage as e
            where e.county_code = '520603' and e.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "320",
        "帮助解决经营难题320个",
        "新兴领域表“解决经营难题数”之和",
        lambda r: _sum(r["enterprises"], "problems_solved"),
        sql="""
            select sum(e.problems_solved)
            from marts.fct_enterprise_coverage as e
            where e.county_code = '520603' and e.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "100余",
        "共有100余名党员主动到社区报到",
        "新兴领域表“到社区报到党员数”之和",
        lambda r: _sum(r["enterprises"], "members_reporting"),
        True,
        sql="""
            select sum(e.members_reporting)
            from marts.fct_enterprise_coverage as e
            where e.county_code = '520603' and e.period = '2025'
        """,
    ),
    Figure(
        W,
        "万山区",
        "1100余",
        "开展志愿服务1100余人次",
        "新兴领域表“志愿服务人次”之和",
        lambda r: _sum(r["enterprises"], "volunteer_person_times"),
        True,
        sql="""
            select sum(e.volunteer_person_times)
            from marts.fct_enterprise_coverage as e
            where e.county_code = '520603' and e.period = '2025'
        """,
    ),
    # --- 沿河县新景镇 ---------------------------------------------------------------------
    Figure(
        Y,
        "沿河县新景镇",
        "9",
        "辐射带动姚溪、瑞石、白果等9个村(社区)",
        "村情表中乡镇代码为新景镇的村（社区）行数",
        lambda r: len(_in(r, "villages", township_code=_township(Y, "新景镇"))),
        sql="""
            select count(*)
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as t on t.org_unit_code = v.township_code
            where v.county_code = '520627' and v.period = '2025' and t.org_unit_name = '新景镇'
        """,
    ),
    Figure(
        Y,
        "沿河县新景镇",
        "76",
        "76个村民组共享发展红利",
        "新景镇各村“村民组数”之和",
        lambda r: _sum(_in(r, "villages", township_code=_township(Y, "新景镇")), "villager_groups"),
        sql="""
            select sum(v.villager_groups)
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as t on t.org_unit_code = v.township_code
            where v.county_code = '520627' and v.period = '2025' and t.org_unit_name = '新景镇'
        """,
    ),
    # --- 德江县平原镇台头村 -----------------------------------------------------------------
    Figure(
        D,
        "德江县平原镇台头村",
        "34.8万余",
        "村集体经济积累34.8万余元",
        "台头村“集体经济积累（万元）”",
        lambda r: _taitou(r, "collective_accumulation") * 10000,
        True,
        sql="""
            select v.collective_accumulation * 10000
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as u on u.org_unit_code = v.org_unit_code
            where v.county_code = '520626' and v.period = '2025'
              and u.township_name = '平原镇' and u.org_unit_name = '台头村'
        """,
    ),
    Figure(
        D,
        "德江县平原镇台头村",
        "36.8",
        "村集体入股强村富民公司5万元、县天德公司、森德公司31.8万元",
        "台头村“集体对外投资（万元）”（5 + 31.8）",
        lambda r: _taitou(r, "collective_investment"),
        sql="""
            select v.collective_investment
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as u on u.org_unit_code = v.org_unit_code
            where v.county_code = '520626' and v.period = '2025'
              and u.township_name = '平原镇' and u.org_unit_name = '台头村'
        """,
    ),
    Figure(
        D,
        "德江县平原镇台头村",
        "7.5",
        "累计分红7.5万元",
        "台头村“集体累计分红（万元）”",
        lambda r: _taitou(r, "collective_dividends"),
        sql="""
            select v.collective_dividends
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as u on u.org_unit_code = v.org_unit_code
            where v.county_code = '520626' and v.period = '2025'
              and u.township_name = '平原镇' and u.org_unit_name = '台头村'
        """,
    ),
    Figure(
        D,
        "德江县平原镇台头村",
        "9.47",
        "帮助农户申报产业奖补9.47万元",
        "台头村“帮助申报奖补资金（万元）”",
        lambda r: _taitou(r, "subsidies_applied"),
        sql="""
            select v.subsidies_applied
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as u on u.org_unit_code = v.org_unit_code
            where v.county_code = '520626' and v.period = '2025'
              and u.township_name = '平原镇' and u.org_unit_name = '台头村'
        """,
    ),
    # --- 松桃县蓼皋街道 -------------------------------------------------------------------
    Figure(
        T,
        "松桃县蓼皋街道",
        "12",
        "对辖区12个城市社区“两委”专职成员开展全面考察",
        "村情表中蓼皋街道类型为“社区”的行数",
        lambda r: len(_in(r, "villages", township_code=_township(T, "蓼皋街道"), unit_type="社区")),
        sql="""
            select count(*)
            from marts.fct_village_indicators as v
            join marts.dim_org_unit as t on t.org_unit_code = v.township_code
            where v.county_code = '520628' and v.period = '2025' and t.org_unit_name = '蓼皋街道' and v.unit_type = '社区'
        """,
    ),
    *(
        Figure(
            T,
            "松桃县蓼皋街道",
            str(n),
            f"2022年,全面完成城市社区工作者套改,落实{label}待遇{n}人",
            f"蓼皋街道社区工作者中任职开始于 2022 年、岗位等级为 {post} 的人数",
            lambda r, post=post: len(_people(_liaogao_workers(r, start_date=_year(2022), job_post=post))),
            sql=f"""
                select count(distinct r.person_key)
                from marts.fct_cadre_roster as r
                join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
                where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
                  and r.role = '社区工作者' and extract(year from r.start_date) = 2022
                  and r.job_post = {post}
            """,
        )
        for post, label, n in ((1, "一岗", 11), (2, "二岗", 21), (3, "三岗", 17), (4, "四岗", 52))
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "31",
        "将街道2021年招录的31名“一村一大”人员……纳入后备人才库",
        "蓼皋街道后备力量中来源为“一村一大”、任职开始于 2021 年的人数",
        lambda r: len(
            _people(
                [
                    x
                    for x in _in(
                        r, "cadres", role="后备力量", source_category="一村一大", start_date=_year(2021)
                    )
                    if x["org_unit_code"] in _liaogao(r)
                ]
            )
        ),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '后备力量' and r.source_category = '一村一大'
              and extract(year from r.start_date) = 2021
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "6",
        "2024年……择优吸纳6名优秀后备力量正式入职",
        "蓼皋街道社区工作者中来源为“一村一大”、任职开始于 2024 年的人数",
        lambda r: len(_people(_liaogao_workers(r, source_category="一村一大", start_date=_year(2024)))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.source_category = '一村一大'
              and extract(year from r.start_date) = 2024
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "191",
        "2023年以来,累计公开招聘社区工作者191名",
        "蓼皋街道社区工作者中来源为“公开招聘”、变动类型为“新任”、任职开始于 2023 年及以后的人数",
        lambda r: len(
            _people(
                _liaogao_workers(r, source_category="公开招聘", change_type="新任", start_date=_since(2023))
            )
        ),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.source_category = '公开招聘' and r.change_type = '新任'
              and r.start_date >= '2023-01-01'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "28",
        "队伍平均年龄仅28岁",
        "上述 191 人在期末（2025-12-31）的周岁年龄平均数，四舍五入到整数",
        lambda r: round(
            sum(
                _age(x["birth_date"], PERIOD_END)
                for x in {
                    x["id_number"]: x
                    for x in _liaogao_workers(
                        r, source_category="公开招聘", change_type="新任", start_date=_since(2023)
                    )
                }.values()
            )
            / 191
        ),
        sql="""
            -- the age on 2025-12-31 is 2025 minus the year of birth
            with recruits as (
              select distinct r.person_key
              from marts.fct_cadre_roster as r
              join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
              where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
                and r.role = '社区工作者' and r.source_category = '公开招聘' and r.change_type = '新任'
                and r.start_date >= '2023-01-01'
            )
            select round(avg(2025 - p.birth_year))
            from recruits as c
            join marts.dim_person as p on p.person_key = c.person_key
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "1",
        "共有1名优秀社区工作者成为社区“两委”干部",
        "蓼皋街道既任过社区工作者、又在 2023 年及以后新任两委委员的人数",
        lambda r: len(
            _people(_liaogao_workers(r))
            & _people(
                [
                    x
                    for x in _in(r, "cadres", role="两委委员", start_date=_since(2023))
                    if x["org_unit_code"] in _liaogao(r)
                ]
            )
        ),
        sql="""
            select count(*)
            from (
              select r.person_key
              from marts.fct_cadre_roster as r
              join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
              where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              group by r.person_key
              having bool_or(r.role = '社区工作者')
                and bool_or(r.role = '两委委员' and r.start_date >= '2023-01-01')
            ) as promoted
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "76",
        "76人被街道评选为“先进个人”",
        "蓼皋街道荣誉含“先进个人”的人数",
        lambda r: _honoured(r, "先进个人"),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.honours ~ '先进个人'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "34",
        "2023年以来……调整34名社区工作者岗位",
        "蓼皋街道社区工作者中变动类型为“调整”、任职开始于 2023 年及以后的人数",
        lambda r: len(_people(_liaogao_workers(r, change_type="调整", start_date=_since(2023)))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.change_type = '调整' and r.start_date >= '2023-01-01'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "191",
        "针对新招录的191名社区工作者,统一组织开展为期2个月的轮岗锻炼",
        "培训记录中类型为“轮岗锻炼”的蓼皋街道不同学员数",
        lambda r: len(_people(_liaogao_training(r, training_type="轮岗锻炼"))),
        sql=_LIAOGAO_WORKERS
        + """            select count(distinct a.person_key)
            from marts.fct_training_attendance as a
            where a.county_code = '520628' and a.period = '2025'
              and a.person_key in (select w.person_key from workers as w)
              and a.training_type = '轮岗锻炼'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "60",
        "为期2个月的轮岗锻炼",
        "轮岗锻炼班次的天数（结束日期 − 开始日期 + 1）",
        lambda r: max(
            (x["end_date"] - x["start_date"]).days + 1 for x in _liaogao_training(r, training_type="轮岗锻炼")
        ),
        sql=_LIAOGAO_WORKERS
        + """            select max(a.end_date - a.start_date + 1)
            from marts.fct_training_attendance as a
            where a.county_code = '520628' and a.period = '2025'
              and a.person_key in (select w.person_key from workers as w)
              and a.training_type = '轮岗锻炼'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "6",
        "2023年以来,累计开展各类业务培训6期",
        "蓼皋街道社区工作者参加的、2023 年及以后开始的“业务培训”不同班次数",
        lambda r: len(
            _people(_liaogao_training(r, training_type="业务培训", start_date=_since(2023)), "class_id")
        ),
        sql=_LIAOGAO_WORKERS
        + """            select count(distinct a.class_id)
            from marts.fct_training_attendance as a
            where a.county_code = '520628' and a.period = '2025'
              and a.person_key in (select w.person_key from workers as w)
              and a.training_type = '业务培训' and a.start_date >= '2023-01-01'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "262",
        "实现262名城市社区工作者全员参训",
        "参加过上述业务培训的蓼皋街道社区工作者人数",
        lambda r: len(_people(_liaogao_training(r, training_type="业务培训", start_date=_since(2023)))),
        sql=_LIAOGAO_WORKERS
        + """            select count(distinct a.person_key)
            from marts.fct_training_attendance as a
            where a.county_code = '520628' and a.period = '2025'
              and a.person_key in (select w.person_key from workers as w)
              and a.training_type = '业务培训' and a.start_date >= '2023-01-01'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "55",
        "同步选派55名参加县局级示范培训",
        "蓼皋街道社区工作者中参加过县级主办培训（2023 年及以后）的人数",
        lambda r: len(_people(_liaogao_training(r, organiser_level="县级", start_date=_since(2023)))),
        sql=_LIAOGAO_WORKERS
        + """            select count(distinct a.person_key)
            from marts.fct_training_attendance as a
            where a.county_code = '520628' and a.period = '2025'
              and a.person_key in (select w.person_key from workers as w)
              and a.organiser_level = '县级' and a.start_date >= '2023-01-01'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "159",
        "已有159名年轻工作者完成结对帮带",
        "蓼皋街道社区工作者中两名导师身份证号都已填写的人数",
        lambda r: len(
            _people(
                [x for x in _liaogao_workers(r) if x.get("mentor1_id_number") and x.get("mentor2_id_number")]
            )
        ),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.has_two_mentors
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "32",
        "2023年以来,32名考核优秀人员提前晋升档次",
        "蓼皋街道社区工作者中“是否提前晋档”为是的人数",
        lambda r: len(_people(_liaogao_workers(r, is_early_promotion=True))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.is_early_promotion
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "20",
        "鼓励20人完成学历提升",
        "蓼皋街道社区工作者中“是否学历提升”为是的人数",
        lambda r: len(_people(_liaogao_workers(r, is_degree_upgrading=True))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.is_degree_upgrading
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "46",
        "46人考取助理社会工作师证书",
        "蓼皋街道证书含“助理社会工作师”的人数",
        lambda r: len(_people(_liaogao_workers(r, certificates=lambda v: "助理社会工作师" in (v or "")))),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.role = '社区工作者' and r.certificates ~ '助理社会工作师'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "15",
        "担任县级以上“两代表一委员”15名",
        "荣誉含“两代表一委员”的人数",
        lambda r: _honoured(r, "两代表一委员"),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.honours ~ '两代表一委员'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "1",
        "获评全市优秀党务工作者1名",
        "荣誉含“全市优秀党务工作者”的人数",
        lambda r: _honoured(r, "全市优秀党务工作者"),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.honours ~ '全市优秀党务工作者'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "3",
        "获评全县优秀党务工作者或优秀共产党员3名",
        "荣誉含“全县优秀党务工作者”或“全县优秀共产党员”的人数",
        lambda r: _honoured(r, "全县优秀党务工作者", "全县优秀共产党员"),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.honours ~ '全县优秀党务工作者|全县优秀共产党员'
        """,
    ),
    Figure(
        T,
        "松桃县蓼皋街道",
        "1",
        "1名社区党组织书记享受街道副科级干部经济待遇",
        "蓼皋街道党组织书记中荣誉含“副科级干部经济待遇”的人数",
        lambda r: _honoured(r, "副科级"),
        sql="""
            select count(distinct r.person_key)
            from marts.fct_cadre_roster as r
            join marts.dim_org_unit as u on u.org_unit_code = r.org_unit_code
            where r.county_code = '520628' and r.period = '2025' and u.township_name = '蓼皋街道'
              and r.honours ~ '副科级'
        """,
    ),
)

#: Figures the article gives that lie outside the four subjects, and why they are left out.
OUT_OF_SCOPE: tuple[tuple[str, str, str], ...] = (
    (
        "思南县",
        "后进乡镇党委3个",
        "乡镇党委的定级：报送合同没有乡镇一级的报表（村情表按村、社区、小区党支部填报）",
    ),
    ("思南县", "20余项高频事项“足不出村”办结", "便民服务事项目录，不是按单位、按人的统计数据"),
    ("思南县", "《15条措施》、23项任务清单、博士工作站", "政策文件和合作项目，不是行级数据"),
    ("沿河县新景镇", "生态茶园2万余亩、加工厂5个、碾茶生产线3条", "茶产业规模，不属于四类报送主题"),
    (
        "德江县平原镇台头村",
        "白茶基地1100余亩、自营茶园63亩、党员带头发展500余亩、35户领办500余亩",
        "产业种植面积，不属于四类报送主题",
    ),
    (
        "德江县平原镇台头村",
        "销售茶叶100余斤4万余元、全村销售260余万元、务工500余人次发放工资80余万元",
        "农户和产业经营收入，不是村集体经济指标",
    ),
    (
        "德江县平原镇台头村",
        "技术培训4次120余人、技术讲解12场次、观摩3次200余人次、培育“土专家”6人",
        "面向群众的技术培训：培训记录只登记干部的参训",
    ),
    ("德江县平原镇台头村", "油茶1200余亩、肉牛200余头、生猪500余头等", "产业规模，不属于四类报送主题"),
    (
        "松桃县蓼皋街道",
        "谈心谈话262人次、12个专项督导组、督导2次、解决难题43个、建议36条、解决诉求20余件",
        "街道工作过程记录，不属于四类报送主题",
    ),
    ("松桃县蓼皋街道", "发展骨干党员19名", "党员发展记录不在干部名册中（名册只登记政治面貌）"),
)


def render_markdown() -> str:
    """docs/seed_figures.md: the figures, their sentences, computations and queries, and what is left out."""
    lines = [
        "# The article's figures and how the warehouse reproduces them",
        "",
        "Generated from `ingest/seed_figures.py` (`dangjian seed-figures`); do not edit by hand.",
        "Each figure is recomputed from the generated 2025 submissions by `tests/unit/test_sample.py`,",
        "and its query over the published marts is run as the `analyst` role by",
        "`tests/integration/test_seed_figures_sql.py`. Approximate figures (`余`) are met by any value",
        "from the figure up to the next step of its last significant digit (580余 → 580–589).",
    ]
    place = None
    for i, f in enumerate(FIGURES, start=1):
        if f.place != place:
            place = f.place
            lines += ["", f"## {place}"]
        lines += [
            "",
            f"### {i}. {f.figure}",
            "",
            f"> {f.sentence}",
            "",
            f"Computed from the rows as: {f.how}",
            "",
            "```sql",
            f.sql,
            "```",
        ]
    lines += ["", "## Left out, and why", "", "| place | figure | reason |", "|---|---|---|"]
    lines += [f"| {p} | {fig} | {why} |" for p, fig, why in OUT_OF_SCOPE]
    return "\n".join(lines) + "\n"
