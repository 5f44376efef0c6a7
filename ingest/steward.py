"""The steward's decisions on failed checks: list them, waive or acknowledge one, with a reason.

A waiver lets a critical failure pass from the next audit on, for exactly the failing rows
it was given for (the same check failing on other rows still blocks). Every decision is a
new row in ``quality.disposition`` with who, when and why; nothing is changed or deleted.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

import psycopg

from ingest.config import Settings

ACTIONS = {"waive": "waive", "ack": "acknowledge"}


@dataclass(frozen=True)
class Failure:
    validation_result_id: int
    run_id: str
    suite: str
    column: str | None
    severity: str
    unexpected_count: int | None
    explanation: str | None
    waived_by: int | None
    decisions: str | None


def failures(s: Settings, run_id: str | None = None) -> list[Failure]:
    """Failed checks of a run (default: the latest audited run), with any decisions on them."""
    with psycopg.connect(s.url("steward")) as conn:
        rows = conn.execute(
            """
            with run as (
                select coalesce(%(run)s, (select run_id from quality.validation_result
                                          order by validation_result_id desc limit 1)) as run_id
            )
            select v.validation_result_id, v.run_id, v.suite, v.column_name, v.severity,
                   v.unexpected_count, v.details ->> 'explanation', v.waived_by,
                   string_agg(d.action || '：' || d.reason || '（' || d.decided_by || '）', '；'
                              order by d.disposition_id)
            from quality.validation_result v
            join run using (run_id)
            left join quality.disposition d
                on d.validation_result_id = v.validation_result_id or d.disposition_id = v.waived_by
            where not v.success
            group by v.validation_result_id
            order by v.severity, v.validation_result_id
            """,
            {"run": run_id},
        ).fetchall()
    return [Failure(*row) for row in rows]


class NotAFailure(ValueError):
    pass


def decide(s: Settings, validation_result_id: int, action: str, reason: str, by: str | None = None) -> int:
    """Record a decision (``waive`` or ``ack``) on a failed check; returns its disposition id."""
    if not reason.strip():
        raise ValueError("必须说明理由 / a reason is required")
    with psycopg.connect(s.url("steward")) as conn, conn.transaction():
        found = conn.execute(
            "select success from quality.validation_result where validation_result_id = %s",
            (validation_result_id,),
        ).fetchone()
        if found is None or found[0]:
            raise NotAFailure(f"检查结果 {validation_result_id} 不存在或并未失败 / not a failed check")
        return conn.execute(
            "insert into quality.disposition (validation_result_id, action, reason, decided_by)"
            " values (%s, %s, %s, %s) returning disposition_id",
            (validation_result_id, ACTIONS[action], reason.strip(), by or getpass.getuser()),
        ).fetchone()[0]
