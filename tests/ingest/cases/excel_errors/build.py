"""Excel's error values (#N/A from a VLOOKUP that found nothing, #DIV/0!, #REF!, #VALUE!),
which python-calamine reads as blank cells: each is refused at its cell, in every kind of
column, required or not, typed or left by a formula, while the good row still loads."""

from tests.ingest.golden import blank, put, rewrite_sheet_xml


def build(path):
    wb = blank()
    ws = wb["村情"]
    base = {"unit_type": "行政村", "township_code": "520603100", "party_org_rating": "一般"}
    put(ws, 2, {**base, "org_unit_code": "520603100200", "org_unit_name": "锦宁村", "grid_count": 4})
    put(ws, 3, {**base, "org_unit_code": "520603100201", "org_unit_name": "碧水村", "grid_count": "#N/A"})
    put(
        ws,
        4,
        {
            **base,
            "org_unit_code": "520603100202",
            "org_unit_name": "青山村",
            "collective_net_income": "#DIV/0!",
        },
    )
    put(ws, 5, {**base, "org_unit_code": "520603100203", "org_unit_name": "#REF!"})
    put(
        ws, 6, {**base, "org_unit_code": "520603100204", "org_unit_name": "绿水村", "is_rectified": "#VALUE!"}
    )
    wb.save(path)
    # openpyxl writes each as a typed error cell; make H4's the cached result of a formula
    rewrite_sheet_xml(path, {b'<c r="H4" t="e"><v>': b'<c r="H4" t="e"><f>H9/H10</f><v>'})
