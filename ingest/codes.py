"""Check characters of national identifiers: ID numbers (GB 11643) and unified social credit
codes (GB 32100). Used by the value parsers and by the sample generator."""

from __future__ import annotations

import operator
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

#: GB 32100 alphabet: digits and capital letters without I, O, Z, S, V.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_PATTERN = re.compile(rf"^[{CREDIT_ALPHABET}]{{18}}$")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def is_valid_id_number(text: str) -> bool:
    """18-character resident ID number with a correct check character (uppercase X)."""
    return bool(_ID_PATTERN.match(text)) and id_check_char(text[:17]) == text[17]


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(text: str) -> bool:
    """18-character unified social credit code with a correct check character."""
    return bool(_CREDIT_PATTERN.match(text)) and credit_check_char(text[:17]) == text[17]


def valid_id_numbers(texts: list[str]) -> list[bool]:
    """``is_valid_id_number`` for many texts at once (NumPy); each text must be 18 ASCII characters."""
    import numpy as np

    if not texts:
        return []
    chars = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    check = np.frombuffer(_ID_CHECK.encode("ascii"), dtype=np.uint8)[(digits @ np.array(_ID_WEIGHTS)) % 11]
    return (ok & (check == chars[:, 17])).tolist()
