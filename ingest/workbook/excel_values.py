"""Values as Excel and county offices leave them, which the parsers read through: Excel's
error values (a failed formula's #N/A), and dates written in Chinese numerals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.contract import CHINESE_DIGITS, chinese_number

if TYPE_CHECKING:
    from ingest.contract import Column


@dataclass(frozen=True)
class ExcelError:
    """A cell holding one of Excel's error values (``#N/A``, ``#DIV/0!``, ``#REF!`` …), left
    by a formula that failed, such as a VLOOKUP that found nothing. Readers hand the grid
    this instead of the blank python-calamine gives, so that every column refuses it."""

    code: str

    def __str__(self) -> str:
        return self.code


_EXCEL_ERRORS = {
    "#N/A": "查找公式（如 VLOOKUP）未找到对应值",
    "#DIV/0!": "公式除以了零或空单元格",
    "#REF!": "公式引用的单元格已被删除",
    "#VALUE!": "公式中的值类型不对",
    "#NAME?": "公式中有无法识别的函数或名称",
    "#NUM!": "公式算出的数值无效",
    "#NULL!": "公式中的区域没有交集",
}


def excel_error_message(value: ExcelError, col: Column) -> str:
    """Why an error value is refused in ``col``, and what to write instead, for the clerk."""
    why = _EXCEL_ERRORS.get(value.code.upper(), "公式出错")
    wanted = "内容" if col.type == "text" else "数值" if col.type in ("integer", "decimal") else "值"
    return f"单元格是 Excel 错误值「{value.code}」（{why}），不是有效数据；请改正公式或直接填写实际{wanted}"


#: A date in Chinese numerals, as official documents write it: 二〇二一年三月一日, 二〇二五年十二月.
_CHINESE_DATE = re.compile(
    r"([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
    r"(?:\s*([一二三四五六七八九十]{1,3})\s*日?)?"
)


def from_chinese_numerals(text: str) -> str:
    """二〇二一年三月一日 → 2021年3月1日; anything else as it is."""
    m = _CHINESE_DATE.fullmatch(text)
    if not m:
        return text
    year = "".join(str(CHINESE_DIGITS[d]) for d in m.group(1))
    parts = [chinese_number(g) for g in m.groups()[1:] if g]
    if None in parts:
        return text
    return f"{year}年{parts[0]}月" + (f"{parts[1]}日" if len(parts) > 1 else "")
