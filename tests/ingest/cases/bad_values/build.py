"""Values that must be refused, each at its own cell, while the good row still loads."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(ws, 2, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": 4})
    put(ws, 3, {**base, "org_unit_code": "520603100999", "org_unit_name": "不存在村", "grid_count": -1})
    put(
        ws,
        4,
        {
            **base,
            "org_unit_code": "520603100201",
            "org_unit_name": "碧水村",
            "party_org_rating": "较好",
            "is_rectified": "也许",
        },
    )
    put(ws, 5, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": 4})
    put(
        ws,
        6,
        {**base, "org_unit_code": "5206031002", "org_unit_name": "短码村", "collective_net_income": "不详"},
    )
    wb.save(path)
