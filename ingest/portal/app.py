"""The portal for county clerks and data stewards: what every page shares.

FastAPI with Jinja2 pages rendered on the server (``templates/``), in Chinese, nothing loaded
from the internet. Sessions are signed cookies (HttpOnly, SameSite=Strict) that expire after
``DANGJIAN_PORTAL_SESSION_HOURS``; every form carries the session's CSRF token and a POST
without it is refused. A clerk sees only the county of the account: every page under
``/county/<code>/`` checks it (:meth:`Portal.county`), whatever the link, the URL or the form
says. The pages themselves: ``county_pages.py`` (a county: check and submit a workbook, its
submissions, its correction workbook, its published figures) and ``steward_pages.py`` (every
county's status, failed checks and the steward's decisions, the reports).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from ingest.config import Settings, local_secret
from ingest.contract import orgunits
from ingest.portal import accounts
from ingest.portal.accounts import Account
from ingest.variables import value

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@dataclass(frozen=True)
class Portal:
    """The settings every page works with, and the checks every page makes."""

    s: Settings

    def csrf(self, request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_hex(16)
        return token

    def user(self, request: Request) -> Account | None:
        """The person logged in, while the login is younger than DANGJIAN_PORTAL_SESSION_HOURS
        (checked here too, not only by the cookie's signed age)."""
        if hasattr(request.state, "user"):  # looked up once per request
            return request.state.user
        name, since = request.session.get("user"), request.session.get("since", 0)
        if name and time.time() - since > value("DANGJIAN_PORTAL_SESSION_HOURS") * 3600:
            request.session.clear()
            name = None
        request.state.user = accounts.get(self.s, name) if name else None
        return request.state.user

    def page(self, request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context = {
            "user": self.user(request),
            "csrf": self.csrf(request),
            "county_name": orgunits.county_name,
            **context,
        }
        return TEMPLATES.TemplateResponse(request, name, context, status_code=status)

    def form(self, request: Request, token: str) -> None:
        """Refuse a form without the session's CSRF token."""
        if not token or not secrets.compare_digest(token, request.session.get("csrf", "")):
            raise HTTPException(403, "表单已失效（缺少或不符的 CSRF 令牌），请刷新页面后重试")

    def login_required(self, request: Request) -> Account:
        user = self.user(request)
        if user is None:
            raise HTTPException(303, headers={"Location": "/login"})
        return user

    def steward(self, request: Request) -> Account:
        user = self.login_required(request)
        if not user.is_steward:
            raise HTTPException(404, "没有这个页面")
        return user

    def county(self, request: Request, code: str) -> Account:
        """The person, when they may see ``code``'s pages; to anyone else they do not exist."""
        user = self.login_required(request)
        if code not in orgunits.counties() or not user.may_see(code):
            raise HTTPException(404, "没有这个页面")
        return user


def create_app(s: Settings) -> FastAPI:
    from ingest.portal import county_pages, steward_pages

    app = FastAPI(title="党建统计数仓门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=value("DANGJIAN_PORTAL_SECRET") or local_secret(s.home / "secrets" / "portal_session"),
        session_cookie="dangjian_portal",
        max_age=int(value("DANGJIAN_PORTAL_SESSION_HOURS") * 3600),
        same_site="strict",
        https_only=value("DANGJIAN_PORTAL_HTTPS_ONLY") == "true",
    )
    portal = Portal(s)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException):
        if exc.status_code == 303:
            return RedirectResponse(exc.headers["Location"], status_code=303)
        return portal.page(request, "message.html", exc.status_code, message=exc.detail)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return portal.page(request, "login.html")

    @app.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""), csrf_token: str = Form("")):
        portal.form(request, csrf_token)
        address = request.client.host if request.client else None
        try:
            user = accounts.authenticate(s, name, password, address)
        except accounts.Throttled as e:
            return portal.page(request, "login.html", 429, error=str(e))
        if user is None:
            return portal.page(request, "login.html", 401, error="账号或密码不正确")
        request.session.clear()  # a new session for the person: no fixation
        request.session.update(user=user.name, csrf=secrets.token_hex(16), since=int(time.time()))
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")):
        portal.form(request, csrf_token)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home(request: Request):
        user = portal.login_required(request)
        target = "/steward" if user.is_steward else f"/county/{user.county_code}"
        return RedirectResponse(target, status_code=303)

    app.include_router(county_pages.router(portal))
    app.include_router(steward_pages.router(portal))
    return app
