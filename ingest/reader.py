"""Workbook reader: find the contract's sheets and headers in a county workbook and parse its rows.

Reading uses python-calamine (Rust), which returns codes typed as text as text. Every problem
found becomes a :class:`Problem` naming the sheet and the cell, in Chinese, for the clerk.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest import contract, orgunits
from ingest.contract import COVER_FIELDS, COVER_SHEET, Column, Sheet
from ingest.parse import ParseError, is_approximate, is_blank, normalise_text, parse_value

_HEADER_SCAN_ROWS = 30
_FILE_NAME = re.compile(r"^(?P<county>\d{6})_(?P<period>[^_]+)_")


class WorkbookRejected(Exception):
    """The whole workbook is quarantined; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str, rule: str, sheet: str | None = None, cell: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.rule = rule
        self.sheet = sheet
        self.cell = cell


@dataclass(frozen=True)
class Problem:
    """One rejected cell (or row), traceable to ``sheet!cell`` in the original file."""

    sheet: str
    cell: str
    column: str | None
    original: str | None
    rule: str
    message: str
    severity: str = "error"


@dataclass
class SheetData:
    sheet: Sheet
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: where each contract column was found (0-based), as the clerk laid the sheet out
    column_index: dict[str, int] = field(default_factory=dict)
    rejected_rows: int = 0
    held_back: bool = False


@dataclass
class Workbook:
    path: Path
    county_code: str
    period: str
    sheets: dict[str, SheetData]

    @property
    def problems(self) -> list[Problem]:
        return [p for data in self.sheets.values() for p in data.problems]


def column_letter(index: int) -> str:
    """0-based column index to the spreadsheet letter: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based row and column to ``B12``."""
    return f"{column_letter(col)}{row + 1}"


def _header_key(text: Any) -> str:
    """What a header cell means, stripped of units in brackets, spaces and line breaks."""
    key = normalise_text(text)
    key = re.sub(r"[(（][^()（）]*[)）]$", "", key)
    return re.sub(r"[\s*：:]", "", key)


def _header_index(s: Sheet) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in s.columns:
        for name in (col.header, *col.aliases):
            index[_header_key(name)] = col
    return index


def _find_header(s: Sheet, grid: list[list[Any]]) -> tuple[int, dict[int, Column]]:
    index = _header_index(s)
    best: tuple[int, dict[int, Column]] = (-1, {})
    for r, row in enumerate(grid[:_HEADER_SCAN_ROWS]):
        found = {c: index[_header_key(v)] for c, v in enumerate(row) if _header_key(v) in index}
        if len(found) > len(best[1]):
            best = (r, found)
    return best


def _cover(book: Any, path: Path) -> tuple[str, str]:
    if COVER_SHEET not in book.sheet_names:
        raise WorkbookRejected(
            f"缺少「{COVER_SHEET}」工作表（应写明县（区）代码和报送期间）", "missing_cover"
        )
    values: dict[str, tuple[str, str]] = {}
    labels = {_header_key(label): name for name, label in COVER_FIELDS.items()}
    for r, row in enumerate(book.get_sheet_by_name(COVER_SHEET).to_python(skip_empty_area=False)):
        for c, cell in enumerate(row[:-1]):
            name = labels.get(_header_key(cell))
            if name:
                value = row[c + 1]
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                values[name] = (normalise_text(value), cell_ref(r, c + 1))
    for name, label in COVER_FIELDS.items():
        if name not in values or not values[name][0]:
            raise WorkbookRejected(f"「{COVER_SHEET}」未填写{label}", "missing_cover_field", COVER_SHEET)
    county, county_cell = values["county_code"]
    if county not in orgunits.counties():
        raise WorkbookRejected(
            f"{COVER_SHEET}!{county_cell}：县（区）代码「{county}」不在本系统受理的县（区）之列",
            "unknown_county",
            COVER_SHEET,
            county_cell,
        )
    try:
        period = contract.parse_period(values["period"][0])
    except ValueError as exc:
        raise WorkbookRejected(
            f"{COVER_SHEET}!{values['period'][1]}：{exc}", "bad_period", COVER_SHEET, values["period"][1]
        ) from None
    named = _FILE_NAME.match(path.name)
    if named and (named["county"], named["period"].upper()) != (county, period):
        raise WorkbookRejected(
            f"文件名「{path.name}」与封面不一致：封面为 {county} {period}", "cover_mismatch", COVER_SHEET
        )
    return county, period


#: Column types whose values repeat enough to parse each distinct value once per sheet.
_REPEATING = frozenset({"code", "boolean", "date", "integer", "decimal"})

#: Rows that are notes, not data: instructions below the header, footers under the table.
_NOTE_ROW = re.compile(
    r"^(填表说明|填写说明|说明|注[:：]|备注[:：]|填表人|审核人|负责人|联系电话|填报日期|日期[:：]|制表)"
)


def _is_note_row(row: list[Any]) -> bool:
    """A row whose every filled cell is a note: 填写说明……, 填表人：, 审核人：, 日期： …"""
    filled = [v for v in row if not is_blank(v)]
    return bool(filled) and all(isinstance(v, str) and _NOTE_ROW.match(normalise_text(v)) for v in filled)


def _known_units(county: str) -> dict[str, set[str]]:
    towns = orgunits.townships(county)
    units = {u.code for t in towns for u in t.units}
    townships = {t.unit.code for t in towns}
    return {"unit": units, "township": townships, "any": units | townships | {county}}


def _problem(title: str, r: int, c: int, col: Column | None, original: Any, rule: str, text: str) -> Problem:
    ref = cell_ref(r, c)
    label = f"「{col.header}」" if col else ""
    return Problem(
        title,
        ref,
        col.name if col else None,
        None if original is None else str(original),
        rule,
        f"{title}!{ref}{label}{text}",
    )


def _read_sheet(s: Sheet, title: str, grid: list[list[Any]], county: str) -> SheetData:
    header_row, columns = _find_header(s, grid)
    missing = [c.template_header for c in s.columns if c.required and c not in columns.values()]
    if header_row < 0 or missing:
        raise WorkbookRejected(f"工作表「{title}」缺少必填列：{'、'.join(missing)}", "missing_column", title)
    data = SheetData(s, title, column_index={col.name: c for c, col in columns.items()})
    known = _known_units(county)
    county_name = orgunits.county_name(county)
    seen: dict[tuple, int] = {}
    key_names = [col.name for col in columns.values() if col.name in s.row_key]
    key_headers = "、".join(col.header for col in columns.values() if col.name in s.row_key)
    # per column, once: where it is, how to parse it, what else to check
    plan = [
        (
            c,
            col,
            col.org_level and known[col.org_level],
            col.type in ("integer", "decimal"),
            {} if col.type in _REPEATING else None,
        )
        for c, col in columns.items()
    ]
    for r in range(header_row + 1, len(grid)):
        row = grid[r]
        width = len(row)
        cells = [row[c] if c < width else None for c, *_ in plan]
        if all(is_blank(v) for v in cells):
            continue
        record: dict[str, Any] = {"source_row": r + 1, "approximate_columns": []}
        problems = []
        for (c, col, units, numeric, cache), cell in zip(plan, cells, strict=True):
            try:
                if cache is None:
                    value = parse_value(cell, col)
                else:  # the same code, date or number recurs thousands of times in a sheet
                    key = (cell.__class__, cell)
                    value = cache[key] if key in cache else cache.setdefault(key, parse_value(cell, col))
                record[col.name] = value
            except ParseError as exc:
                problems.append(_problem(title, r, c, col, cell, f"parse_{col.type}", str(exc)))
                continue
            if units and value is not None and value not in units:
                problems.append(
                    _problem(
                        title,
                        r,
                        c,
                        col,
                        cell,
                        "unknown_org_unit",
                        f"代码「{value}」不是{county_name}已登记的单位",
                    )
                )
            if numeric and cell.__class__ is str and is_approximate(cell):
                record["approximate_columns"].append(col.name)
        if not problems and key_names:
            key = tuple(record[name] for name in key_names)
            if key in seen:
                problems.append(
                    _problem(
                        title,
                        r,
                        0,
                        None,
                        None,
                        "duplicate_row",
                        f"：与第 {seen[key]} 行重复（{key_headers}相同）",
                    )
                )
            else:
                seen[key] = r + 1
        if problems and _is_note_row(row):  # a note or footer, not a data row: checked only when it fails
            continue
        if problems:
            data.problems.extend(problems)
            data.rejected_rows += 1
        else:
            data.rows.append(record)
    return data


def _contract_checks(data: SheetData) -> None:
    """Run the contract suite (Great Expectations, expectations/contract.py) on the parsed rows;
    a failing row is held back and reported at the cell of the column the rule names."""
    from expectations.contract import check

    failures = check(data.sheet, data.rows)
    if not failures:
        return
    failed_rows = set()
    for f in failures:
        r, c = f.source_row - 1, data.column_index[f.column]
        col = data.sheet.column(f.column)
        original = next((row.get(f.column) for row in data.rows if row["source_row"] == f.source_row), None)
        data.problems.append(_problem(data.title, r, c, col, original, f.rule, f.message))
        failed_rows.add(f.source_row)
    data.rows = [row for row in data.rows if row["source_row"] not in failed_rows]
    data.rejected_rows += len(failed_rows)


def _find_sheets(book: Any) -> dict[str, str]:
    """Each subject's sheet: by name or alias, else (renamed) by the best header fingerprint."""
    visible = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
    titles: dict[str, str] = {}
    for s in contract.SHEETS:  # hidden sheets (old copies, scratch) are never taken for data
        found = next((t for t in (s.title, *s.aliases) if t in visible), None)
        if found:
            titles[s.key] = found
    for s in contract.SHEETS:
        if s.key in titles:
            continue
        required = [c for c in s.columns if c.required]
        best, best_hits = None, len(required) // 2
        for name in visible:
            if name in titles.values() or name == COVER_SHEET:
                continue
            grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)[:_HEADER_SCAN_ROWS]
            hits = sum(1 for c in set(_find_header(s, grid)[1].values()) if c.required)
            if hits > best_hits:
                best, best_hits = name, hits
        if best:
            titles[s.key] = best
    return titles


def _limit(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _preflight(path: Path) -> None:
    """Refuse, before any parsing, what is not a plain workbook or would exhaust the machine."""
    size = path.stat().st_size
    if size == 0:
        raise WorkbookRejected(f"文件「{path.name}」是空文件（0 字节）", "empty_file")
    max_mb = _limit("DANGJIAN_MAX_FILE_MB", 200)
    if size > max_mb * 1024 * 1024:
        raise WorkbookRejected(
            f"文件「{path.name}」大小 {size / 1048576:.0f} MB，超过上限 {max_mb:.0f} MB", "too_large"
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE compound file: legacy .xls, or an encrypted workbook
        with path.open("rb") as fh:
            encrypted = b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k" in fh.read(1 << 20)
        if encrypted:
            raise WorkbookRejected(
                f"文件「{path.name}」设置了打开密码，系统无法读取；请取消密码后重新报送", "encrypted"
            )
        if path.suffix.lower() != ".xls":
            raise WorkbookRejected(
                f"文件「{path.name}」实为旧版 .xls 格式却以 {path.suffix} 命名；请另存为 .xlsx", "xls_renamed"
            )
        return
    if not head.startswith(b"PK\x03\x04"):
        sniff = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t").lower()
        if sniff.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
            kind = "网页或 XML 文件（常见于从网上系统导出的“伪 Excel”）"
        elif b"\x00" not in head and (b"," in head or b"\t" in head):
            kind = "纯文本或 CSV 文件"
        else:
            kind = "未知格式的文件"
        raise WorkbookRejected(
            f"无法打开文件「{path.name}」：它不是 Excel 工作簿，而是{kind}；请用 Excel 另存为 .xlsx",
            "unreadable",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            entries = zf.infolist()
            names = {e.filename for e in entries}
    except zipfile.BadZipFile:
        raise WorkbookRejected(
            f"无法打开文件「{path.name}」：文件已损坏或不完整（可能上传中断）", "unreadable"
        ) from None
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise WorkbookRejected(
            f"无法打开文件「{path.name}」：压缩包里没有 Excel 工作簿（可能是 Word 等其他文件）", "unreadable"
        )
    if "xl/vbaProject.bin" in names:
        raise WorkbookRejected(
            f"文件「{path.name}」含宏（VBA 代码），出于安全不予受理；请另存为不含宏的 .xlsx", "macros"
        )
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise WorkbookRejected(
            f"文件「{path.name}」含指向其他文件的外部链接，数值可能不完整；请断开链接（粘贴为数值）后重新报送",
            "external_links",
        )
    unpacked = sum(e.file_size for e in entries)
    max_unpacked = _limit("DANGJIAN_MAX_UNPACKED_MB", 1024) * 1024 * 1024
    ratio = max((e.file_size / max(e.compress_size, 1) for e in entries), default=0)
    if unpacked > max_unpacked or (ratio > 500 and unpacked > 50 * 1024 * 1024):
        raise WorkbookRejected(
            f"文件「{path.name}」解压后达 {unpacked / 1048576:.0f} MB（压缩比 {ratio:.0f}），疑似“压缩炸弹”，不予读取",
            "decompression_bomb",
        )
    _no_uncalculated_formulas(path)


_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>\s*|<v>\s*</v>\s*)?</c>'
)


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return dict(re.findall(rb'([\w:]+)="([^"]*)"', tag))


def _no_uncalculated_formulas(path: Path) -> None:
    """A formula saved without its result would read as an empty cell: refuse it, naming the cell."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        rels_part = "xl/_rels/workbook.xml.rels"
        rels: dict[bytes, bytes] = {}
        if rels_part in names:
            for tag in re.findall(rb"<Relationship [^>]*>", zf.read(rels_part)):
                a = _attributes(tag)
                rels[a.get(b"Id", b"")] = a.get(b"Target", b"")
        for tag in re.findall(rb"<sheet [^>]*>", zf.read("xl/workbook.xml")):
            a = _attributes(tag)
            target = rels.get(a.get(b"r:id", b""), b"").decode().lstrip("/")
            part = target if target.startswith("xl/") else f"xl/{target}"
            if part not in names:
                continue
            xml = zf.read(part)
            found = (b"<f>" in xml or b"<f " in xml) and _FORMULA_WITHOUT_VALUE.search(xml)
            if found:
                sheet, cell = a.get(b"name", b"").decode(), found.group(1).decode()
                raise WorkbookRejected(
                    f"{sheet}!{cell} 是公式但文件中没有保存计算结果，无法读取其数值；请在 Excel 中打开、"
                    "重新计算并保存（或粘贴为数值）后重新报送",
                    "uncalculated_formula",
                    sheet,
                    cell,
                )


def read_workbook(path: Path, max_rejected_share: float | None = None) -> Workbook:
    """Read and parse a county workbook; raises WorkbookRejected when it cannot be used at all.

    A sheet whose share of rejected rows exceeds ``max_rejected_share`` (default
    ``DANGJIAN_MAX_REJECTED_SHARE`` or 0.5) is held back whole: none of its rows load.
    """
    from python_calamine import CalamineWorkbook

    _preflight(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken files
        raise WorkbookRejected(
            f"无法打开文件「{path.name}」：不是有效的 Excel 工作簿（{exc}）", "unreadable"
        ) from None
    county, period = _cover(book, path)
    titles = _find_sheets(book)
    missing = [s.title for s in contract.SHEETS if s.key not in titles]
    if missing:
        raise WorkbookRejected(f"缺少工作表：{'、'.join(missing)}", "missing_sheet", missing[0])
    limit = max_rejected_share
    if limit is None:
        limit = float(os.environ.get("DANGJIAN_MAX_REJECTED_SHARE") or 0.5)
    max_rows = int(_limit("DANGJIAN_MAX_ROWS", 300_000))
    sheets: dict[str, SheetData] = {}
    for s in contract.SHEETS:
        sheet = book.get_sheet_by_name(titles[s.key])
        if sheet.height > max_rows or sheet.width > 200:
            raise WorkbookRejected(
                f"工作表「{titles[s.key]}」有 {sheet.height} 行、{sheet.width} 列，超过上限（{max_rows} 行、200 列）；"
                "请检查是否误填了整列或整行",
                "too_many_rows",
                titles[s.key],
            )
        grid = sheet.to_python(skip_empty_area=False)
        data = sheets[s.key] = _read_sheet(s, titles[s.key], grid, county)
        _contract_checks(data)
        total = len(data.rows) + data.rejected_rows
        if total and data.rejected_rows / total > limit:
            data.problems.append(
                Problem(
                    data.title,
                    "",
                    None,
                    None,
                    "sheet_held_back",
                    f"工作表「{data.title}」{total} 行中有 {data.rejected_rows} 行有误（超过 {limit:.0%}），整表暂不入库，"
                    "请更正后重新报送",
                )
            )
            data.held_back = True
            data.rows = []
    if not any(d.rows or d.problems for d in sheets.values()):
        raise WorkbookRejected(f"工作簿「{path.name}」只有表头，没有任何数据行", "no_data")
    return Workbook(path, county, period, sheets)
