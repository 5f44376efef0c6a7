"""ID numbers and credit codes are checked as python-stdnum checks them (its test vectors, from
its own suite: tests/test_cn_ric.doctest and tests/test_cn_uscc.doctest), except where a real
ID's region code needs more than stdnum's table."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.contract import CADRES, ENTERPRISES, codes
from ingest.workbook.parse import ParseError, parse_value

#: stdnum's cn.ric cases: the number, and whether stdnum's validate() accepts it.
RIC_VECTORS = [
    ("360426199101010071", True),
    ("44011320141005001x", True),  # a lowercase check character is accepted (as X)
    ("T60426199101010078", False),  # InvalidFormat
    ("360426199113010079", False),  # month 13: InvalidComponent
    ("36042619910102009X", False),  # InvalidChecksum
    ("990426199112010074", False),  # province 99 is no region: InvalidComponent
]

#: stdnum's cn.uscc cases.
USCC_VECTORS = [
    ("91110000600037341L", True),
    ("91 110000 600037341L", True),
    ("12345", False),  # InvalidLength
    ("A1110000600037341L", False),  # InvalidFormat: the first eight are digits
    ("9111000060003IOZSV", False),  # InvalidFormat: I, O, Z, S, V are not in the alphabet
    ("91110000600037341N", False),  # InvalidChecksum
    # from stdnum's list of numbers found online
    ("121200004013590816", True),
    ("91310115MA1K3BTP2B", True),
    ("9144030071526726XG", True),
    ("92340603MA2PEP42XF", True),
]

ID = CADRES.column("id_number")
CREDIT = ENTERPRISES.column("credit_code")


def _accepted(value, col) -> bool:
    try:
        parse_value(value, col)
    except ParseError:
        return False
    return True


@pytest.mark.parametrize(("number", "valid"), RIC_VECTORS)
def test_id_numbers_agree_with_stdnum(number, valid):
    assert _accepted(number, ID) is valid
    if valid:
        assert parse_value(number, ID) == number.upper()


@pytest.mark.parametrize(("number", "valid"), USCC_VECTORS)
def test_credit_codes_agree_with_stdnum(number, valid):
    assert _accepted(number, CREDIT) is valid


def test_the_reason_names_what_is_wrong():
    reasons = {n: codes.id_number_problem(n) for n, valid in RIC_VECTORS if not valid and n[0].isdigit()}
    assert "出生日期" in reasons["360426199113010079"]
    assert "校验位" in reasons["36042619910102009X"]
    assert "地区代码" in reasons["990426199112010074"]
    assert codes.id_number_problem("520622800101123") == "是 15 位的旧身份证号，请改填本人的 18 位身份证号"
    assert "应为 18 位" in codes.id_number_problem("52062219800101123")


def _with_check(first17: str) -> str:
    return first17 + codes.id_check_char(first17)


def test_a_tongren_id_keeps_the_code_of_its_first_registration():
    """Both the pre-2011 codes (铜仁地区 5222xx) and today's (铜仁市 5206xx) are valid prefixes,
    whatever the birth year: stdnum's table knows 522225 for 1985, and the registry adds nothing
    it would refuse. A code in force only later (a late first registration) is accepted too,
    where stdnum would refuse it: the one place where the two differ on purpose."""
    for prefix in ("522225", "522201", "520624", "520602"):
        for born in ("19850101", "20150101"):
            assert codes.is_valid_id_number(_with_check(f"{prefix}{born}001")), (prefix, born)
    assert codes.is_valid_id_number("110111198012010078")  # stdnum: not yet registered in 1980


def test_birth_dates_must_be_real_and_plausible():
    assert not codes.is_valid_id_number(_with_check("52062418991231001"))  # before 1900
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert not codes.is_valid_id_number(_with_check(f"520624{tomorrow:%Y%m%d}001"))
    assert not codes.is_valid_id_number(_with_check("52062419900230001"))  # 30 February
    assert codes.is_valid_id_number(_with_check("52062420000229001"))  # 29 February 2000


def test_the_bulk_check_agrees_with_the_single_one():
    numbers = [n.upper() for n, _ in RIC_VECTORS if len(n) == 18 and n.isascii()]
    numbers += [
        _with_check(f"{p}{d}001") for p in ("520624", "990426", "522225") for d in ("19900101", "19901301")
    ]
    assert codes.valid_id_numbers(numbers) == [codes.is_valid_id_number(n) for n in numbers]
