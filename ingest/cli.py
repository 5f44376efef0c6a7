"""The ``dangjian`` command: warehouse, sample data, ingest, dbt, nightly run and demo."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import uuid
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest import warehouse
from ingest.config import ROLES, Settings
from ingest.variables import SettingError


def _terminal_console() -> Console:
    """A console on its own copy of the terminal, so it stays visible while the nightly run's
    output (fd 1 and 2) is sent to a log file."""
    try:
        return Console(file=open(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1))  # noqa: SIM115
    except (AttributeError, OSError, ValueError):  # no real stdout (captured by a test runner)
        return Console()


console = _terminal_console()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


# --- warehouse -------------------------------------------------------------------------


def cmd_warehouse(args: argparse.Namespace, s: Settings) -> int:
    if args.action == "up":
        with console.status("starting the warehouse…"):
            warehouse.up(s)
        console.print(f"[green]warehouse up[/] at {warehouse.status(s).url.split('@')[-1]}")
    elif args.action == "down":
        stopped = warehouse.down(s)
        console.print("warehouse stopped" if stopped else "warehouse was not running")
    elif args.action == "destroy":
        warehouse.destroy(s)
        console.print("warehouse stopped and its data deleted")
    elif args.action == "status":
        st = warehouse.status(s)
        console.print(f"{'running' if st.running else 'not running'}: {st.detail}")
        return 0 if st.running else 1
    elif args.action == "url":
        print(s.url(args.role))
    elif args.action == "psql":
        psql = str(warehouse.wheel_bin_dir() / "psql")
        os.execv(psql, [psql, s.url(args.role), *args.psql_args])
    return 0


# --- data ------------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace, s: Settings) -> int:
    from ingest import orgunits, sample

    counties = list(orgunits.counties(args.scale))
    with _progress() as progress:
        task = progress.add_task("生成样例工作簿 / sample workbooks", total=len(counties))
        paths = sample.generate(
            args.period,
            Path(args.out),
            seed=args.seed,
            scale=args.scale,
            defects=args.defects,
            overwrite=not args.keep_existing,
            progress=lambda: progress.advance(task),
        )
    console.print(f"wrote {len(paths)} workbook(s) to {args.out}")
    if args.defects:
        console.print(f"injected defects are listed in {Path(args.out) / sample.DEFECTS_MANIFEST}")
    return 0


def cmd_template(args: argparse.Namespace, s: Settings) -> int:
    from ingest import contract, orgunits, template

    if args.county not in orgunits.counties():
        console.print(f"[red]unknown county code {args.county}[/]")
        return 2
    period = contract.parse_period(args.period)
    out = Path(args.output or contract.file_name(args.county, period, orgunits.county_name(args.county)))
    template.write(out, args.county, period)
    console.print(f"wrote the blank template for {orgunits.county_name(args.county)} {period}: {out}")
    return 0


def cmd_seed_figures(args: argparse.Namespace, s: Settings) -> int:
    from ingest.config import PROJECT_ROOT
    from ingest.seed_figures import render_markdown

    path = PROJECT_ROOT / "docs" / "seed_figures.md"
    path.write_text(render_markdown(), encoding="utf-8")
    console.print(f"wrote {path}")
    return 0


def cmd_ingest(args: argparse.Namespace, s: Settings) -> int:
    from ingest.load import discover, ingest_file

    files = [Path(f) for f in args.files] or discover(s)
    table = Table("文件 file", "状态 status", "行 rows", "问题 problems", "说明 reason")
    failed = 0
    with _progress() as progress:
        task = progress.add_task("入库 / ingest", total=len(files))
        for path in files:
            r = ingest_file(path, s, strict=args.strict)
            failed += r.status == "quarantined" or (args.strict and r.cells_rejected > 0)
            table.add_row(r.file, r.status, str(r.rows_loaded), str(r.cells_rejected), r.reason or "")
            progress.advance(task)
    console.print(table)
    return 1 if failed and args.strict else 0


def cmd_check(args: argparse.Namespace, s: Settings) -> int:
    """The clerk's dry run: read and check workbooks against the whole rule set (what the
    nightly audit will judge), print every problem at its cell, load nothing. Exits 1 when a
    workbook would be refused or held back, 0 when it would be published (warnings or not)."""
    from ingest.reader import WorkbookRejected, read_workbook

    bad = 0
    for name in args.files:
        path = Path(name)
        try:
            book = read_workbook(path)
        except WorkbookRejected as rejected:
            console.print(f"[red]✗ {path.name}：整份不能受理[/] {rejected.reason}")
            bad += 1
            continue
        rows = sum(d.row_count for d in book.sheets.values())
        if not book.problems:
            console.print(f"[green]✓ {path.name}[/]：{book.county_code} {book.period}，{rows} 行，未发现问题")
            continue
        critical = book.critical
        problems = sorted(book.problems, key=lambda p: p.severity != "critical")  # what holds it back first
        table = Table(
            "级别 severity",
            "单元格 cell",
            "问题 problem",
            title=f"{path.name}：{len(critical)} 处严重问题，{len(problems) - len(critical)} 处提示",
        )
        for p in problems[: args.limit]:
            where = f"{p.sheet}!{p.cell}" if p.cell else p.sheet
            level = "[red]严重[/]" if p.severity == "critical" else "[yellow]提示[/]"
            table.add_row(level, where, p.message.removeprefix(where).removeprefix(f"{p.sheet}："))
        console.print(table)
        if len(problems) > args.limit:
            console.print(f"… 另有 {len(problems) - args.limit} 处（--limit 可调整）")
        refused = sum(d.rejected_rows for d in book.sheets.values())
        if critical:
            bad += 1
            console.print(
                f"[red]有严重问题：这份报送入库后将暂缓发布[/]（{refused} 行不能入库），本县（区）沿用上次发布的数据，"
                "直到更正后重新报送或经数据管理员放行。请按上表更正。"
            )
        else:
            console.print(f"[green]可以报送[/]：{rows} 行将入库并发布；提示项请核实。")
    return 1 if bad else 0


def cmd_dbt(args: argparse.Namespace, s: Settings) -> int:
    from ingest import dbt

    result = dbt.run(s, *args.dbt_args, check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def cmd_contract(args: argparse.Namespace, s: Settings) -> int:
    from ingest import contract, dbt
    from ingest.config import PROJECT_ROOT

    if args.what == "dbt-sources":
        for path in dbt.write_sources(s):
            console.print(f"wrote {path}")
    else:
        path = PROJECT_ROOT / "docs" / "contract.md"
        path.write_text(contract.render_markdown(), encoding="utf-8")
        console.print(f"wrote {path}")
    return 0


def cmd_publish(args: argparse.Namespace, s: Settings) -> int:
    """Build, audit and publish now, as a night's second half does: what a steward released
    is published at once; counties whose new data fails are held back, the rest published."""
    from ingest import night, publish
    from ingest.audit import AuditFailed

    run_id = f"manual__{uuid.uuid4().hex[:8]}"
    if args.rollback:
        try:
            pub = publish.rollback(s, run_id)
        except publish.PublishRefused as refused:
            console.print(f"[red]not rolled back[/]: {refused}")
            return 1
        console.print(f"rolled back: {pub.row_counts}")
        return 0
    try:  # never publish what was not audited: build, audit and publish as this run
        with console.status("构建、审核、发布 / building, auditing, publishing…"):
            pub = night.build_and_publish(s, run_id)
    except (AuditFailed, night.BuildFailed, publish.PublishRefused) as refused:
        if not isinstance(refused, publish.PublishRefused):
            publish.refuse(s, run_id, str(refused))
        console.print(f"[red]not published[/]: {refused}")
        return 1
    if pub is None:
        console.print("nothing differs from the published build: nothing to publish")
        return 0
    _print_held(s, run_id)
    console.print(f"published: {pub.row_counts}")
    return 0


def _print_held(s: Settings, run_id: str | None = None) -> None:
    """The county-periods held back (by ``run_id``'s build, or now), with why."""
    import psycopg

    from ingest import approval, orgunits

    with psycopg.connect(s.url("steward")) as conn:
        held = approval.held_back(conn, run_id)
    if not held:
        return
    table = Table(
        "报送 submission",
        "县（区）county",
        "期间 period",
        "文件 file",
        "原因 why",
        title="暂缓发布 / held back",
    )
    for h in held:
        table.add_row(
            str(h.submission_id),
            orgunits.county_name(h.county_code),
            h.period,
            h.file_name,
            "；".join(h.reasons),
        )
    console.print(table)


# --- Airflow ---------------------------------------------------------------------------


def cmd_config(args: argparse.Namespace, s: Settings) -> int:
    """``check``: every variable the product reads, checked (exit 1 naming each bad one);
    ``env-example``: ``.env.example`` as generated from ``ingest/variables.py``."""
    from ingest import variables
    from ingest.config import PROJECT_ROOT

    if args.action == "env-example":
        text = variables.env_example()
        if args.write:
            (PROJECT_ROOT / ".env.example").write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    errors = variables.check_all()
    for error in errors:
        console.print(f"[red]✗ {error}[/]", highlight=False)
    if not errors:
        console.print(f"✓ 全部 {len(variables.VARIABLES)} 项设置有效 / every setting is valid")
    return 1 if errors else 0


def cmd_airflow_env(args: argparse.Namespace, s: Settings) -> int:
    from ingest.runner import airflow_env

    for key, value in airflow_env(s).items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def _log_file(s: Settings) -> Path:
    return s.home / "logs" / f"nightly-{datetime.now():%Y%m%d-%H%M%S}.log"


def _report_run(state: str, log: Path) -> int:
    if state == "success":
        console.print(f"DAG run: [green]{state}[/] (log: {log})")
        return 0
    console.print(f"[red]DAG run: {state}[/]; the end of its log ({log}):")
    console.print(
        "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-40:]),
        markup=False,
        highlight=False,
    )
    return 1


def cmd_nightly(args: argparse.Namespace, s: Settings) -> int:
    from ingest import dbt, runner

    dbt.ensure_manifest(s)
    runner.ensure_airflow_db(s)
    log = _log_file(s)
    with console.status("running the nightly DAG…"):
        state = runner.run_nightly(s, log)
    return _report_run(state, log)


def cmd_reprocess(args: argparse.Namespace, s: Settings) -> int:
    from ingest import dbt, runner
    from ingest.contract import parse_period

    dbt.ensure_manifest(s)
    runner.ensure_airflow_db(s)
    log = _log_file(s)
    conf = {"period": parse_period(args.period), "county": args.county}
    with console.status(f"reprocessing {conf}…"):
        state = runner.run_dag(s, "reprocess_period", log, conf)
    return _report_run(state, log)


def cmd_export(args: argparse.Namespace, s: Settings) -> int:
    import datetime as dt

    from ingest import export

    path = Path(args.to) if args.to else s.home / "exports" / f"汇总_{dt.date.today():%Y%m%d}.xlsx"
    with console.status("writing the city summary workbook…"):
        console.print(f"汇总 / summary: {export.write(s, path)}")
    return 0


def cmd_airflow(args: argparse.Namespace, s: Settings) -> int:
    from ingest import dbt, runner

    warehouse.up(s)
    dbt.ensure_manifest(s)
    runner.ensure_airflow_db(s)
    console.print(f"Airflow UI on http://127.0.0.1:{args.port} (Ctrl-C stops it)")
    return runner.serve(s, args.port)


def cmd_demo(args: argparse.Namespace, s: Settings) -> int:
    from ingest import dbt, runner, sample
    from ingest.contract import COUNTIES
    from ingest.report import print_summary

    steps = ["warehouse", "sample workbooks", "dbt manifest", "Airflow metadata", "nightly DAG"]
    with _progress() as progress:
        task = progress.add_task("demo", total=len(steps))

        def step(name: str) -> None:
            progress.update(task, description=f"demo: {name}")

        step(steps[0])
        warehouse.up(s)
        progress.advance(task)
        step(steps[1])
        sample.generate(args.period, s.inbox, seed=args.seed, overwrite=False)
        progress.advance(task)
        step(steps[2])
        dbt.ensure_manifest(s)
        progress.advance(task)
        step(steps[3])
        runner.ensure_airflow_db(s)
        progress.advance(task)
        step(f"{steps[4]} ({len(COUNTIES)} counties)")
        log = _log_file(s)
        state = runner.run_nightly(s, log)
        progress.advance(task)
    print_summary(s, console)
    return _report_run(state, log)


def cmd_corrections(args: argparse.Namespace, s: Settings) -> int:
    from ingest import corrections

    out = Path(args.to) if args.to else s.home / "corrections"
    found = corrections.with_problems(s, args.county, args.period)
    with _progress() as progress:
        task = progress.add_task("更正工作簿 / correction workbooks", total=len(found))
        paths = corrections.write(s, out, args.county, args.period, lambda: progress.advance(task))
    table = Table("县（区）county", "期间 period", "问题 problems", "文件 file")
    for sub, path in zip(found, paths, strict=True):
        table.add_row(sub.county_code, sub.period, str(len(sub.findings)), str(path))
    console.print(table if paths else "没有需要退回更正的报送 / nothing to send back")
    return 0


def cmd_steward(args: argparse.Namespace, s: Settings) -> int:
    from ingest import steward

    if args.action == "list":
        _print_held(s)
        table = Table(
            "编号 id",
            "级别 severity",
            "套件 suite",
            "栏目 column",
            "行数 rows",
            "说明 explanation",
            "处理 decisions",
        )
        for f in steward.failures(s, args.run):
            table.add_row(
                str(f.validation_result_id),
                f.severity + ("（已豁免）" if f.waived_by else ""),
                f.suite,
                f.column or "",
                "" if f.unexpected_count is None else str(f.unexpected_count),
                f.explanation or "",
                f.decisions or "",
            )
        console.print(table)
        return 0
    if args.action == "export":
        path = Path(args.to) if args.to else s.home / "review" / "处理清单.xlsx"
        n = steward.export_review(s, path, args.run)
        console.print(f"{n} 项待处理检查已写入 / failed checks written to {path}")
        return 0
    if args.action == "apply":
        if not args.id:
            console.print("[red]需要处理清单文件 / the reviewed file is required[/]")
            return 2
        try:
            ids = steward.apply_review(s, Path(args.id), args.by)
        except (steward.ReviewFileError, OSError) as exc:
            console.print(f"[red]{exc}[/]")
            return 2
        console.print(f"已记录 {len(ids)} 项处理 / {len(ids)} decisions recorded")
        return 0
    if not (args.id or "").isdigit() or not args.reason:
        console.print("[red]需要编号和 --reason / an id and --reason are required[/]")
        return 2
    try:
        if args.action == "release":
            disposition = steward.release(s, int(args.id), args.reason, args.by)
        else:
            disposition = steward.decide(s, int(args.id), args.action, args.reason, args.by)
    except (steward.NotAFailure, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    console.print(f"已记录处理 {disposition} / disposition {disposition} recorded")
    return 0


def cmd_report(args: argparse.Namespace, s: Settings) -> int:
    from ingest import steward_report

    with console.status("生成报告 / rendering the steward's report…"):
        path = steward_report.write(s, Path(args.to) if args.to else s.home / "report")
    console.print(f"报告 / report: {path}")
    return 0


def cmd_summary(args: argparse.Namespace, s: Settings) -> int:
    from ingest.report import print_summary

    print_summary(s, console)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dangjian", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("warehouse", help="the embedded PostgreSQL warehouse")
    p.add_argument("action", choices=["up", "down", "status", "url", "psql", "destroy"])
    p.add_argument(
        "--role", choices=ROLES, default=None, help="connect as this login role (default: the owner)"
    )
    p.add_argument("psql_args", nargs="*", help="for psql: extra arguments after --, e.g. -- -c 'select 1'")
    p.set_defaults(func=cmd_warehouse)

    p = sub.add_parser("sample", help="write sample county workbooks (calibrated to the article)")
    p.add_argument("--period", default="2025")
    p.add_argument("--out", default=None, help="folder (default: the inbox)")
    p.add_argument(
        "--scale",
        choices=["city", "province", "national"],
        default="city",
        help="Tongren's 10 counties, a province of 88, or a national sample of 2,800",
    )
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument(
        "--defects",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of workbooks (and of cells in them) given real-world mess, 0–1",
    )
    p.add_argument("--keep-existing", action="store_true", help="do not overwrite files")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("template", help="write the blank submission template for a county")
    p.add_argument("--county", required=True, help="6-digit county code, e.g. 520624")
    p.add_argument("--period", required=True, help="2025, 2025Q4 or 2025-07")
    p.add_argument("-o", "--output", default=None, help="file (default: the naming convention)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "seed-figures", help="write docs/seed_figures.md from dbt_project/analyses/article_figures/"
    )
    p.set_defaults(func=cmd_seed_figures)

    p = sub.add_parser("ingest", help="ingest workbooks (default: new files in the inbox)")
    p.add_argument("files", nargs="*")
    p.add_argument(
        "--strict",
        action="store_true",
        help="quarantine a workbook with any rejected cell whole; exit 1 if any file was",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("check", help="dry run for a clerk: print every problem in workbooks, load nothing")
    p.add_argument("files", nargs="+")
    p.add_argument("--limit", type=int, default=200, help="problems shown per file")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("dbt", help="run dbt as the transformer role, e.g. `dangjian dbt build`")
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_dbt)

    p = sub.add_parser(
        "contract",
        help="write what is generated from the contract: dbt-sources (sources file, code-list seed) or docs",
    )
    p.add_argument("what", choices=["dbt-sources", "docs"])
    p.set_defaults(func=cmd_contract)

    p = sub.add_parser(
        "publish",
        help="build, audit and publish now (what a steward released goes out at once), or roll back",
    )
    p.add_argument("--rollback", action="store_true", help="restore the previous build")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser(
        "config", help="the settings: check the environment's values, or print .env.example from them"
    )
    p.add_argument("action", choices=["check", "env-example"])
    p.add_argument(
        "--write", action="store_true", help="env-example: write it to the checkout's .env.example"
    )
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("airflow-env", help="print the local Airflow environment as exports")
    p.set_defaults(func=cmd_airflow_env)

    p = sub.add_parser("airflow", help="run a local Airflow UI, scheduler and dag-processor")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_airflow)

    p = sub.add_parser("nightly", help="run the nightly DAG once (dag.test) on the inbox")
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser(
        "reprocess",
        help="run the reprocess_period DAG once: read a period's archived originals again, rebuild, publish",
    )
    p.add_argument("--period", required=True, help="the period, e.g. 2025, 2025Q3, 2025-09")
    p.add_argument("--county", help="one county's 6-digit code (default: every county)")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser(
        "export", help="write the city summary workbook (key indicators and charts) from marts"
    )
    p.add_argument("--to", help="file to write (default: <DANGJIAN_HOME>/exports/汇总_<today>.xlsx)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="start everything, make sample data, run the nightly DAG")
    p.add_argument("--period", default="2025")
    p.add_argument("--seed", type=int, default=2025)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "corrections",
        help="write each county's workbook back with its problems marked, to send for correction",
    )
    p.add_argument("--county", help="only this county (code, e.g. 520624)")
    p.add_argument("--period", help="only this period (e.g. 2025)")
    p.add_argument("--to", help="folder to write into (default: <DANGJIAN_HOME>/corrections)")
    p.set_defaults(func=cmd_corrections)

    p = sub.add_parser(
        "steward",
        help="list held-back submissions and failed checks; release, waive or acknowledge one with a"
        " reason, or many from a reviewed file",
    )
    p.add_argument("action", choices=("list", "waive", "ack", "release", "export", "apply"))
    p.add_argument(
        "id",
        nargs="?",
        help="waive/ack: the failed check's id (from `dangjian steward list`); release: the held"
        " submission's id; apply: the reviewed file",
    )
    p.add_argument(
        "--to", help="export: the review file to write (default: <DANGJIAN_HOME>/review/处理清单.xlsx)"
    )
    p.add_argument("--reason", help="why (required for waive, ack and release)")
    p.add_argument("--by", help="who decides (default: your login name)")
    p.add_argument("--run", help="list this run's failures (default: the latest audit)")
    p.set_defaults(func=cmd_steward)

    p = sub.add_parser("report", help="write the steward's HTML report (statuses, rejections, failed checks)")
    p.add_argument("--to", help="folder to write report.html into (default: <DANGJIAN_HOME>/report)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("summary", help="print what the warehouse holds and has published")
    p.set_defaults(func=cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        s = Settings.from_env()
    except SettingError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        return 2
    if not os.environ.get("XDG_RUNTIME_DIR"):  # some libraries warn when it is missing
        (s.home / "run").mkdir(parents=True, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(s.home / "run")
    if getattr(args, "out", "x") is None:
        args.out = str(s.inbox)
    try:
        return args.func(args, s)
    except warehouse.WarehouseError as exc:
        console.print(f"[red]warehouse: {exc}[/]")
        return 2
    except SettingError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
