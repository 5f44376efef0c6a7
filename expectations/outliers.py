"""Outliers: a value far from the same org unit's own history, reported as a warning.

For each indicator below and each village or community, a period's value is compared with
the unit's other periods in the build: the modified z-score (0.6745 × (value − median) /
MAD) beyond ``Z_LIMIT``, or, when the history is flat (MAD = 0), a value outside the band of
its history's minimum and maximum by more than ``BAND_SLACK``; in both cases only when the
value is at least ``MIN_DIFFERENCE`` and ``MIN_SHARE`` of the usual value away from it (small
counts move by one or two all the time). At least ``MIN_HISTORY`` other periods are needed. These never block publishing: they are for follow-up.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

TABLE = "fct_village_indicators"
INDICATORS = (
    ("grid_count", "网格数"),
    ("party_group_count", "党小组数"),
    ("party_members_in_grids", "下沉网格党员数"),
    ("collective_operating_income", "集体经济经营收入"),
)
Z_LIMIT = 3.5
BAND_SLACK = 0.5  # 50 % beyond the history's range
MIN_HISTORY = 3
# and never for small moves: at least this much, and this share of the usual value, apart
MIN_DIFFERENCE = 3
MIN_SHARE = 0.5


def _query(column: str) -> str:
    return f"""
        select t.* from (select * from {{batch}}) as t
        join lateral (
            select
                count(*) as n,
                percentile_cont(0.5) within group (order by h.{column}) as median,
                min(h.{column}) as low,
                max(h.{column}) as high
            from (select * from {{batch}}) as h
            where h.org_unit_code = t.org_unit_code and h.period <> t.period and h.{column} is not null
        ) as history on true
        join lateral (
            select percentile_cont(0.5) within group (order by abs(h.{column} - history.median)) as mad
            from (select * from {{batch}}) as h
            where h.org_unit_code = t.org_unit_code and h.period <> t.period and h.{column} is not null
        ) as spread on true
        where t.{column} is not null and history.n >= {MIN_HISTORY}
        and abs(t.{column} - history.median) >= greatest({MIN_DIFFERENCE}, {MIN_SHARE} * abs(history.median))
        and (
            (spread.mad > 0 and abs(0.6745 * (t.{column} - history.median) / spread.mad) > {Z_LIMIT})
            or (spread.mad = 0 and (
                t.{column} > history.high + {BAND_SLACK} * greatest(abs(history.high), 1)
                or t.{column} < history.low - {BAND_SLACK} * greatest(abs(history.low), 1)))
        )
    """


def expectations_for(table: str) -> list[gxe.Expectation]:
    """The outlier checks on ``table`` (only the villages mart has history to compare with)."""
    found = []
    if table != TABLE:
        return found
    for column, label in INDICATORS:
        e = gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=_query(column), description=f"outlier: {column}"
        )
        e.meta = {
            "severity": "warning",
            "rule_id": f"outlier_{column}",
            "column": column,
            "columns": [column],
            "explanation": f"「{label}」与该村（社区）往期数值相差悬殊（修正 z 分数超过 {Z_LIMIT} 或超出历史区间），请核实",
        }
        found.append(e)
    return found
