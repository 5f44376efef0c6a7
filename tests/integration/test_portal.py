"""The portal: personal accounts, a clerk who checks and submits a workbook, and what no one
may do (another county's pages, a form without its CSRF token, guessing passwords)."""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ingest import contract
from ingest.portal import accounts
from ingest.portal.app import create_app
from ingest.portal.county_pages import uploads_dir
from ingest.samples import generator
from tests.helpers import column_of, query

SINAN, WANSHAN = "520624", "520603"
PASSWORD = "correct horse battery"


@pytest.fixture
def portal(wh):
    accounts.add(wh, "sinan.clerk", "clerk", SINAN, PASSWORD)
    accounts.add(wh, "wanshan.clerk", "clerk", WANSHAN, PASSWORD)
    accounts.add(wh, "steward1", "steward", None, PASSWORD)
    return wh


def _client(s) -> TestClient:
    return TestClient(create_app(s), base_url="http://127.0.0.1", follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf_token" value="(\w+)"', client.get(path).text).group(1)


def _login(s, name: str) -> TestClient:
    client = _client(s)
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": _csrf(client, "/login")}
    )
    assert answer.status_code == 303, answer.text
    return client


def _workbook(tmp_path, county: str, grid: str | None = None):
    path = tmp_path / contract.file_name(county, "2025")
    generator.write_workbook(path, county, "2025", generator.county_rows(county, "2025"))
    if grid is not None:
        book = load_workbook(path)
        book["村情"][f"{column_of('villages', 'grid_count')}3"] = grid
        book.save(path)
    return path


def _check(client: TestClient, county: str, path, name: str | None = None):
    csrf = _csrf(client, f"/county/{county}")
    with path.open("rb") as f:
        return client.post(
            f"/county/{county}/check",
            data={"csrf_token": csrf},
            files={"workbook": (name or path.name, f, "application/octet-stream")},
        )


def test_accounts_are_personal_and_their_passwords_hashed(portal):
    with pytest.raises(accounts.AccountError, match="必须指定 --county"):
        accounts.add(portal, "nobody", "clerk", None, PASSWORD)
    with pytest.raises(accounts.AccountError, match="不在区划名录"):
        accounts.add(portal, "nobody", "clerk", "110101", PASSWORD)
    with pytest.raises(accounts.AccountError, match="已存在"):
        accounts.add(portal, "steward1", "steward", None, PASSWORD)
    ((stored,),) = query(portal, "select password_hash from portal.account where name = 'steward1'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate(portal, "steward1", PASSWORD, "127.0.0.1").role == "steward"
    assert accounts.authenticate(portal, "steward1", "wrong password", "127.0.0.1") is None


def test_a_clerk_checks_a_workbook_sees_each_problem_at_its_cell_then_submits_the_corrected_one(
    portal, tmp_path
):
    client = _login(portal, "sinan.clerk")
    assert client.get("/").headers["location"] == f"/county/{SINAN}"

    bad = _check(client, SINAN, _workbook(tmp_path / "bad", SINAN, grid="-3"))
    assert bad.status_code == 200
    assert "1 处严重问题" in bad.text and f"村情!{column_of('villages', 'grid_count')}3" in bad.text
    assert 'action="/county/520624/submit"' not in bad.text  # nothing to submit
    assert list(uploads_dir(portal).iterdir()) == []  # and nothing kept

    good = _check(client, SINAN, _workbook(tmp_path / "good", SINAN))
    assert "可以报送：2025 期" in good.text
    upload = re.search(r'name="upload" value="(\w+)"', good.text).group(1)
    csrf = re.search(r'name="csrf_token" value="(\w+)"', good.text).group(1)
    sent = client.post(f"/county/{SINAN}/submit", data={"upload": upload, "csrf_token": csrf})
    assert sent.status_code == 200 and "已报送" in sent.text
    assert [p.name for p in portal.inbox.iterdir()] == [contract.file_name(SINAN, "2025")]
    assert query(
        portal, "select name, action, details->>'county_code' from portal.action order by action_id"
    ) == [
        ("sinan.clerk", "login", None),
        ("sinan.clerk", "check", SINAN),
        ("sinan.clerk", "check", SINAN),
        ("sinan.clerk", "submit", SINAN),
    ]


def test_a_clerk_cannot_reach_another_countys_anything(portal, tmp_path):
    client = _login(portal, "sinan.clerk")
    assert client.get(f"/county/{WANSHAN}").status_code == 404
    # a form of the clerk's own county, posted to the other county's address
    csrf = _csrf(client, f"/county/{SINAN}")
    with _workbook(tmp_path, WANSHAN).open("rb") as f:
        posted = client.post(
            f"/county/{WANSHAN}/check", data={"csrf_token": csrf}, files={"workbook": ("a.xlsx", f)}
        )
    assert posted.status_code == 404
    # another county's workbook uploaded to the clerk's own county: refused, never submittable
    other = _check(client, SINAN, _workbook(tmp_path / "w", WANSHAN))
    assert "整份不能受理" in other.text and "万山区" in other.text and 'name="upload"' not in other.text
    # an upload id checked by another clerk cannot be submitted
    wanshan = _login(portal, "wanshan.clerk")
    theirs = _check(wanshan, WANSHAN, _workbook(tmp_path / "theirs", WANSHAN))
    upload = re.search(r'name="upload" value="(\w+)"', theirs.text).group(1)
    stolen = client.post(
        f"/county/{SINAN}/submit", data={"upload": upload, "csrf_token": _csrf(client, f"/county/{SINAN}")}
    )
    assert stolen.status_code == 404 and not portal.inbox.exists()
    # a steward sees every county
    steward = _login(portal, "steward1")
    assert steward.get(f"/county/{WANSHAN}").status_code == 200


def test_pages_need_a_login_and_forms_their_csrf_token(portal, tmp_path):
    client = _client(portal)
    assert client.get("/").headers["location"] == "/login"
    assert client.get(f"/county/{SINAN}").headers["location"] == "/login"
    refused = client.post("/login", data={"name": "sinan.clerk", "password": PASSWORD})
    assert refused.status_code == 403 and "CSRF" in refused.text
    client = _login(portal, "sinan.clerk")
    with _workbook(tmp_path, SINAN).open("rb") as f:
        no_token = client.post(f"/county/{SINAN}/check", files={"workbook": ("a.xlsx", f)})
    assert no_token.status_code == 403
    # a cookie from another app's secret is no session at all
    forged = _client(portal)
    forged.cookies.set("dangjian_portal", "eyJ1c2VyIjogInN0ZXdhcmQxIn0=.forged.signature")
    assert forged.get("/").headers["location"] == "/login"


def test_guessing_a_password_is_throttled(portal):
    client = _client(portal)
    for _ in range(accounts.MAX_FAILURES):
        wrong = client.post(
            "/login", data={"name": "steward1", "password": "guess", "csrf_token": _csrf(client, "/login")}
        )
        assert wrong.status_code == 401 and "账号或密码不正确" in wrong.text
    right = client.post(
        "/login", data={"name": "steward1", "password": PASSWORD, "csrf_token": _csrf(client, "/login")}
    )
    assert right.status_code == 429 and "登录失败次数过多" in right.text
    assert _client(portal).get("/").status_code == 303  # and no session was opened


def test_uploads_are_limited_in_type_and_size_and_a_bomb_is_refused(portal, tmp_path, monkeypatch):
    client = _login(portal, "sinan.clerk")
    text = tmp_path / "notes.txt"
    text.write_text("not a workbook")
    assert _check(client, SINAN, text).status_code == 415
    monkeypatch.setenv("DANGJIAN_MAX_FILE_MB", "0.01")
    assert _check(client, SINAN, _workbook(tmp_path, SINAN)).status_code == 413
    monkeypatch.delenv("DANGJIAN_MAX_FILE_MB")
    monkeypatch.setenv("DANGJIAN_MAX_UNPACKED_MB", "1")
    bomb = tmp_path / "bomb.xlsx"  # a small file that unpacks to far more than the limit
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024))
    assert bomb.stat().st_size < 100 * 1024
    answer = _check(client, SINAN, bomb)
    assert answer.status_code == 200 and "整份不能受理" in answer.text
    assert list(uploads_dir(portal).iterdir()) == []


def test_dangjian_portal_adds_accounts_and_serves_the_pages(wh, monkeypatch):
    import io
    import os
    import signal
    import socket
    import time
    import urllib.request

    from ingest.cli.main import main
    from tests.helpers import cli

    monkeypatch.setenv("DANGJIAN_HOME", str(wh.home))
    monkeypatch.setenv("WAREHOUSE_PORT", str(wh.port))
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(
            ["portal", "user", "add", "sinan.clerk", "--role", "clerk", "--county", SINAN, "--password-stdin"]
        )
        == 0
    )
    assert query(wh, "select role, county_code from portal.account where name = 'sinan.clerk'") == [
        ("clerk", SINAN)
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["portal", "user", "add", "x.clerk", "--role", "steward", "--password-stdin"]) == 2
    assert query(wh, "select count(*) from portal.account where name = 'x.clerk'") == [(0,)]

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = cli(wh, "portal", "--port", str(port), start_new_session=True)
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    body = page.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the portal did not answer")
        assert "<h1>登录</h1>" in body and 'name="csrf_token"' in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_a_stewards_decision_needs_a_reason_and_is_recorded_under_the_stewards_name(portal, night, tmp_path):
    rows = generator.county_rows(SINAN, "2025")
    rows["villages"][0]["grid_count"] = 70  # a warning: more grids than is plausible
    path = tmp_path / contract.file_name(SINAN, "2025")
    generator.write_workbook(path, SINAN, "2025", rows)
    night(portal, "portal-night", [path])
    ((failure,),) = query(
        portal,
        "select validation_result_id from quality.validation_result where run_id = 'portal-night'"
        " and details->>'rule_id' = 'village_grids_plausible'",
    )
    steward = _login(portal, "steward1")
    page = steward.get("/steward").text
    assert f'name="validation_result_id" value="{failure}"' in page
    assert f"思南县 {path.name}：村情!{column_of('villages', 'grid_count')}2（网格数（个）） = 70" in page
    csrf = re.search(r'name="csrf_token" value="(\w+)"', page).group(1)
    form = {"validation_result_id": str(failure), "action": "ack", "csrf_token": csrf}
    assert steward.post("/steward/decide", data={**form, "reason": "  "}).status_code == 400
    done = steward.post("/steward/decide", data={**form, "reason": "已电话核实，网格确为 70 个"})
    assert done.status_code == 303
    assert "已知悉检查" in steward.get(done.headers["location"]).text
    assert query(portal, "select action, decided_by, reason from quality.disposition") == [
        ("acknowledge", "steward1", "已电话核实，网格确为 70 个")
    ]
    # the night's own page: published, and what failed in it
    run = steward.get("/steward/run/portal-night")
    assert run.status_code == 200 and "已发布" in run.text and f'value="{failure}"' in run.text
    assert steward.get("/steward/run/no-such-run").status_code == 404
    # a clerk has no steward pages and can take no decision
    clerk = _login(portal, "sinan.clerk")
    assert clerk.get("/steward").status_code == 404
    decided = clerk.post(
        "/steward/decide", data={**form, "reason": "x", "csrf_token": _csrf(clerk, "/login")}
    )
    assert decided.status_code == 404
    # served files stay inside their folders
    assert steward.get("/steward/gx/..%2F..%2Fsecrets%2Fportal_session").status_code == 404
    assert steward.get("/steward/gx/index.html").status_code == 200  # the audit wrote its Data Docs


def test_a_clerk_downloads_the_blank_template_of_a_period_for_the_own_county_only(portal, tmp_path):
    client = _login(portal, "sinan.clerk")
    answer = client.get(f"/county/{SINAN}/template", params={"period": "2026Q1"})
    assert answer.status_code == 200 and "520624_2026Q1" in answer.headers["content-disposition"]
    (tmp_path / "t.xlsx").write_bytes(answer.content)
    book = load_workbook(tmp_path / "t.xlsx")
    assert contract.VILLAGES.title in book.sheetnames
    assert client.get(f"/county/{SINAN}/template", params={"period": "2026Q5"}).status_code == 400
    assert client.get(f"/county/{WANSHAN}/template", params={"period": "2026"}).status_code == 404


def test_a_broken_file_is_refused_whole_and_a_login_expires(portal, tmp_path, monkeypatch):
    client = _login(portal, "sinan.clerk")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a workbook")
    answer = _check(client, SINAN, broken)
    assert answer.status_code == 200 and "整份不能受理" in answer.text
    assert client.get("/").status_code == 303 and client.get(f"/county/{SINAN}").status_code == 200
    later = time.time() + 9 * 3600  # past DANGJIAN_PORTAL_SESSION_HOURS (8)
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(f"/county/{SINAN}").headers["location"] == "/login"


def test_text_from_workbooks_is_escaped_and_passwords_are_never_kept_in_clear(portal, tmp_path, caplog):
    client = _login(portal, "sinan.clerk")
    other = _client(portal)
    wrong = {"name": "steward1", "password": "wrong " + PASSWORD, "csrf_token": _csrf(other, "/login")}
    assert other.post("/login", data=wrong).status_code == 401
    script = "<script>alert(1)</script>"
    path = _workbook(tmp_path, SINAN, grid=script)
    answer = _check(client, SINAN, path, name="<img src=x onerror=alert(2)>.xlsx")
    assert "1 处严重问题" in answer.text
    assert script not in answer.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert "<img src=x" not in answer.text and "&lt;img src=x onerror=alert(2)&gt;.xlsx" in answer.text
    stored = query(
        portal,
        "select string_agg(t::text, ' ') from (select a::text as t from portal.account a"
        " union all select l::text from portal.login_attempt l union all select x::text from portal.action x) as t",
    )[0][0]
    assert "sinan.clerk" in stored and PASSWORD not in stored and "wrong " not in stored
    assert PASSWORD not in caplog.text
