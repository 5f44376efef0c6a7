"""The submission contract: the one definition of what a county workbook holds.

Everything that needs to know the shape of a submission reads it from here: the workbook
reader, the raw table DDL, the sample generator, the dbt source documentation and the Great
Expectations contract suites. Change a sheet here and every one of them follows.

Each sheet is a module of its own (``cadres``, ``training``, ``villages``, ``enterprises``,
``townships``, ``village_projects``), made of the columns of ``columns.py``; this module
gathers them with the region's counties, the reporting periods and every code list. Beside
it: the org-unit registry (``orgunits``), ID numbers and credit codes (``codes``), and the rule
set (``rules``, in the expression language of ``expressions`` and ``rule_functions``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ingest.contract.cadres import CADRES, ROLE_CODES
from ingest.contract.columns import (
    COVER_FIELDS,
    COVER_SHEET,
    EARLIEST_DATE,
    EVENTS_FROM,
    LATEST_DATE,
    LINEAGE_COLUMNS,
    MAX_TEXT,
    Column,
    ColumnType,
    Sheet,
)
from ingest.contract.enterprises import ENTERPRISES
from ingest.contract.townships import TOWNSHIPS
from ingest.contract.training import TRAINING
from ingest.contract.village_projects import VILLAGE_PROJECTS
from ingest.contract.villages import VILLAGES

#: A village's collective economy is "strong" from these amounts (万元) up: operating income
#: of 55 or net income of 25 (the article's bar; dbt_project.yml has the same as vars).
STRONG_OPERATING_INCOME = 55
STRONG_NET_INCOME = 25

#: A reporting period: a year (2025), a quarter (2025Q3) or a month (2025-07).
PERIOD_PATTERN = re.compile(r"^(?P<year>20\d\d)(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$", re.ASCII)


__all__ = [
    "CADRES",
    "COVER_FIELDS",
    "COVER_SHEET",
    "DERIVED_CODE_LISTS",
    "EARLIEST_DATE",
    "ENTERPRISES",
    "EVENTS_FROM",
    "LATEST_DATE",
    "LINEAGE_COLUMNS",
    "MAX_TEXT",
    "PERIOD_PATTERN",
    "ROLE_CODES",
    "SHEETS",
    "STRONG_NET_INCOME",
    "STRONG_OPERATING_INCOME",
    "TOWNSHIPS",
    "TRAINING",
    "VILLAGES",
    "VILLAGE_PROJECTS",
    "Column",
    "ColumnType",
    "Sheet",
    "chinese_number",
    "code_lists",
    "file_name",
    "parse_period",
    "period_end",
    "raw_table_ddl",
    "render_markdown",
    "sheet",
]

SHEETS: tuple[Sheet, ...] = (CADRES, TRAINING, VILLAGES, ENTERPRISES, TOWNSHIPS, VILLAGE_PROJECTS)


#: Code lists of the columns the warehouse derives itself (no county types them). An org unit's
#: type in the registry is a city's, a county's (县, 区, county-level 市, 旗), a township's (镇, 乡, 街道,
#: 苏木), or one of a village row's; ingest.contract.registry_file reads them from names.
DERIVED_CODE_LISTS: dict[str, tuple[str, ...]] = {
    "submission_status": ("accepted", "quarantined"),
    "period_type": ("year", "quarter", "month"),
    "unit_level": ("city", "county", "township", "village"),
    "org_unit_type": (
        "市（州）",
        "县",
        "区",
        "市",
        "旗",
        "镇",
        "乡",
        "街道",
        "苏木",
        *VILLAGES.column("unit_type").codes,
    ),
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


CHINESE_DIGITS = dict(zip("〇零○一二三四五六七八九", (0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def chinese_number(text: str) -> int | None:
    """A number from 0 to 99 in Chinese numerals (三, 十二, 三十一) or digits; None if it is not."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return CHINESE_DIGITS.get(tens) if len(tens) == 1 else None
    if len(tens) > 1 or len(ones) > 1 or not all(d in CHINESE_DIGITS for d in tens + ones):
        return None
    return (CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[ones] if ones else 0)


_YEAR = re.compile(r"(20\d\d)年?度?")
_QUARTER = re.compile(r"(20\d\d)(?:年|-)?(?:第)?(?:Q([1-4])|([1-4一二三四])季度)")
_MONTH = re.compile(r"(20\d\d)(?:年|[-./])(\d{1,2}|[一二三四五六七八九十]{1,2})(?:月份?)?")


def parse_period(text: str) -> str:
    """Normalise a period as written on a cover or a file name, or raise ValueError: a year
    (2025, 2025年, 2025年度), a quarter (2025Q3, 2025q3, 2025-Q3, 2025年第三季度, 2025年3季度)
    or a month (2025-07, 2025-7, 2025.7, 2025年7月, 2025年七月份); full-width digits too."""
    raw = str(int(text)) if isinstance(text, float) and text.is_integer() else str(text)
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
    if m := _YEAR.fullmatch(cleaned):
        cleaned = m.group(1)
    elif m := _QUARTER.fullmatch(cleaned):
        cleaned = f"{m.group(1)}Q{chinese_number(m.group(2) or m.group(3))}"
    elif (m := _MONTH.fullmatch(cleaned)) and (month := chinese_number(m.group(2))) is not None:
        cleaned = f"{m.group(1)}-{month:02d}"
    if not PERIOD_PATTERN.match(cleaned):
        raise ValueError(f"报送期间应为 2025、2025Q3 或 2025-07 的形式，实际为「{raw}」")
    return cleaned


def file_name(county_code: str, period: str, county_name: str | None = None) -> str:
    """The file name convention for a submission: ``<county code>_<period>_<county name>.xlsx``."""
    if county_name is None:
        from ingest.contract import orgunits

        county_name = orgunits.county_name(county_code)
    return f"{county_code}_{period}_{county_name}.xlsx"


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
        "Generated from `ingest/contract/` (`dangjian contract docs`); do not edit by hand.",
        "",
        f"A submission is one workbook per county and period, named `<county code>_<period>_<county name>.xlsx`"
        f" (e.g. `{file_name('520624', '2025Q4')}`). Its cover sheet ({COVER_SHEET}) states"
        f" {COVER_FIELDS['county_code']} and {COVER_FIELDS['period']} (`2025`, `2025Q3` or `2025-07`, also"
        " written `2025年度`, `2025年第三季度`, `2025年7月`);"
        " both must agree with the file name. `dangjian template --county C --period P` writes the blank"
        " template with drop-downs for every code list.",
    ]
    for s in SHEETS:
        lines += ["", f"## {s.title} (`{s.table}`)", "", s.description, ""]
        if s.aliases:
            lines += [f"Also recognised as: {'、'.join(s.aliases)}.", ""]
        if s.optional:
            lines += [
                "An optional sheet: a workbook without it is accepted and loads none of its rows;"
                " the steward's report names the counties whose current submission has none.",
                "",
            ]
        lines += [
            "| column | header | type | unit | required | allowed values and limits | also accepted headers | description |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for c in s.columns:
            limits = "；".join(c.limit_text(kind) for kind in c.limits() if kind != "required")
            if c.code_synonyms:
                limits += "（也读作：" + "、".join(f"{w}→{code}" for w, code in c.code_synonyms) + "）"
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


def period_start(period: str) -> dt.date:
    """The first day of a period (2025 → 2025-01-01, 2025Q3 → 2025-07-01, 2025-02 → 2025-02-01)."""
    m = PERIOD_PATTERN.match(parse_period(period))
    if m["quarter"]:
        return dt.date(int(m["year"]), int(m["quarter"]) * 3 - 2, 1)
    return dt.date(int(m["year"]), int(m["month"] or 1), 1)


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
