"""Excel error values found in a sheet's XML, where python-calamine shows only blanks."""

import zipfile

from openpyxl import Workbook

from ingest.workbook import files


def test_error_cells_in_the_forms_writers_use():
    xml = (
        b'<sheetData><row r="2"><c r="B2" s="3" t="e"><f>VLOOKUP(A2,Sheet2!A:B,2,0)</f><v>#N/A</v></c>'
        b'<c r="C2" t="n"><v>7</v></c><c t="e" r="AA10"><v>#DIV/0!</v></c>'
        b'<x:c r="D3" t="e"><x:v>#REF!</x:v></x:c>'
        b'<c r="E4" t="e"/><c r="F4"><v>1</v></c>'  # an error without its value: not the next cell's
        b'<c t="e"><v>#NAME?</v></c>'  # no address: not placed (Excel always writes one)
        b'<c r="G5" t="s"><v>0</v></c></row></sheetData>'
    )
    assert files._error_cells(xml) == {
        (1, 1): "#N/A",
        (9, 26): "#DIV/0!",
        (2, 3): "#REF!",
        (3, 4): "#N/A",
    }


def test_the_scan_names_sheets_as_excel_shows_them_and_finds_errors_past_a_seam(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "村情&社区"
    for r in range(1, 40_000):  # more than one piece of the 1 MB reads
        ws.cell(r, 1, f"第{r}行的一段说明文字")
    ws.cell(39_999, 2, "#VALUE!")
    wb.create_sheet("干净")["A1"] = 1
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size > 1 << 20
    assert files.scan_cells(path) == {"村情&社区": {(39_998, 1): "#VALUE!"}}


def test_marked_errors_extend_short_rows():
    grid = [["a", ""], ["b"]]
    files.mark_errors(grid, {(1, 2): "#N/A", (0, 1): "#REF!", (5, 0): "#N/A"})
    assert [[str(v) for v in row] for row in grid] == [["a", "#REF!"], ["b", "", "#N/A"]]
