"""Whole night: the nightly DAG's work, stage by stage, on a city's or a province's submissions.

Generates a period's workbooks (timed apart, not counted), then runs three nights in one
process on a fresh warehouse, calling the same functions the tasks of
``county_submissions_nightly`` call, in the DAG's order, without Airflow:

  discover → ingest (each new workbook) → summary → rebuild_due (lease, ``pending``) →
  dbt build (as ``dangjian dbt build``) → audit → publish → steward_outputs (report,
  correction workbooks) → notify

and, as the DAG does, dbt, audit and publish are skipped when nothing new was accepted.

  1. full: every county's workbook is new;
  2. no new files: the same inbox again;
  3. one county resubmits: its workbook regenerated with another seed (a new sha256).

It prints per stage the wall time, rows/s, peak memory (this process's RSS high-water mark
for the stage; dbt's own process separately) and the stage's share of the night, then the
incremental nights as ratios of the full one. After each night's build, untimed, it runs
``dbt test`` alone and replays the same tests' queries on one connection: the difference is
dbt's own cost per test, which no scoping of the tests' rows removes. Targets printed beside the figures: a city
night < 2 min, a province night < 10 min, no new files ≤ 5 % and one county's resubmission
≤ 20 % of a full night. Nothing passes or fails: read the numbers.

``--scale national`` (2,800 counties, few rows each: ``--rows-scale``) runs the ingest only
and prints how the process's peak memory grows (or not) with the files read.

Run: `.venv/bin/python bench/night.py --scale city|province|national [--profile DIR]`. It
uses its own warehouse (DANGJIAN_HOME=.local/bench, port 15434), rebuilt empty each run;
generated workbooks are kept under .local/bench/night/<scale> and reused (--regenerate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _scale_from_argv() -> str:
    """The region must be in the environment before ingest reads it (the registry, the reader)."""
    for i, arg in enumerate(sys.argv):
        if arg == "--scale" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--scale="):
            return arg.split("=", 1)[1]
    return "city"


SCALE = _scale_from_argv()
os.environ.setdefault("DANGJIAN_HOME", str(ROOT / ".local" / "bench"))
os.environ.setdefault("WAREHOUSE_PORT", "15434")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ["DANGJIAN_REGION"] = SCALE if SCALE in ("city", "province", "national") else "city"
os.environ.setdefault("DANGJIAN_NOTIFY", "log")
NIGHT_DIR = Path(os.environ["DANGJIAN_HOME"]).resolve() / "night" / os.environ["DANGJIAN_REGION"]
os.environ["DANGJIAN_INBOX"] = str(NIGHT_DIR / "inbox")
os.environ["DANGJIAN_ARCHIVE"] = str(NIGHT_DIR / "archive")
# dbt's target and logs of the bench stay apart from the project's own target/ (and its manifest)
os.environ["DBT_TARGET_PATH"] = str(NIGHT_DIR / "dbt_target")
os.environ["DBT_LOG_PATH"] = str(NIGHT_DIR / "dbt_logs")

import psutil  # noqa: E402
import psycopg  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from ingest.config import Settings  # noqa: E402
from ingest.contract import orgunits  # noqa: E402
from ingest.samples import generator  # noqa: E402
from ingest.warehouse import NIGHT_BUILD_FLAGS, embedded  # noqa: E402

console = Console()
if not console.is_terminal:  # a log file: wide enough for the tables
    console = Console(width=160)
PERIOD = "2025"
TARGETS = {"city": 120.0, "province": 600.0}
STAGES = (
    "discover",
    "ingest",
    "summary",
    "rebuild_due",
    "dbt build",
    "audit",
    "publish",
    "steward_outputs",
    "notify",
)


# --- memory ------------------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset this process's RSS high-water mark (Linux: /proc/self/clear_refs, "5")."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mib() -> float:
    """This process's RSS high-water mark (since the last reset where the kernel allows it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildSampler:
    """Samples the RSS of this process's children (dbt runs in one) every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total / 2**20)

    def __enter__(self) -> ChildSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- one night ---------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    rows: int | None = None
    peak_mib: float = 0.0
    child_peak_mib: float = 0.0
    skipped: bool = False
    note: str = ""


@dataclass
class Night:
    label: str
    stages: dict[str, Stage] = field(default_factory=dict)
    files: int = 0
    rows_loaded: int = 0
    outcome: str = ""
    dbt_nodes: list[dict] = field(default_factory=list)
    dbt_elapsed: float | None = None
    tests_alone: dict[str, float] = field(default_factory=dict)
    dbt_cpu: tuple[float, ...] = ()  # CPU seconds during the build: dbt's process, PostgreSQL's backends
    held_back: int = 0  # county-periods held back from publication

    @property
    def seconds(self) -> float:
        return sum(st.seconds for st in self.stages.values())

    @property
    def peak_mib(self) -> float:
        return max((st.peak_mib for st in self.stages.values()), default=0.0)

    @property
    def child_peak_mib(self) -> float:
        return max((st.child_peak_mib for st in self.stages.values()), default=0.0)


class Runner:
    """Times each stage of a night; optionally profiles it with cProfile into ``profile_dir``."""

    def __init__(self, night: Night, profile_dir: Path | None) -> None:
        self.night = night
        self.profile_dir = profile_dir

    @contextmanager
    def stage(self, name: str):
        st = Stage(name)
        self.night.stages[name] = st
        profiler = None
        if self.profile_dir is not None:
            import cProfile

            profiler = cProfile.Profile()
        _reset_peak()
        with ChildSampler() as children:
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            try:
                yield st
            finally:
                if profiler:
                    profiler.disable()
                st.seconds = time.perf_counter() - start
        st.peak_mib = _peak_mib()
        st.child_peak_mib = children.peak
        if profiler and not st.skipped:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            slug = self.night.label.split()[0]
            profiler.dump_stats(self.profile_dir / f"{slug}.{name.replace(' ', '_')}.prof")

    def skip(self, name: str, why: str) -> None:
        self.night.stages[name] = Stage(name, skipped=True, note=why)


def _mart_rows(s: Settings) -> int:
    from ingest.publish import CANDIDATE, row_counts

    with psycopg.connect(s.url()) as conn:
        return sum(row_counts(conn, CANDIDATE).values())


def _dbt_results() -> tuple[float | None, list[dict]]:
    path = Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json"
    if not path.exists():
        return None, []
    doc = json.loads(path.read_text(encoding="utf-8"))
    nodes = [
        {
            "id": r["unique_id"],
            "status": r["status"],
            "seconds": r.get("execution_time") or 0.0,
            "rows": (r.get("adapter_response") or {}).get("rows_affected"),
            "sql": r.get("compiled_code") if r["unique_id"].startswith("test.") else None,
        }
        for r in doc.get("results", [])
    ]
    return doc.get("elapsed_time"), nodes


def cpu_seconds(s: Settings) -> tuple[float, float]:
    """CPU used so far by this process's finished children (dbt's process) and by PostgreSQL's
    finished backends (the postmaster's reaped children: dbt's connections once closed)."""
    mine = resource.getrusage(resource.RUSAGE_CHILDREN)
    with psycopg.connect(s.url()) as conn:
        postmaster = psutil.Process(conn.execute("select pg_backend_pid()").fetchone()[0]).ppid()
    server = psutil.Process(postmaster).cpu_times()
    return mine.ru_utime + mine.ru_stime, server.children_user + server.children_system


SCOPED = "county_code = any('{"  # a test filtered to tonight's counties (macros/test_scope.sql)


def tests_alone(s: Settings) -> dict[str, float]:
    """Untimed, after a night's build (its test scope still in force): ``dbt test`` on its own,
    then the same tests' queries replayed one after another on one connection. What dbt takes
    beyond the replay is dbt's own cost per test (compiling, threads, connections, results)."""
    from ingest.warehouse import dbt

    start = time.perf_counter()
    dbt.run(s, "test", check=False)
    wall = time.perf_counter() - start
    elapsed, nodes = _dbt_results()
    queries = [n["sql"] for n in nodes if n["sql"]]
    replay = {"scoped": 0.0, "whole": 0.0}  # tests filtered to tonight's counties, the rest
    with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
        for query in queries:
            start = time.perf_counter()
            conn.execute(f"select count(*) from ({query}) as dbt_internal_test").fetchone()
            replay["scoped" if SCOPED in query else "whole"] += time.perf_counter() - start
    return {
        "tests": len(queries),
        "scoped": sum(SCOPED in q for q in queries),
        "wall": wall,
        "elapsed": elapsed or 0.0,
        "replay": sum(replay.values()),
        "replay scoped": replay["scoped"],
    }


def run_night(s: Settings, label: str, profile_dir: Path | None) -> Night:
    """One night, task by task as county_submissions_nightly runs them (sequentially, as
    ``dag.test()`` does), calling what each task calls."""
    from ingest import night as second_half
    from ingest.load import discover, ingest_file, registered
    from ingest.outputs import corrections, steward_report
    from ingest.outputs import notify as channel
    from ingest.publish import pending, publish, rebuild_due, refuse, release_build_lease
    from ingest.quality.audit import AuditFailed
    from ingest.warehouse import dbt

    night = Night(label)
    run = Runner(night, profile_dir)
    run_id = f"bench__{label.split()[0]}__{dt.datetime.now():%Y%m%dT%H%M%S}"
    started = dt.datetime.now(dt.UTC)

    with run.stage("discover") as st:
        paths = discover(s)
        st.rows = len(paths)
    night.files = len(paths)
    with run.stage("ingest") as st:
        results = [ingest_file(p, s) for p in paths]
        st.rows = night.rows_loaded = sum(r.rows_loaded for r in results)
        bad = [r for r in results if r.status != "accepted"]
        st.note = f"{len(results)} files" + (f", {len(bad)} not accepted" if bad else "")
    with run.stage("summary") as st:
        found = registered(paths, s)
        st.rows = len(found)
    with run.stage("rebuild_due") as st:
        high_water = rebuild_due(s, run_id, dag_id="county_submissions_nightly")
        st.note = f"due up to {high_water}" if high_water else "nothing new"
    if high_water is None:  # the short-circuit: dbt, audit and publish are skipped
        for name in ("dbt build", "audit", "publish"):
            run.skip(name, "skipped: nothing new")
    else:
        cpu_before = cpu_seconds(s)
        with run.stage("dbt build") as st:  # and, when it fails on data, the recovery (bisection)
            if dbt.run(s, "build", *NIGHT_BUILD_FLAGS, check=False).returncode != 0:
                held = second_half.recover(s, run_id)
                st.note = f"recovered: {len(held)} held back"
        night.dbt_cpu = tuple(
            after - before for after, before in zip(cpu_seconds(s), cpu_before, strict=True)
        )
        night.dbt_elapsed, night.dbt_nodes = _dbt_results()
        night.tests_alone = tests_alone(s)  # not timed
        mart_rows = _mart_rows(s)  # not timed
        night.stages["dbt build"].rows = mart_rows
        audited = True
        with run.stage("audit") as st:
            try:  # holding back what fails on tonight's submissions, building again
                outcome = second_half.settle(s, run_id)
                st.note = f"{outcome.checked} checks, {len(outcome.failures)} failed, none blocking"
            except AuditFailed as failed:
                refuse(s, run_id, str(failed))
                st.note = "FAILED: " + str(failed)[:60]
                audited = False
            st.rows = mart_rows
        if audited:
            with run.stage("publish") as st:
                st.rows = sum(publish(s, run_id, high_water).row_counts.values())
        else:
            run.skip("publish", "skipped: audit failed")
    with run.stage("steward_outputs") as st:
        steward_report.write(s, s.home / "report")
        written = corrections.write(s, NIGHT_DIR / "corrections" / label.split()[0])
        st.note = f"{len(written)} correction workbooks"
    with run.stage("notify") as st:
        due = pending(s) is not None
        release_build_lease(s, run_id)
        result = channel.night(s, run_id, started, due)
        channel.send(*result.message(str(s.home / "report" / "report.html")))
        night.outcome = result.outcome
        night.held_back = len(result.held_back)
        st.note = result.outcome + (f", {night.held_back} held back" if night.held_back else "")
    return night


# --- set-up ------------------------------------------------------------------------------


def generate(counties: list[str], out: Path, rows_scale: float, regenerate: bool) -> tuple[float, int]:
    """Workbooks for ``counties`` in ``out`` (kept between runs); returns seconds and files written."""
    from rich.progress import Progress

    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"generating {len(counties)} workbooks", total=len(counties))
        written = generator.generate(
            PERIOD,
            out,
            counties=counties,
            overwrite=regenerate,
            rows_scale=rows_scale,
            progress=lambda: progress.advance(task),
        )
    return time.perf_counter() - start, len(written)


def fresh_warehouse(s: Settings) -> None:
    """An empty warehouse (raw, quality, intermediate, snapshots, marts) and an empty archive."""
    embedded.destroy(s)
    embedded.up(s)
    shutil.rmtree(s.archive, ignore_errors=True)
    shutil.rmtree(NIGHT_DIR / "corrections", ignore_errors=True)


def fill_inbox(s: Settings, source: Path) -> None:
    shutil.rmtree(s.inbox, ignore_errors=True)
    s.inbox.mkdir(parents=True)
    for f in sorted(source.glob("*.xlsx")):
        shutil.copy2(f, s.inbox / f.name)  # copy2: each file keeps its modification time


def warm_up(s: Settings, with_dbt: bool) -> dict[str, float]:
    """One-time costs per process, not part of a night: imports, GX context, dbt's first parse."""
    costs = {}
    start = time.perf_counter()
    import great_expectations  # noqa: F401
    import python_calamine  # noqa: F401

    from ingest import load  # noqa: F401

    costs["imports"] = time.perf_counter() - start
    if with_dbt:
        from ingest.warehouse import dbt

        start = time.perf_counter()
        dbt.run(s, "parse", "--quiet")  # a full parse once; each night then parses partially
        costs["dbt parse (full, once)"] = time.perf_counter() - start
    return costs


# --- printing ----------------------------------------------------------------------------


def _fmt_rate(rows: int | None, secs: float) -> str:
    return "" if rows is None or secs <= 0 else f"{rows / secs:,.0f}"


def print_night(night: Night, reference: Night | None = None) -> None:
    table = Table(
        title=f"{night.label}: {night.files} new files, {night.rows_loaded:,} rows loaded, "
        f"outcome {night.outcome}"
    )
    for col in ("stage", "seconds", "share", "rows", "rows/s", "peak RSS MiB", "dbt proc MiB", "note"):
        table.add_column(col, justify="left" if col in ("stage", "note") else "right")
    total = night.seconds
    for name in STAGES:
        st = night.stages.get(name)
        if st is None:
            continue
        if st.skipped:
            table.add_row(name, "—", "—", "", "", "", "", st.note)
            continue
        table.add_row(
            name,
            f"{st.seconds:.2f}",
            f"{st.seconds / total:.1%}" if total else "",
            "" if st.rows is None else f"{st.rows:,}",
            _fmt_rate(st.rows, st.seconds),
            f"{st.peak_mib:,.0f}",
            f"{st.child_peak_mib:,.0f}" if st.child_peak_mib else "",
            st.note,
        )
    table.add_section()
    ratio = f"{total / reference.seconds:.1%} of the full night" if reference else ""
    table.add_row(
        "whole night",
        f"{total:.2f}",
        "100%",
        f"{night.rows_loaded:,}",
        _fmt_rate(night.rows_loaded, total),
        f"{night.peak_mib:,.0f}",
        f"{night.child_peak_mib:,.0f}" if night.child_peak_mib else "",
        ratio,
    )
    console.print(table)


def print_dbt(night: Night, top: int = 10) -> None:
    if not night.dbt_nodes:
        return
    wall = night.stages["dbt build"].seconds
    table = Table(
        title=f"{night.label}: dbt build {wall:.1f} s wall, dbt's own elapsed "
        f"{night.dbt_elapsed or 0:.1f} s (the rest: process start, parse, connect); "
        f"{len(night.dbt_nodes)} nodes, 4 threads; top {top} by time"
    )
    for col in ("node", "status", "seconds", "share of dbt wall", "rows"):
        table.add_column(col, justify="left" if col in ("node", "status") else "right")
    for n in sorted(night.dbt_nodes, key=lambda n: -n["seconds"])[:top]:
        table.add_row(
            n["id"].removeprefix("model.dangjian.").removeprefix("test.dangjian."),
            n["status"],
            f"{n['seconds']:.2f}",
            f"{n['seconds'] / wall:.1%}",
            "" if n["rows"] in (None, -1) else f"{n['rows']:,}",
        )
    kinds: dict[str, float] = {}
    for n in night.dbt_nodes:
        kind = n["id"].split(".", 1)[0]
        kinds[kind] = kinds.get(kind, 0.0) + n["seconds"]
    console.print(table)
    console.print(
        "  sum of node times by kind (threads overlap, so the sum may exceed the wall time): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
    )
    if night.dbt_cpu:
        dbt_cpu, pg_cpu = night.dbt_cpu
        console.print(
            f"  CPU during the build ({wall:.1f} s wall, 2 cores): dbt's own process {dbt_cpu:.1f} s, "
            f"PostgreSQL's backends {pg_cpu:.1f} s"
        )
    if alone := night.tests_alone:
        console.print(
            f"  the {alone['tests']} tests alone (untimed, after the night's build): `dbt test` "
            f"{alone['wall']:.1f} s wall, dbt's own elapsed {alone['elapsed']:.1f} s; the same queries "
            f"one after another on one connection {alone['replay']:.1f} s ({alone['replay scoped']:.1f} s of it "
            f"the {alone['scoped']} tests that read tonight's counties only), so at least "
            f"{1 - alone['replay'] / alone['wall']:.0%} of `dbt test` is dbt's own work, not the database's"
        )


def print_summary(scale: str, nights: list[Night]) -> None:
    full, *others = nights
    table = Table(title=f"{scale} nights against the targets")
    for col in ("night", "seconds", "× full night", "target", "rows loaded"):
        table.add_column(col, justify="left" if col in ("night", "target") else "right")
    target = TARGETS.get(scale)
    table.add_row(
        full.label,
        f"{full.seconds:.1f}",
        "1.00",
        f"< {target:.0f} s ({full.seconds / target:.0%} of it)" if target else "",
        f"{full.rows_loaded:,}",
    )
    goals = {"no-new-files": 0.05, "resubmission": 0.20}
    for n in others:
        goal = goals.get(n.label.split()[0])
        table.add_row(
            n.label,
            f"{n.seconds:.1f}",
            f"{n.seconds / full.seconds:.3f}",
            f"≤ {goal:.0%} of full ({n.seconds / full.seconds / goal:.1f}× the allowance)" if goal else "",
            f"{n.rows_loaded:,}",
        )
    console.print(table)


# --- main --------------------------------------------------------------------------------


def national(s: Settings, args: argparse.Namespace) -> None:
    """Ingest only, file after file on one connection (as one ingest task), printing the
    process's peak RSS as the files go by."""
    from ingest.load import discover, ingest_file

    counties = list(orgunits.counties("national"))[: args.counties or None]
    source = NIGHT_DIR / f"generated_x{args.rows_scale:g}"
    gen_secs, gen_n = generate(counties, source, args.rows_scale, args.regenerate)
    console.print(f"generation (not counted): {gen_n} workbooks written in {gen_secs:.1f} s")
    with console.status("a fresh warehouse, the inbox, imports…"):
        fresh_warehouse(s)
        fill_inbox(s, source)
        costs = warm_up(s, with_dbt=False)
    _reset_peak()
    base = _peak_mib()
    checkpoints = sorted({max(1, round(len(counties) * f)) for f in (0.01, 0.1, 0.25, 0.5, 0.75, 1.0)})
    table = Table(title=f"national ingest: {len(counties):,} counties, rows scale {args.rows_scale:g}")
    for col in ("files", "rows", "seconds", "rows/s", "files/s", "peak RSS MiB", "RSS now MiB"):
        table.add_column(col, justify="right")
    start = time.perf_counter()
    paths = discover(s)
    discover_secs = time.perf_counter() - start
    rows = 0
    conn = psycopg.connect(s.url("loader"))  # one for the files, as one ingest task has (load.ingest_batch)
    for i, path in enumerate(paths, start=1):
        r = ingest_file(path, s, conn=conn)
        rows += r.rows_loaded
        if i in checkpoints or i == len(paths):
            secs = time.perf_counter() - start
            row = (
                f"{i:,}",
                f"{rows:,}",
                f"{secs:.1f}",
                f"{rows / secs:,.0f}",
                f"{i / secs:.1f}",
                f"{_peak_mib():,.0f}",
                f"{psutil.Process().memory_info().rss / 2**20:,.0f}",
            )
            table.add_row(*row)
            if not console.is_terminal:  # a log file: each checkpoint as it comes
                print("  ".join(row), flush=True)
    conn.close()
    console.print(table)
    console.print(
        f"discover (hashing {len(paths):,} files, in the seconds above): {discover_secs:.1f} s; "
        f"RSS high-water mark after imports, before the first file: {base:,.0f} MiB; "
        f"one-time costs not counted: " + ", ".join(f"{k} {v:.1f} s" for k, v in costs.items())
    )


def bad_counties(s: Settings, args: argparse.Namespace, counties: list[str], source: Path) -> None:
    """Two full nights side by side on fresh warehouses: every county clean, then the same
    files with a share of the counties each carrying a critical problem of another kind (a value
    that would have broken the build, a critical rule, a duplicate key: ingest.samples.defects). Every
    clean county must be published and every bad one held back; the bad night may cost at most
    1.3 × the clean one."""
    from ingest import contract
    from ingest.samples import defects

    n_bad = max(1, round(len(counties) * args.bad_counties))
    bad = counties[:: max(1, len(counties) // n_bad)][:n_bad]
    broken = NIGHT_DIR / "bad_counties"
    shutil.rmtree(broken, ignore_errors=True)
    broken.mkdir(parents=True)
    kinds = {}
    for i, county in enumerate(bad):
        rows = generator.county_rows(county, PERIOD, rows_scale=args.rows_scale)
        kinds[county] = defects.CRITICAL_KINDS[i % len(defects.CRITICAL_KINDS)]
        defects.make_critical(rows, county, kinds[county])
        generator.write_workbook(
            broken / contract.file_name(county, PERIOD, orgunits.county_name(county)), county, PERIOD, rows
        )
    with console.status("a fresh warehouse, the inbox, imports, dbt parse…"):
        fresh_warehouse(s)
        fill_inbox(s, source)
        costs = warm_up(s, with_dbt=True)
    with console.status("the clean night: every county's workbook is new and clean…"):
        clean = run_night(s, "clean night", args.profile)
    print_night(clean)
    fresh_warehouse(s)
    fill_inbox(s, source)
    for f in broken.glob("*.xlsx"):
        shutil.copy2(f, s.inbox / f.name)  # the bad county's file instead of its clean one
    with console.status(f"the bad night: {n_bad} of {len(counties)} counties send a critical problem…"):
        night = run_night(s, f"bad-counties night ({n_bad} of {len(counties)})", args.profile)
    print_night(night, clean)
    with psycopg.connect(s.url("analyst")) as conn:
        current = dict(conn.execute("select county_code, is_current from marts.mart_county_period_status"))
    clean_published = sum(bool(current.get(c)) for c in counties if c not in bad)
    held = sum(current.get(c) is False for c in bad)
    table = Table(title=f"{args.scale}: {n_bad} bad counties ({', '.join(sorted(set(kinds.values())))})")
    for col in (
        "night",
        "seconds",
        "× clean night",
        "target",
        "clean counties published",
        "bad counties held back",
    ):
        table.add_column(col, justify="left" if col in ("night", "target") else "right")
    table.add_row(clean.label, f"{clean.seconds:.1f}", "1.00", "", f"{len(counties)}/{len(counties)}", "")
    table.add_row(
        night.label,
        f"{night.seconds:.1f}",
        f"{night.seconds / clean.seconds:.2f}",
        "≤ 1.30",
        f"{clean_published}/{len(counties) - n_bad}",
        f"{held}/{n_bad}",
    )
    console.print(table)
    console.print(
        "one-time costs per process, not in the nights: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in costs.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=["city", "province", "national"], default="city")
    parser.add_argument(
        "--rows-scale",
        type=float,
        default=None,
        help="share of a generic county's townships that report (default: 1, national 0.1)",
    )
    parser.add_argument("--counties", type=int, default=0, help="national: only the first N counties")
    parser.add_argument("--resubmit", default=None, help="the county that resubmits (default: the first)")
    parser.add_argument("--regenerate", action="store_true", help="write the workbooks again")
    parser.add_argument("--profile", type=Path, default=None, help="write a cProfile file per stage here")
    parser.add_argument(
        "--bad-counties",
        type=float,
        default=0.0,
        help="instead: a clean full night beside one where this share of the counties sends a critical problem",
    )
    args = parser.parse_args()
    args.rows_scale = args.rows_scale or (0.1 if args.scale == "national" else 1.0)
    s = Settings.from_env()
    if args.scale == "national":
        national(s, args)
        return

    counties = list(orgunits.counties(args.scale))
    resubmitter = args.resubmit or counties[0]
    source = NIGHT_DIR / f"generated_x{args.rows_scale:g}"
    gen_secs, gen_n = generate(counties, source, args.rows_scale, args.regenerate)
    if args.bad_counties:
        bad_counties(s, args, counties, source)
        return
    start = time.perf_counter()
    resubmission = NIGHT_DIR / "resubmission"
    shutil.rmtree(resubmission, ignore_errors=True)
    resubmission.mkdir(parents=True)
    (changed,) = generator.generate(
        PERIOD, resubmission, seed=7, counties=[resubmitter], rows_scale=args.rows_scale
    )
    gen_secs += time.perf_counter() - start
    console.print(
        f"generation (not counted): {gen_n} of {len(counties)} workbooks written ({len(counties) - gen_n} "
        f"reused), plus {resubmitter}'s resubmission, in {gen_secs:.1f} s"
    )
    with console.status("a fresh warehouse, the inbox, imports, dbt parse…"):
        fresh_warehouse(s)
        fill_inbox(s, source)
        costs = warm_up(s, with_dbt=True)
    nights = []
    with console.status("night 1: every county's workbook is new…"):
        nights.append(run_night(s, "full night", args.profile))
    print_night(nights[0])
    print_dbt(nights[0])
    with console.status("night 2: no new files…"):
        nights.append(run_night(s, "no-new-files night", args.profile))
    print_night(nights[1], nights[0])
    shutil.copy(changed, s.inbox / changed.name)  # replaces the county's file, newer mtime, new sha256
    with console.status(f"night 3: {resubmitter} resubmits…"):
        nights.append(run_night(s, f"resubmission night ({resubmitter})", args.profile))
    print_night(nights[2], nights[0])
    print_dbt(nights[2])
    print_summary(args.scale, nights)
    console.print(
        "one-time costs per process, not in the nights above: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in costs.items())
    )
    if args.profile:
        console.print(f"cProfile per stage: {args.profile}/<night>.<stage>.prof")


if __name__ == "__main__":
    main()
