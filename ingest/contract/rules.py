"""The rule set: every check that can be judged on one county's submission, defined once.

A rule is evaluated in two places from the one definition here, with the same verdict, the
same cells and the same Chinese explanation:

- on the workbook, in Python: ``dangjian check`` and ingest (``ingest/workbook/reader.py``), on the
  parsed rows of one submission;
- on the build, in SQL: the nightly audit runs each rule as a Great Expectations
  ``UnexpectedRowsExpectation`` (``expectations/rules.py``) on the rows the build is made from
  (each sheet's raw rows of the submissions selected for the build: :func:`relation`).

Two kinds of rule make the rule set:

- **column limits**, declared on each column of the contract (``Column.limits()``: code lists,
  code formats, the county's own org units, number ranges and decimal places, text lengths,
  date ranges, required cells). The parsers check them cell by cell on the workbook;
  ``ingest/contract/limits.py`` makes them SQL for the audit (:func:`column_rules`).
- **rules between columns, rows and sheets** (:data:`RULES`): written in a small expression
  language (:class:`Expr`) that evaluates on parsed columns and compiles to SQL.

Every rule has an importance. ``critical``: the submission is held back from publication
until the county corrects it or a steward releases it (``ingest/quality/approval.py``); ``warning``:
reported for follow-up, never holding anything back. A rule that ``rejects_row`` describes an
impossible row (an end before its start): the row is refused at ingest and never loaded.
Other critical rules keep the row, so a steward who releases the submission publishes it as
the county sent it. Rules that need other counties' rows stay in the audit only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ingest import contract
from ingest.contract.cadres import FULL_TIME_POSTS, ROLE_AGES
from ingest.contract.expressions import Book, Expr, Func, Rows, Scope, col
from ingest.contract.rule_functions import (
    count,
    filled_exactly_when,
    greatest,
    id_birth_date,
    id_sex,
    in_other_counties,
    in_post_at_period_end,
    in_sheet,
    lookup,
    parent_unit,
    period_end,
    registered_kind,
    sum_of,
    years_between,
)

Importance = Literal["critical", "warning"]

# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule: ``holds`` must not be false on any row of ``sheet`` where ``when`` holds.

    ``if_missing``: what a row whose ``holds`` is null (a value missing) counts as. ``per``:
    ``row`` judges each row (failures name its cells); ``submission`` judges the whole
    submission once (``holds`` then compares figures such as :func:`count`); ``counties``
    judges each row against the other counties' rows, so only the audit can (its failures name
    every county's cells).
    """

    rule_id: str
    sheet: str
    holds: Expr
    importance: Importance
    explanation: str
    when: Expr | None = None
    if_missing: Literal["pass", "fail"] = "pass"
    rejects_row: bool = False
    per: Literal["row", "submission", "counties"] = "row"
    #: column limits are checked by the parsers on the workbook; the rest by :func:`failing`
    parser_checked: bool = False

    @property
    def columns(self) -> list[str]:
        """The cells a failure points to: the sheet's columns the rule reads, in order."""
        if self.per == "submission":
            return []
        return list(dict.fromkeys(self.holds.columns()))

    @property
    def on_workbook(self) -> bool:
        """Whether the clerk's check and ingest judge it (all but the rules across counties)."""
        return self.per != "counties"

    def fails(self, scope: Scope) -> str:
        """SQL that is true on a row that breaks the rule."""
        holds = self.holds.sql(scope)
        verdict = f"not coalesce({holds}, {'true' if self.if_missing == 'pass' else 'false'})"
        return f"coalesce({self.when.sql(scope)}, false) and {verdict}" if self.when is not None else verdict

    def failing_rows_query(self) -> str:
        """The failing rows, with their lineage and the checked columns' values: a Great
        Expectations query over ``{batch}``, the rows of the rule's sheet (or, for a rule on a
        whole submission, each county-period's submission)."""
        scope = Scope("t", self.sheet, joins=[])
        fails = self.fails(scope)
        rows = "(select * from {batch}) as t" + "".join(scope.joins).replace("{", "{{").replace("}", "}}")
        fails = fails.replace("{", "{{").replace("}", "}}")  # regex bounds, not fields
        if self.per == "submission":
            return f"select t.county_code, t.period, t.submission_id from {rows} where {fails}"
        cols = "".join(f", t.{c}" for c in self.columns)
        return f"select t.submission_id, t.source_sheet, t.source_row, t.county_code{cols} from {rows} where {fails}"

    def failing(self, book: Book) -> list[int]:
        """Positions of the rows of ``book`` that break the rule (``[0]`` for a submission
        that does, when ``per`` is ``submission``)."""
        rows = Rows(book, self.sheet)
        if self.per == "submission":
            rows = Rows(
                Book(book.county, book.period, {**book.sheets, "_": {}}, {**book.counts, "_": 1}), "_"
            )
        verdicts = self.holds.values(rows)
        missing_passes = self.if_missing == "pass"
        applies = self.when.values(rows) if self.when is not None else [True] * rows.n
        return [
            i
            for i, (ok, on) in enumerate(zip(verdicts, applies, strict=True))
            if on and not (missing_passes if ok is None else ok)
        ]


_VILLAGE_LEVEL = ("行政村", "社区")


def _project_needs(rule_id: str, kind: str, column: str) -> Rule:
    """A village project of ``kind`` fills ``column`` (land its area, an investment its amount)."""
    c = contract.sheet("village_projects").column(column)
    return Rule(
        rule_id,
        "village_projects",
        ~col(column).is_null(),
        "warning",
        f"{kind}项目应填写“{c.template_header}”",
        when=col("project_type").eq(kind),
        if_missing="fail",
    )


#: What a village's investment rows add up to (村集体经济项目: its 对外投资 rows).
_INVESTED = sum_of(
    col("org_unit_code"), "village_projects", "org_unit_code", "amount", col("project_type").eq("对外投资")
)

#: Rules between columns, rows and sheets. Adding a rule is adding an entry here (and a row
#: that breaks it in tests/integration/test_rule_set.py).
RULES: tuple[Rule, ...] = (
    Rule(
        "cadre_post_ends_after_it_starts",
        "cadres",
        col("end_date") >= col("start_date"),
        "critical",
        "任职结束日期早于开始日期；请核对两个日期",
        rejects_row=True,
    ),
    Rule(
        "cadre_post_starts_after_birth",
        "cadres",
        col("start_date") >= col("birth_date"),
        "critical",
        "任职开始日期早于出生日期；请核对两个日期",
        rejects_row=True,
    ),
    Rule(
        "cadre_birth_date_matches_id",
        "cadres",
        col("birth_date").eq(id_birth_date(col("id_number"))),
        "critical",
        "出生日期与身份证号第 7–14 位的出生日期不一致；请核对出生日期和身份证号",
    ),
    Rule(
        "cadre_sex_matches_id",
        "cadres",
        col("sex").eq(id_sex(col("id_number"))),
        "critical",
        "性别与身份证号第 17 位不一致（奇数为男，偶数为女）；请核对性别和身份证号",
    ),
    Rule(
        "cadre_adult_when_appointed",
        "cadres",
        years_between(col("birth_date"), col("start_date")) >= 18,
        "critical",
        "任职开始时未满 18 周岁；请核对出生日期和任职开始日期",
    ),
    Rule(
        "cadre_age_plausible_for_role",
        "cadres",
        years_between(col("birth_date"), period_end()).between(
            lookup(col("role"), {r: a[0] for r, a in ROLE_AGES.items()}),
            lookup(col("role"), {r: a[1] for r, a in ROLE_AGES.items()}),
        ),
        "warning",
        "期末年龄不在该岗位的常见年龄范围内"
        f"（{'；'.join(f'{r} {a}–{b} 岁' for r, (a, b) in ROLE_AGES.items())}）；请核对出生日期或岗位类别",
    ),
    Rule(
        "cadre_post_starts_by_period_end",
        "cadres",
        col("start_date") <= period_end(),
        "warning",
        "任职开始日期晚于报送期末；请核对日期或报送期间",
    ),
    Rule(
        "cadre_promotion_dated_if_promoted",
        "cadres",
        filled_exactly_when("promotion_date", "is_early_promotion"),
        "warning",
        "“是否提前晋档”为“是”时应填写提前晋档日期（“某年以来”的统计按此日期），否则留空；请核对两项",
        if_missing="fail",
    ),
    Rule(
        "cadre_degree_completed_only_if_upgrading",
        "cadres",
        col("degree_completed_date").is_null() | col("is_degree_upgrading").eq(True),
        "warning",
        "填写了学历提升完成日期，但“是否学历提升”不为“是”；请核对两项",
        if_missing="fail",
    ),
    Rule(
        "instructor_covers_an_enterprise",
        "cadres",
        in_sheet(col("id_number"), "enterprises", "instructor_id_number"),
        "warning",
        "该党建指导员没有联系任何企业或社会组织；请核对新兴领域表的联系指导员",
        when=col("role").eq("党建指导员"),
    ),
    Rule(
        "one_post_across_counties",
        "cadres",
        ~in_other_counties(
            col("id_number"),
            "cadres",
            "id_number",
            col("role").isin(FULL_TIME_POSTS) & in_post_at_period_end(),
        ),
        "critical",
        "同一人期末在另一县（区）也担任村（社区）专职岗位；请与该县核对任职情况",
        when=col("role").isin(FULL_TIME_POSTS) & in_post_at_period_end(),
        per="counties",
    ),
    Rule(
        "training_ends_after_it_starts",
        "training",
        col("end_date") >= col("start_date"),
        "critical",
        "培训结束日期早于开始日期；请核对两个日期",
        rejects_row=True,
    ),
    Rule(
        "attendee_on_the_roster",
        "training",
        in_sheet(col("id_number"), "cadres", "id_number"),
        "warning",
        "参训人员不在本县该期干部名册中；如为名册外骨干可不处理，否则请核对身份证号",
    ),
    Rule(
        "village_net_within_operating_income",
        "villages",
        col("collective_net_income") <= col("collective_operating_income"),
        "critical",
        "村集体经济收益不应大于经营收入；请核对两项金额（单位：万元）",
    ),
    Rule(
        "village_in_its_township",
        "villages",
        col("township_code").eq(parent_unit(col("org_unit_code"))),
        "critical",
        "所填乡镇（街道）代码与该村（社区）在组织单位名录中的上级乡镇不一致；请按名录填写所属乡镇（街道）",
        if_missing="fail",
    ),
    Rule(
        "village_type_as_registered",
        "villages",
        col("unit_type").eq(registered_kind(col("org_unit_code"))),
        "critical",
        "所填类型（行政村、社区或小区党支部）与组织单位名录不一致；请按名录填写",
    ),
    Rule(
        "village_investment_is_its_projects",
        "villages",
        Func("abs", col("collective_investment") - _INVESTED, abs, "abs({})") <= 0.0001,  # 1 元
        "warning",
        "村集体对外投资合计与村集体经济项目表中该村各笔对外投资的金额之和不一致（或未填合计）；请核对合计与各笔金额（单位：万元）",
        when=~_INVESTED.is_null(),  # a village with investment rows: its total is theirs, and filled
        if_missing="fail",
    ),
    _project_needs("project_land_has_an_area", "自营土地", "area_mu"),
    _project_needs("project_investment_has_an_amount", "对外投资", "amount"),
    Rule(
        "village_grids_plausible",
        "villages",
        col("grid_count") <= 60,
        "warning",
        "单个村（社区）网格数超出常见范围（0–60），请核实",
    ),
    Rule(
        "instructor_on_the_roster",
        "enterprises",
        in_sheet(col("instructor_id_number"), "cadres", "id_number", col("role").eq("党建指导员")),
        "warning",
        "联系的党建指导员不在本县该期干部名册的党建指导员中；请核对指导员身份证号",
    ),
    Rule(
        "reserve_cadres_per_village_plausible",
        "cadres",
        count("cadres", col("role").eq("后备力量") & in_post_at_period_end(), distinct="id_number")
        <= 10 * greatest(count("villages", col("unit_type").isin(_VILLAGE_LEVEL)), 1),
        "warning",
        "后备力量人数超过每个村（社区）10 人，明显偏多；请核对是否重复填报",
        per="submission",
    ),
    Rule(
        "reserve_cadres_at_least_one_per_village",
        "cadres",
        count("cadres", col("role").eq("后备力量") & in_post_at_period_end(), distinct="id_number")
        >= count("villages", col("unit_type").isin(_VILLAGE_LEVEL)),
        "warning",
        "后备力量少于每村（社区）1 人；请核对干部名册中的后备力量是否漏报",
        per="submission",
    ),
)


def all_rules() -> tuple[Rule, ...]:
    """The whole rule set: every column limit, then :data:`RULES`."""
    return (*column_rules(), *RULES)


def by_id() -> dict[str, Rule]:
    return {r.rule_id: r for r in all_rules()}


def render_markdown() -> str:
    """The rule table for docs/quality.md."""
    lines = [
        "| rule | sheet | judged on | importance | a failing row | explanation |",
        "|---|---|---|---|---|---|",
    ]
    for r in RULES:
        kind = {
            "row": "each row",
            "submission": "the whole submission",
            "counties": "each row, against other counties (audit only)",
        }[r.per]
        row = "refused, not loaded" if r.rejects_row else "loaded"
        lines.append(
            f"| `{r.rule_id}` | {contract.sheet(r.sheet).title} | {kind} | {r.importance} | {row} | {r.explanation} |"
        )
    return "\n".join(lines) + "\n"


# Column limits are rules too, made from the contract in their own module (which needs ``Rule``).
from ingest.contract.limits import column_rule_id as column_rule_id  # noqa: E402
from ingest.contract.limits import column_rules as column_rules  # noqa: E402
