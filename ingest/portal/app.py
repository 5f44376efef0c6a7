"""The portal for county clerks and data stewards: log in, check a workbook, submit it.

FastAPI with Jinja2 pages rendered on the server (``templates/``), in Chinese, nothing loaded
from the internet. Sessions are signed cookies (HttpOnly, SameSite=Strict) that expire after
``DANGJIAN_PORTAL_SESSION_HOURS``; every form carries the session's CSRF token and a POST
without it is refused. A clerk sees only the county of the account: every page under
``/county/<code>/`` checks it, whatever the link, the URL or the form says.

Checking a workbook gives the verdict ``dangjian check`` gives (the same reader and rule set,
``ingest/workbook/reader.py``), each problem at its cell. The upload is stored under a name
the server chooses, limited in size (``DANGJIAN_MAX_FILE_MB``) and type (.xlsx); the reader's
preflight refuses a decompression bomb or a broken file. A workbook without a critical
problem can then be submitted (by the person who checked it, within a day): it is copied
into the inbox, where the night picks it up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import time
from pathlib import Path

from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from ingest import contract
from ingest.config import Settings, local_secret
from ingest.contract import orgunits
from ingest.portal import accounts
from ingest.portal.accounts import Account
from ingest.variables import value

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
_TOKEN = "[0-9a-f]{32}"
#: How long a checked upload waits to be submitted before it is removed.
UPLOAD_KEPT_SECONDS = 24 * 3600


def uploads_dir(s: Settings) -> Path:
    return s.home / "portal" / "uploads"


def create_app(s: Settings) -> FastAPI:
    app = FastAPI(title="党建统计数仓门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=value("DANGJIAN_PORTAL_SECRET") or local_secret(s.home / "secrets" / "portal_session"),
        session_cookie="dangjian_portal",
        max_age=int(value("DANGJIAN_PORTAL_SESSION_HOURS") * 3600),
        same_site="strict",
        https_only=value("DANGJIAN_PORTAL_HTTPS_ONLY") == "true",
    )

    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_hex(16)
        return token

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        user = _user(request)
        context = {"user": user, "csrf": csrf(request), "county_name": orgunits.county_name, **context}
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status)

    def _user(request: Request) -> Account | None:
        name = request.session.get("user")
        return accounts.get(s, name) if name else None

    def checked_form(request: Request, token: str) -> None:
        if not token or not secrets.compare_digest(token, request.session.get("csrf", "")):
            raise HTTPException(403, "表单已失效（缺少或不符的 CSRF 令牌），请刷新页面后重试")

    def login_required(request: Request) -> Account:
        user = _user(request)
        if user is None:
            raise HTTPException(303, headers={"Location": "/login"})
        return user

    def county_of(request: Request, code: str) -> Account:
        user = login_required(request)
        if code not in orgunits.counties() or not user.may_see(code):
            raise HTTPException(404, "没有这个页面")  # another county's pages do not exist for a clerk
        return user

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException):
        if exc.status_code == 303:
            return RedirectResponse(exc.headers["Location"], status_code=303)
        return page(request, "message.html", exc.status_code, message=exc.detail)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return page(request, "login.html")

    @app.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
        checked_form(request, csrf_token)
        address = request.client.host if request.client else None
        try:
            user = accounts.authenticate(s, name, password, address)
        except accounts.Throttled as e:
            return page(request, "login.html", 429, error=str(e))
        if user is None:
            return page(request, "login.html", 401, error="账号或密码不正确")
        request.session.clear()  # a new session for the person: no fixation
        request.session.update(user=user.name, csrf=secrets.token_hex(16), since=int(time.time()))
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")):
        checked_form(request, csrf_token)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        user = login_required(request)
        if not user.is_steward:
            return RedirectResponse(f"/county/{user.county_code}", status_code=303)
        return page(request, "home.html", counties=orgunits.counties())

    @app.get("/county/{code}", response_class=HTMLResponse)
    def county(request: Request, code: str):
        county_of(request, code)
        return page(request, "check.html", code=code, max_mb=value("DANGJIAN_MAX_FILE_MB"))

    @app.post("/county/{code}/check", response_class=HTMLResponse)
    async def check(request: Request, code: str, workbook: UploadFile, csrf_token: str = Form("")):
        user = county_of(request, code)
        checked_form(request, csrf_token)
        token = secrets.token_hex(16)
        stored = await _store(s, workbook, token)
        verdict = _verdict(stored, code)
        accounts.record(
            s,
            user,
            "check",
            {
                "county_code": code,
                "upload": token,
                "file_name": workbook.filename,
                "sha256": verdict.get("sha256"),
                "critical": verdict["critical"],
                "warnings": verdict["warnings"],
                "refused": verdict.get("refused"),
            },
        )
        if verdict.get("refused") or verdict["critical"]:
            stored.unlink(missing_ok=True)  # nothing to submit: keep nothing
        return page(request, "verdict.html", code=code, token=token, file_name=workbook.filename, **verdict)

    @app.post("/county/{code}/submit", response_class=HTMLResponse)
    def submit(request: Request, code: str, upload: str = Form(""), csrf_token: str = Form("")):
        user = county_of(request, code)
        checked_form(request, csrf_token)
        stored = uploads_dir(s) / f"{upload}.xlsx"
        if not re.fullmatch(_TOKEN, upload) or not stored.exists() or not _checked_by(s, user, code, upload):
            raise HTTPException(404, "没有这份已检查的工作簿，请重新上传检查")
        verdict = _verdict(stored, code)  # judged again: what goes to the inbox is what was checked
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
        return page(request, "message.html", message=f"已报送：{target.name}，今晚的运行将接收并处理。")

    return app


async def _store(s: Settings, upload: UploadFile, token: str) -> Path:
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
    path, size = folder / f"{token}.xlsx", 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                path.unlink()
                raise HTTPException(413, f"文件超过 {value('DANGJIAN_MAX_FILE_MB'):g} MB 的上限")
            out.write(chunk)
    return path


def _verdict(path: Path, code: str) -> dict:
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
        "period": book.period,
        "rows": sum(d.row_count for d in book.sheets.values()),
        "problems": problems,
        "critical": len(book.critical),
        "warnings": len(problems) - len(book.critical),
        "sha256": digest,
    }


def _checked_by(s: Settings, user: Account, code: str, upload: str) -> bool:
    """Whether ``user`` checked this upload for ``code`` (an upload id is good for its owner only)."""
    import psycopg

    with psycopg.connect(s.url()) as conn:
        return conn.execute(
            "select exists (select from portal.action where action = 'check' and name = %s"
            " and details->>'upload' = %s and details->>'county_code' = %s)",
            (user.name, upload, code),
        ).fetchone()[0]
