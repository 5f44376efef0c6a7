"""The training sheet (培训): one row per person and course."""

from __future__ import annotations

from ingest.contract.columns import EVENTS_FROM, Sheet, column

TRAINING = Sheet(
    key="training",
    title="培训记录",
    description="每人每次参训一行：班次、类型、主办层级、时间、学时、是否结业",
    aliases=("培训情况", "培训台账"),
    row_key=("class_id", "id_number"),
    columns=(
        column(
            "class_id",
            "班次编号",
            "text",
            "培训班次编号（同一班次相同）/ class id",
            required=True,
            max_length=50,
        ),
        column(
            "class_name",
            "班次名称",
            "text",
            "培训班次名称 / class name",
            required=True,
            aliases=("培训班名称",),
            max_length=200,
        ),
        column(
            "training_type",
            "培训类型",
            "code",
            "培训类型 / kind of training",
            required=True,
            codes=(
                "学历提升",
                "后备书记培训班",
                "业务培训",
                "跟岗锻炼",
                "现场教学",
                "驻村干部培训",
                "轮岗锻炼",
                "专题培训",
            ),
        ),
        column(
            "organiser_level",
            "主办层级",
            "code",
            "市级、县级或乡镇（街道）级 / organiser level",
            required=True,
            codes=("市级", "县级", "乡镇级"),
            aliases=("主办单位层级",),
        ),
        column(
            "start_date",
            "开始日期",
            "date",
            "培训开始日期 / start",
            required=True,
            aliases=("培训时间",),
            earliest=EVENTS_FROM,
        ),
        column("end_date", "结束日期", "date", "培训结束日期 / end", earliest=EVENTS_FROM),
        column(
            "hours", "学时", "decimal", "学时 / hours", unit="学时", min_value=0.5, max_value=2000, scale=1
        ),
        column(
            "id_number",
            "学员身份证号",
            "id_number",
            "参训人身份证号 / attendee ID number",
            required=True,
            aliases=("身份证号",),
        ),
        column("name", "学员姓名", "text", "参训人姓名 / attendee name", aliases=("姓名",), max_length=50),
        column("is_completed", "是否结业", "boolean", "是否完成培训 / completed", aliases=("结业",)),
    ),
)
