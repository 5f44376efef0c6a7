"""A header over two rows, as many county forms have it: the code and name columns' headers
merged down both rows, the other columns' headers in the second row under a group title
merged across them. Every column is found, and the data below is read."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    ws.insert_rows(1)
    for column in ("A", "B"):
        ws[f"{column}1"] = ws[f"{column}2"].value
        ws.merge_cells(f"{column}1:{column}2")
    ws["C1"] = "基本情况"
    ws.merge_cells("C1:E1")
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(ws, 3, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": 4})
    wb.save(path)
