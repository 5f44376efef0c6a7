"""The townships sheet (乡镇（街道）情况): one row per township or street.

What a county organisation department reports of each township party committee (a street's
party working committee) and of its work with the villages and communities below it: the
committee's rating and rectification, the supervision groups it sent and what they found and
proposed, one-to-one talks, grievances resolved and backbone party members developed.

The sheet is optional: workbooks made before it existed still load, with no township rows, and
the steward's report names the counties that sent none.
"""

from __future__ import annotations

from ingest.contract.columns import Sheet, column, rating, township_code

TOWNSHIPS = Sheet(
    key="townships",
    title="乡镇（街道）情况",
    description="每个乡镇（街道）每个报送期间一行：党委（党工委）定级整顿、督导、谈心谈话与党员发展",
    aliases=("乡镇情况", "乡镇（街道）", "街道情况", "乡镇（街道）统计"),
    row_key=("township_code",),
    optional=True,
    columns=(
        township_code("9 位统计用区划代码 / 9-digit township or street code"),
        column(
            "township_name",
            "乡镇（街道）名称",
            "text",
            "乡镇或街道名称 / name",
            required=True,
            aliases=("乡镇名称", "街道名称", "名称"),
            max_length=100,
        ),
        rating(
            "党委（党工委）定级",
            "乡镇党委（街道党工委）排队定级结果：先进、一般、后进 / rating of the township party committee",
            ("党委定级", "党工委定级", "定级"),
        ),
        column(
            "is_rectified",
            "是否完成整顿",
            "boolean",
            "后进乡镇党委（街道党工委）是否已整顿销号 / lagging committee rectified",
            aliases=("整顿销号",),
        ),
        column(
            "supervision_groups",
            "专项督导组数",
            "integer",
            "派到村（社区）的专项督导组 / supervision groups sent to villages and communities",
            unit="个",
            aliases=("督导组数",),
        ),
        column(
            "supervision_rounds",
            "专项督导次数",
            "integer",
            "本期开展的专项督导轮次 / supervision rounds held",
            unit="次",
            aliases=("督导次数",),
        ),
        column(
            "problems_solved",
            "督导解决难题数",
            "integer",
            "督导中现场发现并解决的难题 / problems found and solved",
            unit="个",
            aliases=("解决难题数",),
        ),
        column(
            "suggestions_made",
            "提出指导性建议数",
            "integer",
            "督导提出的指导性改进建议 / suggestions made",
            unit="条",
            aliases=("指导性建议数", "改进建议数"),
        ),
        column(
            "talks_held",
            "谈心谈话人次",
            "integer",
            "与村（社区）干部、社区工作者谈心谈话 / one-to-one talks held",
            unit="人次",
            aliases=("谈心谈话",),
        ),
        column(
            "grievances_resolved",
            "解决诉求数",
            "integer",
            "为村（社区）干部、社区工作者解决的诉求 / grievances resolved",
            unit="件",
            aliases=("解决诉求",),
        ),
        column(
            "backbone_members_developed",
            "发展骨干党员数",
            "integer",
            "从村（社区）干部、社区工作者中发展的骨干党员 / backbone party members developed",
            unit="人",
            aliases=("发展党员数",),
        ),
    ),
)
