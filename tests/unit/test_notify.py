"""Notifications reach the configured channel: a webhook, an SMTP server, or the log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest.outputs import notify


@pytest.fixture
def webhook():
    """A local HTTP endpoint that keeps what is posted to it (the body, and the path with its
    query as ``_path``) and answers from ``answers`` (status, body) in turn, then with success."""
    received: list[dict] = []
    answers: list[tuple[int, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({**body, "_path": self.path})
            status, answer = answers.pop(0) if answers else (200, b'{"errcode": 0, "errmsg": "ok"}')
            self.send_response(status)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/robot?access_token=k3y", received, answers
    server.shutdown()


@pytest.fixture
def robot(monkeypatch, webhook):
    """The webhook channel on the local endpoint, with no wait between tries."""
    monkeypatch.setenv("DANGJIAN_NOTIFY", "webhook")
    monkeypatch.setenv("DANGJIAN_NOTIFY_WEBHOOK_URL", webhook[0])
    monkeypatch.delenv("DANGJIAN_NOTIFY_WEBHOOK_SECRET", raising=False)
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0, 0))
    return webhook


def test_webhook_gets_the_message_as_a_group_robot_text(robot):
    url, received, _ = robot
    assert notify.send("【党建统计数仓】已发布", "运行：r1") == "webhook"
    assert received == [
        {
            "msgtype": "text",
            "text": {"content": "【党建统计数仓】已发布\n运行：r1"},
            "subject": "【党建统计数仓】已发布",
            "body": "运行：r1",
            "_path": "/robot?access_token=k3y",
        }
    ]


def test_a_robot_that_refuses_with_an_errcode_is_not_delivered_and_not_tried_again(robot):
    """WeCom and DingTalk answer HTTP 200 with a non-zero errcode when they refuse a message."""
    url, received, answers = robot
    answers.append((200, b'{"errcode": 310000, "errmsg": "sign not match"}'))
    with pytest.raises(notify.NotDelivered, match="errcode 310000：sign not match") as refused:
        notify.send("标题", "正文")
    assert len(received) == 1 and "k3y" not in str(refused.value)  # the URL carries the key


def test_a_busy_or_failing_robot_is_tried_again_three_times_in_all(robot):
    url, received, answers = robot
    answers += [(200, b'{"errcode": 45009, "errmsg": "api freq out of limit"}'), (502, b"bad gateway")]
    assert notify.send("标题", "正文") == "webhook"  # the third try gets through
    assert len(received) == 3
    answers += [(503, b"")] * 3
    with pytest.raises(notify.NotDelivered, match="共尝试 3 次）：HTTP 503"):
        notify.send("标题", "正文")
    assert len(received) == 6


def test_a_robot_out_of_reach_is_tried_three_times_then_fails(monkeypatch):
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DANGJIAN_NOTIFY", "webhook")
    monkeypatch.setenv("DANGJIAN_NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{port}/robot?key=k3y")
    waits: list[float] = []
    monkeypatch.setattr(notify.time, "sleep", waits.append)
    with pytest.raises(notify.NotDelivered, match="共尝试 3 次）：无法连接") as failed:
        notify.send("标题", "正文")
    assert waits == list(notify.RETRY_DELAYS) and "k3y" not in str(failed.value)


def test_a_dingtalk_secret_signs_each_request_as_the_robot_checks_it(robot, monkeypatch):
    url, received, _ = robot
    secret = "SEC0123456789abcdef"
    monkeypatch.setenv("DANGJIAN_NOTIFY_WEBHOOK_SECRET", secret)
    before = int(time.time() * 1000)
    notify.send("标题", "正文")
    query = parse_qs(urlsplit(received[0]["_path"]).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    # what DingTalk computes on its side, and a signature older than an hour it refuses
    expected = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert before <= int(stamp) <= int(time.time() * 1000)
    assert query["access_token"] == ["k3y"] and secret not in received[0]["_path"]


def test_smtp_sends_a_mail(monkeypatch):
    """A minimal SMTP server on a socket, enough for smtplib to deliver one message."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    lines: list[str] = []

    def serve():
        conn, _ = listener.accept()
        f = conn.makefile("rwb")

        def say(text: str) -> None:
            f.write(text.encode() + b"\r\n")
            f.flush()

        say("220 test")
        in_data = False
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                lines.append(line)
            else:  # commands are case-insensitive (smtplib sends "mail FROM:" or "mail from:")
                lines.append(re.sub(r"^\w+( \w+:)?", lambda m: m.group(0).upper(), line))
            if in_data:
                if line == ".":
                    in_data = False
                    say("250 queued")
                continue
            verb = line.split(" ")[0].upper()
            if verb == "DATA":
                in_data = True
                say("354 go on")
            elif verb == "QUIT":
                say("221 bye")
                break
            else:
                say("250 ok")
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setenv("DANGJIAN_NOTIFY", "smtp")
    monkeypatch.setenv("DANGJIAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DANGJIAN_SMTP_PORT", str(listener.getsockname()[1]))
    monkeypatch.setenv("DANGJIAN_SMTP_FROM", "warehouse@example.org")
    monkeypatch.setenv("DANGJIAN_NOTIFY_TO", "ops@example.org, steward@example.org")
    monkeypatch.delenv("DANGJIAN_SMTP_USER", raising=False)
    assert notify.send("审核未通过", "原因：x") == "smtp"
    thread.join(10)
    assert "MAIL FROM:<warehouse@example.org>" in lines
    assert {"RCPT TO:<ops@example.org>", "RCPT TO:<steward@example.org>"} <= set(lines)
    assert any("Subject:" in line for line in lines)


def test_the_log_is_the_default_and_a_bad_setting_says_what_is_expected(monkeypatch, capsys):
    monkeypatch.delenv("DANGJIAN_NOTIFY", raising=False)
    assert notify.send("标题", "正文") == "log"
    assert "标题\n正文" in capsys.readouterr().out
    monkeypatch.setenv("DANGJIAN_NOTIFY", "pager")
    with pytest.raises(notify.NotifyConfigError, match="log、webhook、smtp"):
        notify.send("标题", "正文")
    monkeypatch.setenv("DANGJIAN_NOTIFY", "webhook")
    monkeypatch.delenv("DANGJIAN_NOTIFY_WEBHOOK_URL", raising=False)
    with pytest.raises(notify.NotifyConfigError, match="DANGJIAN_NOTIFY_WEBHOOK_URL"):
        notify.send("标题", "正文")


def test_the_nights_message_says_what_happened():
    night = notify.Night("r7", "refused", "village_in_its_township", 3, 1, 12, 1, 4)
    subject, body = night.message("/srv/report.html")
    assert not night.ok and "审核未通过" in subject
    assert "接收 3 份，整份隔离 1 份；退回单元格 12 处" in body and "严重未通过 1 项" in body
    assert "原因：village_in_its_township" in body and "/srv/report.html" in body


def test_with_a_portal_the_message_links_to_its_pages_instead_of_a_path(monkeypatch):
    from ingest.quality.approval import HeldBack

    held = HeldBack("520603", "2025", 7, "520603_2025_万山区.xlsx", None, 3, ("村情!D2 乡镇代码不符",))
    night = notify.Night("r8", "published", None, 2, 0, 1, 0, 0, held_back=[held])
    monkeypatch.setenv("DANGJIAN_PORTAL_URL", "https://dangjian.example.gov.cn/")
    subject, body = night.message("/srv/report.html")
    assert "暂缓发布：万山区 2025" in body and "详见 https://dangjian.example.gov.cn/county/520603" in body
    assert "本次运行：https://dangjian.example.gov.cn/steward/run/r8" in body
    assert "https://dangjian.example.gov.cn/steward/report" in body and "/srv/report.html" not in body
    monkeypatch.delenv("DANGJIAN_PORTAL_URL")
    assert "数据质量报告：/srv/report.html" in night.message("/srv/report.html")[1]
