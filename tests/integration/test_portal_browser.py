"""The portal in a real browser (Playwright driving Debian's chromium, nothing downloaded),
served over HTTP by uvicorn, through three nights run by hand (the DAG's own path through
Airflow is ``tests/e2e/test_nightly_dag.py``'s): a clerk fixes and submits a workbook and
sees it published; a steward releases a county held back at ingest, and waives the audit's
finding that held back another, each with a reason, and the next night publishes each."""

from __future__ import annotations

import shutil
import socket
import struct
import threading
import time

import pytest
import uvicorn
from openpyxl import load_workbook

from ingest import contract
from ingest.portal import accounts
from ingest.portal.app import create_app
from ingest.samples import defects, generator
from tests.helpers import add_a_post_elsewhere, column_of, night_by_hand, query

SINAN, WANSHAN = "520624", "520603"
PUBLISHED, NEWCOMER = "520622", "520623"  # 玉屏侗族自治县, 石阡县
PASSWORD = "correct horse battery"


@pytest.fixture
def served(wh):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(wh), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    from playwright import sync_api

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is needed (.ci/ensure-services installs it)"
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _log_in(browser, base: str, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    return page


def _screenshot(page, path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])  # the PNG header
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and width == 1280 and height >= 600 and len(data) > 20_000


def test_a_clerk_and_a_steward_through_three_nights_in_the_browser(wh, served, browser, tmp_path):
    accounts.add(wh, "sinan.clerk", "clerk", SINAN, PASSWORD)
    accounts.add(wh, "steward1", "steward", None, PASSWORD)
    grid = column_of("villages", "grid_count")

    # 思南县's clerk uploads a workbook with a negative grid count and sees it at its cell
    page = _log_in(browser, served, "sinan.clerk")
    assert page.url == f"{served}/county/{SINAN}" and "尚未收到报送" in page.inner_text("main")
    bad = tmp_path / "bad" / contract.file_name(SINAN, "2025")
    generator.write_workbook(bad, SINAN, "2025", generator.county_rows(SINAN, "2025"))
    book = load_workbook(bad)
    book["村情"][f"{grid}3"] = "-3"
    book.save(bad)
    page.set_input_files("#workbook", str(bad))
    page.click("input[value=检查]")
    assert "1 处严重问题" in page.inner_text("#verdict")
    row = page.locator("#problems tr.critical").first
    assert f"村情!{grid}3" in row.inner_text() and "-3" in row.inner_text()
    assert page.locator("input[value=报送]").count() == 0
    marked = page.locator("table.sheet td.marked.critical")  # the sheet, as in Excel, the cell marked
    assert marked.count() == 1 and marked.get_attribute("data-cell") == f"{grid}3"
    assert marked.inner_text() == "-3" and "网格数" in marked.get_attribute("title")
    _screenshot(page, tmp_path / "clerk-problems.png")

    # the corrected workbook passes and is submitted to the inbox
    good = tmp_path / "good" / contract.file_name(SINAN, "2025")
    generator.write_workbook(good, SINAN, "2025", generator.county_rows(SINAN, "2025"))
    page.goto(f"{served}/county/{SINAN}")
    page.set_input_files("#workbook", str(good))
    page.click("input[value=检查]")
    assert "可以报送：2025 期" in page.inner_text("#verdict")
    page.click("input[value=报送]")
    assert "已报送" in page.inner_text("#message")
    (submitted,) = wh.inbox.iterdir()

    # 万山区 sends a workbook with a critical problem, 玉屏侗族自治县 a good one, straight into
    # the inbox; the night publishes and holds back
    held = generator.county_rows(WANSHAN, "2025")
    defects.make_critical(held, WANSHAN, "wrong_township")
    generator.write_workbook(wh.inbox / contract.file_name(WANSHAN, "2025"), WANSHAN, "2025", held)
    generator.generate("2025", wh.inbox, counties=[PUBLISHED])
    night_by_hand(wh, "portal-1", sorted(wh.inbox.iterdir()))
    assert query(wh, "select status, count(*) from raw.submission group by 1") == [("accepted", 3)]
    assert submitted.name in {n for (n,) in query(wh, "select file_name from raw.submission")}

    page.goto(f"{served}/county/{SINAN}")
    assert "已发布" in page.locator("#submissions").inner_text()
    figures = page.locator("#figures-2025").inner_text()
    assert "村级组织数" in figures and "530" in figures  # 思南县's 530, as the article reports
    _screenshot(page, tmp_path / "clerk-published.png")
    # another county's correction workbook does not exist for this clerk
    assert page.request.get(f"{served}/county/{WANSHAN}/corrections/2025").status == 404

    # the steward sees 万山区 held back, and releases it with a reason
    steward = _log_in(browser, served, "steward1")
    assert steward.url == f"{served}/steward"
    held_row = steward.locator("#held tr", has_text="万山区")
    assert held_row.count() == 1
    workbook = steward.request.get(f"{served}/county/{WANSHAN}/corrections/2025")
    assert workbook.status == 200 and workbook.body()[:2] == b"PK"
    held_row.locator("input[name=reason]").fill("核实：该村已于年内调整隶属，乡镇填写无误")
    held_row.locator("button").click()
    assert steward.url.startswith(f"{served}/steward?done=release-")
    _screenshot(steward, tmp_path / "steward.png")
    assert query(wh, "select action, decided_by, reason from quality.disposition") == [
        ("release", "steward1", "核实：该村已于年内调整隶属，乡镇填写无误")
    ]
    assert query(wh, "select name, action from portal.action where action = 'release'") == [
        ("steward1", "release")
    ]

    # the next night publishes the released county; 石阡县's new file names, as a committee
    # member, a person who holds a full-time post in 玉屏侗族自治县: only the audit sees it
    newcomer = tmp_path / "newcomer" / contract.file_name(NEWCOMER, "2025")
    rows = generator.county_rows(NEWCOMER, "2025")
    add_a_post_elsewhere(rows, PUBLISHED, NEWCOMER)
    generator.write_workbook(newcomer, NEWCOMER, "2025", rows)
    night_by_hand(wh, "portal-2", [newcomer])
    assert query(
        wh, "select is_current from marts.mart_county_period_status where county_code = %s", (WANSHAN,)
    ) == [(True,)]

    # the steward waives the audit's finding with a reason; the night after publishes 石阡县
    steward.goto(f"{served}/steward")
    held_row = steward.locator("#held tr", has_text="石阡县")
    assert "同一人期末在另一县（区）也担任" in held_row.inner_text()
    held_row.locator("div.holding input[name=reason]").fill("经核实：此人已于 6 月调任，原岗位期末前已离任")
    _screenshot(steward, tmp_path / "steward-waive.png")
    held_row.locator("div.holding button").click()
    assert "已豁免检查" in steward.inner_text("#done")
    assert query(wh, "select decided_by from quality.disposition where action = 'waive'") == [("steward1",)]
    night_by_hand(wh, "portal-3", [])
    steward.goto(f"{served}/steward")
    assert "没有暂缓发布的报送" in steward.inner_text("main")
    assert query(
        wh, "select is_current from marts.mart_county_period_status where county_code = %s", (NEWCOMER,)
    ) == [(True,)]
    assert "数据质量报告" in steward.inner_text("main")
    report = steward.request.get(f"{served}/steward/report")
    assert report.status == 200 and "万山区" in report.text()
    assert page.request.get(f"{served}/steward").status == 404  # a clerk has no steward pages
