"""The org-unit registry as a data file, in the layout of the official 统计用区划代码.

A registry file is a CSV (UTF-8 with or without BOM, or GB18030) or an Excel workbook (its
first sheet). Its first row names the columns; only the first two are required:

============  ===========================================================================
统计用区划代码  12 digits as published (``520624100200``) or the short form: 6 digits for a
              city or county, 9 for a township or street, 12 for a village or community.
名称           the unit's name.
城乡分类代码    village level only: 111 主城区 … 220 村庄.
层级           省 / 市 / 县 / 乡 / 村 (or province … village); checked against the code.
上级代码        checked against the code.
类型           县 区 市 旗 · 街道 镇 乡 苏木 · 行政村 社区 小区党支部; read from the name
              (…县, …街道办事处, …村委会, …社区居委会) when the column is absent or blank.
起用日期, 停用日期
              ISO dates: when this version of the unit came into and went out of force.
              ``dangjian registry load`` writes them; an official list has none.
============  ===========================================================================

Every problem names the file and its line, in Chinese, and all problems are reported at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = ("province", "city", "county", "township", "village")
_LEVEL_WORDS = {
    "省": "province",
    "市": "city",
    "县": "county",
    "乡": "township",
    "村": "village",
    **{level: level for level in LEVELS},
}
LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级", "township": "乡级", "village": "村级"}
_SHORT = {"province": 2, "city": 6, "county": 6, "township": 9, "village": 12}

#: The urban-rural classes of 统计用区划代码 (village level).
URBAN_RURAL = {
    "111": "主城区",
    "112": "城乡结合区",
    "121": "镇中心区",
    "122": "镇乡结合区",
    "123": "特殊区域",
    "210": "乡中心区",
    "220": "村庄",
}

#: Kinds each level may have, with the name endings that say which one a unit is (first match).
KINDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "province": (("省", ("省", "自治区", "市")),),
    "city": (("市（州）", ("",)),),
    "county": (("县", ("县",)), ("区", ("区",)), ("市", ("市",)), ("旗", ("旗",))),
    "township": (("街道", ("街道", "街道办事处")), ("镇", ("镇",)), ("乡", ("乡",)), ("苏木", ("苏木",))),
    "village": (
        ("小区党支部", ("党支部",)),
        ("社区", ("社区", "居委会", "居民委员会")),
        ("行政村", ("村", "村委会", "村民委员会")),
    ),
}

COLUMNS = ("统计用区划代码", "名称", "城乡分类代码", "层级", "上级代码", "类型", "起用日期", "停用日期")
_ALIASES = {"代码": "统计用区划代码", "区划代码": "统计用区划代码", "城乡分类": "城乡分类代码"}


@dataclass(frozen=True)
class Entry:
    """One version of one unit: its code (short form), name and kind from ``valid_from``
    (None: always) until ``valid_to`` (None: still in force)."""

    code: str
    name: str
    kind: str
    level: str
    parent: str | None
    urban_rural: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    line: int = field(default=0, compare=False)

    def in_force(self, start: dt.date | None, end: dt.date | None) -> bool:
        """In force at some time from ``start`` to ``end`` (None, None: now)."""
        if start is None:
            return self.valid_to is None
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or self.valid_to > start
        )

    def same_unit_as(self, other: Entry) -> bool:
        """Nothing but the validity differs."""
        return (self.name, self.kind, self.parent, self.urban_rural) == (
            other.name,
            other.kind,
            other.parent,
            other.urban_rural,
        )


class RegistryFileError(ValueError):
    """A registry file that cannot be loaded; the message lists every problem by line."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        shown = problems[:30] + ([f"……另有 {len(problems) - 30} 处问题"] if len(problems) > 30 else [])
        super().__init__(f"区划代码文件 {path.name} 有 {len(problems)} 处问题：\n" + "\n".join(shown))


def level_of(code: str) -> str | None:
    """The level a code stands for (12 digits or the short forms), None if it is no code."""
    if not code.isascii() or not code.isdigit() or len(code) not in (2, 6, 9, 12):
        return None
    full = code.ljust(12, "0")
    if len(code) == 2 or full[2:] == "0" * 10:
        return "province" if full[:2] != "00" else None
    if full[4:] == "0" * 8:
        return "city" if len(code) in (6, 12) else None
    if full[6:] == "0" * 6:
        return "county" if len(code) in (6, 12) else None
    if full[9:] == "000":
        return "township" if len(code) in (9, 12) and full[6:9] != "000" else None
    return "village" if len(code) == 12 and full[6:9] != "000" else None


def short_code(code: str, level: str) -> str:
    return code.ljust(12, "0")[: _SHORT[level]]


def full_code(code: str) -> str:
    """The 12-digit form an official list prints."""
    return code.ljust(12, "0")


def parent_code(code: str, level: str) -> str | None:
    return {
        "province": None,
        "city": code[:2],
        "county": code[:4] + "00",
        "township": code[:6],
        "village": code[:9],
    }[level]


def kind_from_name(level: str, name: str) -> str | None:
    for kind, endings in KINDS[level]:
        if any(name.endswith(e) for e in endings):
            return kind
    return None


def _rows(path: Path) -> list[list[str]]:
    """The file's rows as text, header first."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        return [[_text(v) for v in row] for row in grid]
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RegistryFileError(path, ["文件既不是 UTF-8 也不是 GB18030 编码的 CSV"])
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return "" if value is None else str(value).strip()


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def read(path: Path) -> tuple[Entry, ...]:
    """Every row of a registry file, checked; raises :class:`RegistryFileError` listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise RegistryFileError(path, [f"找不到文件：{path}"])
    rows = _rows(path)
    while rows and not any(rows[0]):
        rows.pop(0)
    header = [_ALIASES.get(h, h) for h in (rows[0] if rows else [])]
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing:
        raise RegistryFileError(
            path, [f"第1行：缺少「{'」「'.join(missing)}」列；第一行应为列名，如 {'、'.join(COLUMNS[:3])}"]
        )
    at = {name: header.index(name) for name in COLUMNS if name in header}
    problems: list[str] = []
    entries: list[Entry] = []
    for line, row in enumerate(rows[1:], start=2):
        cell = {name: (row[i] if i < len(row) else "") for name, i in at.items()}
        if not any(cell.values()):
            continue
        entry = _entry(cell, line, problems)
        if entry:
            entries.append(entry)
    problems += _consistency(entries)
    if problems:
        raise RegistryFileError(path, problems)
    return tuple(entries)


def _entry(cell: dict[str, str], line: int, problems: list[str]) -> Entry | None:
    code, name = re.sub(r"\s", "", cell["统计用区划代码"]), cell["名称"]
    level = level_of(code)
    where = f"第{line}行"
    if level is None:
        problems.append(f"{where}：统计用区划代码应为12位数字（或6、9位的简写），实际为「{code}」")
        return None
    short = short_code(code, level)
    found = len(problems)
    if not name:
        problems.append(f"{where}：代码 {code} 缺少名称")
    said_level = cell.get("层级", "")
    if said_level and _LEVEL_WORDS.get(said_level) != level:
        problems.append(f"{where}：层级写作「{said_level}」，但代码 {code} 是{LEVEL_NAMES[level]}代码")
    parent = parent_code(short, level)
    said_parent = re.sub(r"\s", "", cell.get("上级代码", ""))
    if said_parent and parent and said_parent.ljust(12, "0") != parent.ljust(12, "0"):
        problems.append(
            f"{where}：上级代码写作「{said_parent}」，但代码 {code} 的上级应为 {full_code(parent)}"
        )
    kind = cell.get("类型", "") or kind_from_name(level, name)
    allowed = [k for k, _ in KINDS[level]]
    if name and kind is None:
        problems.append(f"{where}：无法从名称「{name}」判断类型，请在「类型」列填写：{'、'.join(allowed)}")
    elif kind and kind not in allowed:
        problems.append(
            f"{where}：{LEVEL_NAMES[level]}单位的类型应为 {'、'.join(allowed)} 之一，实际为「{kind}」"
        )
    urban_rural = cell.get("城乡分类代码", "") or None
    if urban_rural and (level != "village" or urban_rural not in URBAN_RURAL):
        expected = "、".join(f"{k} {v}" for k, v in URBAN_RURAL.items())
        problems.append(
            f"{where}：城乡分类代码只用于村级，应为 {expected} 之一，实际为「{urban_rural}」"
            if level == "village"
            else f"{where}：城乡分类代码只用于村级单位，{LEVEL_NAMES[level]}代码 {code} 不应填写"
        )
    dates = []
    for column in ("起用日期", "停用日期"):
        text = cell.get(column, "")
        try:
            dates.append(_date(text) if text else None)
        except ValueError:
            problems.append(f"{where}：{column}应为 2026-01-01 这样的日期，实际为「{text}」")
            dates.append(None)
    if dates[0] and dates[1] and dates[1] <= dates[0]:
        problems.append(f"{where}：停用日期 {dates[1]} 应晚于起用日期 {dates[0]}")
    if len(problems) > found:
        return None
    return Entry(short, name, kind, level, parent, urban_rural, dates[0], dates[1], line)


def _consistency(entries: list[Entry]) -> list[str]:
    """Versions of one code that overlap, and units whose parent the file does not have (a
    city's province may be left out)."""
    problems = []
    by_code: dict[str, list[Entry]] = {}
    for e in entries:
        for other in by_code.get(e.code, ()):
            if _overlap(e, other):
                problems.append(f"第{e.line}行：代码 {full_code(e.code)} 与第{other.line}行重复")
                break
        by_code.setdefault(e.code, []).append(e)
    for e in entries:
        if e.level in ("county", "township", "village") and e.parent not in by_code:
            problems.append(
                f"第{e.line}行：{e.name}（{full_code(e.code)}）的上级 {full_code(e.parent)} 不在文件中"
            )
    return problems


def _overlap(a: Entry, b: Entry) -> bool:
    starts_before_b_ends = b.valid_to is None or a.valid_from is None or a.valid_from < b.valid_to
    ends_after_b_starts = a.valid_to is None or b.valid_from is None or a.valid_to > b.valid_from
    return starts_before_b_ends and ends_after_b_starts


def write(path: Path, entries: tuple[Entry, ...] | list[Entry]) -> None:
    """Write ``entries`` as a registry file (CSV, UTF-8 with BOM so Excel opens it), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                full_code(e.code),
                e.name,
                e.urban_rural or "",
                LEVEL_NAMES[e.level][0],
                full_code(e.parent) if e.parent else "",
                e.kind,
                e.valid_from.isoformat() if e.valid_from else "",
                e.valid_to.isoformat() if e.valid_to else "",
            ]
        )
    partial = path.with_name(path.name + ".partial")
    partial.write_text(out.getvalue(), encoding="utf-8-sig")
    partial.replace(path)
