"""Ingest throughput: `dangjian ingest` against the parse-plus-COPY limit and a naive peer.

Builds a workbook whose cadres sheet has N rows (default 200,000) and measures, side by side
in one run, on the same embedded PostgreSQL:

  (a) the limit: python-calamine parsing the sheet, plus PostgreSQL COPY of the same rows
      from CSV into an unindexed table;
  (b) `ingest_file` (archive, preflight, read, parse, contract checks, COPY with lineage);
  (c) the naive peer: pandas.read_excel(engine="openpyxl") + DataFrame.to_sql;
  (d) small files: the first N generic counties of the national sample (rows scale 0.1, a few
      hundred rows each), ingested as one Airflow task ingests its batch (`ingest_batch`).

It prints rows/s for each and the ratios b/a (target ≥ 0.5), b/c (target ≥ 10) and d/b
(target ≥ 0.5: what a file costs beyond its rows). Nothing here passes or fails: read the
numbers. Run: `.venv/bin/python bench/ingest_throughput.py [--rows 200000] [--small 200]
[--skip-naive]`. It uses its own warehouse (DANGJIAN_HOME=.local/bench, port 15434) so the
demo's data is untouched, and the national registry (which holds Tongren's counties too).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DANGJIAN_HOME", str(ROOT / ".local" / "bench"))
os.environ.setdefault("WAREHOUSE_PORT", "15434")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ["DANGJIAN_REGION"] = "national"  # (d)'s counties; the large file's county is in it too

import psycopg  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from ingest import contract  # noqa: E402
from ingest.config import Settings  # noqa: E402
from ingest.contract import CADRES  # noqa: E402
from ingest.contract.cadres import ROLE_AGES  # noqa: E402
from ingest.samples import generator  # noqa: E402
from ingest.warehouse import embedded  # noqa: E402
from ingest.workbook import template  # noqa: E402
from ingest.workbook.reader import bulk  # noqa: E402

console = Console()
COUNTY, PERIOD = "520603", "2025"


def build_workbook(path: Path, n: int) -> None:
    """A valid submission whose cadres sheet has ``n`` rows (other sheets: one county's worth)."""
    from openpyxl import Workbook

    rows = generator.county_rows(COUNTY, PERIOD)
    base = rows["cadres"]
    county = generator.County(COUNTY, PERIOD, random.Random(1), generator.period_end(PERIOD))
    cadres = list(base[:n])  # the county's own roster: trainees and instructors are on it
    for i in range(len(cadres), n):
        r = dict(base[i % len(base)])
        if r["role"] == "党建指导员":  # an instructor must cover one of the county's enterprises
            r["role"] = "两委委员"
        # old enough for the role, and an adult when the post started
        low, high = ROLE_AGES.get(r["role"], (25, 55))
        served = (county.end - r["start_date"]).days // 365 + 19 if r.get("start_date") else 0
        p = county.person(age=(max(low, served), max(high, low, served)))
        r.update(
            id_number=p.id_number,
            name=p.name,
            sex=p.sex,
            birth_date=p.birth_date,
            mentor1_id_number=None,
            mentor2_id_number=None,
        )
        cadres.append(r)
    full = template.build(COUNTY, PERIOD, {**rows, "cadres": []})
    # write the big sheet in write-only mode (fast), the rest copied from the template
    wb = Workbook(write_only=True)
    for ws_src in full.worksheets:
        ws = wb.create_sheet(ws_src.title)
        if ws_src.title == CADRES.title:
            ws.append([c.template_header for c in CADRES.columns])
            for r in cadres:
                ws.append([template.cell_value(r.get(c.name)) for c in CADRES.columns])
        else:
            for row in ws_src.iter_rows(values_only=True):
                ws.append(list(row))
    wb.save(path)


def limit(path: Path, s: Settings) -> float:
    """Calamine parse of the cadres sheet + COPY of the same rows from CSV."""
    import csv

    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    with bulk():  # the same garbage-collector pause as ingest: the limit gets every advantage (b) has
        grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(CADRES.title).to_python()
        buf = io.StringIO()
        csv.writer(buf).writerows(grid[1:])
    with psycopg.connect(s.url()) as conn, conn.cursor() as cur:
        cols = ", ".join(f"c{i} text" for i in range(len(CADRES.columns)))
        cur.execute(f"create temp table limit_copy ({cols})")
        with cur.copy("copy limit_copy from stdin with (format csv)") as copy:
            copy.write(buf.getvalue())
    return time.perf_counter() - start


def ours(path: Path, s: Settings) -> float:
    from ingest.load import ingest_file

    start = time.perf_counter()
    result = ingest_file(path, s)
    elapsed = time.perf_counter() - start
    if result.status != "accepted":
        sys.exit(f"ingest did not accept the benchmark file: {result}")
    return elapsed


def small_files(s: Settings, n: int) -> list[Path]:
    """The first ``n`` generic counties of the national sample (written once, then kept)."""
    from ingest.contract import orgunits

    counties = [c for c in orgunits.counties("national") if c not in orgunits.counties("city")][:n]
    out = s.home / "small_x0.1"
    with console.status(f"writing {n} small workbooks (once)…"):
        generator.generate(PERIOD, out, counties=counties, overwrite=False, rows_scale=0.1)
    return sorted(p for p in out.glob("*.xlsx") if p.name[:6] in counties)


def batch(paths: list[Path], s: Settings) -> tuple[float, int]:
    """Seconds and rows for ``paths`` ingested as one task's batch."""
    import contextlib

    from ingest.load import ingest_batch

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # a line per file, for the task's log
        results = ingest_batch(paths, s)
    elapsed = time.perf_counter() - start
    if any(r["status"] != "accepted" for r in results) or len(results) != len(paths):
        sys.exit("ingest did not accept every small workbook")
    return elapsed, sum(r["rows_loaded"] for r in results)


def naive(path: Path, s: Settings) -> float:
    import pandas as pd
    from sqlalchemy import create_engine

    start = time.perf_counter()
    frame = pd.read_excel(path, sheet_name=CADRES.title, engine="openpyxl", dtype=str)
    engine = create_engine(s.url().replace("postgresql://", "postgresql+psycopg://"))
    frame.to_sql("naive_cadres", engine, schema="public", if_exists="replace", index=False, chunksize=10_000)
    engine.dispose()
    return time.perf_counter() - start


def warm_up() -> float:
    """Import what each run uses before any timing.

    Throughput is rows per second once a process is running; the one-time cost of the
    imports is paid once per ingest process whatever the file size, so it is measured and
    printed separately.
    """
    start = time.perf_counter()
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import python_calamine  # noqa: F401
    import sqlalchemy  # noqa: F401

    from ingest.contract import rules  # noqa: F401

    rules.all_rules()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=200, help="(d): how many small files")
    parser.add_argument("--skip-naive", action="store_true", help="skip (c), which takes minutes")
    args = parser.parse_args()
    s = Settings.from_env()
    with console.status("starting the benchmark warehouse…"):
        embedded.up(s)
        with psycopg.connect(s.url(), autocommit=True) as conn:  # a fresh raw layer each run
            for table in ("raw.cadres", "raw.training", "raw.villages", "raw.enterprises"):
                conn.execute(f"truncate {table}")
            conn.execute("truncate quality.rejected_cells, raw.submission cascade")
    path = s.home / f"bench_{args.rows}.xlsx"
    if not path.exists():
        with console.status(f"building a workbook with {args.rows:,} cadre rows…"):
            build_workbook(path, args.rows)
    n = args.rows
    small = small_files(s, args.small) if args.small else []
    with console.status("importing the libraries each run uses (a fixed cost per process, not per row)…"):
        imports = warm_up()
    timings = {}
    with console.status("(a) limit: calamine + COPY…"):
        timings["a"] = limit(path, s)
    with console.status("(b) dangjian ingest…"):
        timings["b"] = ours(path, s)
    if small:
        with console.status(f"(d) {len(small)} small files, one batch…"):
            timings["d"], small_rows = batch(small, s)
    if not args.skip_naive:
        with console.status("(c) naive: pandas + openpyxl + to_sql…"):
            timings["c"] = naive(path, s)
    table = Table(title=f"Ingest throughput, {n:,}-row cadres sheet ({contract.CADRES.title})")
    for col in ("run", "seconds", "rows/s"):
        table.add_column(col, justify="right" if col != "run" else "left")
    names = {
        "a": "(a) limit: calamine parse + COPY",
        "b": "(b) dangjian ingest (all checks)",
        "c": "(c) naive: pandas/openpyxl + to_sql",
        "d": f"(d) {len(small)} small files ({small_rows if small else 0:,} rows), one batch",
    }
    for key, secs in timings.items():
        rows = small_rows if key == "d" else n
        table.add_row(names[key], f"{secs:.2f}", f"{rows / secs:,.0f}")
    console.print(table)
    console.print(f"one-time imports per process, not in the figures above: {imports:.1f} s")
    console.print(
        f"b / a = {timings['a'] / timings['b']:.2f}  (target ≥ 0.5: throughput of ingest vs the limit)"
    )
    if "d" in timings:
        ratio = (small_rows / timings["d"]) / (n / timings["b"])
        console.print(f"d / b = {ratio:.2f}  (target ≥ 0.5: small files' rows/s vs one large file's)")
    if "c" in timings:
        console.print(f"b / c = {timings['c'] / timings['b']:.1f}  (target ≥ 10: ingest vs the naive peer)")


if __name__ == "__main__":
    main()
