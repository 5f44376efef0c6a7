"""Correction workbooks: a county's own submission, annotated, to send back for correction.

For each current submission with problems, ``write`` copies the archived original and marks
every problem at its cell with a comment saying what is wrong and what is expected: red for
what must be corrected (critical), yellow for what to verify (a warning). A first sheet,
更正说明, lists them all, critical first (also the ones without a cell, such as a sheet held
back whole). Submissions held back from publication come first, named ``…_暂缓发布_更正_…``,
their 更正说明 opening with why. The county fixes the cells in place and submits the file again.

Problems come from ``quality.rejected_cells`` (what ingest found) and ``quality.failed_cells``
(what the latest audit found, traced to the cell), less what a steward waived or, on a
released submission's loaded rows, accepted. Text the county typed is
written back as text only: a value starting with ``=``, ``+``, ``-`` or ``@`` can never turn
into a formula in the copy.

A correction workbook is a function of the archived original (its path holds its sha256), the
findings and the reasons it is held: ``write`` keeps each one it made in ``<home>/cache/
annotated`` under the digest of those and of this module's code, and copies it from there
while they stay the same. A night with nothing new re-annotates nothing, at any scale.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from ingest.config import Settings

SUMMARY_SHEET = "更正说明"
AUTHOR = "数据管理员"
_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
_FORMULA_START = ("=", "+", "-", "@")
#: A cached workbook not asked for in this many days is removed.
CACHE_DAYS = 30


@dataclass(frozen=True)
class Finding:
    sheet: str
    cell: str
    header: str | None
    original: str | None
    rule: str
    message: str
    severity: str = "critical"


@dataclass(frozen=True)
class Submission:
    submission_id: int
    file_name: str
    archive_path: str
    county_code: str
    period: str
    findings: tuple[Finding, ...]
    #: why the submission is held back from publication (empty: it is published)
    held_for: tuple[str, ...] = ()

    @property
    def out_name(self) -> str:
        held = "暂缓发布_" if self.held_for else ""
        return f"{self.county_code}_{self.period}_{held}更正_{self.submission_id}.xlsx"


def text_cell(cell, value: object) -> None:
    """Put ``value`` in ``cell`` as plain text, never as a formula (spreadsheet injection)."""
    cell.value = None if value is None else str(value)
    if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True


_FINDINGS = """
with released as (  -- a steward approved these as sent: their loaded rows are not sent back
    select distinct submission_id from quality.disposition where action = 'release'
),
found as (
    select r.submission_id, r.sheet, r.cell, r.header, r.original_text, r.rule,
        case when r.severity = 'warning' then '【提示，请核实】' else '' end || r.message as message,
        r.severity, 0 as origin, r.rejected_cell_id as ord, 0 as source_row
    from quality.rejected_cells_named as r
    where not (r.row_loaded and r.severity = 'critical' and r.submission_id in (select submission_id from released))
    union all
    select f.submission_id, f.sheet, f.place, f.header, f.value,
        coalesce(f.rule_id, f.expectation),
        case when f.severity = 'warning' then '【提示，请核实】' else '' end || coalesce(f.explanation, ''),
        f.severity, 1, f.validation_result_id, f.source_row
    from quality.failed_cells as f join quality.latest_audit using (run_id)
    where f.waived_by is null
        and not (f.severity = 'critical' and f.submission_id in (select submission_id from released))
    union all  -- the failures of the audit pass that held a submission back
    select h.submission_id, h.sheet, h.cell, h.header, h.value, h.rule, h.message, 'critical', 2, h.hold_id, 0
    from quality.hold_cells as h
    where h.kind = 'audit'
),
held as (
    select submission_id, array_agg(distinct reason order by reason) as reasons
    from quality.active_hold group by submission_id
)
select s.submission_id, s.file_name, s.archive_path, s.county_code, s.period, coalesce(held.reasons, '{}'),
    found.sheet, found.cell, found.header, found.original_text, found.rule, found.message, found.severity
from found
join quality.submission_status as s on s.submission_id = found.submission_id
left join held on held.submission_id = s.submission_id
where s.status = 'accepted' and s.is_current
    and (%(county)s::text is null or s.county_code = %(county)s)
    and (%(period)s::text is null or s.period = %(period)s)
order by held.reasons is null, s.county_code, s.period, s.submission_id, found.severity <> 'critical',
    found.origin, found.ord, found.source_row, found.cell
"""


def with_problems(s: Settings, county: str | None = None, period: str | None = None) -> list[Submission]:
    """Current accepted submissions with problems (what ingest found, failures of the latest
    audit not waived, what held a submission back), held-back ones first, critical findings
    first."""
    with psycopg.connect(s.url("steward")) as conn:
        rows = conn.execute(_FINDINGS, {"county": county, "period": period}).fetchall()
    grouped: dict[int, list] = {}
    heads: dict[int, tuple] = {}
    for sid, name, path, c, p, reasons, *finding in rows:
        heads[sid] = (sid, name, path, c, p, tuple(reasons))
        grouped.setdefault(sid, []).append(Finding(*finding))
    return [
        Submission(*heads[sid][:5], tuple(dict.fromkeys(found)), heads[sid][5])
        for sid, found in grouped.items()
    ]


def _annotate(original: bytes, sub: Submission) -> bytes:
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    book = load_workbook(io.BytesIO(original))
    marks = {
        "critical": PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
        "warning": PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
    }
    for f in sub.findings:
        if f.sheet in book.sheetnames and _CELL.match(f.cell or ""):
            cell = book[f.sheet][f.cell]
            if f.severity == "critical" or cell.fill != marks["critical"]:  # red wins over yellow
                cell.fill = marks[f.severity]
            text = f"{f.message}\n（规则：{f.rule}）"
            if cell.comment is not None and cell.comment.author == AUTHOR:  # several problems, one cell
                text = f"{cell.comment.text}\n\n{text}"
            cell.comment = Comment(text, AUTHOR, width=320, height=120)
    summary = book.create_sheet(SUMMARY_SHEET, 0)
    headers = ("序号", "工作表", "单元格", "栏目", "原填写内容", "问题与要求", "规则")
    summary.append(headers)
    for cell in summary[1]:
        cell.font = Font(bold=True)
    held = [
        Finding(
            "",
            "",
            None,
            None,
            "held_back",
            f"本份报送暂缓发布：{reason}；在此之前本县（区）该期沿用上次发布的数据",
        )
        for reason in sub.held_for
    ]
    for i, f in enumerate([*held, *sub.findings], start=1):
        row = i + 1  # under the header (not summary.max_row, which looks at every cell each time)
        for col, value in enumerate((i, f.sheet, f.cell, f.header, f.original, f.message, f.rule), start=1):
            target = summary.cell(row, col)
            if isinstance(value, int):
                target.value = value
            else:
                text_cell(target, value)
            target.alignment = Alignment(wrap_text=col == 6, vertical="top")
    for letter, width in zip("ABCDEFG", (6, 14, 8, 22, 24, 70, 22), strict=True):
        summary.column_dimensions[letter].width = width
    summary.freeze_panes = "A2"
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annotated(sub: Submission) -> bytes:
    """The submission's original workbook, from the archive, with its problems marked."""
    import fsspec

    with fsspec.open(sub.archive_path, "rb") as fh:
        return _annotate(fh.read(), sub)


@functools.cache
def _code() -> bytes:
    """What shapes a correction workbook besides its data: this module and openpyxl."""
    from openpyxl import __version__ as openpyxl_version

    return Path(__file__).read_bytes() + openpyxl_version.encode()


def _digest(sub: Submission) -> str:
    made_from = (sub.archive_path, sub.findings, sub.held_for)
    return hashlib.sha256(_code() + pickle.dumps(made_from, protocol=5)).hexdigest()


def _from_cache(cache: Path, sub: Submission, path: Path) -> None:
    """``sub``'s correction workbook at ``path``: copied from ``cache`` if made before, else
    annotated and kept there."""
    cached = cache / f"{_digest(sub)}.xlsx"
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f".{cached.name}.{os.getpid()}"
        partial.write_bytes(annotated(sub))
        partial.replace(cached)  # whole or absent
    os.utime(cached)  # asked for now: kept another CACHE_DAYS
    tmp = path.with_name(f".{path.name}.tmp")
    shutil.copyfile(cached, tmp)
    tmp.replace(path)


def _prune(cache: Path) -> None:
    oldest = time.time() - CACHE_DAYS * 86400
    for old in cache.glob("*.xlsx") if cache.is_dir() else ():
        if old.stat().st_mtime < oldest:
            old.unlink(missing_ok=True)


def write(
    s: Settings,
    out: Path,
    county: str | None = None,
    period: str | None = None,
    progress: Callable[[], None] | None = None,
) -> list[Path]:
    """Write one correction workbook per current submission with problems; returns the paths.
    What was annotated before from the same original and findings is copied, not made anew."""
    out.mkdir(parents=True, exist_ok=True)
    cache = s.home / "cache" / "annotated"
    written = []
    for sub in with_problems(s, county, period):
        path = out / sub.out_name
        _from_cache(cache, sub, path)
        written.append(path)
        if progress:
            progress()
    _prune(cache)
    return written
