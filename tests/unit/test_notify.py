"""Notifications reach the configured channel: a webhook, an SMTP server, or the log."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ingest.outputs import notify


@pytest.fixture
def webhook():
    """A local HTTP endpoint that keeps what is posted to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/robot", received
    server.shutdown()


def test_webhook_gets_the_message_as_a_group_robot_text(monkeypatch, webhook):
    url, received = webhook
    monkeypatch.setenv("DANGJIAN_NOTIFY", "webhook")
    monkeypatch.setenv("DANGJIAN_NOTIFY_WEBHOOK_URL", url)
    assert notify.send("【党建统计数仓】已发布", "运行：r1") == "webhook"
    assert received == [
        {
            "msgtype": "text",
            "text": {"content": "【党建统计数仓】已发布\n运行：r1"},
            "subject": "【党建统计数仓】已发布",
            "body": "运行：r1",
        }
    ]


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
