"""The pieces a sheet is made of: columns, their types and default limits, the cover, lineage.

Each sheet of the submission lives in its own module beside this one (``cadres``,
``training``, ``villages``, ``enterprises``); :mod:`ingest.contract` gathers them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

ColumnType = Literal["text", "code", "id_number", "credit_code", "integer", "decimal", "boolean", "date"]

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
    #: Other ways clerks write a code, each read as the code: (written, code), e.g. (本科, 大学本科).
    code_synonyms: tuple[tuple[str, str], ...] = ()
    pattern: str | None = None
    #: What ``pattern`` asks for, in words for the clerk ("应为 12 位数字").
    pattern_text: str | None = None
    #: The declared limits. Each is checked on the workbook by the parsers (ingest/workbook/parse.py)
    #: and on the build by the audit (ingest/contract/rules.py), from this one definition; a value
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

    def as_yuan(self, value: object) -> str:
        """For an amount in 万元 too large for its column that fits once read as 元 (the usual
        slip): what it is in 万元, as a hint after the refusal; else nothing."""
        low, high = self.bounds
        try:
            wan = Decimal(str(value)) / 10000
        except ArithmeticError:
            return ""
        if self.unit != "万元" or high is None or wan * 10000 <= high or not low <= wan <= high:
            return ""
        return f"；如按元填写，应为 {wan.normalize():f} 万元"

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
    #: A sheet added after counties began to submit: a workbook without it still loads (with
    #: none of its rows), and the steward's report names the counties that sent none.
    optional: bool = False

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


def column(name: str, header: str, type_: ColumnType, description: str, **kw) -> Column:
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


#: An org unit's code: county (6), township (9) or village (12 digits).
ORG_UNIT_CODE = r"^\d{6}(\d{3}(\d{3})?)?$"


def village_code() -> Column:
    """A village's, community's or residential branch's 12-digit code, one of the county's: the
    key of the village sheet and the village a project belongs to."""
    return column(
        "org_unit_code",
        "村（社区）代码",
        "code",
        "12 位统计用区划代码 / 12-digit village or community code",
        required=True,
        aliases=("村代码", "社区代码", "区划代码"),
        pattern=r"^\d{12}$",
        pattern_text="应为 12 位数字",
        org_level="unit",
    )


def township_code(description: str) -> Column:
    """A township's or street's 9-digit code, one of the county's: the township a village row
    lies in, and the key of the townships sheet."""
    return column(
        "township_code",
        "乡镇（街道）代码",
        "code",
        description,
        required=True,
        aliases=("乡镇代码", "街道代码"),
        pattern=r"^\d{9}$",
        pattern_text="应为 9 位数字",
        org_level="township",
    )


def rating(header: str, description: str, aliases: tuple[str, ...]) -> Column:
    """A party organisation's rating in the ranking (排队定级): one code list for villages and
    townships alike."""
    return column(
        "party_org_rating",
        header,
        "code",
        description,
        required=True,
        aliases=aliases,
        codes=("先进", "一般", "后进"),
    )
