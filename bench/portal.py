"""The portal's check: the time from upload to verdict for one county workbook, alone and with
many clerks uploading at once.

Serves the portal with uvicorn in this process (as ``dangjian portal`` does) on the bench's
own warehouse (DANGJIAN_HOME=.local/bench, port 15434), logs one clerk in per simulated
person, and posts 思南县's sample workbook (the largest county of the article) to the check
page: first alone (``--repeat`` times, the first one also starting the check's worker
process), then ``--clerks`` at once. Printed side by side with the same check called
directly (what ``dangjian check`` pays), so the ratios say what the web adds and how the
worker processes share the cores.

    .venv/bin/python bench/portal.py [--clerks 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DANGJIAN_HOME", str(ROOT / ".local" / "bench"))
os.environ.setdefault("WAREHOUSE_PORT", "15434")

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from ingest import contract  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.portal import accounts  # noqa: E402
from ingest.portal.app import create_app  # noqa: E402
from ingest.portal.county_pages import judge  # noqa: E402
from ingest.samples import generator  # noqa: E402
from ingest.warehouse import embedded  # noqa: E402

COUNTY = "520624"  # 思南县
PASSWORD = "bench-password-0123"


def serve(s: Settings) -> tuple[str, uvicorn.Server]:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(s), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def clerk(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=600)
    csrf = re.search(r'name="csrf_token" value="(\w+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf})
    assert answer.status_code == 303, answer.text
    return client


def check(client: httpx.Client, workbook: Path) -> float:
    csrf = re.search(r'name="csrf_token" value="(\w+)"', client.get(f"/county/{COUNTY}").text).group(1)
    started = time.perf_counter()
    with workbook.open("rb") as f:
        answer = client.post(
            f"/county/{COUNTY}/check", data={"csrf_token": csrf}, files={"workbook": (workbook.name, f)}
        )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200 and "可以报送" in answer.text, answer.text[-2000:]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    console = Console(width=110)
    s = Settings.from_env()
    embedded.up(s)
    workbook = s.home / "portal-bench" / contract.file_name(COUNTY, "2025")
    generator.write_workbook(workbook, COUNTY, "2025", generator.county_rows(COUNTY, "2025"))
    rows = sum(len(r) for r in generator.county_rows(COUNTY, "2025").values())
    for i in range(args.clerks):
        try:
            accounts.add(s, f"bench.clerk{i}", "clerk", COUNTY, PASSWORD)
        except accounts.AccountError:
            pass  # made by an earlier run

    direct = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        judge(workbook, COUNTY)
        direct.append(time.perf_counter() - started)

    base, server = serve(s)
    try:
        alone_client = clerk(base, "bench.clerk0")
        first = check(alone_client, workbook)
        alone = [check(alone_client, workbook) for _ in range(args.repeat)]
        clients = [clerk(base, f"bench.clerk{i}") for i in range(args.clerks)]
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clerks) as pool:
            together = list(pool.map(lambda c: check(c, workbook), clients))
        wall = time.perf_counter() - started
    finally:
        server.should_exit = True

    one, web = statistics.median(direct), statistics.median(alone)
    table = Table(title=f"upload → verdict, {COUNTY} 2025 ({rows:,} rows, {workbook.stat().st_size:,} bytes)")
    for column in ("run", "median s", "max s", "ratio to the direct check"):
        table.add_column(column)
    table.add_row("the check called directly (dangjian check)", f"{one:.2f}", f"{max(direct):.2f}", "1.00")
    table.add_row(
        "first upload (starts the worker process)", f"{first:.2f}", f"{first:.2f}", f"{first / one:.2f}"
    )
    table.add_row("one clerk alone", f"{web:.2f}", f"{max(alone):.2f}", f"{web / one:.2f}")
    table.add_row(
        f"{args.clerks} clerks at once: each",
        f"{statistics.median(together):.2f}",
        f"{max(together):.2f}",
        f"{statistics.median(together) / one:.2f}",
    )
    table.add_row(
        f"{args.clerks} clerks at once: all done",
        f"{wall:.2f}",
        f"{wall:.2f}",
        f"{wall / (args.clerks * one):.2f} per check",
    )
    console.print(table)
    console.print(
        f"{os.cpu_count()} cores; the checks run in worker processes, off the request's event loop,"
        f" so {args.clerks} at once take {wall:.1f} s against {args.clerks * one:.1f} s one after the other"
    )


if __name__ == "__main__":
    main()
