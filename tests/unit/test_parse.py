import datetime as dt
import random
from decimal import Decimal

import pytest

from ingest.contract import Column, codes
from ingest.workbook.parse import ParseError, parse_column, parse_value

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
    "raw",
    [
        "2025年3月11日",
        "2025.3.11",
        "2025/3/11",
        "2025-03-11",
        45727,
        dt.datetime(2025, 3, 11),
        "20250311",  # as many systems export it
        20250311,  # typed into a date cell, which Excel stores as that number
        20250311.0,
    ],
)
def test_dates_in_every_form_clerks_use(raw):
    assert parse_value(raw, DAY) == dt.date(2025, 3, 11)


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("二〇二五年三月十一日", dt.date(2025, 3, 11)),
        ("二〇二一年十二月三十一日", dt.date(2021, 12, 31)),
        ("二○○八年十月二十日", dt.date(2008, 10, 20)),  # ○, the circle often typed for 〇
        ("二〇二五年三月", dt.date(2025, 3, 1)),
    ],
)
def test_dates_in_chinese_numerals(raw, day):
    assert parse_value(raw, DAY) == day


@pytest.mark.parametrize("raw", ["二〇二五年十三月一日", "二〇二五年二月三十日", "二〇二五年三月四十日"])
def test_an_impossible_date_in_chinese_numerals_is_refused(raw):
    with pytest.raises(ParseError, match=f"实际为「{raw}」"):
        parse_value(raw, DAY)


@pytest.mark.parametrize(
    "raw", ["2025-03-11 00:00:00", "2025/3/11 0:00", "2025-03-11T14:30:00", "2025年3月11日 8:00"]
)
def test_a_date_with_a_time_of_day_keeps_the_date(raw):
    """As other systems export dates, and as an Excel date cell with a time is read."""
    assert parse_value(raw, DAY) == dt.date(2025, 3, 11)


@pytest.mark.parametrize("raw", ["12,5", "1,23", "1,2345", "12，5", "1,234,56"])
def test_a_comma_that_is_no_thousands_separator_is_refused_not_dropped(raw):
    """12,5 would read as 125 if commas were only dropped: refused, naming the mistake."""
    with pytest.raises(ParseError, match=f"逗号应为千位分隔符.*实际为「{raw}」"):
        parse_value(raw, MONEY)
    assert parse_value("1,234.5", MONEY) == Decimal("1234.5")
    assert parse_value("约1,200", MONEY) == Decimal(1200)


@pytest.mark.parametrize("raw", ["11/03/2025", "3/11/2025", "11-03-2025", "11.3.2025"])
def test_a_date_with_the_year_last_is_refused_saying_why(raw):
    """11 March or 3 November: the parser cannot tell, so the clerk is asked to write it out."""
    with pytest.raises(ParseError, match=f"日期「{raw}」年份在后，看不出哪个是月、哪个是日"):
        parse_value(raw, DAY)


def test_month_only_date_is_first_of_month():
    assert parse_value("2025-03", DAY) == dt.date(2025, 3, 1)


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("2025年2月30日", "2025年2月的日应为 1 到 28"),
        ("2025/2/29", "2025年2月的日应为 1 到 28"),
        ("2025-04-31", "2025年4月的日应为 1 到 30"),
        ("2025.13.01", "月份应为 1 到 12"),
        ("2025-00", "月份应为 1 到 12"),
        ("20251301", "月份应为 1 到 12"),
        ("20250230", "2025年2月的日应为 1 到 28"),
    ],
)
def test_an_impossible_date_says_which_part_cannot_be(raw, said):
    with pytest.raises(ParseError, match=f"日期不存在：{said}，实际为「{raw}」"):
        parse_value(raw, DAY)
    assert parse_value("2024/2/29", DAY) == dt.date(2024, 2, 29)  # a leap year's 29 February is a day


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


ID = Column("id", "身份证号", "id_number", "", required=True)
NOTE = Column("note", "备注", "text", "")

#: what clerks put in cells, including the awkward cases the bulk paths must not get wrong
MIXED_CELLS = [
    "52060319900101001x",  # lowercase x
    "520603199001010018",
    "520603199001010017",  # wrong check digit
    "５２０６０３１９９００１０１００１Ｘ",  # full-width
    " 520603199001010018",
    "52060319900101001 X",
    520603199001010018.0,  # stored as a number
    "张三",
    "张  三",
    "张\u00a0三",
    "a\x07b",
    "x" * 501,
    "",
    "   ",
    None,
    True,
    False,
    1,
    1.0,
    0,
    "是",
    "否",
    "2025年3月11日",
    45000,
    dt.datetime(2025, 3, 11),
    "600余",
    "1.1万",
    "先进",
    "520603001001",
    "5206030010",
]


@pytest.mark.parametrize("col", [ID, NOTE, MONEY, COUNT, FLAG, DAY, CODE, RATING], ids=lambda c: c.type)
def test_parse_column_agrees_with_parse_value_cell_by_cell(col):
    _assert_agrees(MIXED_CELLS * 3, col)


def test_bulk_id_check_agrees_with_the_single_check():
    rng = random.Random(7)
    texts = ["".join(rng.choice("0123456789X") for _ in range(18)) for _ in range(3000)]
    texts += [t[:17] + codes.id_check_char(t[:17]) for t in texts if t[:17].isdigit()]
    # and well-formed ones: real and impossible birth dates, known and unknown regions
    born = [
        f"{1950 + rng.randrange(60)}{rng.randrange(1, 14):02d}{rng.randrange(1, 32):02d}" for _ in range(300)
    ]
    regions = rng.choices(["520624", "522225", "990426"], k=300)
    texts += [f"{r}{b}123" + codes.id_check_char(f"{r}{b}123") for r, b in zip(regions, born, strict=True)]
    assert codes.valid_id_numbers(texts) == [codes.is_valid_id_number(t) for t in texts]
    assert any(codes.valid_id_numbers(texts)) and not all(codes.valid_id_numbers(texts))


def test_an_empty_column_is_none_when_optional_and_an_error_at_every_cell_when_required():
    assert parse_column(("", "", ""), NOTE) == ([None, None, None], {})
    values, errors = parse_column(("", "", ""), CODE)
    assert values == [None, None, None] and set(errors) == {0, 1, 2}
    assert all("必填" in str(error) for error in errors.values())


GOOD_ID, OTHER_ID = "520603199001010018", "11010519491231002X"


@pytest.mark.parametrize(
    ("col", "cells"),
    [
        (NOTE, ["张三", "李四"]),
        (NOTE, ["", "李四"]),
        (NOTE, ["张三", ""]),
        (NOTE, ["张三", "", "李四"]),
        (NOTE, [" 张三", "李四"]),
        (NOTE, ["张三 ", "李四"]),
        (NOTE, ["张三", "李四 "]),
        (NOTE, ["张  三", "李四"]),
        (NOTE, ["张\n三", "李四"]),
        (NOTE, ["张\u00a0三", "李四"]),
        (NOTE, ["张\x07三", "李四"]),
        (NOTE, ["张" * 501, "李四"]),
        (NOTE, ["   ", "李四"]),
        (ID, [GOOD_ID, OTHER_ID]),
        (ID, [GOOD_ID, OTHER_ID.lower()]),
        (ID, [GOOD_ID, GOOD_ID[:17] + "7"]),
        (ID, [GOOD_ID, GOOD_ID[:17]]),
        (ID, [GOOD_ID, GOOD_ID + "0"]),
        (ID, [GOOD_ID, "５２０６０３１９９００１０１００１８"]),
        (ID, [GOOD_ID, ""]),
    ],
)
def test_whole_column_shortcuts_agree_with_parse_value(col, cells):
    _assert_agrees(cells, col)


def _assert_agrees(cells: list, col: Column) -> None:
    """parse_column gives, at every position, what parse_value gives for that cell alone."""
    values, errors = parse_column(cells, col)
    for i, cell in enumerate(cells):
        try:
            expected, expected_error = parse_value(cell, col), None
        except ParseError as exc:
            expected, expected_error = None, str(exc)
        assert (values[i], str(errors[i]) if i in errors else None) == (expected, expected_error), (i, cell)
        assert type(values[i]) is type(expected), (i, cell)


@pytest.mark.parametrize(
    ("raw", "meant"),
    [
        ("已整顿", True),
        ("已完成", True),
        ("已建立", True),
        ("未整顿", False),
        ("未结业", False),
        ("没有", False),
    ],
)
def test_a_status_in_words_answers_a_yes_no_column(raw, meant):
    assert parse_value(raw, FLAG) is meant


@pytest.mark.parametrize("raw", ["不详", "已", "已整顿了吗？", "也许"])
def test_a_yes_no_column_refuses_what_is_no_answer(raw):
    with pytest.raises(ParseError, match="应填「是」或「否」"):
        parse_value(raw, FLAG)


@pytest.mark.parametrize(
    ("raw", "hint"),
    [(3500000, "如按元填写，应为 350 万元"), ("1234567", "如按元填写，应为 123.4567 万元"), (2e9, None)],
)
def test_an_amount_in_yuan_where_wan_yuan_is_asked_is_refused_saying_so(raw, hint):
    income = Column("income", "收入", "decimal", "", unit="万元", max_value=100000)  # 10 亿元
    with pytest.raises(ParseError) as err:
        parse_value(raw, income)
    assert "单位：万元" in str(err.value) and str(raw).removesuffix(".0") in str(err.value).replace(
        "e+09", ""
    )
    assert (hint in str(err.value)) if hint else "如按元" not in str(err.value)
    with pytest.raises(ParseError) as err:  # a count too large is not money
        parse_value(3500000, Column("grids", "网格数", "integer", "", unit="个", max_value=100000))
    assert "如按元" not in str(err.value)
