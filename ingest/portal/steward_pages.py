"""The steward's pages: every county's status per period, what is held back and why, the
latest audit's failed checks, and the decisions on them (waive, acknowledge, release), each
with a required reason and recorded under the steward's own name; the steward report, the
Great Expectations Data Docs and dbt's documentation, served behind the login.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from ingest import publish
from ingest.portal import accounts
from ingest.quality import approval, completeness, steward


def router(portal) -> APIRouter:
    pages = APIRouter()
    s = portal.s

    @pages.get("/steward", response_class=HTMLResponse)
    def overview(request: Request, done: str = ""):
        portal.steward(request)
        failures = steward.failures(s)
        with psycopg.connect(s.url("steward")) as conn:
            statuses = completeness.statuses(conn)
            held = approval.held_back(conn)
            decisions = _to_decide(conn, held, failures)
        return portal.page(
            request,
            "steward.html",
            rates=completeness.rates(statuses),
            statuses=statuses,
            held_at={(h.county_code, h.period) for h in held},
            done=_done(done),
            **decisions,
        )

    @pages.post("/steward/release")
    def release(
        request: Request, submission_id: int = Form(...), reason: str = Form(""), csrf_token: str = Form("")
    ):
        user = portal.steward(request)
        portal.form(request, csrf_token)
        _decided(lambda: steward.release(s, submission_id, reason, by=user.name))
        accounts.record(s, user, "release", {"submission_id": submission_id, "reason": reason.strip()})
        return RedirectResponse(f"/steward?done=release-{submission_id}", status_code=303)

    @pages.post("/steward/decide")
    def decide(
        request: Request,
        validation_result_id: int = Form(...),
        action: str = Form(""),
        reason: str = Form(""),
        csrf_token: str = Form(""),
    ):
        user = portal.steward(request)
        portal.form(request, csrf_token)
        if action not in steward.ACTIONS:
            raise HTTPException(400, "只能豁免（waive）或知悉（ack）")
        _decided(lambda: steward.decide(s, validation_result_id, action, reason, by=user.name))
        details = {"validation_result_id": validation_result_id, "reason": reason.strip()}
        accounts.record(s, user, action, details)
        return RedirectResponse(f"/steward?done={action}-{validation_result_id}", status_code=303)

    @pages.get("/steward/run/{run_id}", response_class=HTMLResponse)
    def run(request: Request, run_id: str):
        """One night's run: whether it published, whom it held back and why, what failed."""
        portal.steward(request)
        failures = steward.failures(s, run_id)
        with psycopg.connect(s.url("steward")) as conn:
            decided = publish.decision(conn, run_id)
            if decided is None and not failures:
                raise HTTPException(404, f"没有运行 {run_id} 的记录")
            decisions = _to_decide(conn, approval.held_back(conn, run_id), failures)
        return portal.page(request, "run.html", run_id=run_id, decided=decided, **decisions)

    @pages.get("/steward/report", response_class=HTMLResponse)
    def report(request: Request):
        from ingest.outputs import steward_report

        portal.steward(request)
        return HTMLResponse(steward_report.render(s, gx_docs="/steward/gx/index.html"))

    @pages.get("/steward/gx/{path:path}")
    def gx_docs(request: Request, path: str):
        from ingest.quality.audit import docs_dir

        portal.steward(request)
        return FileResponse(_inside(docs_dir(s), path))

    @pages.get("/steward/dbt-docs")
    def dbt_docs(request: Request):
        from ingest.warehouse import dbt

        portal.steward(request)
        return FileResponse(_inside(dbt.target_dir(s), "static_index.html"))

    return pages


#: Failing cells listed under each failed check (the steward report lists them all).
MAX_CELLS_SHOWN = 20


def _failed_cells(conn: psycopg.Connection, ids: list[int]) -> dict[int, list[tuple]]:
    """The first failing cells of each failed check: county, file, sheet!cell, header, value."""
    found: dict[int, list[tuple]] = {}
    for vid, county, file_name, sheet, place, header, value in conn.execute(
        "select validation_result_id, county_code, file_name, sheet, place, header, value from ("
        " select f.*, row_number() over (partition by validation_result_id order by submission_id, source_row)"
        "  as n from quality.failed_cells f where validation_result_id = any(%s)) as f where n <= %s",
        (ids, MAX_CELLS_SHOWN),
    ):
        found.setdefault(vid, []).append((county, file_name, f"{sheet}!{place}", header, value))
    return found


def _to_decide(conn: psycopg.Connection, held: list, failures: list) -> dict:
    """What the held-back and failed-checks tables show: the holds, the failed checks each
    audit hold is for, the failures, and the first failing cells of all of them."""
    holding = _holding_failures(conn, [h.submission_id for h in held])
    ids = [f.validation_result_id for f in failures] + [f[0] for found in holding.values() for f in found]
    return {
        "held": held,
        "holding": holding,
        "failures": failures,
        "cells": _failed_cells(conn, ids),
        "max_cells": MAX_CELLS_SHOWN,
    }


def _holding_failures(conn: psycopg.Connection, submissions: list[int]) -> dict[int, list[tuple]]:
    """The failed checks each audit hold is for, still without a decision: waiving or
    acknowledging all of them releases the hold (``quality.active_hold``)."""
    found: dict[int, list[tuple]] = {}
    for sid, vid, severity, explanation, count in conn.execute(
        "select h.submission_id, v.validation_result_id, v.severity, v.details ->> 'explanation', v.unexpected_count"
        " from quality.active_hold h"
        " cross join lateral jsonb_array_elements_text(h.details -> 'validation_result_ids') as x (id)"
        " join quality.validation_result v on v.validation_result_id = x.id::bigint"
        " where h.kind = 'audit' and h.submission_id = any(%s)"
        " and not exists (select from quality.disposition d where d.validation_result_id = v.validation_result_id)"
        " order by 1, 2",
        (submissions,),
    ):
        found.setdefault(sid, []).append((vid, severity, explanation, count))
    return found


def _done(done: str) -> str:
    """The decision just recorded, in words (``release-12``: 已放行报送 12)."""
    kind, _, number = done.partition("-")
    words = {"release": "已放行报送", "waive": "已豁免检查", "ack": "已知悉检查"}.get(kind)
    return f"{words} {number}，已记录在您的名下" if words and number.isdigit() else ""


def _decided(decision) -> None:
    """Take a decision; a refusal (no reason, nothing to decide on) is the steward's to read."""
    try:
        decision()
    except (ValueError, steward.NotAFailure) as e:
        raise HTTPException(400, str(e)) from None


def _inside(root: Path, path: str) -> Path:
    """``root / path`` when it is a file inside ``root`` (no ``..`` out of it), else 404."""
    root = root.resolve()
    found = (root / path).resolve()
    if not found.is_relative_to(root) or not found.is_file():
        raise HTTPException(404, "没有这个页面（尚未生成）")
    return found
