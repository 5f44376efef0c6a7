"""How clerks really lay a sheet out: a title above, a merged group header, headers with
synonyms, line breaks and units, an instruction row, a blank row and a footer."""

from tests.ingest.golden import blank


def build(path):
    wb = blank()
    ws = wb["村情"]
    ws.delete_rows(1)
    ws.append(["2025年万山区村（社区）情况统计表"])
    ws.append(["基本情况", None, None, None, None, "集体经济"])
    ws.merge_cells("A2:E2")
    ws.merge_cells("F2:G2")
    ws.append(
        ["村代码", "村（社区）\n名称", "单位类型", "乡镇代码", "党组织 定级", "经营收入（万元）", "收益"]
    )
    ws.append(["填写说明：代码按文本填写，金额单位为万元"])
    ws.append(["520603100200", "锦宁村", "行政村", "520603100", "一般", 12, 3.5])
    ws.append([])
    ws.append(["520603100201", "碧水村", "行政村", "520603100", "先进", 70, 30])
    ws.append([])
    ws.append(["填表人：王某", None, "审核人：李某", None, "日期：2026年1月8日"])
    wb.save(path)
