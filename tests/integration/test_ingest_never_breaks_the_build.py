"""Nothing ingest accepts can break the build (property-based, with Hypothesis).

Hypothesis writes workbooks whose cells hold values of every column type, well-formed and not:
ID numbers with impossible or implausible birth dates, unknown regions and wrong check
characters; codes off their lists; numbers negative, huge, over-precise or in words; dates
from year 1 to 9999 and serial numbers; text too long or with control characters. Every file
goes through ingest; whatever ingest loaded is released (so that the build reads it, held or
not) and built by dbt. The build must succeed: no database error, no failing test.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import contract
from ingest.contract import codes, orgunits
from ingest.load import ingest_file
from ingest.quality import steward
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import query, reset_warehouse

COUNTIES = ["520603", "520621", "520622"]
BASE_ROWS = 12


def _id_numbers() -> st.SearchStrategy:
    regions = st.sampled_from(["520603", "522225", "990426", "110101", "000000", "520699"])
    dates = st.one_of(
        st.dates(dt.date(1850, 1, 1), dt.date(2100, 12, 31)).map(lambda d: f"{d:%Y%m%d}"),
        st.from_regex(r"(19|20)\d\d(0\d|1[0-9])([0-3]\d)", fullmatch=True),  # month 13, day 39 …
    )

    def make(region: str, born: str, seq: int, right: bool, lower: bool) -> str:
        first17 = f"{region}{born}{seq:03d}"
        check = codes.id_check_char(first17) if right else "0"
        number = first17 + check
        return number.lower() if lower else number

    well_formed = st.builds(make, regions, dates, st.integers(0, 999), st.booleans(), st.booleans())
    return st.one_of(well_formed, st.text(max_size=20), st.integers(0, 10**18))


def _cells(col: contract.Column) -> st.SearchStrategy:
    """Values of every kind a clerk's cell could hold for ``col``."""
    anything = st.one_of(
        st.none(),
        st.text(max_size=30),
        st.text(alphabet="零一二三四五六七八九十万余多约元个", max_size=8),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.dates(dt.date(1900, 1, 1), dt.date(9999, 12, 31)),
    )
    typed = {
        "id_number": _id_numbers(),
        "credit_code": st.one_of(
            st.text(alphabet=codes.CREDIT_ALPHABET + "IOZSVa ", min_size=16, max_size=20),
            st.text(alphabet=codes.CREDIT_ALPHABET, min_size=17, max_size=17).map(
                lambda t: t + codes.credit_check_char(t) if t[:8].isdigit() else t
            ),
        ),
        "integer": st.one_of(
            st.integers(-10, 10**7),
            st.sampled_from(["1.1万", "600余", "约30", "12个", "-5", "2.5", "1e5", "NaN", "９"]),
        ),
        "decimal": st.one_of(
            st.decimals(allow_nan=False, allow_infinity=False, places=6).filter(lambda d: abs(d) < 10**9),
            st.sampled_from(["55.123456", "1e400", "-0.0001", "12万元", "inf", "0.00005"]),
        ),
        "date": st.one_of(
            st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
            st.integers(-5, 3_000_000),
            st.sampled_from(
                ["2025-13-01", "2025年2月30日", "1899-12-31", "0001-01-01", "2025.7", "9999-12-31"]
            ),
        ),
        "code": st.one_of(st.sampled_from(col.codes or ("x",)), st.text(max_size=14), st.integers(0, 10**13)),
        "boolean": st.sampled_from(["是", "否", "有", "无", "yes", "1", "maybe", True, False]),
        "text": st.one_of(
            st.text(max_size=60), st.text(min_size=490, max_size=520), st.text(alphabet="\x00\x07\x1f ab")
        ),
    }[col.type]
    return st.one_of(typed, anything)


@st.composite
def _workbook_rows(draw, county: str) -> dict:
    """A small submission: some of the county's sample rows, with cells replaced by drawn values,
    and a few rows drawn whole."""
    base = generator.county_rows(county, "2025")
    rows = {key: [dict(r) for r in base[key][:BASE_ROWS]] for key in base}
    rng = random.Random(draw(st.integers(0, 2**32)))
    for s in contract.SHEETS:
        for _ in range(draw(st.integers(4, 24))):
            col = rng.choice(s.columns)
            rows[s.key][rng.randrange(len(rows[s.key]))][col.name] = draw(_cells(col))
        for _ in range(draw(st.integers(0, 2))):
            rows[s.key].append({c.name: draw(_cells(c)) for c in s.columns})
    return rows


def _writable(value):
    """What openpyxl can write into a cell (the workbook holds it as a clerk would type it)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n") or None  # XML cannot hold the rest
    return value


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(books=st.tuples(*(_workbook_rows(county) for county in COUNTIES)))
def test_every_file_ingest_accepted_builds_without_a_database_error(wh, tmp_path, books):
    reset_warehouse(wh)
    accepted = []
    for county, rows in zip(COUNTIES, books, strict=True):
        rows = {key: [{k: _writable(v) for k, v in r.items()} for r in sheet] for key, sheet in rows.items()}
        path = tmp_path / contract.file_name(county, "2025", orgunits.county_name(county))
        generator.write_workbook(path, county, "2025", rows)
        result = ingest_file(path, wh)
        if result.status == "accepted":
            accepted.append(result)
            if result.critical:  # built whatever it holds: release it
                steward.release(wh, result.submission_id, "测试：照原样构建", by="测试")
    loaded = sum(r.rows_loaded for r in accepted)
    assert loaded, "nothing was loaded: the examples test nothing"
    built = dbt.run(wh, "build", check=False)
    assert built.returncode == 0, built.stdout[-4000:]
    assert "Database Error" not in built.stdout
    # and the build read every row ingest loaded
    [(roster,)] = query(wh, "select count(*) from intermediate.int_cadre_roster_as_of")
    [(raw,)] = query(wh, "select count(*) from raw.cadres")
    assert roster == raw


@pytest.mark.parametrize(
    "value",
    ["520603199013011234", "52060319901301123X", "520603189912311230", "990426199112010074"],
)
def test_the_id_that_stopped_every_countys_night_is_refused_at_its_cell(tmp_path, value):
    """The kind of value the issue found (check character right, birth date or region wrong):
    refused at ingest at its cell, never loaded."""
    from ingest.workbook.reader import read_workbook

    number = value[:17] + codes.id_check_char(value[:17])
    rows = generator.county_rows("520603", "2025")
    rows["cadres"][0]["id_number"] = number
    path = tmp_path / contract.file_name("520603", "2025")
    generator.write_workbook(path, "520603", "2025", rows)
    book = read_workbook(path)
    [problem] = [p for p in book.problems if p.cell == "A2"]
    assert problem.rule == "parse_id_number" and not problem.row_loaded and problem.severity == "critical"
    assert number not in book.sheets["cadres"].values["id_number"]
