"""The enterprises sheet: one row per enterprise or social organisation."""

from __future__ import annotations

from ingest.contract.columns import Sheet, column

ENTERPRISES = Sheet(
    key="enterprises",
    title="新兴领域",
    description="每个“三有”企业或社会组织一行：党组织建立情况与党建指导员的指导成效",
    aliases=("企业和社会组织", "新兴领域党建"),
    row_key=("credit_code",),
    columns=(
        column(
            "credit_code",
            "统一社会信用代码",
            "credit_code",
            "18 位统一社会信用代码（GB 32100 校验）/ credit code",
            required=True,
            aliases=("信用代码",),
        ),
        column(
            "name",
            "名称",
            "text",
            "企业或社会组织名称 / name",
            required=True,
            aliases=("企业名称", "单位名称"),
            max_length=100,
        ),
        column(
            "org_type",
            "类型",
            "code",
            "“三有”企业或社会组织 / enterprise or social organisation",
            required=True,
            codes=("三有企业", "社会组织"),
        ),
        column(
            "township_code",
            "乡镇（街道）代码",
            "code",
            "所在乡镇（街道）9 位代码 / township code",
            required=True,
            pattern=r"^\d{9}$",
            pattern_text="应为 9 位数字",
            org_level="township",
            aliases=("所在乡镇代码",),
        ),
        column("industry", "行业", "text", "所属行业 / industry", max_length=50),
        column(
            "has_party_org",
            "是否建立党组织",
            "boolean",
            "已建立党组织 / has a party organisation",
            aliases=("建立党组织",),
        ),
        column(
            "instructor_id_number",
            "党建指导员身份证号",
            "id_number",
            "联系的党建指导员 / instructor",
            required=True,
            aliases=("指导员身份证号",),
        ),
        column(
            "guidance_visits", "指导次数", "integer", "党建指导员累计指导次数 / guidance visits", unit="次"
        ),
        column(
            "problems_solved",
            "解决经营难题数",
            "integer",
            "帮助解决经营难题 / problems solved",
            unit="个",
            aliases=("解决问题数",),
        ),
        column(
            "members_reporting",
            "到社区报到党员数",
            "integer",
            "主动到社区报到的党员 / members reporting",
            unit="人",
        ),
        column(
            "volunteer_person_times",
            "志愿服务人次",
            "integer",
            "开展志愿服务人次 / volunteer person-times",
            unit="人次",
            max_value=1_000_000,
        ),
    ),
)
