"""A county's pages: check a workbook and submit it, follow its submissions, download its
correction workbook, read its published figures. A clerk reaches only the account's county;
a steward every county (``Portal.county``).

Checking gives the verdict ``dangjian check`` gives (the same reader and rule set,
``ingest/workbook/reader.py``), each problem at its cell. The upload is stored under a name
the server chooses, limited in size (``DANGJIAN_MAX_FILE_MB``) and type (.xlsx); the reader's
preflight refuses a decompression bomb or a broken file. A workbook without a critical
problem can then be submitted by the person who checked it, within a day: it is copied into
the inbox, where the night picks it up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from ingest import contract
from ingest.config import Settings
from ingest.contract import orgunits
from ingest.portal import accounts
from ingest.portal.accounts import Account
from ingest.variables import value

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How long a checked upload waits to be submitted before it is removed.
UPLOAD_KEPT_SECONDS = 24 * 3600


def uploads_dir(s: Settings) -> Path:
    return s.home / "portal" / "uploads"


def router(portal) -> APIRouter:
    pages = APIRouter()
    s = portal.s

    @pages.get("/county/{code}", response_class=HTMLResponse)
    def county(request: Request, code: str):
        portal.county(request, code)
        return portal.page(
            request,
            "county.html",
            code=code,
            max_mb=value("DANGJIAN_MAX_FILE_MB"),
            submissions=_submissions(s, code),
            figures=_figures(s, code),
        )

    @pages.post("/county/{code}/check", response_class=HTMLResponse)
    async def check(request: Request, code: str, workbook: UploadFile, csrf_token: str = Form("")):
        user = portal.county(request, code)
        portal.form(request, csrf_token)
        upload = secrets.token_hex(16)
        stored = await _store(s, workbook, upload)
        verdict = await judged(stored, code)
        details = {k: verdict.get(k) for k in ("sha256", "critical", "warnings", "refused")}
        accounts.record(
            s,
            user,
            "check",
            {"county_code": code, "upload": upload, "file_name": workbook.filename, **details},
        )
        if verdict.get("refused") or verdict["critical"]:
            stored.unlink(missing_ok=True)  # nothing to submit: keep nothing
        return portal.page(
            request, "verdict.html", code=code, token=upload, file_name=workbook.filename, **verdict
        )

    @pages.post("/county/{code}/submit", response_class=HTMLResponse)
    def submit(request: Request, code: str, upload: str = Form(""), csrf_token: str = Form("")):
        user = portal.county(request, code)
        portal.form(request, csrf_token)
        stored = uploads_dir(s) / f"{upload}.xlsx"
        if not _UPLOAD_ID.fullmatch(upload) or not stored.exists() or not _checked_by(s, user, code, upload):
            raise HTTPException(404, "没有这份已检查的工作簿，请重新上传检查")
        verdict = judge(stored, code)  # judged again: what goes to the inbox is what was checked
        if verdict.get("refused") or verdict["critical"]:
            raise HTTPException(409, "这份工作簿有严重问题，不能报送")
        s.inbox.mkdir(parents=True, exist_ok=True)
        target = s.inbox / contract.file_name(code, verdict["period"])
        if target.exists():
            target = target.with_name(f"{target.stem}_门户{time.strftime('%Y%m%d%H%M%S')}{target.suffix}")
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(stored, partial)
        partial.replace(target)
        stored.unlink()
        accounts.record(
            s,
            user,
            "submit",
            {"county_code": code, "upload": upload, "inbox_file": target.name, "sha256": verdict["sha256"]},
        )
        return portal.page(
            request, "message.html", message=f"已报送：{target.name}，今晚的运行将接收并处理。"
        )

    @pages.get("/county/{code}/template")
    def template(request: Request, code: str, period: str = ""):
        import io

        from ingest.workbook import template as blank

        portal.county(request, code)
        try:
            period = contract.parse_period(period)
        except ValueError as e:
            raise HTTPException(400, f"期间「{period}」无效：{e}") from None
        out = io.BytesIO()
        blank.build(code, period).save(out)
        return Response(
            out.getvalue(),
            media_type=XLSX,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(contract.file_name(code, period))}"
            },
        )

    @pages.get("/county/{code}/corrections/{period}")
    def corrections(request: Request, code: str, period: str):
        from ingest.outputs import corrections as workbooks

        user = portal.county(request, code)
        found = workbooks.with_problems(s, code, period)
        if not found:
            raise HTTPException(404, "这一期没有需要更正的工作簿")
        sub = found[0]
        accounts.record(s, user, "download_corrections", {"county_code": code, "period": period})
        return Response(
            workbooks.annotated(sub),
            media_type=XLSX,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(sub.out_name)}"},
        )

    return pages


def _submissions(s: Settings, code: str) -> list[dict]:
    """The county's files, newest first, each with what became of it."""
    with psycopg.connect(s.url("steward")) as conn:
        cur = conn.execute(
            "select f.submission_id, f.file_name, f.period, f.received_at, f.status, f.status_reason,"
            " f.is_current, (select count(*) from quality.rejected_cells r where r.submission_id = f.submission_id)"
            "  as rejected_cells,"
            " p.published_submission_id = f.submission_id as published,"
            " p.newest_submission_id = f.submission_id and p.is_held_back as held_back,"
            " case when p.newest_submission_id = f.submission_id then p.held_back_reason end as held_back_reason,"
            " exists (select from quality.active_hold h where h.submission_id = f.submission_id) as on_hold"
            " from quality.submission_status f"
            " left join quality.county_period_status p on p.county_code = f.county_code and p.period = f.period"
            " where f.county_code = %s order by f.received_at desc, f.submission_id desc",
            (code,),
        )
        names = [d.name for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    for row in rows:
        row["label"] = _label(row)
    return rows


def _label(row: dict) -> str:
    """What became of a file, in a clerk's words."""
    if row["status"] == "quarantined":
        return "整份未受理"
    if not row["is_current"]:
        return "已被更新的报送取代"
    if row["published"]:
        return "已发布" + (f"（{row['rejected_cells']} 处单元格退回）" if row["rejected_cells"] else "")
    if row["held_back"] or row["on_hold"]:
        return "暂缓发布"
    return "已接收，待今晚发布"


def _figures(s: Settings, code: str) -> list[tuple[str, list[tuple[str, object]]]]:
    """The county's published figures per period: (period, [(label, value)]), newest first;
    labels are the mart's column comments (their Chinese part, before `` / English``)."""
    with psycopg.connect(s.url("steward")) as conn:
        if not conn.execute("select to_regclass('marts.mart_county_period_summary') is not null").fetchone()[
            0
        ]:
            return []
        labels = dict(
            conn.execute(
                "select a.attname, regexp_replace(col_description(a.attrelid, a.attnum), '\\s*/\\s*[A-Za-z\"].*$', '')"
                " from pg_attribute a where a.attrelid = 'marts.mart_county_period_summary'::regclass"
                " and a.attnum > 0 and not a.attisdropped"
            ).fetchall()
        )
        cur = conn.execute(
            "select * from marts.mart_county_period_summary where county_code = %s order by period desc",
            (code,),
        )
        names = [d.name for d in cur.description]
        shown = [n for n in names if n not in ("county_code", "period")]
        return [
            (row[names.index("period")], [(labels.get(n) or n, _figure(row[names.index(n)])) for n in shown])
            for row in cur.fetchall()
        ]


def _figure(value: object) -> str:
    """A published figure as a person reads it: whole numbers as they are, others to 2 places."""
    from decimal import Decimal

    if isinstance(value, bool) or value is None:
        return "" if value is None else ("是" if value else "否")
    if isinstance(value, (float, Decimal)):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


async def _store(s: Settings, upload: UploadFile, name: str) -> Path:
    """Keep the upload under a name the server chooses, refusing what is not an .xlsx or is
    larger than DANGJIAN_MAX_FILE_MB (counted while reading, whatever the client declared)."""
    if not (upload.filename or "").lower().endswith(".xlsx"):
        raise HTTPException(415, "只接受 .xlsx 工作簿（请用报表模板填写后另存为 .xlsx）")
    limit = int(value("DANGJIAN_MAX_FILE_MB") * 1024 * 1024)
    folder = uploads_dir(s)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in folder.glob("*.xlsx"):  # checked and never submitted: kept for a day
        if old.stat().st_mtime < time.time() - UPLOAD_KEPT_SECONDS:
            old.unlink(missing_ok=True)
    path, size = folder / f"{name}.xlsx", 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink()
                raise HTTPException(413, f"文件超过 {value('DANGJIAN_MAX_FILE_MB'):g} MB 的上限")
            out.write(chunk)
    return path


async def judged(path: Path, code: str) -> dict:
    """:func:`judge` in a worker process: reading a workbook is CPU work, so it runs off the
    request's event loop, and several clerks' checks use every core (anyio's process pool,
    whose workers keep the reader imported between checks)."""
    from anyio import to_process

    return await to_process.run_sync(judge, path, code, cancellable=True)


def judge(path: Path, code: str) -> dict:
    """What ``dangjian check`` says about the workbook: refused whole, or its problems."""
    from ingest.workbook.book import WorkbookRejected
    from ingest.workbook.reader import read_workbook

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        book = read_workbook(path)
    except WorkbookRejected as rejected:
        where = f"{rejected.sheet}!{rejected.cell}" if rejected.sheet and rejected.cell else rejected.sheet
        return {"refused": rejected.reason, "where": where, "critical": 0, "warnings": 0, "sha256": digest}
    if book.county_code != code:
        return {
            "refused": f"这份工作簿是{orgunits.county_name(book.county_code)}（{book.county_code}）的，"
            f"不是{orgunits.county_name(code)}的",
            "critical": 0,
            "warnings": 0,
            "sha256": digest,
        }
    problems = sorted(book.problems, key=lambda p: (p.severity != "critical", p.sheet))
    return {
        "sheets": sheet_views(path, problems),
        "period": book.period,
        "rows": sum(d.row_count for d in book.sheets.values()),
        "problems": problems,
        "critical": len(book.critical),
        "warnings": len(problems) - len(book.critical),
        "sha256": digest,
    }


#: Rows of a sheet shown around its problems (the rest are in the table of problems).
MAX_ROWS_SHOWN = 40


def sheet_views(path: Path, problems: list) -> list[dict]:
    """Each sheet with problems at cells, as the clerk sees it in Excel: its header row and
    the rows with problems, every column, the problem cells marked (critical over warning)
    with their message."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
    from python_calamine import CalamineWorkbook

    marks: dict[str, dict[tuple[int, int], object]] = {}
    for p in problems:
        try:
            letters, row = coordinate_from_string(p.cell)
        except (ValueError, TypeError):  # a problem of the sheet or the file: no cell
            continue
        at = marks.setdefault(p.sheet, {})
        key = (row, column_index_from_string(letters))
        if key not in at or p.severity == "critical":
            at[key] = p
    book = CalamineWorkbook.from_path(str(path))
    views = []
    for title, at in marks.items():
        try:
            grid = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception:  # the sheet was named differently: the table of problems says it all
            continue
        rows = sorted({r for r, _ in at})[:MAX_ROWS_SHOWN]
        width = max([len(grid[0]) if grid else 0, *(c for _, c in at)])

        views.append(
            {
                "title": title,
                "letters": [get_column_letter(c) for c in range(1, width + 1)],
                "header": [v for v, _ in _cells(grid, at, 1, width)],
                "rows": [(r, _cells(grid, at, r, width)) for r in rows],
                "more": len({r for r, _ in at}) - len(rows),
            }
        )
    return views


def _cells(grid: list[list], at: dict, row: int, width: int) -> list[tuple[str, object]]:
    """Row ``row`` (1-based) of the sheet: each cell's value as shown, and its problem if any."""
    values = grid[row - 1] if row - 1 < len(grid) else []
    return [
        (_shown(values[c - 1] if c - 1 < len(values) else ""), at.get((row, c))) for c in range(1, width + 1)
    ]


def _shown(value: object) -> str:
    """A cell's value as Excel shows it (a whole number without ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _checked_by(s: Settings, user: Account, code: str, upload: str) -> bool:
    """Whether ``user`` checked this upload for ``code`` (an upload id is good for its owner only)."""
    with psycopg.connect(s.url()) as conn:
        return conn.execute(
            "select exists (select from portal.action where action = 'check' and name = %s"
            " and details->>'upload' = %s and details->>'county_code' = %s)",
            (user.name, upload, code),
        ).fetchone()[0]
