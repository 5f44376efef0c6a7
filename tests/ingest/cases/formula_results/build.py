"""Formulas saved with their results, as Excel saves them: the result is read (a sum, a
number as text), and a formula whose result is empty text (=IF(G3="","",…)) reads as a blank
cell, not as a formula saved without its result (which would refuse the whole workbook)."""

from tests.ingest.golden import blank, put, rewrite_sheet_xml


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(ws, 2, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": "SUM"})
    put(
        ws,
        3,
        {
            **base,
            "org_unit_code": "520603100201",
            "org_unit_name": "碧水村",
            "collective_net_income": "EMPTY",
        },
    )
    put(ws, 4, {**base, "org_unit_code": "520603100202", "org_unit_name": "青山村", "grid_count": "TEXT"})
    wb.save(path)
    rewrite_sheet_xml(
        path,
        {
            b'<c r="R2" t="inlineStr"><is><t>SUM</t></is></c>': b'<c r="R2"><f>SUM(S2:T2)</f><v>7</v></c>',
            b'<c r="H3" t="inlineStr"><is><t>EMPTY</t></is></c>': b'<c r="H3" t="str"><f>IF(G3="","",G3/2)</f><v></v></c>',
            b'<c r="R4" t="inlineStr"><is><t>TEXT</t></is></c>': b'<c r="R4" t="str"><f>TEXT(5,"0")</f><v>5</v></c>',
        },
    )
