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
    """Rows whose ``column`` is an outlier against the same unit's other periods. The history
    of each (unit, period) is one grouped join over the batch (not a subquery per row, which
    grows with the square of the table: 65 s a check at a province's 26,000 villages)."""
    return f"""
        with b as (select * from {{batch}}),
        keys as (select distinct org_unit_code, period from b where {column} is not null),
        history as (
            select k.org_unit_code, k.period, count(*) as n,
                percentile_cont(0.5) within group (order by h.{column}) as median,
                min(h.{column}) as low,
                max(h.{column}) as high
            from keys as k
            join b as h on h.org_unit_code = k.org_unit_code and h.period <> k.period and h.{column} is not null
            group by k.org_unit_code, k.period
            having count(*) >= {MIN_HISTORY}
        ),
        spread as (
            select k.org_unit_code, k.period,
                percentile_cont(0.5) within group (order by abs(h.{column} - k.median)) as mad
            from history as k
            join b as h on h.org_unit_code = k.org_unit_code and h.period <> k.period and h.{column} is not null
            group by k.org_unit_code, k.period
        )
        select t.* from b as t
        join history using (org_unit_code, period)
        join spread using (org_unit_code, period)
        where t.{column} is not null
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
