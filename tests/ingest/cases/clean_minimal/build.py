"""Two villages typed into the official template, nothing else."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    put(
        ws,
        2,
        {
            "org_unit_code": "520603100200",
            "org_unit_name": "锦宁村",
            "unit_type": "行政村",
            "township_code": "520603100",
            "party_org_rating": "先进",
            "grid_count": 3,
        },
    )
    put(
        ws,
        3,
        {
            "org_unit_code": "520603100201",
            "org_unit_name": "碧水村",
            "unit_type": "行政村",
            "township_code": "520603100",
            "party_org_rating": "后进",
            "is_rectified": "是",
            "collective_operating_income": 60.5,
            "collective_net_income": 20,
        },
    )
    wb.save(path)
