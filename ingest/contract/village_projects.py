"""The village projects sheet (村集体经济项目): one row per project of a village's collective economy.

Land the collective runs itself, by use (a tea garden of 63 亩), and each investment it made
(shares in a company: amount and date), so that each can be counted and summed; the village
sheet's 集体对外投资 stays the village's total. The sheet is optional: workbooks made before it
existed still load, and the steward's report names the counties that sent none.
"""

from __future__ import annotations

from ingest.contract.columns import EVENTS_FROM, Sheet, column, village_code

PROJECT_TYPES = ("自营土地", "对外投资", "其他项目")
LAND_USES = ("茶园", "果园", "耕地", "林地", "养殖", "其他")

VILLAGE_PROJECTS = Sheet(
    key="village_projects",
    title="村集体经济项目",
    description="每个村（社区）集体经济的每个项目一行：自主经营的土地（按用途、亩数）和每笔对外投资（金额、日期）",
    aliases=("集体经济项目", "村集体项目"),
    row_key=("org_unit_code", "project_name"),
    optional=True,
    columns=(
        village_code(),
        column(
            "project_name",
            "项目名称",
            "text",
            "项目名称，如“自营茶园”“入股强村富民公司” / project name",
            required=True,
            aliases=("项目",),
            max_length=200,
        ),
        column(
            "project_type",
            "项目类型",
            "code",
            "自营土地、对外投资或其他项目 / land run by the collective, an investment, or another project",
            required=True,
            aliases=("类型",),
            codes=PROJECT_TYPES,
        ),
        column(
            "land_use",
            "土地用途",
            "code",
            "自营土地的用途 / what the land is used for",
            aliases=("用途",),
            codes=LAND_USES,
        ),
        column(
            "area_mu",
            "经营面积",
            "decimal",
            "自营土地面积 / area of the land",
            unit="亩",
            aliases=("面积",),
            min_value=0,
            max_value=1_000_000,
            scale=2,
        ),
        column(
            "amount",
            "投资金额",
            "decimal",
            "对外投资（入股）金额或项目投入 / amount invested",
            unit="万元",
            aliases=("入股金额", "金额"),
        ),
        column(
            "started_on",
            "投资或开始经营日期",
            "date",
            "投资（入股）或开始经营的日期 / date invested or started",
            aliases=("投资日期", "开始日期"),
            earliest=EVENTS_FROM,
            latest="today",
        ),
    ),
)
