"""Characters that show nothing, pasted along from web systems and chat apps (zero-width
spaces, the byte-order mark, a soft hyphen, direction marks): removed from codes, numbers,
choices and names alike, so that a value that looks right is read as it looks."""

from tests.ingest.golden import blank, put


def build(path):
    wb = blank()
    ws = wb["村情"]
    put(
        ws,
        2,
        {
            "org_unit_code": "520603100200\u200b",
            "org_unit_name": "锦\u200d宁村\ufeff",
            "unit_type": "\u200e行政村",
            "township_code": "\ufeff520603100",
            "party_org_rating": "一\u00ad般",
            "grid_count": "4\u2060",
            "collective_net_income": "\u200b12.5万元",
        },
    )
    wb.save(path)
