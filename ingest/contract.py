"""The submission contract: the one definition of what a county workbook holds.

Everything that needs to know the shape of a submission reads it from here: the workbook
reader, the raw table DDL, the sample generator, the dbt source documentation and the Great
Expectations contract suites. Change a sheet here and every one of them follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "code", "integer", "decimal", "boolean", "date"]

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

#: A reporting period: a year (2025), a quarter (2025Q3) or a month (2025-07).
PERIOD_PATTERN = re.compile(r"^(?P<year>20\d\d)(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")

_SQL_TYPES: dict[str, str] = {
    "text": "text",
    "code": "text",
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

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self.type]

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
    ("submission_id", "bigint not null references raw.submission (submission_id)"),
    ("sheet", "text not null"),
    ("source_row", "integer not null"),
    ("loaded_at", "timestamptz not null default now()"),
)

VILLAGES = Sheet(
    key="villages",
    title="村情",
    description="每个村（社区）每个报送期间一行：组织建设、集体经济与基层治理指标",
    aliases=("村情统计", "村（社区）情况"),
    columns=(
        Column(
            "org_unit_code",
            "村（社区）代码",
            "code",
            "12 位统计用区划代码 / 12-digit village or community code",
            required=True,
            aliases=("村代码", "社区代码", "区划代码"),
            pattern=r"^52\d{10}$",
        ),
        Column(
            "org_unit_name",
            "村（社区）名称",
            "text",
            "村或社区名称 / village or community name",
            required=True,
            aliases=("村名", "村（社区）", "名称"),
        ),
        Column(
            "unit_type",
            "类型",
            "code",
            "行政村、社区或小区党支部 / administrative village, community or residential branch",
            required=True,
            aliases=("单位类型",),
            codes=("行政村", "社区", "小区党支部"),
        ),
        Column(
            "township_code",
            "乡镇（街道）代码",
            "code",
            "所属乡镇（街道）9 位代码 / 9-digit township or street code",
            required=True,
            aliases=("乡镇代码", "街道代码"),
            pattern=r"^52\d{7}$",
        ),
        Column(
            "party_org_rating",
            "党组织定级",
            "code",
            "排队定级结果：先进、一般、后进 / party organisation rating",
            required=True,
            aliases=("定级", "党组织等级"),
            codes=("先进", "一般", "后进"),
        ),
        Column(
            "is_rectified",
            "是否完成整顿",
            "boolean",
            "后进党组织是否已整顿销号 / lagging organisation rectified",
            aliases=("整顿销号",),
        ),
        Column(
            "collective_operating_income",
            "集体经济经营收入",
            "decimal",
            "村集体经济经营性收入 / collective economy operating income",
            unit="万元",
            aliases=("经营收入",),
        ),
        Column(
            "collective_net_income",
            "集体经济收益",
            "decimal",
            "村集体经济收益（净收入）/ collective economy net income",
            unit="万元",
            aliases=("收益", "集体经济净收入"),
        ),
        Column(
            "grid_count",
            "网格数",
            "integer",
            "划分的网格数 / number of grids",
            unit="个",
            aliases=("网格",),
        ),
        Column(
            "party_group_count",
            "党小组数",
            "integer",
            "党小组个数 / number of party groups",
            unit="个",
            aliases=("党小组",),
        ),
    ),
)

SHEETS: tuple[Sheet, ...] = (VILLAGES,)


def sheet(key: str) -> Sheet:
    for s in SHEETS:
        if s.key == key:
            return s
    raise KeyError(key)


def parse_period(text: str) -> str:
    """Normalise a period as written on the cover (``2025q3``, ``2025-7``) or raise ValueError."""
    cleaned = text.strip().upper().replace("年", "").replace("季度", "").replace("第", "")
    m = re.fullmatch(r"(20\d\d)-(\d{1,2})", cleaned)
    if m and 1 <= int(m.group(2)) <= 12:
        cleaned = f"{m.group(1)}-{int(m.group(2)):02d}"
    if not PERIOD_PATTERN.match(cleaned):
        raise ValueError(f"报送期间应为 2025、2025Q3 或 2025-07 的形式，实际为「{text}」")
    return cleaned


def file_name(county_code: str, period: str) -> str:
    """The file name convention for a submission: ``<county code>_<period>_<county name>.xlsx``."""
    return f"{county_code}_{period}_{COUNTIES[county_code]}.xlsx"


def raw_table_ddl(s: Sheet) -> str:
    cols = [f"{name} {ddl}" for name, ddl in LINEAGE_COLUMNS]
    cols += [f"{c.name} {c.sql_type}" for c in s.columns]
    body = ",\n    ".join(cols)
    return (
        f"create table if not exists {s.table} (\n    {body}\n);\n"
        f"create index if not exists {s.key}_submission on {s.table} (submission_id);\n"
        f"comment on table {s.table} is {_literal(s.title + '：' + s.description)};\n"
        + "".join(
            f"comment on column {s.table}.{c.name} is {_literal(c.template_header + '：' + c.description)};\n"
            for c in s.columns
        )
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
