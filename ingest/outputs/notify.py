"""Notifications: what the night did, and any task that failed, sent to the operations team.

The channel is ``DANGJIAN_NOTIFY``: ``log`` (default: the message goes to the task log),
``webhook`` (an HTTP POST of JSON to ``DANGJIAN_NOTIFY_WEBHOOK_URL``, in the text-message
format that WeCom and DingTalk group robots accept, with ``subject`` and ``body`` as well;
signed when ``DANGJIAN_NOTIFY_WEBHOOK_SECRET`` is set, its answer checked, and tried again
when the robot is busy or out of reach: :func:`post_webhook`),
or ``smtp`` (an e-mail through ``DANGJIAN_SMTP_HOST``/``_PORT``, optional ``_USER`` and
``_PASSWORD`` with STARTTLS, from ``DANGJIAN_SMTP_FROM`` to the comma-separated
``DANGJIAN_NOTIFY_TO``). A channel that cannot deliver raises, so the task shows it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import psycopg

from ingest import publish
from ingest.config import Settings
from ingest.contract import orgunits
from ingest.quality import approval
from ingest.variables import SettingError, value

log = logging.getLogger(__name__)
CHANNELS = ("log", "webhook", "smtp")


class NotifyConfigError(ValueError):
    pass


class NotDelivered(RuntimeError):
    """The channel did not take the message (after the retries it allows)."""


#: Seconds to wait before each further try of a webhook (so three tries in all).
RETRY_DELAYS: tuple[float, ...] = (2, 10)
#: Robots' error codes that mean "too many messages, try again later": WeCom's 45009 and
#: DingTalk's 130101. Any other non-zero errcode (a wrong key, a bad signature, a keyword the
#: robot requires) is not cured by trying again.
RATE_LIMITED = frozenset({45009, 130101})


def channel() -> str:
    try:
        return value("DANGJIAN_NOTIFY")
    except SettingError as exc:
        raise NotifyConfigError(str(exc)) from None


def _required(name: str) -> str:
    configured = value(name)
    if not configured:
        raise NotifyConfigError(f"通知渠道 {channel()} 需要设置 {name}")
    return configured


def send(subject: str, body: str) -> str:
    """Deliver a message on the configured channel; returns the channel's name."""
    name = channel()
    if name == "webhook":
        post_webhook(subject, body)
    elif name == "smtp":
        import smtplib
        from email.message import EmailMessage

        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = _required("DANGJIAN_SMTP_FROM")
        message["To"] = _required("DANGJIAN_NOTIFY_TO")
        message.set_content(body)
        port = value("DANGJIAN_SMTP_PORT")
        with smtplib.SMTP(_required("DANGJIAN_SMTP_HOST"), port, timeout=15) as smtp:
            if value("DANGJIAN_SMTP_USER"):
                smtp.starttls()
                smtp.login(value("DANGJIAN_SMTP_USER"), value("DANGJIAN_SMTP_PASSWORD"))
            smtp.send_message(message)
    else:
        log.warning("%s\n%s", subject, body)
        print(f"{subject}\n{body}")
    return name


def signed(url: str, secret: str, now_ms: int | None = None) -> str:
    """``url`` signed as DingTalk's robots require (加签): ``timestamp`` in milliseconds and
    ``sign``, the base64 HMAC-SHA256 of ``"<timestamp>\\n<secret>"`` keyed by the secret."""
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    query = urllib.parse.urlencode({"timestamp": stamp, "sign": base64.b64encode(digest).decode()})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _answer(raw: bytes) -> tuple[int, str]:
    """The robot's verdict: (errcode, errmsg); (0, "") for an answer without one (a webhook
    that is not a WeCom or DingTalk robot says yes with its HTTP status alone)."""
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return 0, ""
    if not isinstance(answer, dict):
        return 0, ""
    try:
        return int(answer.get("errcode") or 0), str(answer.get("errmsg") or "")
    except (TypeError, ValueError):
        return -1, str(answer.get("errcode"))


def post_webhook(subject: str, body: str) -> None:
    """POST the message to the robot; raise NotDelivered unless it took it. A refusal by
    errcode is final unless it is a rate limit; no answer, a 5xx or a 429 is tried again after
    each of :data:`RETRY_DELAYS`. Errors never name the URL, which carries the robot's key."""
    url, secret = _required("DANGJIAN_NOTIFY_WEBHOOK_URL"), value("DANGJIAN_NOTIFY_WEBHOOK_SECRET")
    payload = {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}, "subject": subject, "body": body}
    data = json.dumps(payload, ensure_ascii=False).encode()
    for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
        request = urllib.request.Request(
            signed(url, secret) if secret else url,  # signed afresh: DingTalk takes a signature for an hour
            data=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (configured URL)
                errcode, errmsg = _answer(response.read())
            if errcode == 0:
                return
            problem, again = f"机器人拒收（errcode {errcode}：{errmsg}）", errcode in RATE_LIMITED
        except urllib.error.HTTPError as e:
            problem, again = f"HTTP {e.code}", e.code >= 500 or e.code == 429
        except (urllib.error.URLError, OSError) as e:  # refused, unreachable, timed out
            problem, again = f"无法连接（{getattr(e, 'reason', e)}）", True
        if not again or delay is None:
            raise NotDelivered(f"通知未送达（webhook，共尝试 {attempt} 次）：{problem}")
        log.warning("webhook: %s; trying again in %s s", problem, delay)
        time.sleep(delay)


@dataclass
class Night:
    """What one run did, read from the warehouse as the steward."""

    run_id: str
    outcome: str  # published | refused | failed | nothing_new
    reason: str | None
    accepted: int
    quarantined: int
    rejected_cells: int
    critical: int
    warnings: int
    held_back: list = field(default_factory=list)  # approval.HeldBack, by county

    @property
    def ok(self) -> bool:
        return self.outcome in ("published", "nothing_new")

    def message(self, report: str | None = None) -> tuple[str, str]:
        title = {
            "published": "已发布",
            "nothing_new": "无新报送，未重建",
            "refused": "审核未通过，未发布（沿用上一版）",
            "failed": "构建失败，未发布（沿用上一版）",
        }[self.outcome]
        if self.held_back and self.outcome == "published":
            title += f"（{len(self.held_back)} 个县（区）暂缓发布）"
        portal = value("DANGJIAN_PORTAL_URL").rstrip("/")
        lines = [
            *(
                f"暂缓发布：{orgunits.county_name(h.county_code)} {h.period}（{h.file_name}）："
                + "；".join(h.reasons)
                + ("；沿用上次发布的数据" if h.published_submission_id else "；该期尚无已发布的数据")
                + (f"；详见 {portal}/county/{h.county_code}" if portal else "")
                for h in self.held_back
            ),
            f"运行：{self.run_id}",
            f"本次收到文件：接收 {self.accepted} 份，整份隔离 {self.quarantined} 份；退回单元格 {self.rejected_cells} 处",
            f"审核：严重未通过 {self.critical} 项，提示 {self.warnings} 项",
        ]
        if self.reason and not self.ok:
            lines.append(f"原因：{self.reason}")
        if portal:  # the portal's pages, not a path on the server
            lines.append(
                f"本次运行：{portal}/steward/run/{self.run_id}；数据质量报告：{portal}/steward/report"
            )
        elif report:
            lines.append(f"数据质量报告：{report}")
        return f"【党建统计数仓】{title}", "\n".join(lines)


def night(s: Settings, run_id: str, started: dt.datetime, rebuild_due: bool) -> Night:
    """The outcome of ``run_id``: its publication (or refusal), the files received since it
    ``started`` and the audit's failures."""
    with psycopg.connect(s.url("steward")) as conn:
        decided = publish.decision(conn, run_id)
        files = conn.execute(
            "select count(*) filter (where status = 'accepted'), count(*) filter (where status = 'quarantined'),"
            " (select count(*) from quality.rejected_cells r join quality.submission_status f"
            "  using (submission_id) where f.received_at >= %(since)s)"
            " from quality.submission_status where received_at >= %(since)s",
            {"since": started},
        ).fetchone()
        checks = conn.execute(
            "select count(*) filter (where severity = 'critical' and waived_by is null),"
            " count(*) filter (where severity = 'warning')"
            " from quality.validation_result where run_id = %s and not success",
            (run_id,),
        ).fetchone()
        held = approval.held_back(conn, run_id)
    if decided:
        outcome, reason = ("published" if decided[0] == "published" else "refused"), decided[1]
    else:
        outcome, reason = (
            ("failed", "构建或审核步骤出错，详见 Airflow 任务日志") if rebuild_due else ("nothing_new", None)
        )
    return Night(run_id, outcome, reason, *files, *checks, held_back=held)
