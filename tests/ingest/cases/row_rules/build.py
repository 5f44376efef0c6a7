"""Rules between columns and declared ranges (ingest/contract/rules.py): an end before its start and a post
level out of range are refused at their cells; a net income above the operating income is a
critical finding on a row that is loaded all the same (a steward may release it)."""

from ingest import contract
from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(
        ws,
        2,
        {
            **base,
            "org_unit_code": "520603100200",
            "org_unit_name": "锦宁村",
            "collective_operating_income": 10,
            "collective_net_income": 30,
        },
    )
    put(
        ws,
        3,
        {
            **base,
            "org_unit_code": "520603100201",
            "org_unit_name": "碧水村",
            "collective_operating_income": 40,
            "collective_net_income": 30,
        },
    )
    cadres = wb["干部名册"]
    person = {
        "id_number": "520603198001010017",
        "name": "张三",
        "sex": "男",
        "birth_date": "1980-01-01",
        "org_unit_code": "520603100200",
        "role": "社区工作者",
        "change_type": "新任",
    }
    put(
        cadres,
        2,
        {**person, "start_date": "2024-03-01", "end_date": "2023-01-01", "job_post": 3},
        contract.CADRES,
    )
    put(cadres, 3, {**person, "role": "两委委员", "start_date": "2024-03-01", "job_post": 7}, contract.CADRES)
    wb.save(path)
