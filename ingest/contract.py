"""The submission contract: the one definition of what a county workbook holds.

Everything that needs to know the shape of a submission reads it from here: the workbook
reader, the raw table DDL, the sample generator, the dbt source documentation and the Great
Expectations contract suites. Change a sheet here and every one of them follows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

ColumnType = Literal["text", "code", "id_number", "credit_code", "integer", "decimal", "boolean", "date"]

#: Tongren city's ten county-level units (GB/T 2260 codes), in official order.
COUNTIES: dict[str, str] = {
    "520602": "碧江区",
    "520603": "万山区",
    "520621": "江口县",
    "520622": "玉屏侗族自治县",
    "520623": "石阡县",
    "520624": "思南县",
    "520625": "印江土家族苗族自治县",
    "520626": "德江县",
    "520627": "沿河土家族自治县",
    "520628": "松桃苗族自治县",
}

#: A village's collective economy is "strong" from these amounts (万元) up: operating income
#: of 55 or net income of 25 (the article's bar; dbt_project.yml has the same as vars).
STRONG_OPERATING_INCOME = 55
STRONG_NET_INCOME = 25

#: A reporting period: a year (2025), a quarter (2025Q3) or a month (2025-07).
PERIOD_PATTERN = re.compile(r"^(?P<year>20\d\d)(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$", re.ASCII)

#: Text is at most this long unless a column declares less; dates lie in this range unless
#: a column declares a narrower one.
MAX_TEXT = 500
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
_ORG_LEVEL_NAMES = {"unit": "村（社区）", "township": "乡镇（街道）", "any": "单位"}

_SQL_TYPES: dict[str, str] = {
    "text": "text",
    "code": "text",
    "id_number": "text",
    "credit_code": "text",
    "integer": "bigint",
    "decimal": "numeric",
    "boolean": "boolean",
    "date": "date",
}


@dataclass(frozen=True)
class Column:
    """One column of a sheet, as the county sees it (Chinese) and as the warehouse stores it."""

    name: str
    header: str
    type: ColumnType
    description: str
    required: bool = False
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    pattern: str | None = None
    #: What ``pattern`` asks for, in words for the clerk ("应为 12 位数字").
    pattern_text: str | None = None
    #: The declared limits. Each is checked on the workbook by the parsers (ingest/parse.py)
    #: and on the build by the audit (ingest/rules.py), from this one definition; a value
    #: outside them is refused at its cell and never loaded. Numbers: within [min_value,
    #: max_value] (default from 0) with at most ``scale`` decimal places; text: at most
    #: ``max_length`` characters (default 500); dates: within [earliest, latest] ("today":
    #: the day of the check; default 1900-01-01 to 2099-12-31).
    min_value: float | None = None
    max_value: float | None = None
    scale: int | None = None
    max_length: int | None = None
    earliest: dt.date | None = None
    latest: dt.date | Literal["today"] | None = None
    #: For org-unit codes: which of the county's units the code must name
    #: ("unit": a village, community or branch; "township"; "any": those or the county itself).
    org_level: Literal["unit", "township", "any"] | None = None

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self.type]

    @property
    def bounds(self) -> tuple[Decimal, Decimal | None]:
        """A number column's inclusive range (no negative number unless declared)."""
        low = Decimal(str(self.min_value)) if self.min_value is not None else Decimal(0)
        high = Decimal(str(self.max_value)) if self.max_value is not None else None
        return low, high

    @property
    def text_limit(self) -> int:
        return self.max_length or MAX_TEXT

    def date_range(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """A date column's inclusive range, with "today" as the day of the check."""
        latest = self.latest or LATEST_DATE
        if latest == "today":
            latest = today or dt.date.today()
        return self.earliest or EARLIEST_DATE, latest

    def limits(self) -> tuple[str, ...]:
        """The kinds of declared limit this column has (see :func:`limit_text`)."""
        found = ["required"] if self.required else []
        if self.codes:
            found.append("codes")
        elif self.pattern:
            found.append("pattern")
        if self.org_level:
            found.append("org_unit")
        if self.type in ("integer", "decimal"):
            found.append("range")
        if self.type == "decimal" and self.scale is not None:
            found.append("scale")
        if self.type == "text":
            found.append("length")
        if self.type == "date":
            found.append("dates")
        return tuple(found)

    def limit_text(self, kind: str) -> str:
        """What a limit asks for, in Chinese: the one wording for the clerk's check, the
        ingest rejection and the audit's explanation."""
        if kind == "required":
            return "必填项不能为空"
        if kind == "codes":
            return f"应为以下之一：{'、'.join(self.codes)}"
        if kind == "pattern":
            return f"代码格式不符（{self.pattern_text or '应符合 ' + str(self.pattern)}）"
        if kind == "org_unit":
            return f"不是本县（区）组织单位名录中的{_ORG_LEVEL_NAMES[self.org_level]}"
        if kind == "range":
            low, high = self.bounds
            unit = f"（单位：{self.unit}）" if self.unit else ""
            if high is None:
                return "不能为负数" if low == 0 else f"不能小于 {low}{unit}"
            return f"应在 {low} 到 {high} 之间{unit}"
        if kind == "scale":
            return f"最多保留 {self.scale} 位小数"
        if kind == "length":
            return f"内容过长：不能超过 {self.text_limit} 个字"
        if kind == "dates":
            earliest, latest = self.earliest or EARLIEST_DATE, self.latest or LATEST_DATE
            until = "今天" if latest == "today" else f"{latest:%Y-%m-%d}"
            return f"日期应在 {earliest:%Y-%m-%d} 至{until}之间"
        raise KeyError(kind)

    @property
    def template_header(self) -> str:
        """The header as printed in the template, with its unit: ``集体经济经营收入（万元）``."""
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class Sheet:
    """One subject sheet of the workbook and the raw table it loads into."""

    key: str
    title: str
    description: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = field(default=())
    #: Columns that identify a row; a second row with the same values is a duplicate.
    row_key: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return f"raw.{self.key}"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


#: The cover sheet names the county and the period; it is checked against the file name.
COVER_SHEET = "封面"
COVER_FIELDS = {"county_code": "县（区）代码", "period": "报送期间"}

#: Columns every raw table carries besides the sheet's own: lineage back to the cell.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    # no foreign key: its per-row check halves COPY speed; the loader writes a submission and
    # its rows in one transaction, and a dbt source test checks every row's submission exists
    ("submission_id", "bigint not null"),
    ("sheet", "text not null"),
    ("source_row", "integer not null"),
    ("approximate_columns", "text[] not null default '{}'"),
    ("loaded_at", "timestamptz not null default now()"),
)


#: Role and training dates from this day on (the earliest plausible for anyone serving now).
EVENTS_FROM = dt.date(1950, 1, 1)
#: Upper limits a column has unless it declares its own: a count of anything in one village
#: or enterprise, and an amount in 万元 (10 亿元), with at most four decimal places (1 元).
_MAX_COUNT = 100_000
_MAX_WAN_YUAN = 100_000


def _c(name: str, header: str, type_: ColumnType, description: str, **kw) -> Column:
    """A column, with the contract's default limits for its type made explicit."""
    if type_ == "integer":
        kw.setdefault("min_value", 0)
        kw.setdefault("max_value", _MAX_COUNT)
    elif type_ == "decimal" and kw.get("unit") == "万元":
        kw.setdefault("min_value", 0)
        kw.setdefault("max_value", _MAX_WAN_YUAN)
        kw.setdefault("scale", 4)
    elif type_ == "text":
        kw.setdefault("max_length", MAX_TEXT)
    return Column(name, header, type_, description, **kw)


_ORG_UNIT_CODE = r"^\d{6}(\d{3}(\d{3})?)?$"  # county (6), township (9) or village (12 digits)

#: Roles a cadre can hold (岗位类别), as the template's dropdown offers them.
ROLE_CODES = (
    "村（社区）党组织书记",
    "村（居）委会主任",
    "两委委员",
    "后备力量",
    "驻村第一书记",
    "驻村工作队队员",
    "乡村振兴专干",
    "社区工作者",
    "党建指导员",
)

CADRES = Sheet(
    key="cadres",
    title="干部名册",
    description="每人每个岗位一行（含本期内结束的任职），记录任职、变动、帮带、岗级与考核",
    aliases=("干部花名册", "干部信息"),
    row_key=("id_number", "role", "org_unit_code", "start_date"),
    columns=(
        _c(
            "id_number",
            "身份证号",
            "id_number",
            "18 位公民身份号码（GB 11643 校验）/ resident ID number",
            required=True,
            aliases=("公民身份号码", "身份证号码"),
        ),
        _c("name", "姓名", "text", "姓名 / name", required=True, max_length=50),
        _c("sex", "性别", "code", "男或女 / sex", required=True, codes=("男", "女")),
        _c(
            "birth_date",
            "出生日期",
            "date",
            "出生日期 / date of birth",
            required=True,
            aliases=("出生年月",),
            latest="today",
        ),
        _c("ethnicity", "民族", "text", "民族，如汉族、土家族、苗族 / ethnicity", max_length=20),
        _c(
            "education",
            "学历",
            "code",
            "最高学历 / highest education",
            codes=("研究生", "大学本科", "大学专科", "中专或高中", "初中及以下"),
            aliases=("文化程度",),
        ),
        _c(
            "political_status",
            "政治面貌",
            "code",
            "政治面貌 / political status",
            codes=("中共党员", "中共预备党员", "共青团员", "群众", "民主党派"),
        ),
        _c(
            "org_unit_code",
            "单位代码",
            "code",
            "任职单位代码：村（社区）12 位、乡镇（街道）9 位、县 6 位 / org unit code",
            required=True,
            aliases=("村（社区）代码", "任职单位代码"),
            pattern=_ORG_UNIT_CODE,
            pattern_text="应为 6、9 或 12 位数字",
            org_level="any",
        ),
        _c(
            "role",
            "岗位类别",
            "code",
            "岗位类别 / role",
            required=True,
            codes=ROLE_CODES,
            aliases=("岗位", "职务"),
        ),
        _c(
            "source_category",
            "来源类别",
            "code",
            "选拔来源 / where the cadre was recruited from",
            codes=("退役军人", "返乡大学生", "致富带头人", "一村一大", "公开招聘", "机关选派", "其他"),
            aliases=("来源",),
        ),
        _c(
            "start_date",
            "任职开始日期",
            "date",
            "本岗位任职开始日期 / start of this role",
            required=True,
            aliases=("任职时间", "开始日期"),
            earliest=EVENTS_FROM,
        ),
        _c(
            "end_date",
            "任职结束日期",
            "date",
            "本岗位任职结束日期，在任留空 / end of this role",
            aliases=("离任时间", "结束日期"),
            earliest=EVENTS_FROM,
        ),
        _c(
            "change_type",
            "变动类型",
            "code",
            "新任、调整、离任或留任 / change in this role",
            required=True,
            codes=("新任", "调整", "离任", "留任"),
            aliases=("变动情况",),
        ),
        _c(
            "work_team_id",
            "驻村工作队编号",
            "text",
            "所属驻村工作队编号 / village work team id",
            aliases=("工作队编号",),
            max_length=50,
        ),
        _c(
            "mentor1_id_number",
            "导师一身份证号",
            "id_number",
            "“2+1”帮带导师一 / first mentor",
            aliases=("导师1身份证号",),
        ),
        _c(
            "mentor2_id_number",
            "导师二身份证号",
            "id_number",
            "“2+1”帮带导师二 / second mentor",
            aliases=("导师2身份证号",),
        ),
        _c(
            "job_post",
            "岗位等级",
            "integer",
            "社区工作者“5岗20级”中的岗（1–5）/ post level",
            unit="岗",
            aliases=("岗",),
            min_value=1,
            max_value=5,
        ),
        _c(
            "job_grade",
            "薪级",
            "integer",
            "社区工作者“5岗20级”中的级（1–20）/ pay grade",
            unit="级",
            aliases=("级",),
            min_value=1,
            max_value=20,
        ),
        _c(
            "rank_class",
            "职级类别",
            "code",
            "两委主要成员职级：一类、二类、三类 / rank class",
            codes=("一类", "二类", "三类"),
        ),
        _c(
            "appraisal",
            "年度考核",
            "code",
            "年度考核结果 / annual appraisal",
            codes=("优秀", "称职", "基本称职", "不称职"),
            aliases=("考核结果",),
        ),
        _c("honours", "荣誉", "text", "所获荣誉，多项用分号分隔 / honours, separated by ；", max_length=500),
        _c(
            "is_early_promotion",
            "是否提前晋档",
            "boolean",
            "考核优秀提前晋升档次 / promoted early",
            aliases=("提前晋档",),
        ),
        _c(
            "is_degree_upgrading",
            "是否学历提升",
            "boolean",
            "参加学历提升 / upgrading their degree",
            aliases=("学历提升",),
        ),
        _c(
            "certificates",
            "职业资格证书",
            "text",
            "职业资格证书，多项用分号分隔 / certificates",
            aliases=("证书",),
            max_length=500,
        ),
    ),
)

TRAINING = Sheet(
    key="training",
    title="培训记录",
    description="每人每次参训一行：班次、类型、主办层级、时间、学时、是否结业",
    aliases=("培训情况", "培训台账"),
    row_key=("class_id", "id_number"),
    columns=(
        _c(
            "class_id",
            "班次编号",
            "text",
            "培训班次编号（同一班次相同）/ class id",
            required=True,
            max_length=50,
        ),
        _c(
            "class_name",
            "班次名称",
            "text",
            "培训班次名称 / class name",
            required=True,
            aliases=("培训班名称",),
            max_length=200,
        ),
        _c(
            "training_type",
            "培训类型",
            "code",
            "培训类型 / kind of training",
            required=True,
            codes=(
                "学历提升",
                "后备书记培训班",
                "业务培训",
                "跟岗锻炼",
                "现场教学",
                "驻村干部培训",
                "轮岗锻炼",
                "专题培训",
            ),
        ),
        _c(
            "organiser_level",
            "主办层级",
            "code",
            "市级、县级或乡镇（街道）级 / organiser level",
            required=True,
            codes=("市级", "县级", "乡镇级"),
            aliases=("主办单位层级",),
        ),
        _c(
            "start_date",
            "开始日期",
            "date",
            "培训开始日期 / start",
            required=True,
            aliases=("培训时间",),
            earliest=EVENTS_FROM,
        ),
        _c("end_date", "结束日期", "date", "培训结束日期 / end", earliest=EVENTS_FROM),
        _c("hours", "学时", "decimal", "学时 / hours", unit="学时", min_value=0.5, max_value=2000, scale=1),
        _c(
            "id_number",
            "学员身份证号",
            "id_number",
            "参训人身份证号 / attendee ID number",
            required=True,
            aliases=("身份证号",),
        ),
        _c("name", "学员姓名", "text", "参训人姓名 / attendee name", aliases=("姓名",), max_length=50),
        _c("is_completed", "是否结业", "boolean", "是否完成培训 / completed", aliases=("结业",)),
    ),
)

VILLAGES = Sheet(
    key="villages",
    title="村情",
    description="每个村（社区）、小区党支部每个报送期间一行：组织建设、集体经济与基层治理指标",
    aliases=("村情统计", "村（社区）情况"),
    row_key=("org_unit_code",),
    columns=(
        _c(
            "org_unit_code",
            "村（社区）代码",
            "code",
            "12 位统计用区划代码 / 12-digit village or community code",
            required=True,
            aliases=("村代码", "社区代码", "区划代码"),
            pattern=r"^\d{12}$",
            pattern_text="应为 12 位数字",
            org_level="unit",
        ),
        _c(
            "org_unit_name",
            "村（社区）名称",
            "text",
            "村、社区或小区党支部名称 / name",
            required=True,
            aliases=("村名", "村（社区）", "名称"),
            max_length=100,
        ),
        _c(
            "unit_type",
            "类型",
            "code",
            "行政村、社区或小区党支部 / administrative village, community or residential branch",
            required=True,
            aliases=("单位类型",),
            codes=("行政村", "社区", "小区党支部"),
        ),
        _c(
            "township_code",
            "乡镇（街道）代码",
            "code",
            "所属乡镇（街道）9 位代码 / township or street code",
            required=True,
            aliases=("乡镇代码", "街道代码"),
            pattern=r"^\d{9}$",
            pattern_text="应为 9 位数字",
            org_level="township",
        ),
        _c(
            "party_org_rating",
            "党组织定级",
            "code",
            "排队定级结果：先进、一般、后进 / party organisation rating",
            required=True,
            aliases=("定级", "党组织等级"),
            codes=("先进", "一般", "后进"),
        ),
        _c(
            "is_rectified",
            "是否完成整顿",
            "boolean",
            "后进党组织是否已整顿销号 / lagging organisation rectified",
            aliases=("整顿销号",),
        ),
        _c(
            "collective_operating_income",
            "集体经济经营收入",
            "decimal",
            "村集体经济经营性收入 / collective economy operating income",
            unit="万元",
            aliases=("经营收入",),
        ),
        _c(
            "collective_net_income",
            "集体经济收益",
            "decimal",
            "村集体经济收益（净收入）/ collective economy net income",
            unit="万元",
            aliases=("收益", "集体经济净收入"),
        ),
        _c(
            "collective_accumulation",
            "集体经济积累",
            "decimal",
            "村集体经济累计积累 / accumulated assets",
            unit="万元",
            aliases=("集体积累",),
        ),
        _c(
            "collective_investment",
            "集体对外投资",
            "decimal",
            "村集体入股企业等对外投资 / investments",
            unit="万元",
            aliases=("入股金额",),
        ),
        _c(
            "collective_dividends",
            "集体累计分红",
            "decimal",
            "村集体获得的累计分红 / dividends received",
            unit="万元",
            aliases=("分红",),
        ),
        _c(
            "subsidies_applied",
            "帮助申报奖补资金",
            "decimal",
            "帮助农户申报的产业奖补 / subsidies applied for",
            unit="万元",
            aliases=("产业奖补",),
        ),
        _c(
            "support_projects",
            "扶持集体经济项目数",
            "integer",
            "扶持壮大村集体经济项目 / support projects",
            unit="个",
            aliases=("扶持项目数",),
        ),
        _c("support_funds", "扶持资金", "decimal", "扶持项目统筹资金 / support funds", unit="万元"),
        _c(
            "party_fee_venue_funds",
            "党费阵地修缮资金",
            "decimal",
            "划拨党费用于村级阵地修缮 / party fees for venues",
            unit="万元",
            aliases=("阵地修缮党费",),
        ),
        _c(
            "signboards_cleared",
            "清理牌子制度数",
            "integer",
            "清理规范的村级牌子、规章制度 / signboards cleared",
            unit="块",
            aliases=("清理牌子数",),
        ),
        _c("villager_groups", "村民组数", "integer", "村民小组数 / villager groups", unit="个"),
        _c("grid_count", "网格数", "integer", "划分的网格数 / number of grids", unit="个", aliases=("网格",)),
        _c(
            "party_group_count",
            "党小组数",
            "integer",
            "党小组个数 / number of party groups",
            unit="个",
            aliases=("党小组",),
        ),
        _c(
            "party_members_in_grids",
            "下沉网格党员数",
            "integer",
            "下沉网格服务的党员 / party members in grids",
            unit="人",
            aliases=("下沉党员数",),
        ),
        _c("household_heads", "联户长数", "integer", "联户长 / household heads", unit="人"),
        _c("volunteer_teams", "志愿服务队数", "integer", "志愿服务队 / volunteer teams", unit="支"),
        _c(
            "volunteer_services",
            "志愿服务次数",
            "integer",
            "开展志愿服务次数 / volunteer services",
            unit="次",
        ),
        _c(
            "livelihood_items",
            "办理民生实事数",
            "integer",
            "办理民生实事 / livelihood matters done",
            unit="件",
        ),
        _c("talents_recruited", "回引人才数", "integer", "回引各类人才 / talents recruited back", unit="人"),
    ),
)

ENTERPRISES = Sheet(
    key="enterprises",
    title="新兴领域",
    description="每个“三有”企业或社会组织一行：党组织建立情况与党建指导员的指导成效",
    aliases=("企业和社会组织", "新兴领域党建"),
    row_key=("credit_code",),
    columns=(
        _c(
            "credit_code",
            "统一社会信用代码",
            "credit_code",
            "18 位统一社会信用代码（GB 32100 校验）/ credit code",
            required=True,
            aliases=("信用代码",),
        ),
        _c(
            "name",
            "名称",
            "text",
            "企业或社会组织名称 / name",
            required=True,
            aliases=("企业名称", "单位名称"),
            max_length=100,
        ),
        _c(
            "org_type",
            "类型",
            "code",
            "“三有”企业或社会组织 / enterprise or social organisation",
            required=True,
            codes=("三有企业", "社会组织"),
        ),
        _c(
            "township_code",
            "乡镇（街道）代码",
            "code",
            "所在乡镇（街道）9 位代码 / township code",
            required=True,
            pattern=r"^\d{9}$",
            pattern_text="应为 9 位数字",
            org_level="township",
            aliases=("所在乡镇代码",),
        ),
        _c("industry", "行业", "text", "所属行业 / industry", max_length=50),
        _c(
            "has_party_org",
            "是否建立党组织",
            "boolean",
            "已建立党组织 / has a party organisation",
            aliases=("建立党组织",),
        ),
        _c(
            "instructor_id_number",
            "党建指导员身份证号",
            "id_number",
            "联系的党建指导员 / instructor",
            required=True,
            aliases=("指导员身份证号",),
        ),
        _c("guidance_visits", "指导次数", "integer", "党建指导员累计指导次数 / guidance visits", unit="次"),
        _c(
            "problems_solved",
            "解决经营难题数",
            "integer",
            "帮助解决经营难题 / problems solved",
            unit="个",
            aliases=("解决问题数",),
        ),
        _c(
            "members_reporting",
            "到社区报到党员数",
            "integer",
            "主动到社区报到的党员 / members reporting",
            unit="人",
        ),
        _c(
            "volunteer_person_times",
            "志愿服务人次",
            "integer",
            "开展志愿服务人次 / volunteer person-times",
            unit="人次",
            max_value=1_000_000,
        ),
    ),
)

SHEETS: tuple[Sheet, ...] = (CADRES, TRAINING, VILLAGES, ENTERPRISES)


#: Code lists of the columns the warehouse derives itself (no county types them). An org unit's
#: type in the registry is a city's, a county's, a township's, or one of a village row's.
DERIVED_CODE_LISTS: dict[str, tuple[str, ...]] = {
    "submission_status": ("accepted", "quarantined"),
    "period_type": ("year", "quarter", "month"),
    "unit_level": ("city", "county", "township", "village"),
    "org_unit_type": ("市（州）", "县", "区", "镇", "乡", "街道", *VILLAGES.column("unit_type").codes),
    "change_kind": ("appointment", "adjustment", "departure", "early_promotion"),
}


def code_lists() -> dict[str, tuple[str, ...]]:
    """Every code list: each coded column's under the column's name, then the warehouse's own
    (:data:`DERIVED_CODE_LISTS`). dbt's ``code_lists`` tests read them from the seed that
    ``dangjian contract dbt-sources`` writes."""
    lists: dict[str, tuple[str, ...]] = {}
    named = [(c.name, c.codes) for s in SHEETS for c in s.columns if c.codes]
    for name, codes in [*named, *DERIVED_CODE_LISTS.items()]:
        if lists.setdefault(name, codes) != codes:
            raise ValueError(f"two different code lists are named {name}: {lists[name]} and {codes}")
    return lists


def sheet(key: str) -> Sheet:
    for s in SHEETS:
        if s.key == key:
            return s
    raise KeyError(key)


def parse_period(text: str) -> str:
    """Normalise a period as written on the cover (``2025q3``, ``2025-7``) or raise ValueError."""
    cleaned = text.strip().upper().replace("年", "").replace("季度", "").replace("第", "")
    m = re.fullmatch(r"(20\d\d)-(\d{1,2})", cleaned, re.ASCII)
    if m and 1 <= int(m.group(2)) <= 12:
        cleaned = f"{m.group(1)}-{int(m.group(2)):02d}"
    if not PERIOD_PATTERN.match(cleaned):
        raise ValueError(f"报送期间应为 2025、2025Q3 或 2025-07 的形式，实际为「{text}」")
    return cleaned


def file_name(county_code: str, period: str, county_name: str | None = None) -> str:
    """The file name convention for a submission: ``<county code>_<period>_<county name>.xlsx``."""
    return f"{county_code}_{period}_{county_name or COUNTIES.get(county_code, county_code)}.xlsx"


def raw_table_ddl(s: Sheet) -> str:
    """Idempotent DDL for a sheet's raw table; columns added to the contract later are added too."""
    cols = [f"{name} {ddl}" for name, ddl in LINEAGE_COLUMNS]
    cols += [f"{c.name} {c.sql_type}" for c in s.columns]
    body = ",\n    ".join(cols)
    added = "".join(
        f"alter table {s.table} add column if not exists {name} {ddl.replace(' not null', '')};\n"
        for name, ddl in LINEAGE_COLUMNS[3:]
    ) + "".join(f"alter table {s.table} add column if not exists {c.name} {c.sql_type};\n" for c in s.columns)
    return (
        f"create table if not exists {s.table} (\n    {body}\n);\n"
        + added
        + f"alter table {s.table} drop constraint if exists {s.key}_submission_id_fkey;\n"
        + f"create index if not exists {s.key}_submission on {s.table} (submission_id);\n"
        f"comment on table {s.table} is {_literal(s.title + '：' + s.description)};\n"
        + "".join(
            f"comment on column {s.table}.{c.name} is {_literal(c.template_header + '：' + c.description)};\n"
            for c in s.columns
        )
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TYPE_NAMES = {
    "text": "文本",
    "code": "代码（文本）",
    "id_number": "身份证号",
    "credit_code": "统一社会信用代码",
    "integer": "整数",
    "decimal": "数值",
    "boolean": "是/否",
    "date": "日期",
}


def render_markdown() -> str:
    """docs/contract.md: every sheet and column of the submission contract."""
    lines = [
        "# The submission contract",
        "",
        "Generated from `ingest/contract.py` (`dangjian contract docs`); do not edit by hand.",
        "",
        f"A submission is one workbook per county and period, named `<county code>_<period>_<county name>.xlsx`"
        f" (e.g. `{file_name('520624', '2025Q4')}`). Its cover sheet ({COVER_SHEET}) states"
        f" {COVER_FIELDS['county_code']} and {COVER_FIELDS['period']} (`2025`, `2025Q3` or `2025-07`);"
        " both must agree with the file name. `dangjian template --county C --period P` writes the blank"
        " template with drop-downs for every code list.",
    ]
    for s in SHEETS:
        lines += ["", f"## {s.title} (`{s.table}`)", "", s.description, ""]
        if s.aliases:
            lines += [f"Also recognised as: {'、'.join(s.aliases)}.", ""]
        lines += [
            "| column | header | type | unit | required | allowed values and limits | also accepted headers | description |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in s.columns:
            limits = "；".join(c.limit_text(kind) for kind in c.limits() if kind != "required")
            lines.append(
                f"| `{c.name}` | {c.header} | {_TYPE_NAMES[c.type]} | {c.unit or ''} | {'是' if c.required else ''}"
                f" | {limits} | {'、'.join(c.aliases)} | {c.description} |"
            )
    lines += [
        "",
        "Every limit above is checked twice from this one definition: on the workbook (`dangjian check`"
        " and at ingest, where a value outside it is refused at its cell and its row is not loaded)"
        " and on the build by the nightly audit. ID numbers are checked in full (GB 11643: check"
        " character, a real birth date from 1900-01-01 to today, and a region code that existed at"
        " some time); credit codes by GB 32100. The rules between columns and sheets are listed in"
        " [quality.md](quality.md#the-rule-set).",
    ]
    return "\n".join(lines) + "\n"


def period_end(period: str) -> dt.date:
    """The last day of a period (2025 → 2025-12-31, 2025Q3 → 2025-09-30, 2025-02 → 2025-02-28)."""
    m = PERIOD_PATTERN.match(parse_period(period))
    year = int(m["year"])
    if m["quarter"]:
        month = int(m["quarter"]) * 3
    elif m["month"]:
        month = int(m["month"])
    else:
        month = 12
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)
