"""The workbook as a file: checks before it is opened (a real .xlsx, no formulas without a
calculated value), its cover, its sheets found by title or alias and their header rows,
and each sheet's cells read with python-calamine.
"""

from __future__ import annotations

import functools
import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import contract
from ingest.contract import COVER_FIELDS, COVER_SHEET, Column, Sheet, orgunits
from ingest.variables import value
from ingest.workbook.book import WorkbookRejected, cell_ref
from ingest.workbook.excel_values import ExcelError
from ingest.workbook.parse import normalise_text

_HEADER_SCAN_ROWS = 30
_FILE_NAME = re.compile(r"^(?P<county>\d{6})_(?P<period>[^_]+)_")


_UNIT = re.compile(r"[(（][^()（）]*[)）]$")
_LOOSE = re.compile(r"[\s*：:]")


def _header_key(text: Any) -> str:
    """What a header cell means, stripped of units in brackets, spaces and line breaks."""
    return _LOOSE.sub("", _UNIT.sub("", normalise_text(text)))


@functools.cache
def _header_index(s: Sheet) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in s.columns:
        for name in (col.header, *col.aliases):
            index[_header_key(name)] = col
    return index


def find_header(s: Sheet, grid: list[list[Any]]) -> tuple[int, dict[int, Column]]:
    """The row among the first ones whose cells name the most of the sheet's columns, and
    which column each names. Only text can name a column."""
    index = _header_index(s)
    best: tuple[int, dict[int, Column]] = (-1, {})
    for r, row in enumerate(grid[:_HEADER_SCAN_ROWS]):
        keys = ((c, _header_key(v)) for c, v in enumerate(row) if isinstance(v, str))
        found = {c: index[key] for c, key in keys if key in index}
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
    accepted = orgunits.counties()
    if county not in accepted:
        named = [code for code, name in accepted.items() if name == county.replace(" ", "")]
        hint = f"；「{county}」是县（区）名称，其代码为 {named[0]}，请填写代码" if named else ""
        raise WorkbookRejected(
            f"{COVER_SHEET}!{county_cell}：县（区）代码「{county}」不在本系统受理的县（区）之列{hint}",
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
    if named and (named["county"], _period_or_text(named["period"])) != (county, period):
        raise WorkbookRejected(
            f"文件名「{path.name}」与封面不一致：封面为 {county} {period}", "cover_mismatch", COVER_SHEET
        )
    return county, period


def _period_or_text(text: str) -> str:
    """A file name's period as the cover's is read (2025年度 is 2025), or as it is written."""
    try:
        return contract.parse_period(text)
    except ValueError:
        return text.upper()


#: Rows that are notes, not data: instructions below the header, footers under the table.
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
            hits = sum(1 for c in set(find_header(s, grid)[1].values()) if c.required)
            if hits > best_hits:
                best, best_hits = name, hits
        if best:
            titles[s.key] = best
    return titles


def preflight(path: Path) -> bool:
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
    rb'<c r="([A-Z]+[0-9]+)"([^>]*)>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(<v\s*/>\s*|<v>\s*</v>\s*)?</c>'
)


def _uncalculated(xml: bytes) -> str | None:
    """The first cell whose formula was saved without its result. A formula whose result is
    empty text (``=IF(G3="","",…)``) is saved as a text cell with an empty value: calculated."""
    for found in _FORMULA_WITHOUT_VALUE.finditer(xml):
        if not (found.group(3) and b't="str"' in found.group(2)):
            return found.group(1).decode()
    return None


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return dict(re.findall(rb'([\w:]+)="([^"]*)"', tag))


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*\bt="e"[^>]*)>')  # a cell typed as an error
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)<")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")

#: A sheet's error cells: (row, column) from 0 → the error value as Excel shows it.
ErrorCells = dict[tuple[int, int], str]


def _marks(zf: zipfile.ZipFile, part: str) -> tuple[bool, bool]:
    """Whether a sheet's XML has any formula, and any error cell, read in pieces (a sheet can
    unpack to 1 GB)."""
    formula = error = False
    tail = b""
    with zf.open(part) as fh:
        while chunk := fh.read(1 << 20):
            seam = tail + chunk[:6]  # a tag cut in two between pieces
            formula = formula or b"<f>" in chunk or b"<f " in chunk or b"<f>" in seam or b"<f " in seam
            error = error or b't="e"' in chunk or b't="e"' in seam
            if formula and error:
                break
            tail = chunk[-6:]
    return formula, error


def _error_cells(xml: bytes) -> ErrorCells:
    cells: ErrorCells = {}
    for tag in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.fullmatch(_attributes(tag.group(1)).get(b"r", b"").decode())
        if not ref:  # Excel, WPS and openpyxl always write a cell's address
            continue
        value = None
        if not tag.group(1).endswith(b"/"):
            end = _CELL_END.search(xml, tag.end())
            value = _VALUE.search(xml, tag.end(), end.start() if end else len(xml))
        column = 0
        for letter in ref.group(1):
            column = column * 26 + ord(letter) - 64
        cells[int(ref.group(2)) - 1, column - 1] = value.group(1).decode().strip() if value else "#N/A"
    return cells


def scan_cells(path: Path) -> dict[str, ErrorCells]:
    """Read each sheet's XML for what python-calamine cannot show. A formula saved without its
    result would read as an empty cell: refused, naming the cell. An error value (``#N/A``)
    would read as blank too: returned by sheet title, so the reader can refuse it at its cell."""
    errors: dict[str, ErrorCells] = {}
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
            sheet = a.get(b"name", b"").decode()
            formula, error = _marks(zf, part)
            xml = zf.read(part) if formula or error else b""
            cell = _uncalculated(xml) if formula else None
            if cell:
                raise WorkbookRejected(
                    f"{sheet}!{cell} 是公式但文件中没有保存计算结果，无法读取其数值；请在 Excel 中打开、"
                    "重新计算并保存（或粘贴为数值）后重新报送",
                    "uncalculated_formula",
                    sheet,
                    cell,
                )
            if error:
                errors[html.unescape(sheet)] = _error_cells(xml)  # R&amp;D → R&D
    return errors


def mark_errors(grid: list[list[Any]], cells: ErrorCells) -> None:
    """Put each error value into the grid where calamine left a blank."""
    for (r, c), code in cells.items():
        if r < len(grid):
            row = grid[r]
            if c >= len(row):
                row.extend([""] * (c + 1 - len(row)))
            row[c] = ExcelError(code)


def fill_merged_down(grid: list[list[Any]], ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A cell merged down a column (a township's code beside each of its villages, a header
    spanning two header rows) holds its value in its first row only; the clerk sees it in
    every row it spans, and means it for each. Each such range's value is put in every row.
    Merges across columns are layout (a group header over its columns) and stay as they are."""
    for (top, column), (bottom, right) in ranges:
        if right != column or bottom <= top or top >= len(grid) or column >= len(grid[top]):
            continue
        value = grid[top][column]
        for row in grid[top + 1 : bottom + 1]:
            if column >= len(row):
                row.extend([""] * (column + 1 - len(row)))
            row[column] = value


@dataclass
class _Grids:
    """What calamine read: the cover's county and period, and each subject sheet's cells."""

    county: str
    period: str
    titles: dict[str, str]
    grids: dict[str, list[list[Any]]]
    #: each sheet's merged ranges, ((first row, first column), (last row, last column)) from 0
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]


def read_grids(path: Path) -> _Grids:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken files
        raise WorkbookRejected(
            f"无法打开文件「{path.name}」：不是有效的 Excel 工作簿（{exc}）", "unreadable"
        ) from None
    county, period = _cover(book, path)
    titles = _find_sheets(book)
    missing = [s.title for s in contract.SHEETS if s.key not in titles and not s.optional]
    if missing:
        raise WorkbookRejected(f"缺少工作表：{'、'.join(missing)}", "missing_sheet", missing[0])
    max_rows = value("DANGJIAN_MAX_ROWS")
    grids, merged = {}, {}
    for s in contract.SHEETS:
        if s.key not in titles:  # an optional sheet the workbook does not have
            continue
        sheet = book.get_sheet_by_name(titles[s.key])
        if sheet.height > max_rows or sheet.width > 200:
            raise WorkbookRejected(
                f"工作表「{titles[s.key]}」有 {sheet.height} 行、{sheet.width} 列，超过上限（{max_rows} 行、200 列）；"
                "请检查是否误填了整列或整行",
                "too_many_rows",
                titles[s.key],
            )
        grids[s.key] = _cells_of(sheet, path, titles[s.key])
        merged[s.key] = sheet.merged_cell_ranges or []
    return _Grids(county, period, titles, grids, merged)


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
