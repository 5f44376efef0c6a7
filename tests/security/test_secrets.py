"""Secrets come only from the environment (or Airflow connections): configured the way a
deployment configures them, none of them appears in anything a night leaves behind, nor in
the repository.

The module configures every secret the product reads (the login roles' passwords, the
pseudonymisation key, the notification webhook and its signing secret, the SMTP password) with fresh random
values, builds the city under them, writes every steward output, then searches every file
(text, and the XML inside .xlsx and other zip files) for each value, raw and URL-encoded.
The local defaults (``<role>-local``) are the embedded dev warehouse's documented defaults,
not secrets: they are not searched for.
"""

from __future__ import annotations

import datetime as dt
import http.server
import os
import secrets
import subprocess
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from ingest.config import PROJECT_ROOT, ROLES
from ingest.load import ingest_file
from ingest.outputs import city_export, corrections, notify, steward_report
from ingest.quality.audit import docs_dir
from ingest.samples import generator
from ingest.warehouse import dbt, pseudonym
from tests.helpers import query

#: Folders of the database cluster that hold its binary files (relations, WAL, state): what the
#: cluster writes as text (its server log, its configuration) is searched, these are not.
CLUSTER_BINARY = ("base", "global", "pg_")


def _secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def _configured() -> dict[str, str]:
    """Every secret the product reads, as a deployment sets it (fresh for each test session)."""
    values = {f"WAREHOUSE_{role.upper()}_PASSWORD": _secret(f"{role}-pw") for role in ROLES}
    for role in ("transformer", "steward"):  # characters a URL must encode (dbt, GX, psycopg)
        values[f"WAREHOUSE_{role.upper()}_PASSWORD"] += "@/:%?#"
    values["DANGJIAN_PSEUDONYM_KEY"] = secrets.token_hex(32)
    values["DANGJIAN_NOTIFY_WEBHOOK_URL"] = (
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={_secret('hook')}"
    )
    values["DANGJIAN_SMTP_PASSWORD"] = _secret("smtp")
    values["DANGJIAN_NOTIFY_WEBHOOK_SECRET"] = f"SEC{secrets.token_hex(16)}"
    return values


def _needles(configured: dict[str, str]) -> dict[str, set[bytes]]:
    """What to search for, per secret: the value as configured and URL-encoded (as it sits in
    a connection URL), the webhook's key alone, and the pseudonymisation key's HMAC pads."""
    needles = {}
    for name, value in configured.items():
        needles[name] = {value.encode(), quote(value, safe="").encode()}
    needles["DANGJIAN_NOTIFY_WEBHOOK_URL"].add(
        configured["DANGJIAN_NOTIFY_WEBHOOK_URL"].split("key=", 1)[1].encode()
    )
    inner, outer = pseudonym.pads(configured["DANGJIAN_PSEUDONYM_KEY"].encode())
    needles["DANGJIAN_PSEUDONYM_KEY"] |= {inner.hex().encode(), outer.hex().encode()}
    return needles


def _contents(path: Path) -> list[tuple[str, bytes]]:
    """The file's bytes and, for a zip (.xlsx), each member's: (where, bytes)."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return []  # gone meanwhile (another session's dbt), or not a regular file
    found = [(str(path), data)]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as book:
                found += [(f"{path}!{member}", book.read(member)) for member in book.namelist()]
        except zipfile.BadZipFile:
            pass
    return found


def _files(root: Path) -> list[Path]:
    """Every file under ``root``, but the database cluster's binary folders."""
    found = []
    for folder, dirs, names in os.walk(root):
        if Path(folder).name == "data" and (Path(folder) / "PG_VERSION").exists():
            dirs[:] = [d for d in dirs if not d.startswith(CLUSTER_BINARY)]
        found += [Path(folder) / name for name in names]
    return found


def scan(paths, needles: dict[str, set[bytes]]) -> tuple[list[tuple[str, str]], int]:
    """(where, which secret) for every secret found in these files, and how many were read."""
    hits, read = [], 0
    for path in paths:
        for where, data in _contents(Path(path)):
            read += 1
            hits += [(where, name) for name, forms in needles.items() if any(f in data for f in forms)]
    return hits, read


# --- the scanner finds what it is looking for ---------------------------------------------


def test_the_scanner_finds_a_planted_secret_in_text_in_a_workbook_and_url_encoded(tmp_path):
    configured = _configured()
    needles = _needles(configured)
    password = configured["WAREHOUSE_STEWARD_PASSWORD"]
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "task.log").write_text(f"connecting with {password}\n")
    (tmp_path / "url.json").write_text(f'{{"url": "postgresql://steward:{quote(password, safe="")}@db"}}')
    with zipfile.ZipFile(tmp_path / "report.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "xl/sharedStrings.xml", f"<sst><si><t>{configured['DANGJIAN_SMTP_PASSWORD']}</t></si></sst>"
        )
    inner, _ = pseudonym.pads(configured["DANGJIAN_PSEUDONYM_KEY"].encode())
    (tmp_path / "pads.sql").write_text(f"select '\\x{inner.hex()}'::bytea")
    (tmp_path / "clean.txt").write_text("nothing here but steward-local, the documented default\n")

    hits, read = scan(_files(tmp_path), needles)
    assert read == 6  # five files, and the workbook's one member
    assert sorted(hits) == [
        (str(tmp_path / "logs" / "task.log"), "WAREHOUSE_STEWARD_PASSWORD"),
        (str(tmp_path / "pads.sql"), "DANGJIAN_PSEUDONYM_KEY"),
        (f"{tmp_path / 'report.xlsx'}!xl/sharedStrings.xml", "DANGJIAN_SMTP_PASSWORD"),
        (str(tmp_path / "url.json"), "WAREHOUSE_STEWARD_PASSWORD"),
    ]


# --- a deployment's secrets, a night under them, and everything it leaves behind -----------


@pytest.fixture(scope="module", autouse=True)
def configured(warehouse_server):
    """The secrets set in the environment before the city is built (autouse: before ``city``).
    Afterwards the roles get their usual passwords back and the local key is reinstalled."""
    values = _configured()
    with pytest.MonkeyPatch.context() as env:
        for name, value in values.items():
            env.setenv(name, value)
        yield values
    s = warehouse_server
    with psycopg.connect(s.url(), autocommit=True) as conn:
        for role in ROLES:
            conn.execute(
                sql.SQL("alter role {} password {}").format(
                    sql.Identifier(role), sql.Literal(s.role_password(role))
                )
            )
        pseudonym.install(s, conn)


@pytest.fixture(scope="module")
def night_outputs(configured, city, tmp_path_factory):
    """The city built under the configured secrets, a county's resubmission with problems,
    and every steward output of the night written where the DAG writes them."""
    s = city
    key_id = query(s, "select key_id from restricted.pseudonym_key")
    assert key_id == [(pseudonym.key_id(configured["DANGJIAN_PSEUDONYM_KEY"].encode()),)]
    assert query(s, "select current_user", role="steward") == [("steward",)]  # its configured password

    inbox = tmp_path_factory.mktemp("resubmitted")
    [resubmitted] = generator.generate("2025", inbox, counties=["520603"], seed=5, defects=0.5)
    assert ingest_file(resubmitted, s).status == "accepted"

    day = f"{dt.date.today():%Y%m%d}"
    written = {
        "report": steward_report.write(s, s.home / "report"),
        "corrections": corrections.write(s, s.home / "corrections" / day),
        "export": city_export.write(s, s.home / "exports" / f"汇总_{day}.xlsx"),
    }
    assert written["corrections"], "the resubmission's correction workbook"
    return s, written


def test_no_configured_secret_appears_in_any_output_of_the_night(configured, night_outputs):
    s, written = night_outputs
    target, logs = dbt.target_dir(s), dbt.log_dir(s)
    files = _files(s.home) + _files(target) + _files(logs)
    # everything the night wrote is among what is searched
    expected = [
        written["report"],
        docs_dir(s) / "index.html",
        *written["corrections"],
        written["export"],
        target / "manifest.json",
        target / "run_results.json",
        logs / "dbt.log",
        s.warehouse_dir / "data" / "server.log",
    ]
    assert [p for p in expected if p not in files or not p.exists()] == []
    assert any(p.suffix == ".html" and p != written["report"] for p in _files(docs_dir(s)))

    hits, read = scan(files, _needles(configured))
    assert not hits, hits[:20]
    assert read > 50


def test_no_configured_secret_is_in_the_repository(configured, night_outputs):
    """Every file git tracks (or would: untracked, not ignored), after a night has run."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    files = [PROJECT_ROOT / os.fsdecode(name) for name in listed if name]
    assert len(files) > 100
    hits, _ = scan(files, _needles(configured))
    assert not hits, hits[:20]


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the handler's protocol)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_failed_notification_does_not_show_the_webhook_url(configured, monkeypatch, caplog):
    """What a failing notify task would log: the error, not where it was sent."""
    import traceback

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = configured["DANGJIAN_NOTIFY_WEBHOOK_URL"].split("key=", 1)[1]
    monkeypatch.setenv("DANGJIAN_NOTIFY", "webhook")
    monkeypatch.setenv("no_proxy", "*")  # straight to the local server
    monkeypatch.setattr(notify, "RETRY_DELAYS", (0, 0))
    monkeypatch.setenv(
        "DANGJIAN_NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/send?key={token}"
    )
    try:
        with pytest.raises(notify.NotDelivered, match="HTTP 500") as failed:  # reached, and refused
            notify.send("【党建统计数仓】测试", "正文")
    finally:
        server.shutdown()
        server.server_close()
    shown = "".join(traceback.format_exception(failed.value)) + caplog.text
    assert token not in shown, shown
