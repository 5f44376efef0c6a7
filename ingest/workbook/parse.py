"""Value parsers: turn what a clerk typed into a typed value, or say in Chinese what was expected."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest.contract import Column, codes
from ingest.workbook.excel_values import ExcelError, excel_error_message, from_chinese_numerals


class ParseError(ValueError):
    """A cell's text is not what its column expects; the message is for the county clerk.

    ``kind`` names the column's declared limit the value breaks (``Column.limits()``: codes,
    pattern, range, scale, length, dates, required), or is None when the text is not of the
    column's type at all.
    """

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        self.kind = kind


def _beyond(col: Column, kind: str, value: Any) -> ParseError:
    """The error for a value outside one of the column's declared limits."""
    hint = col.as_yuan(value) if kind == "range" else ""
    return ParseError(f"{col.limit_text(kind)}，实际为「{shown(value)}」{hint}", kind)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗"}


_SPACES = re.compile(r"\s+")
#: Characters that show nothing, pasted along from web pages and chat apps: zero-width spaces
#: and joiners, the byte-order mark, direction marks, the soft hyphen. Removed from every value,
#: or 「520603100200」 would be refused while looking right.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalise_text(value: Any) -> str:
    """Full-width to half-width, invisible characters removed, line breaks and runs of spaces
    folded, ends trimmed."""
    return _normalise(value) if isinstance(value, str) else _normalise(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _normalise(text: str) -> str:
    # cached: a sheet repeats the same codes, names and dates thousands of times
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return _SPACES.sub(" ", text).strip()


def shown(value: Any) -> str:
    """A cell's value as the clerk sees it in Excel (5, not 5.0; dates as 2025-03-11)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}" if value.time() == dt.time() else f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_APPROXIMATE = re.compile(r"^(?:约|大约)|(?:余|多|左右)$")
_APPROXIMATE_HINT = re.compile(r"[约余多右]")


def is_approximate(value: Any) -> bool:
    """Whether a number was written as an approximation: "600余", "20多", "约30", "100左右"."""
    if not isinstance(value, str) or not _APPROXIMATE_HINT.search(value):
        return False
    text = normalise_text(value).replace(" ", "")
    for unit in ("万元", "元", "个", "人次", "人", "次", "件", "块", "支", "家", "学时"):
        text = text.removesuffix(unit)
    return bool(_APPROXIMATE.search(text))


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_DIGIT_RUN = re.compile(r"\d[\d,]*")


def _number_text(value: Any, col: Column) -> Decimal:
    if isinstance(value, bool):
        raise ParseError(f"应为数字，实际为「{shown(value)}」")
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = normalise_text(value).replace(" ", "")
    if "," in text:  # thousands separators, every three digits: 12,5 is no number but a typo
        if not all(_GROUPED.fullmatch(run) for run in _DIGIT_RUN.findall(text) if "," in run):
            raise ParseError(
                f"数字中的逗号应为千位分隔符（每三位一个，如 1,234.5；小数点用「.」），实际为「{shown(value)}」"
            )
        text = text.replace(",", "")
    if col.unit and text.endswith(col.unit):
        text = text[: -len(col.unit)]
    text = _APPROXIMATE.sub("", text)
    if col.unit and text.endswith(col.unit):  # "55万元余" as well as "55余万元"
        text = text[: -len(col.unit)]
    scale = Decimal(1)
    if text.endswith("万") and col.unit != "万元":
        text, scale = text[:-1], Decimal(10000)
    try:
        return Decimal(text) * scale
    except InvalidOperation:
        unit = f"（单位：{col.unit}）" if col.unit else ""
        raise ParseError(f"应为数字{unit}，实际为「{shown(value)}」") from None


def _in_range(number: Decimal, value: Any, col: Column) -> Decimal:
    low, high = col.bounds
    if number < low or (high is not None and number > high):
        raise _beyond(col, "range", value)
    return number


def parse_decimal(value: Any, col: Column) -> Decimal:
    number = _number_text(value, col)
    if not number.is_finite():
        raise ParseError(f"应为数字，实际为「{shown(value)}」")
    number = _in_range(number, value, col)
    if col.scale is not None and number.normalize().as_tuple().exponent < -col.scale:
        raise _beyond(col, "scale", value)
    return number


def parse_integer(value: Any, col: Column) -> int:
    number = _number_text(value, col)
    if not number.is_finite():
        raise ParseError(f"应为数字，实际为「{shown(value)}」")
    if number != number.to_integral_value():
        raise ParseError(f"应为整数，实际为「{shown(value)}」")
    if abs(number) >= 2**63:  # beyond what the warehouse stores (bigint), whatever the column's range
        raise ParseError(f"数值过大，实际为「{shown(value)}」")
    return int(_in_range(number, value, col))


def parse_boolean(value: Any, col: Column) -> bool:
    if isinstance(value, bool):
        return value
    text = normalise_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    # a status in words, as offices answer 是否完成整顿: 已整顿 / 已完成 is yes, 未整顿 / 没有 is no
    if 2 <= len(text) <= 6 and text[0] in "已未没" and text.isalpha():
        return text[0] == "已"
    raise ParseError(f"应填「是」或「否」，实际为「{shown(value)}」")


#: A date as typed: 2025-03-11, 2025年3月11日, 2025.3.11, 2025/3/11, 2025-03, with a time of day
#: after it as other systems export dates (2025-03-11 00:00:00), which an Excel date cell also
#: carries and the date column keeps without.
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*(?:[月./-]\s*(\d{1,2})\s*日?)?\s*月?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
#: A date as many information systems write it, and as a clerk types it into a date cell (Excel
#: then stores the number 20250311): eight digits, year month day. As an Excel serial number it
#: would be a day in the year 57,000, so it is never anything else.
_COMPACT_DATE = re.compile(r"((?:19|20)\d\d)(\d\d)(\d\d)")
#: Day and month first, year last (11/03/2025): 11 March or 3 November, which cannot be told.
_YEAR_LAST = re.compile(r"\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{4}")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        if value == int(value):
            value = int(value)  # 20250311, typed into a date cell: read as its digits below
    text = from_chinese_numerals(normalise_text(value))
    m = _DATE_TEXT.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if not 1 <= month <= 12:
            raise ParseError(f"日期不存在：月份应为 1 到 12，实际为「{shown(value)}」")
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise ParseError(f"日期不存在：{year}年{month}月的日应为 1 到 {days}，实际为「{shown(value)}」")
        return dt.date(year, month, day)
    if _YEAR_LAST.fullmatch(text):
        raise ParseError(
            f"日期「{shown(value)}」年份在后，看不出哪个是月、哪个是日；请写成 2025-03-11 或 2025年3月11日"
        )
    raise ParseError(f"应为日期（如 2025-03-11 或 2025年3月11日），实际为「{shown(value)}」")


def parse_date(value: Any, col: Column) -> dt.date:
    day = _date(value)
    earliest, latest = col.date_range()
    if not earliest <= day <= latest:
        raise _beyond(col, "dates", value)
    return day


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)  # \d is 0–9, as in PostgreSQL; not every script's digits


@functools.lru_cache(maxsize=256)
def _canonical_codes(codes_: tuple[str, ...], synonyms: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Each allowed value, and each synonym of one, as typed (normalised) → as the contract
    spells the code."""
    typed = {normalise_text(written).replace(" ", ""): code for written, code in synonyms}
    return typed | {normalise_text(code): code for code in codes_}


def parse_code(value: Any, col: Column) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(value).replace(" ", "")
    if col.codes:
        canonical = _canonical_codes(col.codes, col.code_synonyms).get(text)
        if canonical is None:
            raise _beyond(col, "codes", value)
        return canonical
    if col.pattern and not _compiled(col.pattern).fullmatch(text):
        raise _beyond(col, "pattern", value)
    return text


def parse_id_number(value: Any, col: Column) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ParseError(f"身份证号被存成了数字（{value}），后几位已丢失；请把该列设为文本后重新填写")
    text = normalise_text(value).replace(" ", "").upper()
    problem = codes.id_number_problem(text)
    if problem:
        raise ParseError(f"身份证号「{shown(value)}」{problem}")
    return text


def parse_credit_code(value: Any, col: Column) -> str:
    text = normalise_text(value).replace(" ", "").replace("-", "").upper()
    problem = codes.credit_code_problem(text)
    if problem:
        raise ParseError(f"统一社会信用代码「{shown(value)}」{problem}")
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value: Any, col: Column) -> str:
    """Free text keeps its characters (full-width brackets stay); only spacing is tidied."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    if _CONTROL.search(text):
        raise ParseError("含有不可见的控制字符（可能是从其他系统复制而来），请重新输入")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > col.text_limit:
        raise ParseError(f"{col.limit_text('length')}（实际 {len(text)} 字）", "length")
    return text


PARSERS: dict[str, Callable[[Any, Column], Any]] = {
    "text": parse_text,
    "code": parse_code,
    "id_number": parse_id_number,
    "credit_code": parse_credit_code,
    "integer": parse_integer,
    "decimal": parse_decimal,
    "boolean": parse_boolean,
    "date": parse_date,
}


def parse_value(value: Any, col: Column) -> Any:
    """Parse one cell for ``col``; ``None`` for a blank optional cell; ParseError otherwise."""
    if value is None or (value.__class__ is str and not value.strip()):
        if col.required:
            raise ParseError(col.limit_text("required"), "required")
        return None
    if value.__class__ is ExcelError:
        raise ParseError(excel_error_message(value, col))
    return PARSERS[col.type](value, col)


def _fast_ids(values: Iterable[Any], col: Column) -> dict[Any, str]:
    """The plainly valid ID numbers among ``values`` (18 ASCII characters, check digit right),
    checked together; everything else goes through :func:`parse_id_number` one by one."""
    plain = [v for v in values if v.__class__ is str and len(v) == 18 and v.isascii()]
    upper = [v.upper() for v in plain]
    return {v: u for v, u, ok in zip(plain, upper, codes.valid_id_numbers(upper), strict=True) if ok}


def _fast_texts(values: Iterable[Any], col: Column) -> dict[Any, str]:
    """Text that needs no tidying: printable (so no control characters or odd spaces), no
    double or edge spaces, not too long. Returned as it is."""
    return {
        v: v
        for v in values
        if v.__class__ is str
        and v
        and v.isprintable()
        and len(v) <= col.text_limit
        and v == v.strip()
        and "  " not in v
    }


_FAST: dict[str, Callable[[Iterable[Any], Column], dict[Any, Any]]] = {
    "id_number": _fast_ids,
    "text": _fast_texts,
}


def _all_plain_ids(values: Sequence[Any], col: Column) -> bool:
    """Whether every cell is an uppercase, valid ID number already (the usual column), checked
    on the whole column at once."""
    try:
        joined = "".join(values)
    except TypeError:  # not all text
        return False
    return (
        joined.isascii()
        and "x" not in joined
        and set(map(len, values)) == {18}
        and all(codes.valid_id_numbers(values))
    )


def _all_plain_texts(values: Sequence[Any], col: Column) -> bool:
    """Whether every cell is tidy text already (what :func:`_fast_texts` keeps as it is),
    checked on the whole column at once."""
    try:
        joined = "\n".join(values)
    except TypeError:  # not all text
        return False
    return (
        joined.count("\n") == len(values) - 1  # so no cell has a line break of its own
        and joined.replace("\n", "").isprintable()
        and "\n\n" not in joined
        and "  " not in joined
        and " \n" not in joined
        and "\n " not in joined
        and joined[:1] not in ("", " ", "\n")  # a blank or space-led first cell
        and joined[-1:] not in (" ", "\n")
        and max(map(len, values)) <= col.text_limit
    )


_ALL_PLAIN: dict[str, Callable[[Sequence[Any], Column], bool]] = {
    "id_number": _all_plain_ids,
    "text": _all_plain_texts,
}


def parse_column(values: Sequence[Any], col: Column) -> tuple[list[Any], dict[int, ParseError]]:
    """Parse a whole column: the parsed values (``None`` where a cell failed) and, per failing
    position, the error. Same results as :func:`parse_value` cell by cell, but each distinct
    value is parsed once, and ID numbers and plain text are checked in bulk.
    """
    if not col.required and values.count("") == len(values):  # an optional column left empty
        return [None] * len(values), {}
    if col.type in _ALL_PLAIN and _ALL_PLAIN[col.type](values, col):  # nothing to change or refuse
        return list(values), {}
    keys: Sequence[Any] = values
    distinct = dict.fromkeys(keys)
    if 0 in distinct or 1 in distinct:  # True == 1 == 1.0 as dictionary keys
        types = set(map(type, values))
        if bool in types and len(types) > 1:  # booleans mixed with numbers: key by type too
            keys = list(zip(map(type, values), values, strict=True))
            distinct = dict.fromkeys(keys)
    parsed: dict[Any, Any] = {}
    if keys is values:  # plain values: the bulk checks settle most of them at once
        parsed = _FAST[col.type](distinct, col) if col.type in _FAST else {}
        todo = [(v, v) for v in distinct if v not in parsed]
    else:
        todo = [(k, k[1]) for k in distinct]
    failed: dict[Any, ParseError] = {}
    for key, value in todo:
        try:
            parsed[key] = parse_value(value, col)
        except ParseError as exc:
            failed[key] = exc
    out = list(map(parsed.get, keys))
    errors = {i: failed[k] for i, k in enumerate(keys) if k in failed} if failed else {}
    return out, errors
