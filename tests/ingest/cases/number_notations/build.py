"""Numbers as clerks type them: separators, full-width digits, units, 万, approximations."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {
        "org_unit_name": "锦宁村",
        "unit_type": "行政村",
        "township_code": "520603100",
        "party_org_rating": "一般",
    }
    put(
        ws,
        2,
        {
            **base,
            "org_unit_code": "520603100200",
            "party_members_in_grids": "1,234",
            "grid_count": "１２",
            "collective_operating_income": "55万元",
            "volunteer_services": "600余",
            "household_heads": "1.1万",
        },
    )
    put(
        ws,
        3,
        {
            **base,
            "org_unit_code": "520603100201",
            "org_unit_name": "碧水村",
            "grid_count": "约30",
            "collective_net_income": " 25.50 ",
            "talents_recruited": "20多人",
        },
    )
    wb.save(path)
