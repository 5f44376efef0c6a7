from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from ingest import contract
from ingest.workbook.book import WorkbookRejected, cell_ref, column_letter
from ingest.workbook.reader import read_workbook
from tests.helpers import column_of, village_rows, villages_workbook


def _sample_rows(n: int = 5) -> list[dict]:
    return village_rows(n=n)


def _write(tmp_path: Path, rows: list[dict], name: str | None = None) -> Path:
    return villages_workbook(tmp_path / (name or contract.file_name("520603", "2025")), rows)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]
    assert cell_ref(11, 1) == "B12"


def test_round_trip_of_a_generated_workbook(tmp_path):
    rows = _sample_rows()
    book = read_workbook(_write(tmp_path, rows))
    assert (book.county_code, book.period) == ("520603", "2025")
    data = book.sheets["villages"]
    assert data.problems == []
    assert [r["source_row"] for r in data.rows] == [2, 3, 4, 5, 6]
    for got, want in zip(data.rows, rows, strict=True):
        for col in contract.VILLAGES.columns:
            expected = want.get(col.name)
            if isinstance(expected, float):
                expected = Decimal(str(expected))
            assert got[col.name] == expected, col.name


def test_title_rows_synonym_headers_and_footer_blank_rows(tmp_path):
    path = _write(tmp_path, _sample_rows(3))
    wb = load_workbook(path)
    ws = wb["村情"]
    ws.insert_rows(1, amount=2)
    ws["A1"] = "2025年村（社区）情况统计表"
    ws.cell(row=3, column=1, value="村代码")  # an alias for 村（社区）代码
    ws.cell(row=3, column=7, value="集体经济\n经营收入 （万元）")  # line break in the header
    ws.append([])
    wb.save(path)
    data = read_workbook(path).sheets["villages"]
    assert data.problems == []
    assert [r["source_row"] for r in data.rows] == [4, 5, 6]


def test_bad_cells_are_reported_with_sheet_cell_and_chinese_reason(tmp_path):
    rows = _sample_rows(3)
    rows[1]["grid_count"] = "很多"
    rows[2]["party_org_rating"] = "较好"
    data = read_workbook(_write(tmp_path, rows), max_rejected_share=1).sheets["villages"]
    assert [r["source_row"] for r in data.rows] == [2]
    by_cell = {p.cell: p for p in data.problems}
    grid_col = column_of("villages", "grid_count")
    assert by_cell[f"{grid_col}3"].original == "很多"
    assert by_cell[f"{grid_col}3"].message.startswith(f"村情!{grid_col}3「网格数」应为数字")
    assert "先进、一般、后进" in by_cell["E4"].message


def test_a_unit_s_name_typed_for_its_code_is_refused_with_the_code_to_write(tmp_path):
    from ingest.contract import orgunits

    township = orgunits.townships("520603")[1]
    village = township.units[0]
    rows = _sample_rows(3)
    rows[1]["township_code"] = f" {township.unit.name}"
    rows[2]["org_unit_code"] = village.name
    rows[0]["township_code"] = "某某镇"  # no unit of the county: no code to suggest
    data = read_workbook(_write(tmp_path, rows), max_rejected_share=1).sheets["villages"]
    by_cell = {p.cell: p.message for p in data.problems}
    town_col = column_of("villages", "township_code")
    assert by_cell[f"{town_col}3"].endswith(
        f"「{township.unit.name}」是本县（区）{township.unit.kind}的名称，其代码为 {township.unit.code}，请填写代码"
    )
    assert f"其代码为 {village.code}" in by_cell["A4"]
    assert "其代码为" not in by_cell[f"{town_col}2"] and "应为 9 位数字" in by_cell[f"{town_col}2"]


def test_a_rejected_number_is_shown_as_typed_not_as_the_reader_s_float(tmp_path):
    rows = _sample_rows(2)
    rows[0]["grid_count"] = -5  # Excel stores it as a float; calamine reads -5.0
    rows[1]["grid_count"] = 2.5
    data = read_workbook(_write(tmp_path, rows), max_rejected_share=1).sheets["villages"]
    grid_col = column_of("villages", "grid_count")
    shown = {p.cell: p.original for p in data.problems}
    assert shown == {f"{grid_col}2": "-5", f"{grid_col}3": "2.5"}


def test_missing_required_column_quarantines_the_workbook(tmp_path):
    path = _write(tmp_path, _sample_rows(2))
    wb = load_workbook(path)
    wb["村情"].delete_cols(1)
    wb.save(path)
    with pytest.raises(WorkbookRejected, match="缺少必填列：村（社区）代码") as err:
        read_workbook(path)
    assert err.value.rule == "missing_column"


def test_cover_must_agree_with_the_file_name(tmp_path):
    path = _write(tmp_path, _sample_rows(1), name="520624_2025_思南县.xlsx")
    with pytest.raises(WorkbookRejected, match="文件名.*与封面不一致"):
        read_workbook(path)


def test_a_period_written_in_words_on_the_cover_and_in_the_file_name_is_read(tmp_path):
    path = _write(tmp_path, _sample_rows(1), name="520603_2025年度_万山区.xlsx")
    wb = load_workbook(path)
    cover = wb[contract.COVER_SHEET]
    for row in cover.iter_rows():
        if row[0].value == contract.COVER_FIELDS["period"]:
            row[1].value = "2025 年度"
    wb.save(path)
    assert read_workbook(path).period == "2025"
    quarter = path.with_name("520603_2025Q3_万山区.xlsx")
    path.rename(quarter)
    with pytest.raises(WorkbookRejected, match="文件名.*与封面不一致"):  # 2025Q3 is another period
        read_workbook(quarter)


def test_unknown_county_on_the_cover(tmp_path):
    path = _write(tmp_path, _sample_rows(1), name="anything.xlsx")
    wb = load_workbook(path)
    wb["封面"]["B2"] = "110101"
    wb.save(path)
    with pytest.raises(WorkbookRejected, match="封面!B2.*110101.*不在本系统受理") as err:
        read_workbook(path)
    assert err.value.rule == "unknown_county"
    wb["封面"]["B2"] = "万山区"  # the county's name where its code goes: the code to write
    wb.save(path)
    with pytest.raises(WorkbookRejected, match="「万山区」是县（区）名称，其代码为 520603，请填写代码"):
        read_workbook(path)


def test_not_a_workbook_is_rejected_not_crashed(tmp_path):
    path = tmp_path / "520603_2025_万山区.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(WorkbookRejected, match="无法打开文件"):
        read_workbook(path)


def test_missing_sheet(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = Workbook()
    wb.active.title = "封面"
    wb.active.append(["县（区）代码", "520603"])
    wb.active.append(["报送期间", "2025"])
    wb.save(path)
    with pytest.raises(WorkbookRejected, match="缺少工作表：干部名册、培训记录、村情、新兴领域"):
        read_workbook(path)


def test_a_sheet_with_too_many_bad_rows_is_held_back_whole(tmp_path):
    rows = _sample_rows(4)
    for r in rows[:3]:
        r["grid_count"] = "不详"
    data = read_workbook(_write(tmp_path, rows), max_rejected_share=0.5).sheets["villages"]
    assert data.held_back and data.rows == []
    held = [p for p in data.problems if p.rule == "sheet_held_back"]
    assert len(held) == 1 and "4 行中有 3 行有误" in held[0].message and "整表暂不入库" in held[0].message
    assert read_workbook(_write(tmp_path, rows), max_rejected_share=0.8).sheets["villages"].rows != []


def test_duplicates_unknown_units_notes_and_approximations(tmp_path):
    rows = _sample_rows(4)
    rows.append(dict(rows[0]))  # row 6 repeats row 2
    rows[1]["org_unit_code"] = "520603199999"
    rows[2]["grid_count"] = "20余"
    path = _write(tmp_path, rows)
    wb = load_workbook(path)
    ws = wb["村情"]
    ws.append([])
    ws.append(["填表人：张三", None, "审核人：李四"])
    ws.insert_rows(2)
    ws["A2"] = "填写说明：带*为必填项"
    wb.save(path)
    data = read_workbook(path, max_rejected_share=1).sheets["villages"]
    by_rule = {p.rule: p for p in data.problems}
    assert set(by_rule) == {"duplicate_row", "villages.org_unit_code.org_unit"}
    assert by_rule["duplicate_row"].cell == "A7" and "与第 3 行重复" in by_rule["duplicate_row"].message
    unknown = by_rule["villages.org_unit_code.org_unit"]
    assert unknown.cell == "A4" and "520603199999" in unknown.message
    approx = next(r for r in data.rows if r["source_row"] == 5)
    assert approx["grid_count"] == 20 and approx["approximate_columns"] == ["grid_count"]


def test_a_renamed_sheet_is_found_by_its_header_fingerprint(tmp_path):
    path = _write(tmp_path, _sample_rows(2))
    wb = load_workbook(path)
    wb["村情"].title = "Sheet3"
    wb.save(path)
    book = read_workbook(path)
    assert book.sheets["villages"].title == "Sheet3" and len(book.sheets["villages"].rows) == 2


def test_a_hidden_sheet_is_never_taken_for_data(tmp_path):
    path = _write(tmp_path, _sample_rows(3))
    wb = load_workbook(path)
    stale = wb.copy_worksheet(wb["村情"])
    wb["村情"].title = "村情（更正）"  # the clerk's visible, corrected copy keeps the header fingerprint
    stale.title = "村情"
    stale.sheet_state = "hidden"
    stale["A2"] = "旧数据"
    wb.save(path)
    data = read_workbook(path).sheets["villages"]
    assert data.title == "村情（更正）" and data.problems == [] and len(data.rows) == 3


def test_a_reason_that_begins_with_the_column_s_name_does_not_name_it_twice(tmp_path):
    from ingest.contract import codes
    from ingest.samples import generator

    def wrong_check(row: dict, key: str, check_char) -> str:
        """The row's code with another check character (a digit: both kinds of code allow it)."""
        code = row[key]
        row[key] = code[:17] + next(c for c in "0123456789" if c != check_char(code[:17]))
        return row[key]

    rows = generator.county_rows("520603", "2025", rows_scale=0.05)
    credit = wrong_check(rows["enterprises"][0], "credit_code", codes.credit_check_char)
    person = wrong_check(rows["cadres"][0], "id_number", codes.id_check_char)
    path = generator.write_workbook(tmp_path / contract.file_name("520603", "2025"), "520603", "2025", rows)
    messages = {p.message for p in read_workbook(path, max_rejected_share=1).problems}
    credit_col, person_col = column_of("enterprises", "credit_code"), column_of("cadres", "id_number")
    assert (
        f"{contract.sheet('enterprises').title}!{credit_col}2统一社会信用代码「{credit}」校验位不正确，请核对"
        in messages
    )
    assert any(
        m.startswith(f"{contract.sheet('cadres').title}!{person_col}2身份证号「{person}」")
        and m.count("身份证号") == 1
        for m in messages
    ), messages
