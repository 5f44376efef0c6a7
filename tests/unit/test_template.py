"""The official template: what a county clerk opens, and what the reader reads back."""

from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from ingest import contract
from ingest.cli import main
from ingest.contract import orgunits
from ingest.samples import generator
from ingest.workbook import template
from ingest.workbook.book import WorkbookRejected
from ingest.workbook.reader import read_workbook

COUNTY, PERIOD = "520624", "2026Q4"


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / contract.file_name(COUNTY, PERIOD)
    assert main.main(["template", "--county", COUNTY, "--period", PERIOD, "-o", str(path)]) == 0
    return path


def test_sheets_in_order_with_instructions_cover_and_a_hidden_code_sheet(blank):
    wb = load_workbook(blank)
    assert wb.sheetnames == [
        template.INSTRUCTIONS_SHEET,
        "封面",
        "干部名册",
        "培训记录",
        "村情",
        "新兴领域",
        "乡镇（街道）情况",
        "村集体经济项目",
        template.CODES_SHEET,
    ]
    assert wb[template.CODES_SHEET].sheet_state == "hidden"
    assert "思南县" in wb[template.INSTRUCTIONS_SHEET]["A1"].value
    cover = {r[0]: r[1] for r in wb["封面"].iter_rows(values_only=True) if r[0]}
    assert (cover["县（区）代码"], cover["报送期间"]) == (COUNTY, PERIOD)


def test_every_subject_sheet_has_a_frozen_styled_header_with_every_column(blank):
    wb = load_workbook(blank)
    for s in contract.SHEETS:
        ws = wb[s.title]
        assert ws.freeze_panes == "A2"
        headers = [c.value for c in ws[1]]
        assert headers == [c.template_header + ("*" if c.required else "") for c in s.columns]
        assert all(c.font.bold for c in ws[1])
        assert all(ws.column_dimensions[c.column_letter].width >= 10 for c in ws[1])


def test_drop_downs_cover_every_code_list_and_the_countys_own_units(blank):
    wb = load_workbook(blank)
    codes_ws = wb[template.CODES_SHEET]
    lists = {col[0].value: [c.value for c in col[1:] if c.value is not None] for col in codes_ws.iter_cols()}
    assert lists["villages.party_org_rating"] == ["先进", "一般", "后进"]
    assert lists["org_units"] == [u.code for u in orgunits.units(COUNTY)]
    assert len(lists["townships"]) == 28
    for s in contract.SHEETS:
        ws = wb[s.title]
        validated = {
            str(rng).split(":")[0].rstrip("0123456789")
            for dv in ws.data_validations.dataValidation
            for rng in dv.sqref.ranges
        }
        for i, col in enumerate(s.columns):
            letter = ws.cell(1, i + 1).column_letter
            needs = bool(col.codes) or col.type == "boolean" or col.name in ("org_unit_code", "township_code")
            assert (letter in validated) == needs, (s.title, col.name)


def test_the_blank_template_reads_back_with_every_header_found_and_no_rows(blank):
    # the reader gets past the cover, every sheet and every required header before it
    # refuses a submission without data
    with pytest.raises(WorkbookRejected, match="只有表头，没有任何数据行"):
        read_workbook(blank)
    assert len(CalamineWorkbook.from_path(str(blank)).sheet_names) == 9  # calamine opens it too


def _as_read(value):
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def test_a_filled_template_round_trips_exactly(tmp_path):
    rows = generator.county_rows("520603", "2025")
    path = generator.write_workbook(tmp_path / contract.file_name("520603", "2025"), "520603", "2025", rows)
    book = read_workbook(path)
    assert book.problems == []
    for s in contract.SHEETS:
        got = book.sheets[s.key].rows
        assert len(got) == len(rows[s.key]) > 0
        for read, written in zip(got, rows[s.key], strict=True):
            for col in s.columns:
                assert read[col.name] == _as_read(written.get(col.name)), (
                    s.key,
                    read["source_row"],
                    col.name,
                )


def test_template_refuses_an_unknown_county(tmp_path):
    assert (
        main.main(["template", "--county", "110101", "--period", "2025", "-o", str(tmp_path / "x.xlsx")]) == 2
    )


def _cells(path) -> dict:
    """Every cell of every sheet: (value, number format, type), and each sheet's extent and
    drop-downs, as openpyxl and python-calamine read them."""
    book = load_workbook(path)
    cells = {
        (ws.title, c.coordinate): (c.value, c.number_format, c.data_type)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
    }
    for ws in book.worksheets:
        cells[ws.title] = (ws.dimensions, [(d.sqref, d.formula1) for d in ws.data_validations.dataValidation])
    calamine = CalamineWorkbook.from_path(str(path))
    cells["calamine"] = [calamine.get_sheet_by_name(n).to_python() for n in calamine.sheet_names]
    return cells


def test_rows_written_into_the_sheet_xml_are_the_workbook_openpyxl_writes(tmp_path):
    """template.write writes data rows as XML; each kind of value comes out as openpyxl
    would write it, and what it cannot write that way falls back to openpyxl whole."""
    import datetime as dt

    from openpyxl.utils.exceptions import IllegalCharacterError

    rows = generator.county_rows(COUNTY, "2025")
    rows = {key: [dict(r) for r in value[:40]] for key, value in rows.items()}
    villages, cadres = rows["villages"], rows["cadres"]
    villages[0]["org_unit_name"] = " 前后有空格 "
    villages[1]["org_unit_name"] = "=SUM(1,2)"
    villages[2]["org_unit_name"] = "a<b & c>"
    villages[3]["collective_income"] = 1e-7
    villages[4]["collective_income"] = Decimal("12345678.12")
    villages[5]["is_rectified"] = True
    cadres[0]["birth_date"] = "2025/2/30"
    cadres[1]["birth_date"] = dt.datetime(2020, 1, 2, 14, 30)
    rows["villages"] = villages + [{}] * 2000  # the drop-downs reach 200 rows past the last
    openpyxl_path, written = tmp_path / "openpyxl.xlsx", tmp_path / "written.xlsx"
    template.save(template.build(COUNTY, "2025", rows), openpyxl_path)
    template.write(written, COUNTY, "2025", rows)
    assert _cells(written) == _cells(openpyxl_path)

    villages[6]["org_unit_name"] = "控制符\x01"  # openpyxl refuses it: so does write
    with pytest.raises(IllegalCharacterError):
        template.write(tmp_path / "refused.xlsx", COUNTY, "2025", rows)
