"""Cells merged down a column, as county clerks lay out a township beside its villages: the
value is read in every row the merge spans (and refused at each of those cells when it is
wrong). A merge across columns is layout: the cells it covers stay blank."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "party_org_rating": "一般"}
    put(
        ws,
        2,
        {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "township_code": "520603100"},
    )
    put(ws, 3, {**base, "org_unit_code": "520603100201", "org_unit_name": "碧水村", "grid_count": 3})
    put(ws, 4, {**base, "org_unit_code": "520603100202", "org_unit_name": "青山村"})
    ws.merge_cells("D2:D4")  # 乡镇（街道）代码 once for its three villages
    rated = {"unit_type": "行政村", "township_code": "520603100"}
    put(
        ws,
        5,
        {**rated, "org_unit_code": "520603100203", "org_unit_name": "绿水村", "party_org_rating": "很好"},
    )
    put(ws, 6, {**rated, "org_unit_code": "520603100204", "org_unit_name": "红岩村"})
    ws.merge_cells("E5:E6")  # a rating outside the code list, for two villages
    put(ws, 7, {"org_unit_code": "520603100205", "org_unit_name": "白岩村", "township_code": "520603100"})
    ws.merge_cells("B7:C7")  # across columns: 类型 left blank
    put(ws, 7, {"party_org_rating": "一般"})
    wb.save(path)
