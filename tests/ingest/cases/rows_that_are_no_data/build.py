"""Rows that are no data, as county forms have them: a township's 小计 between its villages,
the county's 合计 at the bottom (numbers, or numbers as text), and the official forms' 以下空白
("blank below") marker. They are not read, and not refused. A row labelled like a total that
carries other text is still checked as a row."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(ws, 2, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": 4})
    put(ws, 3, {**base, "org_unit_code": "520603100201", "org_unit_name": "碧水村", "grid_count": 5})
    put(ws, 4, {"org_unit_name": "锦江镇小计", "grid_count": 9, "villager_groups": 21})
    put(ws, 5, {**base, "org_unit_code": "520603100202", "org_unit_name": "青山村", "grid_count": 6})
    put(ws, 6, {"org_unit_code": "合 计", "grid_count": "15", "collective_net_income": "1,234.5"})
    put(ws, 7, {"org_unit_code": "全县合计：", "unit_type": "行政村", "grid_count": 15})
    put(ws, 8, {"org_unit_code": "（以下空白）"})
    wb.save(path)
