"""Each column's declared limits as rules of the audit (:func:`column_rules`): code lists, code
formats, the county's own org units, number ranges and decimal places, text lengths, date
ranges, required cells. The parsers check the same limits cell by cell on the workbook
(``ingest/workbook/parse.py``), from the same declarations (``Column.limits()``).
"""

from __future__ import annotations

from ingest import contract
from ingest.contract import SHEETS, Column, Sheet
from ingest.contract.expressions import Expr, Func, Lit, col
from ingest.contract.expressions import literal as _literal
from ingest.contract.rules import Rule


def column_rule_id(sheet: Sheet, column: Column, kind: str) -> str:
    return f"{sheet.key}.{column.name}.{kind}"


#: The registry's levels an org-unit column may name (``Column.org_level``).
_ORG_LEVELS = {"unit": ("village",), "township": ("township",), "any": ("county", "township", "village")}


def _column_limit(sheet: Sheet, c: Column, kind: str) -> Expr | None:
    """A column's declared limit as an expression that holds on a valid value."""
    value = col(c.name)
    if kind == "required":
        return ~value.is_null()
    if kind == "codes":
        return value.isin(c.codes)
    if kind == "pattern":
        pattern = _literal(c.pattern).replace("{", "{{").replace("}", "}}")  # a template's braces
        return Func("matches", value, lambda v: True, "{} ~ " + pattern)
    if kind == "org_unit":
        levels = ", ".join(map(_literal, _ORG_LEVELS[c.org_level]))
        return Func(
            "registered_in_county",
            value,
            lambda v: True,
            "case when {0} is null then null else exists (select from raw.org_unit as u"
            " where u.org_unit_code = {0} and u.unit_level in (" + levels + ")"
            " and left(u.org_unit_code, 6) = t.county_code"
            " and u.valid_from <= quality.period_end_date(t.period)"
            " and (u.valid_to is null or u.valid_to > quality.period_start_date(t.period))) end",
        )
    if kind == "range":
        low, high = c.bounds
        return value >= low if high is None else value.between(low, high)
    if kind == "scale":
        return Func("scale", value, lambda v: True, "min_scale({})") <= c.scale
    if kind == "length":
        return Func("length", value, lambda v: True, "char_length({})") <= c.text_limit
    if kind == "dates":
        earliest, latest = c.earliest or contract.EARLIEST_DATE, c.latest or contract.LATEST_DATE
        upper: Expr = (
            Func("today", value, lambda v: True, "current_date") if latest == "today" else Lit(latest)
        )
        return (value >= earliest) & (value <= upper)
    return None


def column_rules() -> tuple[Rule, ...]:
    """Each column's declared limits as rules for the audit (the parsers check them on the
    workbook). Their Python side is never used: a value outside a limit is not loaded."""
    found = []
    for s in SHEETS:
        for c in s.columns:
            for kind in c.limits():
                found.append(
                    Rule(
                        column_rule_id(s, c, kind),
                        s.key,
                        _column_limit(s, c, kind),
                        "critical",
                        f"「{c.header}」{c.limit_text(kind)}",
                        if_missing="fail" if kind == "required" else "pass",
                        rejects_row=True,
                        parser_checked=True,
                    )
                )
    return tuple(found)
