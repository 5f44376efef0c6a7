"""The official submission template, and the one writer of submission workbooks.

``build`` lays out a workbook from the contract: an instructions sheet (填表说明), the cover
(封面) with county and period, one sheet per subject with a styled, frozen header, number and
date formats, column widths and drop-down lists for every code list (including the county's
own org units), and a hidden code sheet (代码表) the drop-downs point at. The sample generator
fills the same layout, so what it produces is what a county would send back. ``write`` lays
out the template with openpyxl and writes the rows into its sheets' XML (sheet_xml.py), as
openpyxl would have, about ten times faster.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ingest import contract
from ingest.contract import COVER_FIELDS, COVER_SHEET, Column, Sheet, orgunits
from ingest.workbook import sheet_xml

INSTRUCTIONS_SHEET = "填表说明"
CODES_SHEET = "代码表"
#: Rows below the header that carry drop-downs and formats in a blank template.
BLANK_ROWS = 2000

_HEADER_FILL = PatternFill("solid", fgColor="C00000")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_MARK = "*"
_THIN = Side(style="thin", color="BFBFBF")
_FORMATS = {
    "date": "yyyy-mm-dd",
    "decimal": "0.00",
    "integer": "0",
    "code": "@",
    "id_number": "@",
    "credit_code": "@",
    "text": "@",
    "boolean": "@",
}
#: Column types whose data cells carry the column's format (the others are text).
_FORMATTED = ("date", "decimal", "integer")


def _width(col: Column) -> float:
    base = {"id_number": 21, "credit_code": 21, "date": 12, "code": 14}.get(col.type, 10)
    return max(base, len(col.template_header) * 2.2 + 2)


def _instructions(wb: Workbook, county: str, period: str) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    name = orgunits.county_name(county)
    added = "、".join(s.title for s in contract.SHEETS if s.optional)
    lines = [
        f"铜仁市党建统计报送模板：{name}（{county}） {period}",
        "",
        f"一、本工作簿包含封面和 {len(contract.SHEETS)} 张报表：{'、'.join(s.title for s in contract.SHEETS)}。"
        + (f"其中{added}为新增表，有数据时请填报。" if added else "")
        + "请勿修改表名和表头。",
        "二、表头带 * 的列为必填项；带下拉箭头的列请从下拉列表中选择。",
        "三、身份证号、统一社会信用代码、各类代码均按文本填写，不要改成数字格式（会丢失位数）。",
        "四、日期填写为 2025-03-11 形式；金额单位为万元，保留两位小数；数量填写整数。",
        "五、是/否类列填写“是”或“否”。",
        f"六、文件名请保持为 {contract.file_name(county, period, name)}，"
        "封面的县（区）代码和报送期间与文件名一致。",
        "七、系统按单元格逐一校验，有误的单元格会连同原因退回，请按退回意见更正后整份重新报送。",
        "",
        "各表各列说明：",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    for s in contract.SHEETS:
        ws.append([])
        ws.append([f"【{s.title}】{'（新增表）' if s.optional else ''}{s.description}"])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for col in s.columns:
            mark = "（必填）" if col.required else ""
            codes = f"  可选值：{'、'.join(col.codes)}" if col.codes else ""
            ws.append([f"  {col.template_header}{mark}：{col.description}{codes}"])
    ws.column_dimensions["A"].width = 120


def _cover(wb: Workbook, county: str, period: str) -> None:
    ws = wb.create_sheet(COVER_SHEET)
    ws.append(["铜仁市党建统计报送"])
    ws.append([COVER_FIELDS["county_code"], county])
    ws.append(["县（区）名称", orgunits.county_name(county)])
    ws.append([COVER_FIELDS["period"], period])
    ws.append(["填表人", None])
    ws.append(["联系电话", None])
    ws["A1"].font = Font(bold=True, size=14)
    for row in range(2, 7):
        ws.cell(row, 1).font = Font(bold=True)
        ws.cell(row, 2).number_format = "@"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 28


def _code_lists(wb: Workbook, county: str, period: str) -> dict[str, str]:
    """Write every list a drop-down offers into the hidden code sheet (the org units in force
    in ``period``); returns list → range."""
    ws = wb.create_sheet(CODES_SHEET)
    ws.sheet_state = "hidden"
    lists: dict[str, list[str]] = {"是否": ["是", "否"]}
    for s in contract.SHEETS:
        for col in s.columns:
            if col.codes:
                lists[f"{s.key}.{col.name}"] = list(col.codes)
    towns = orgunits.townships(county, period)
    village_level = [u.code for t in towns for u in t.units]
    lists["org_units"] = village_level
    lists["townships"] = [t.unit.code for t in towns]
    lists["any_org_unit"] = [county, *lists["townships"], *village_level]
    ranges = {}
    for c, (key, values) in enumerate(lists.items(), start=1):
        ws.cell(1, c, key)
        for r, value in enumerate(values, start=2):
            ws.cell(r, c, value).number_format = "@"
        letter = get_column_letter(c)
        ranges[key] = f"{quote_sheetname(CODES_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _list_for(s: Sheet, col: Column) -> str | None:
    if col.codes:
        return f"{s.key}.{col.name}"
    if col.type == "boolean":
        return "是否"
    if col.name == "org_unit_code":
        return "any_org_unit" if s.key == "cadres" else "org_units"
    if col.name == "township_code":
        return "townships"
    return None


def cell_value(value: Any) -> Any:
    """A value as the template writes it: booleans as 是/否, everything else as it is."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _subject_sheet(
    wb: Workbook, s: Sheet, rows: Iterable[dict[str, Any]], ranges: dict[str, str], later: int = 0
):
    """The sheet with ``rows``; drop-downs reach 200 rows past them and the ``later`` rows
    written into its XML afterwards."""
    ws = wb.create_sheet(s.title)
    for c, col in enumerate(s.columns, start=1):
        cell = ws.cell(1, c, col.template_header + (_REQUIRED_MARK if col.required else ""))
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=_THIN, right=_THIN)
        cell.comment = Comment(col.description, "铜仁市委组织部")
        ws.column_dimensions[get_column_letter(c)].width = _width(col)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"
    n = 0
    for n, row in enumerate(rows, start=1):  # noqa: B007
        ws.append([cell_value(row.get(col.name)) for col in s.columns])
    last = max(BLANK_ROWS, n + later + 200)
    for c, col in enumerate(s.columns, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].number_format = _FORMATS[col.type]
        if col.type in _FORMATTED:
            for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=c, max_col=c):
                cell.number_format = _FORMATS[col.type]
        key = _list_for(s, col)
        if key:
            dv = DataValidation(
                type="list",
                formula1=ranges[key],
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="请从下拉列表中选择",
                error=f"「{col.header}」只能填写下拉列表中的值",
            )
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(s.columns))}1"
    return ws


def build(
    county: str,
    period: str,
    rows_by_sheet: dict[str, list[dict[str, Any]]] | None = None,
    later: dict[str, int] | None = None,
) -> Workbook:
    """The workbook for ``county`` and ``period``: blank, or filled with ``rows_by_sheet``;
    ``later``: sheet key → rows to be written into its XML after (sizes the drop-downs)."""
    period = contract.parse_period(period)
    wb = Workbook()
    _instructions(wb, county, period)
    _cover(wb, county, period)
    ranges = _code_lists(wb, county, period)
    for s in contract.SHEETS:
        _subject_sheet(wb, s, (rows_by_sheet or {}).get(s.key, []), ranges, (later or {}).get(s.key, 0))
    wb.move_sheet(CODES_SHEET, offset=len(wb.sheetnames))
    wb.properties.creator = "dangjian"
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 1, 1)
    return wb


def _atomic(path: Path, data: bytes) -> Path:
    """Write via a temp file and a rename, so a reader never sees half a workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def _saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def save(wb: Workbook, path: Path) -> Path:
    """Save atomically (temp file, then rename), so a reader never sees half a workbook."""
    return _atomic(path, _saved(wb))


def write(path: Path, county: str, period: str, rows_by_sheet=None) -> Path:
    """The workbook for ``county`` and ``period`` filled with ``rows_by_sheet`` (sheet key →
    rows as dicts), saved atomically at ``path``."""
    rows_by_sheet = rows_by_sheet or {}
    values = {
        s.title: [
            [cell_value(row.get(col.name)) for col in s.columns] for row in rows_by_sheet.get(s.key, [])
        ]
        for s in contract.SHEETS
    }
    typed = {
        s.title: {c for c, col in enumerate(s.columns, start=1) if col.type in _FORMATTED}
        for s in contract.SHEETS
    }
    later = {s.key: len(values[s.title]) for s in contract.SHEETS}
    try:
        data = sheet_xml.splice(_saved(build(county, period, later=later)), values, typed)
    except sheet_xml.NotPlain:  # what only openpyxl writes as openpyxl does
        data = _saved(build(county, period, rows_by_sheet))
    return _atomic(path, data)
