"""``dangjian`` commands for the warehouse and the data: warehouse, sample, template,
seed-figures, ingest, check, dbt, contract, publish.
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

from rich.table import Table

from ingest.cli.terminal import console, progress_bars
from ingest.config import Settings
from ingest.warehouse import embedded

# --- warehouse -------------------------------------------------------------------------


def cmd_warehouse(args: argparse.Namespace, s: Settings) -> int:
    if args.action == "up":
        with console.status("starting the warehouse…"):
            embedded.up(s)
        console.print(f"[green]warehouse up[/] at {embedded.status(s).url.split('@')[-1]}")
    elif args.action == "down":
        stopped = embedded.down(s)
        console.print("warehouse stopped" if stopped else "warehouse was not running")
    elif args.action == "destroy":
        embedded.destroy(s)
        console.print("warehouse stopped and its data deleted")
    elif args.action == "status":
        st = embedded.status(s)
        console.print(f"{'running' if st.running else 'not running'}: {st.detail}")
        return 0 if st.running else 1
    elif args.action == "url":
        print(s.url(args.role))
    elif args.action == "migrations":
        from rich.table import Table

        from ingest.warehouse import schema

        table = Table(title="数据库迁移 / schema migrations")
        table.add_column("编号")
        table.add_column("文件 / file", no_wrap=True)
        table.add_column("执行于 / applied", no_wrap=True)
        rows = schema.ledger(s)
        for migration, applied_at in rows:
            when = f"{applied_at:%Y-%m-%d %H:%M}" if applied_at else "[yellow]待执行 / pending[/]"
            table.add_row(f"{migration.version:04d}", migration.name, when)
        console.print(table)
        return 0 if all(applied for _, applied in rows) else 1
    elif args.action == "psql":
        psql = str(embedded.wheel_bin_dir() / "psql")
        os.execv(psql, [psql, s.url(args.role), *args.psql_args])
    return 0


# --- data ------------------------------------------------------------------------------


def cmd_sample(args: argparse.Namespace, s: Settings) -> int:
    from ingest.contract import orgunits
    from ingest.samples import generator

    counties = list(orgunits.counties(args.scale))
    with progress_bars() as progress:
        task = progress.add_task("生成样例工作簿 / sample workbooks", total=len(counties))
        paths = generator.generate(
            args.period.split(","),
            Path(args.out),
            seed=args.seed,
            scale=args.scale,
            defects=args.defects,
            overwrite=not args.keep_existing,
            progress=lambda: progress.advance(task),
        )
    console.print(f"wrote {len(paths)} workbook(s) to {args.out}")
    if args.defects:
        console.print(f"injected defects are listed in {Path(args.out) / generator.DEFECTS_MANIFEST}")
    return 0


def cmd_template(args: argparse.Namespace, s: Settings) -> int:
    from ingest import contract
    from ingest.contract import orgunits
    from ingest.workbook import template

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
    with progress_bars() as progress:
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
    from ingest.workbook.book import WorkbookRejected
    from ingest.workbook.reader import read_workbook

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
    from ingest.warehouse import dbt

    return dbt.passthrough(s, *args.dbt_args)


def cmd_contract(args: argparse.Namespace, s: Settings) -> int:
    from ingest import contract
    from ingest.config import PROJECT_ROOT
    from ingest.warehouse import dbt

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
    from ingest.quality.audit import AuditFailed

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
    print_held(s, run_id)
    console.print(f"published: {pub.row_counts}")
    return 0


def print_held(s: Settings, run_id: str | None = None) -> None:
    """The county-periods held back (by ``run_id``'s build, or now), with why."""
    import psycopg

    from ingest.contract import orgunits
    from ingest.quality import approval

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
