"""National identifiers: resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

An ID number is valid when it has 17 digits and a check character, its birth date (digits 7–14)
is a real date between 1900-01-01 and today, and its first six digits are a region code that
existed at some time. An ID keeps the code of the place of its first registration: a Tongren
cadre born before 2011 carries a 5222xx code (铜仁地区), one born since a 5206xx code (铜仁市),
and both stay valid. Region codes come from python-stdnum's table of every code since 1980
(``stdnum.cn.loc``), plus the county codes of the deployment's own registry. Unlike stdnum,
a code is not refused because it was not in force in the birth year (people are registered
late, and counties renamed); everything else agrees with stdnum's ``cn.ric`` and ``cn.uscc``
(tests/unit/test_codes.py runs their test vectors).

Used by the value parsers, the sample generator and the property-based tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII digits: \d would take other scripts' digits
#: The earliest birth date an ID number may carry.
EARLIEST_BIRTH = dt.date(1900, 1, 1)

#: GB 32100 alphabet: digits and capital letters without I, O, Z, S, V.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Registering authority, entity type and region are digits; the organisation code and the
#: check character come from the alphabet (as stdnum's cn.uscc checks).
_CREDIT_PATTERN = re.compile(rf"^[0-9]{{8}}[{CREDIT_ALPHABET}]{{10}}$")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


@functools.cache
def historical_regions() -> frozenset[str]:
    """Every six-digit region code (province, city, county) in python-stdnum's table, whatever
    the years it was in force."""
    from stdnum import numdb

    found = set()
    for _, low, high, _, children in numdb.get("cn/loc").prefixes:
        for province in range(int(low), int(high) + 1):
            for _, c_low, c_high, _, _ in children:
                found.update(f"{province:02d}{n:04d}" for n in range(int(c_low), int(c_high) + 1))
    return frozenset(found)


def region_known(prefix: str) -> bool:
    """Whether ``prefix`` is a region code that existed at some time, or a county of the
    deployment's registry."""
    from ingest.contract import orgunits

    return prefix in historical_regions() or prefix in orgunits.counties()


def id_birth_date(text: str) -> dt.date | None:
    """The birth date an ID number carries (digits 7–14), or None when it is not a real date."""
    digits = text[6:14]
    if not (digits.isascii() and digits.isdigit()):
        return None
    return _date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _plausible_birth(text: str, today: dt.date) -> bool:
    born = id_birth_date(text)
    return born is not None and EARLIEST_BIRTH <= born <= today


def id_sex(text: str) -> str | None:
    """男 or 女: the 17th digit is odd for men (None when it is no digit)."""
    digit = text[16:17]
    if not (digit.isascii() and digit.isdigit()):
        return None
    return "男" if int(digit) % 2 else "女"


def id_number_problem(text: str, today: dt.date | None = None) -> str | None:
    """What is wrong with an ID number, in Chinese for the clerk; None when it is valid."""
    if not _ID_PATTERN.match(text):
        if len(text) == 15 and text.isdigit():
            return "是 15 位的旧身份证号，请改填本人的 18 位身份证号"
        return "应为 18 位身份证号（17 位数字加一位数字或 X）"
    if id_check_char(text[:17]) != text[17]:
        return "校验位不正确，请核对"
    born = id_birth_date(text)
    if born is None:
        return f"第 7–14 位出生日期「{text[6:14]}」不是有效日期，请核对"
    if not EARLIEST_BIRTH <= born <= (today or dt.date.today()):
        return f"第 7–14 位出生日期 {born:%Y-%m-%d} 不在 1900-01-01 至今天之间，请核对"
    if not region_known(text[:6]):
        return f"前 6 位地区代码「{text[:6]}」不是任何时期的行政区划代码，请核对"
    return None


def is_valid_id_number(text: str) -> bool:
    """A resident ID number (uppercase X) that :func:`id_number_problem` finds nothing wrong with."""
    return id_number_problem(text) is None


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(text: str) -> str | None:
    """What is wrong with a unified social credit code, in Chinese; None when it is valid."""
    if len(text) != 18:
        return "应为 18 位统一社会信用代码"
    if not _CREDIT_PATTERN.match(text):
        return "格式不符：前 8 位应为数字，其余为数字或大写字母（不含 I、O、Z、S、V）"
    if credit_check_char(text[:17]) != text[17]:
        return "校验位不正确，请核对"
    return None


def is_valid_credit_code(text: str) -> bool:
    """An 18-character unified social credit code with a correct check character."""
    return credit_code_problem(text) is None


def valid_id_numbers(texts: list[str]) -> list[bool]:
    """``is_valid_id_number`` for many texts at once: check characters with NumPy, and each
    distinct birth date and region code once. Each text must be 18 ASCII characters."""
    import numpy as np

    if not texts:
        return []
    chars = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    check = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[(digits @ np.array(_ID_WEIGHTS)) % 11]
    ok &= check == chars[:, 17]
    today = dt.date.today()
    dates = {d: _plausible_birth(f"000000{d}", today) for d in {t[6:14] for t in texts}}
    regions = {r: region_known(r) for r in {t[:6] for t in texts}}
    return [bool(o) and dates[t[6:14]] and regions[t[:6]] for o, t in zip(ok.tolist(), texts, strict=True)]
