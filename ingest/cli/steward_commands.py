"""``dangjian`` commands for stewards: corrections, steward, report, summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from ingest.cli.data_commands import print_held
from ingest.cli.terminal import console, progress_bars
from ingest.config import Settings


def cmd_corrections(args: argparse.Namespace, s: Settings) -> int:
    from ingest.outputs import corrections

    out = Path(args.to) if args.to else s.home / "corrections"
    found = corrections.with_problems(s, args.county, args.period)
    with progress_bars() as progress:
        task = progress.add_task("更正工作簿 / correction workbooks", total=len(found))
        paths = corrections.write(s, out, args.county, args.period, lambda: progress.advance(task))
    table = Table("县（区）county", "期间 period", "问题 problems", "文件 file")
    for sub, path in zip(found, paths, strict=True):
        table.add_row(sub.county_code, sub.period, str(len(sub.findings)), str(path))
    console.print(table if paths else "没有需要退回更正的报送 / nothing to send back")
    return 0


def cmd_steward(args: argparse.Namespace, s: Settings) -> int:
    from ingest.quality import steward

    if args.action == "list":
        print_held(s)
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
    from ingest.outputs import steward_report

    with console.status("生成报告 / rendering the steward's report…"):
        path = steward_report.write(s, Path(args.to) if args.to else s.home / "report")
    console.print(f"报告 / report: {path}")
    return 0


def cmd_summary(args: argparse.Namespace, s: Settings) -> int:
    from ingest.outputs.terminal_summary import print_summary

    print_summary(s, console)
    return 0
