"""Workbook reader: find the contract's sheets and headers in a county workbook and parse its rows.

Reading uses python-calamine (Rust), which returns codes typed as text as text. Every problem
found becomes a :class:`Problem` naming the sheet and the cell, in Chinese, for the clerk.

A workbook is checked in three steps: each cell is parsed against its column's type and
declared limits (``ingest/workbook/parse.py``); rows that break a rule describing an impossible row,
or repeat another row's key, are refused; then the rest of the rule set (``ingest/contract/rules.py``)
is evaluated on the rows that remain, which are kept and flagged. Refused rows and critical
findings hold the submission back from publication until it is corrected or released.
"""

from __future__ import annotations

import gc
import operator
import re
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest import contract
from ingest.contract import COVER_FIELDS, COVER_SHEET, Column, Sheet, orgunits, rules
from ingest.contract.expressions import Book
from ingest.variables import value
from ingest.workbook.parse import is_approximate, is_blank, normalise_text, parse_column, shown

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
    """One problem at a cell (or a row, or the sheet), traceable to ``sheet!cell`` in the
    original file. ``severity`` is ``critical`` (the submission is held back until corrected
    or released) or ``warning``; ``row_loaded`` says whether its row was loaded all the same
    (a flagged row) or refused."""

    sheet: str
    cell: str
    column: str | None
    original: str | None
    rule: str
    message: str
    severity: str = "critical"
    row_loaded: bool = False

    @classmethod
    def of_sheet(
        cls, title: str, rule: str, text: str, severity: str = "critical", row_loaded: bool = False
    ) -> Problem:
        """A problem with no cell: about a whole sheet, or the submission as a whole."""
        return cls(title, "", None, None, rule, f"工作表「{title}」：{text}", severity, row_loaded)


@dataclass
class SheetData:
    """A parsed sheet, held by column: ``values[name][i]`` is column ``name`` of the row that
    came from sheet row ``source_rows[i]``; ``approximate[i]`` lists the columns of that row
    written as approximations ("600余")."""

    sheet: Sheet
    title: str
    values: dict[str, list[Any]] = field(default_factory=dict)
    source_rows: list[int] = field(default_factory=list)
    approximate: dict[int, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: where each contract column was found (0-based), as the clerk laid the sheet out
    column_index: dict[str, int] = field(default_factory=dict)
    rejected_rows: int = 0
    held_back: bool = False

    @property
    def row_count(self) -> int:
        return len(self.source_rows)

    @property
    def total(self) -> int:
        """Rows kept and rows refused."""
        return self.row_count + self.rejected_rows

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as dictionaries (for tests and small sheets; loading works by column)."""
        return [
            {
                "source_row": source_row,
                "approximate_columns": self.approximate.get(i, []),
                **{name: values[i] for name, values in self.values.items()},
            }
            for i, source_row in enumerate(self.source_rows)
        ]

    def keep(self, positions: list[int]) -> None:
        """Keep only the rows at these positions (ascending)."""
        if len(positions) == len(self.source_rows):
            return
        pick = _picker(positions)
        self.values = {name: pick(values) for name, values in self.values.items()}
        self.source_rows = pick(self.source_rows)
        new = {old: i for i, old in enumerate(positions)}
        self.approximate = {new[i]: cols for i, cols in self.approximate.items() if i in new}


def _picker(positions: list[int]) -> Any:
    """A function taking the items at ``positions`` from a list, as a list (C speed)."""
    if len(positions) == 1:
        return lambda seq: [seq[positions[0]]]
    if not positions:
        return lambda seq: []
    get = operator.itemgetter(*positions)
    return lambda seq: list(get(seq))


@dataclass
class Workbook:
    path: Path
    county_code: str
    period: str
    sheets: dict[str, SheetData]

    @property
    def problems(self) -> list[Problem]:
        return [p for data in self.sheets.values() for p in data.problems]

    @property
    def critical(self) -> list[Problem]:
        """The problems that hold the submission back from publication."""
        return [p for p in self.problems if p.severity == "critical"]


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


def _problem(
    title: str,
    r: int,
    c: int,
    col: Column | None,
    original: Any,
    rule: str,
    text: str,
    severity: str = "critical",
    row_loaded: bool = False,
) -> Problem:
    ref = cell_ref(r, c)
    label = f"「{col.header}」" if col else ""
    return Problem(
        title,
        ref,
        col.name if col else None,
        None if original is None else shown(original),  # as the clerk typed it: -5, not -5.0
        rule,
        f"{title}!{ref}{label}{text}",
        severity,
        row_loaded,
    )


def _columns(body: list[list[Any]], indices: list[int]) -> list[tuple[Any, ...]]:
    """The cells of ``body`` in each of the columns ``indices``, column by column."""
    width = max(map(len, body))
    if any(len(row) < width for row in body):
        body = [[*row, *([""] * (width - len(row)))] for row in body]
    transposed = list(zip(*body, strict=True))
    return [transposed[c] for c in indices]


def _where(values: Sequence[Any], members: set[Any]) -> list[int]:
    """Positions of ``values`` that are in ``members``."""
    if not members:
        return []
    hits = np.fromiter(map(members.__contains__, values), dtype=bool, count=len(values))
    return np.flatnonzero(hits).tolist()


def _blank_rows(columns: list[Sequence[Any]]) -> list[int]:
    """Positions of the rows blank in every one of ``columns`` (trailing formatted rows,
    spacers). Candidates come from the first column, best one with few distinct values."""
    first, *rest = columns
    candidates = _where(first, {v for v in dict.fromkeys(first) if is_blank(v)})
    for values in rest:
        if not candidates:
            break
        candidates = [i for i in candidates if is_blank(values[i])]
    return candidates


def _rule_problems(
    data: SheetData, rule: rules.Rule, row: int, values: dict[str, Any], loaded: bool
) -> list[Problem]:
    """A rule's problems on one row (``row``: 0-based in the sheet): one at each cell the rule
    reads, or at the row's first cell when none of them is in the sheet."""
    cells = [(data.column_index[c], data.sheet.column(c)) for c in rule.columns if c in data.column_index]
    return [
        _problem(
            data.title,
            row,
            c,
            column,
            values.get(column.name) if column else None,
            rule.rule_id,
            rule.explanation,
            rule.importance,
            loaded,
        )
        for c, column in cells or [(0, None)]
    ]


def _read_sheet(s: Sheet, title: str, grid: list[list[Any]], county: str, period: str) -> SheetData:
    """Parse a sheet column by column (each distinct value once, checks in bulk), then refuse
    the rows that break a rule describing an impossible row or repeat another row's key."""
    header_row, columns = _find_header(s, grid)
    missing = [c.template_header for c in s.columns if c.required and c not in columns.values()]
    if header_row < 0 or missing:
        raise WorkbookRejected(f"工作表「{title}」缺少必填列：{'、'.join(missing)}", "missing_column", title)
    data = SheetData(s, title, column_index={col.name: c for c, col in columns.items()})
    plan = sorted(columns.items())
    body = grid[header_row + 1 :]
    if not body:
        return data
    cells = _columns(body, [c for c, _ in plan])
    # a blank row must be blank in the required code columns: look there first
    by_cardinality = sorted(
        range(len(plan)), key=lambda i: (not plan[i][1].required, plan[i][1].type != "code")
    )
    blank = set(_blank_rows([cells[i] for i in by_cardinality]))
    filled = [i for i in range(len(body)) if i not in blank] if blank else list(range(len(body)))
    if blank:
        pick = _picker(filled)
        cells = [pick(values) for values in cells]
    first = header_row + 1  # grid row of body[0]
    known = _known_units(county)
    found: dict[int, list[tuple[int, Problem]]] = {}  # position → (column order, problem)
    approximate: dict[int, list[str]] = {}
    parsed_columns: dict[str, list[Any]] = {}
    for order, ((c, col), values) in enumerate(zip(plan, cells, strict=True)):
        parsed, errors = parse_column(values, col)
        for i, error in errors.items():
            rule = rules.column_rule_id(s, col, error.kind) if error.kind else f"parse_{col.type}"
            problem = _problem(title, first + filled[i], c, col, values[i], rule, str(error))
            found.setdefault(i, []).append((order, problem))
        if col.org_level:
            units = known[col.org_level]
            message = col.limit_text("org_unit")
            rule = rules.column_rule_id(s, col, "org_unit")
            for i in _where(parsed, {v for v in set(parsed) if v is not None and v not in units}):
                problem = _problem(
                    title, first + filled[i], c, col, values[i], rule, f"{message}，实际为「{parsed[i]}」"
                )
                found.setdefault(i, []).append((order, problem))
        if col.type in ("integer", "decimal"):
            for i in _where(values, {v for v in set(values) if v.__class__ is str and is_approximate(v)}):
                if i not in errors:
                    approximate.setdefault(i, []).append(col.name)
        parsed_columns[col.name] = parsed
    # rows that cannot be true (an end before its start): refused, at every cell the rule reads
    book = Book(county, period, {s.key: parsed_columns}, {s.key: len(filled)})
    for rule in rules.RULES:
        if rule.sheet == s.key and rule.rejects_row:
            for i in rule.failing(book):
                if i not in found:
                    row = {col.name: cells[k][i] for k, (_, col) in enumerate(plan)}
                    problems = _rule_problems(data, rule, first + filled[i], row, loaded=False)
                    found[i] = [(len(plan), p) for p in problems]
    key_names = [col.name for _, col in plan if col.name in s.row_key]
    keys = list(zip(*(parsed_columns[name] for name in key_names), strict=True)) if key_names else []
    if len(set(keys)) < len(keys):  # some key repeats: report each repeat at its row
        key_headers = "、".join(col.header for _, col in plan if col.name in s.row_key)
        seen: dict[tuple, int] = {}
        for i, key in enumerate(keys):
            if i in found:
                continue
            earlier = seen.setdefault(key, i)
            if earlier != i:
                message = f"：与第 {first + filled[earlier] + 1} 行重复（{key_headers}相同）"
                found[i] = [
                    (len(plan), _problem(title, first + filled[i], 0, None, None, "duplicate_row", message))
                ]
    data.values = parsed_columns
    data.source_rows = [first + r + 1 for r in filled]
    data.approximate = approximate
    for i in sorted(found):
        if _is_note_row(body[filled[i]]):  # a note or footer, not a data row: checked only when it fails
            continue
        data.problems.extend(problem for _, problem in sorted(found[i], key=lambda p: p[0]))
        data.rejected_rows += 1
    rejected = set(found)
    if rejected:
        data.keep([i for i in range(len(filled)) if i not in rejected])
    return data


def _flag(book: Workbook) -> None:
    """Evaluate the rules that keep their rows on what was kept: flagged rows, and figures of
    the whole submission. Each finding is recorded at its cells with the rule's importance."""
    sheets = {key: data.values for key, data in book.sheets.items()}
    seen = Book(book.county_code, book.period, sheets, {key: d.row_count for key, d in book.sheets.items()})
    for rule in rules.RULES:
        if rule.rejects_row or not rule.on_workbook:
            continue
        data = book.sheets[rule.sheet]
        for i in rule.failing(seen):
            if rule.per == "submission":
                data.problems.append(
                    Problem.of_sheet(
                        data.title, rule.rule_id, rule.explanation, rule.importance, row_loaded=True
                    )
                )
                continue
            row = {name: values[i] for name, values in data.values.items()}
            data.problems.extend(_rule_problems(data, rule, data.source_rows[i] - 1, row, loaded=True))


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


def _preflight(path: Path) -> bool:
    """Refuse, before any parsing, what is not a plain workbook or would exhaust the machine.
    Returns whether the file is an .xlsx package (whose sheets' XML can be scanned)."""
    size = path.stat().st_size
    if size == 0:
        raise WorkbookRejected(f"文件「{path.name}」是空文件（0 字节）", "empty_file")
    max_mb = value("DANGJIAN_MAX_FILE_MB")
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
        return False
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
    max_unpacked = value("DANGJIAN_MAX_UNPACKED_MB") * 1024 * 1024
    ratio = max((e.file_size / max(e.compress_size, 1) for e in entries), default=0)
    if unpacked > max_unpacked or (ratio > 500 and unpacked > 50 * 1024 * 1024):
        raise WorkbookRejected(
            f"文件「{path.name}」解压后达 {unpacked / 1048576:.0f} MB（压缩比 {ratio:.0f}），疑似“压缩炸弹”，不予读取",
            "decompression_bomb",
        )
    return True


_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>\s*|<v>\s*</v>\s*)?</c>'
)


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return dict(re.findall(rb'([\w:]+)="([^"]*)"', tag))


def _has_formula(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether a sheet's XML has any formula, read in pieces (a sheet can unpack to 1 GB)."""
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            seam = tail + chunk[:2]  # a tag cut in two between pieces
            if b"<f>" in chunk or b"<f " in chunk or b"<f>" in seam or b"<f " in seam:
                return True
            tail = chunk[-2:]
    return False


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
            found = _has_formula(zf, part) and _FORMULA_WITHOUT_VALUE.search(zf.read(part))
            if found:
                sheet, cell = a.get(b"name", b"").decode(), found.group(1).decode()
                raise WorkbookRejected(
                    f"{sheet}!{cell} 是公式但文件中没有保存计算结果，无法读取其数值；请在 Excel 中打开、"
                    "重新计算并保存（或粘贴为数值）后重新报送",
                    "uncalculated_formula",
                    sheet,
                    cell,
                )


@dataclass
class _Grids:
    """What calamine read: the cover's county and period, and each subject sheet's cells."""

    county: str
    period: str
    titles: dict[str, str]
    grids: dict[str, list[list[Any]]]


def _read_grids(path: Path) -> _Grids:
    from python_calamine import CalamineWorkbook

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
    max_rows = value("DANGJIAN_MAX_ROWS")
    grids = {}
    for s in contract.SHEETS:
        sheet = book.get_sheet_by_name(titles[s.key])
        if sheet.height > max_rows or sheet.width > 200:
            raise WorkbookRejected(
                f"工作表「{titles[s.key]}」有 {sheet.height} 行、{sheet.width} 列，超过上限（{max_rows} 行、200 列）；"
                "请检查是否误填了整列或整行",
                "too_many_rows",
                titles[s.key],
            )
        grids[s.key] = _cells_of(sheet, path, titles[s.key])
    return _Grids(county, period, titles, grids)


def _cells_of(sheet: Any, path: Path, title: str) -> list[list[Any]]:
    """A sheet's cells as calamine reads them. calamine panics (a Rust panic, which Python
    sees as a BaseException) on a date-formatted cell holding a huge negative number; such a
    sheet is read again with openpyxl, which turns that cell into an error value the parser
    then refuses at its cell."""
    try:
        return sheet.to_python(skip_empty_area=False)
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the serial value … is outside the limits for dates"
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = book[title].iter_rows(values_only=True)
            return [
                ["超出范围的日期" if v == "#VALUE!" else "" if v is None else v for v in row] for row in rows
            ]
        finally:
            book.close()


@contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a workbook's cells are read and loaded.

    A sheet is millions of small lists, tuples and strings, none of them in a cycle; with the
    collector on, every few hundred new objects it rescans them all (a third of the reading
    time at 200,000 rows). Reference counting still frees everything as usual.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_workbook(path: Path, max_rejected_share: float | None = None) -> Workbook:
    """Read and parse a county workbook; raises WorkbookRejected when it cannot be used at all.

    A sheet whose share of rejected rows exceeds ``max_rejected_share`` (default
    ``DANGJIAN_MAX_REJECTED_SHARE`` or 0.5) is held back whole: none of its rows load.
    """
    with bulk():
        return _read_workbook(path, max_rejected_share)


def _read_workbook(path: Path, max_rejected_share: float | None) -> Workbook:
    package = _preflight(path)
    # calamine parses in Rust without holding the GIL: the formula scan runs meanwhile, and
    # its verdict comes first, as if it had run before.
    with ThreadPoolExecutor(1, thread_name_prefix="calamine") as pool:
        reading = pool.submit(_read_grids, path)
        try:
            if package:
                _no_uncalculated_formulas(path)
        except WorkbookRejected:
            reading.cancel()
            raise
        read = reading.result()
    limit = max_rejected_share
    if limit is None:
        limit = value("DANGJIAN_MAX_REJECTED_SHARE")
    sheets: dict[str, SheetData] = {}
    for s in contract.SHEETS:
        grid = read.grids.pop(s.key)  # each grid freed once parsed
        data = sheets[s.key] = _read_sheet(s, read.titles[s.key], grid, read.county, read.period)
        del grid
        if data.total and data.rejected_rows / data.total > limit:
            data.problems.append(
                Problem.of_sheet(
                    data.title,
                    "sheet_held_back",
                    f"{data.total} 行中有 {data.rejected_rows} 行有误（超过 {limit:.0%}），整表暂不入库，请更正后重新报送",
                )
            )
            data.held_back = True
            data.keep([])
    if not any(d.row_count or d.problems for d in sheets.values()):
        raise WorkbookRejected(f"工作簿「{path.name}」只有表头，没有任何数据行", "no_data")
    book = Workbook(path, read.county, read.period, sheets)
    _flag(book)
    return book
