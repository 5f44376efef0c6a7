import datetime as dt
from decimal import Decimal

import pytest

from ingest.contract import Column
from ingest.parse import ParseError, parse_value

MONEY = Column("income", "收入", "decimal", "", unit="万元")
COUNT = Column("grids", "网格数", "integer", "", unit="个")
FLAG = Column("done", "是否完成", "boolean", "")
DAY = Column("day", "日期", "date", "")
CODE = Column("code", "代码", "code", "", required=True, pattern=r"^52\d{10}$")
RATING = Column("rating", "定级", "code", "", codes=("先进", "一般", "后进"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (55, Decimal("55")),
        ("1,234.5", Decimal("1234.5")),
        ("５５万元", Decimal("55")),
        (" 12.30 ", Decimal("12.30")),
        (3.25, Decimal("3.25")),
    ],
)
def test_decimal_accepts_what_clerks_type(raw, expected):
    assert parse_value(raw, MONEY) == expected


def test_integer_with_unit_and_chinese_magnitude():
    assert parse_value("12个", COUNT) == 12
    assert parse_value("1.1万", COUNT) == 11000


@pytest.mark.parametrize("raw", ["abc", "-3", "2.5"])
def test_integer_rejections_say_what_was_expected(raw):
    with pytest.raises(ParseError) as err:
        parse_value(raw, COUNT)
    assert raw in str(err.value)
    assert any(word in str(err.value) for word in ("数字", "负数", "整数"))


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), (True, True), ("无", False)])
def test_boolean(raw, expected):
    assert parse_value(raw, FLAG) is expected


def test_boolean_rejects_other_text():
    with pytest.raises(ParseError, match="是.*否"):
        parse_value("也许", FLAG)


@pytest.mark.parametrize(
    "raw", ["2025年3月11日", "2025.3.11", "2025/3/11", "2025-03-11", 45727, dt.datetime(2025, 3, 11)]
)
def test_dates_in_every_form_clerks_use(raw):
    assert parse_value(raw, DAY) == dt.date(2025, 3, 11)


def test_month_only_date_is_first_of_month():
    assert parse_value("2025-03", DAY) == dt.date(2025, 3, 1)


def test_codes_stay_text_even_when_excel_made_them_numbers():
    assert parse_value(520624100201.0, CODE) == "520624100201"
    assert parse_value("520624100201", CODE) == "520624100201"


def test_code_pattern_and_code_list():
    with pytest.raises(ParseError, match="代码格式"):
        parse_value("1234", CODE)
    with pytest.raises(ParseError, match="先进、一般、后进"):
        parse_value("较好", RATING)
    assert parse_value("后进", RATING) == "后进"


def test_required_blank_is_an_error_and_optional_blank_is_none():
    with pytest.raises(ParseError, match="必填"):
        parse_value("  ", CODE)
    assert parse_value(None, MONEY) is None


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", "1e400"])
def test_non_finite_or_huge_numbers_are_refused(raw):
    with pytest.raises(ParseError):
        parse_value(raw, COUNT)
