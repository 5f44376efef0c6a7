"""Validation rules, kept as data: one readable table, in the style of DHIS2 validation rules.

Each rule compares a left side with a right side on every row of one mart of the candidate
build (``analytics_next``), has an importance (``critical`` blocks publishing, ``warning``
is reported for follow-up), a strategy for missing values, and an explanation in Chinese for
the steward and the county. Expressions are SQL over the row (``t``); a right side may look
things up in another mart of the same build (``{schema}``). Every rule runs as a Great
Expectations ``UnexpectedRowsExpectation`` and reports its failing rows by their lineage.
``docs/quality.md`` shows this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import great_expectations.expectations as gxe

SCHEMA = "analytics_next"
OPERATORS = ("<=", ">=", "=", "<", ">", "<>")
MISSING = {
    "skip_if_any_missing": "任一侧为空则跳过",
    "skip_if_all_missing": "两侧都为空才跳过",
    "never_skip": "为空视为不通过",
}


@dataclass(frozen=True)
class Rule:
    rule_id: str
    table: str
    left: str
    operator: str
    right: str
    importance: str  # critical | warning
    missing: str  # a key of MISSING
    explanation: str  # what is wrong when the rule fails, and what is expected

    @property
    def columns(self) -> list[str]:
        """The row's columns the rule compares (``t.x`` on either side), in order: the cells
        a failure points to."""
        found = re.findall(r"\bt\.(\w+)", f"{self.left} {self.right}")
        return list(dict.fromkeys(found))

    def failing_rows_query(self) -> str:
        """The rows of the table that break the rule (GX substitutes ``{batch}``)."""
        left, right = self.left, self.right.replace("{schema}", SCHEMA)
        holds = f"({left}) {self.operator} ({right})"
        skip = {
            "skip_if_any_missing": f"({left}) is null or ({right}) is null",
            "skip_if_all_missing": f"({left}) is null and ({right}) is null",
            "never_skip": "false",
        }[self.missing]
        return f"select t.* from (select * from {{batch}}) as t where not ({skip}) and not coalesce({holds}, false)"


RULES: tuple[Rule, ...] = (
    Rule(
        "village_net_within_operating_income",
        "fct_village_indicators",
        "t.collective_net_income",
        "<=",
        "t.collective_operating_income",
        "critical",
        "skip_if_any_missing",
        "村集体经济收益不应大于经营收入；请核对两项金额（单位：万元）",
    ),
    Rule(
        "village_in_its_township",
        "fct_village_indicators",
        "t.township_code",
        "=",
        "(select u.parent_org_unit_code from {schema}.dim_org_unit as u where u.org_unit_code = t.org_unit_code)",
        "critical",
        "never_skip",
        "所填乡镇（街道）代码与该村（社区）在组织单位名录中的上级乡镇不一致；请按名录填写所属乡镇（街道）",
    ),
    Rule(
        "strong_villages_within_villages",
        "mart_county_period_summary",
        "t.strong_economy_villages",
        "<=",
        "t.administrative_villages",
        "critical",
        "never_skip",
        "集体经济强村数不能多于行政村数",
    ),
    Rule(
        "cadre_post_ends_after_it_starts",
        "fct_cadre_roster",
        "t.end_date",
        ">=",
        "t.start_date",
        "critical",
        "skip_if_any_missing",
        "任职结束日期早于开始日期；请核对两个日期",
    ),
    Rule(
        "attendee_on_the_roster",
        "fct_training_attendance",
        "t.is_in_roster",
        "=",
        "true",
        "warning",
        "never_skip",
        "参训人员不在本县该期干部名册中；如为名册外骨干可不处理，否则请核对身份证号",
    ),
    Rule(
        "instructors_cover_units",
        "mart_county_period_summary",
        "t.instructors_covering",
        ">=",
        "t.instructors",
        "warning",
        "never_skip",
        "有党建指导员没有联系任何企业或社会组织；请核对新兴领域表的联系指导员",
    ),
    Rule(
        "reserve_cadres_per_village_plausible",
        "mart_county_period_summary",
        "t.reserve_cadres",
        "<=",
        "10 * greatest(t.village_level_orgs, 1)",
        "warning",
        "never_skip",
        "后备力量人数超过每个村（社区）10 人，明显偏多；请核对是否重复填报",
    ),
    Rule(
        "reserve_cadres_at_least_one_per_village",
        "mart_county_period_summary",
        "t.reserve_cadres",
        ">=",
        "t.village_level_orgs",
        "warning",
        "never_skip",
        "后备力量少于每村（社区）1 人；请核对干部名册中的后备力量是否漏报",
    ),
)


def expectations_for(table: str) -> list[gxe.Expectation]:
    """The table's rules as Great Expectations expectations (critical or warning in meta)."""
    found = []
    for rule in RULES:
        if rule.table != table:
            continue
        e = gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=rule.failing_rows_query(),
            description=f"{rule.rule_id}: {rule.left} {rule.operator} {rule.right}",
        )
        column = rule.left.removeprefix("t.") if re.fullmatch(r"t\.\w+", rule.left) else None
        e.meta = {
            "severity": rule.importance,
            "explanation": rule.explanation,
            "rule_id": rule.rule_id,
            "column": column,
            "columns": rule.columns,
        }
        found.append(e)
    return found


def render_markdown() -> str:
    """The rule table for docs/quality.md."""
    lines = [
        "| rule | mart | left | operator | right | importance | when missing | explanation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in RULES:
        right = r.right.replace("|", "\\|")
        lines.append(
            f"| `{r.rule_id}` | `{r.table}` | `{r.left}` | `{r.operator}` | `{right}` | {r.importance} |"
            f" {MISSING[r.missing]} | {r.explanation} |"
        )
    return "\n".join(lines) + "\n"
