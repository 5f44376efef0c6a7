"""The steward's decisions: waive or acknowledge a failed check, release a held submission.

A waiver lets a critical failure pass from the next audit on, for exactly the failing rows
it was given for (the same check failing on other rows still holds back). An acknowledgement
leaves the failure reported but releases the county it held back. A release approves a
submission held back from publication (``ingest/quality/approval.py``) as the county sent it: the
next night (or ``dangjian publish``) publishes it. Every decision is a new row in
``quality.disposition`` with who, when and why; nothing is changed or deleted.

Decisions come one at a time from the command line, or many at once from a reviewed file:
``export_review`` writes the failed checks to Excel with three cells to fill in (处理, 理由,
处理人); ``apply_review`` records every filled row, all or nothing.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

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
                select coalesce(%(run)s, (select run_id from quality.latest_audit)) as run_id
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


def release(s: Settings, submission_id: int, reason: str, by: str | None = None) -> int:
    """Approve a held submission as it is; returns the decision's id."""
    if not reason.strip():
        raise ValueError("必须说明理由 / a reason is required")
    with psycopg.connect(s.url("steward")) as conn, conn.transaction():
        held = conn.execute(
            "select exists (select from quality.active_hold where submission_id = %s)", (submission_id,)
        ).fetchone()[0]
        if not held:
            raise NotAFailure(
                f"报送 {submission_id} 没有被暂缓发布 / submission {submission_id} is not held back"
            )
        return conn.execute(
            "insert into quality.disposition (submission_id, action, reason, decided_by)"
            " values (%s, 'release', %s, %s) returning disposition_id",
            (submission_id, reason.strip(), by or getpass.getuser()),
        ).fetchone()[0]


def decide(s: Settings, validation_result_id: int, action: str, reason: str, by: str | None = None) -> int:
    """Record a decision (``waive`` or ``ack``) on a failed check; returns its disposition id."""
    if not reason.strip():
        raise ValueError("必须说明理由 / a reason is required")
    with psycopg.connect(s.url("steward")) as conn, conn.transaction():
        return _record(conn, validation_result_id, ACTIONS[action], reason, by)


def _record(
    conn: psycopg.Connection, validation_result_id: int, action: str, reason: str, by: str | None
) -> int:
    found = conn.execute(
        "select success from quality.validation_result where validation_result_id = %s",
        (validation_result_id,),
    ).fetchone()
    if found is None or found[0]:
        raise NotAFailure(f"检查结果 {validation_result_id} 不存在或并未失败 / not a failed check")
    return conn.execute(
        "insert into quality.disposition (validation_result_id, action, reason, decided_by)"
        " values (%s, %s, %s, %s) returning disposition_id",
        (validation_result_id, action, reason.strip(), by or getpass.getuser()),
    ).fetchone()[0]


#: The review file's columns: what the steward reads, then the three cells they fill in.
REVIEW_HEADERS = (
    "编号",
    "级别",
    "套件",
    "栏目",
    "行数",
    "说明",
    "已有处理",
    "处理（豁免/知悉）",
    "理由",
    "处理人",
)
_ACTION_WORDS = {"豁免": "waive", "waive": "waive", "知悉": "ack", "ack": "ack", "acknowledge": "ack"}


def export_review(s: Settings, path: Path, run_id: str | None = None) -> int:
    """Write the failed checks of a run to an Excel file for review; returns how many."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from ingest.outputs.corrections import text_cell

    found = failures(s, run_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "待处理检查"
    sheet.append(REVIEW_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fill = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
    for row, f in enumerate(found, start=2):  # under the header
        sheet.cell(row, 1, f.validation_result_id)
        for col, value in enumerate(
            (
                "严重" if f.severity == "critical" else "提示",
                f.suite,
                f.column,
                f.unexpected_count,
                f.explanation,
                f.decisions,
            ),
            start=2,
        ):
            text_cell(sheet.cell(row, col), value)
        for col in (8, 9, 10):
            sheet.cell(row, col).fill = fill
    choice = DataValidation(type="list", formula1='"豁免,知悉"', allow_blank=True)
    sheet.add_data_validation(choice)
    choice.add(f"H2:H{max(2, sheet.max_row)}")
    for letter, width in zip("ABCDEFGHIJ", (8, 6, 18, 18, 8, 60, 30, 16, 40, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return len(found)


class ReviewFileError(ValueError):
    """The reviewed file cannot be applied; nothing of it was recorded."""


def apply_review(s: Settings, path: Path, by: str | None = None) -> list[int]:
    """Record every decision filled in a reviewed file, all or nothing; returns the new
    disposition ids. Rows without a decision are skipped; a row's 处理人 wins over ``by``."""
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = tuple(str(v or "").strip() for v in next(rows, ()))
    if header[: len(REVIEW_HEADERS)] != REVIEW_HEADERS:
        raise ReviewFileError(f"文件「{path.name}」不是处理清单：第 1 行应为 {'、'.join(REVIEW_HEADERS)}")
    decisions, errors = [], []
    for line, row in enumerate(rows, start=2):
        row = (*row, *[None] * len(REVIEW_HEADERS))[: len(REVIEW_HEADERS)]
        ident, word, reason, who = row[0], str(row[7] or "").strip(), str(row[8] or "").strip(), row[9]
        if isinstance(ident, float) and ident.is_integer():
            ident = int(ident)
        if not word:
            continue
        where = f"文件「{path.name}」第 {line} 行"
        if word not in _ACTION_WORDS:
            errors.append(f"{where} H{line}：处理应为「豁免」或「知悉」，实为「{word}」")
        elif not reason:
            errors.append(f"{where} I{line}：必须填写理由")
        elif not isinstance(ident, int):
            errors.append(f"{where} A{line}：编号应为整数，实为「{ident}」")
        else:
            decisions.append(
                (line, ident, ACTIONS[_ACTION_WORDS[word]], reason, str(who).strip() if who else by)
            )
    if errors:
        raise ReviewFileError("；\n".join(errors))
    ids = []
    with psycopg.connect(s.url("steward")) as conn, conn.transaction():
        for line, ident, action, reason, who in decisions:
            try:
                ids.append(_record(conn, ident, action, reason, who))
            except NotAFailure as exc:
                raise ReviewFileError(f"文件「{path.name}」第 {line} 行 A{line}：{exc}；整份未记录") from None
    return ids
