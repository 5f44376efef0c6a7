"""``dangjian registry``: load a province's official list of org units, or show the one in use."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from rich.table import Table

from ingest.cli.terminal import console
from ingest.config import Settings
from ingest.contract import orgunits
from ingest.contract.registry_changes import Changes
from ingest.contract.registry_file import LEVEL_NAMES, RegistryFileError, full_code
from ingest.warehouse import embedded, registry

_KINDS = {
    "added": "新增 added",
    "renamed": "更名 renamed",
    "changed": "类型或城乡分类变更 changed",
    "moved": "改隶 moved",
    "retired": "撤销 retired",
    "unchanged": "未变 unchanged",
}


def _change_rows(changes: Changes) -> list[tuple[str, str, str, str, str]]:
    """(kind, code, was, is now, level) for every change."""
    rows = [("added", full_code(e.code), "", f"{e.name}（{e.kind}）", e.level) for e in changes.added]
    for kind in ("renamed", "changed", "moved"):
        rows += [
            (
                kind,
                full_code(new.code),
                f"{old.name}（{old.kind}，{full_code(old.code)}）",
                f"{new.name}（{new.kind}）",
                new.level,
            )
            for old, new in getattr(changes, kind)
        ]
    rows += [("retired", full_code(e.code), f"{e.name}（{e.kind}）", "", e.level) for e in changes.retired]
    return rows


def _print_changes(changes: Changes, shown: int) -> list[tuple[str, str, str, str, str]]:
    counts = Table("变化 change", "单位 units", title="名录变化 / what changed")
    for kind, n in changes.counts().items():
        counts.add_row(_KINDS[kind], f"{n:,}")
    console.print(counts)
    rows = _change_rows(changes)
    if rows:
        detail = Table("变化 change", "代码 code", "原 was", "现 now", "层级 level")
        for kind, code, was, now, level in rows[:shown]:
            detail.add_row(_KINDS[kind], code, was, now, LEVEL_NAMES[level])
        console.print(detail)
        if len(rows) > shown:
            console.print(f"……另有 {len(rows) - shown:,} 处变化（--report 文件.csv 写出全部）")
    return rows


def cmd_registry(args: argparse.Namespace, s: Settings) -> int:
    if args.action == "show":
        return _show(s)
    if not args.file:
        console.print(
            "[red]registry load needs the list to load: dangjian registry load FILE --from PERIOD[/]"
        )
        return 2
    embedded.up(s)
    try:
        loaded = registry.load(s, Path(args.file), args.period, args.replace_region, args.dry_run)
    except (RegistryFileError, registry.RegistryRegionError, ValueError) as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        return 1
    region = "、".join(f"{name}（{code}）" for code, name in loaded.region.items())
    console.print(
        f"名录 {args.file}：区域 {region}" + ("，整体替换数仓原有名录" if loaded.replaced_region else "")
    )
    rows = _print_changes(loaded.changes, args.show)
    if args.report:
        with open(args.report, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(("变化", "代码", "原", "现", "层级"))
            writer.writerows((_KINDS[k], c, was, now, LEVEL_NAMES[lv]) for k, c, was, now, lv in rows)
        console.print(f"全部变化已写入 {args.report}")
    if loaded.written is None:
        console.print("[yellow]--dry-run：未写入任何内容 / nothing written[/]")
    else:
        console.print(
            f"[green]已载入[/]：{loaded.written}，并已更新数仓 raw.org_unit（{len(loaded.versions):,} 个版本）"
        )
    return 0


def _show(s: Settings) -> int:
    path = orgunits.registry_path()
    entries = orgunits.registry().entries
    console.print(f"区划名录 / registry in use: {path}", highlight=False)
    table = Table("层级 level", "现行 in force", "已停用版本 ended")
    for level, name in LEVEL_NAMES.items():
        now = sum(1 for e in entries if e.level == level and e.valid_to is None)
        ended = sum(1 for e in entries if e.level == level and e.valid_to is not None)
        table.add_row(name, f"{now:,}", f"{ended:,}")
    console.print(table)
    if not embedded.status(s).running:
        console.print("数仓未启动，载入记录从略 / the warehouse is down: no load history")
        return 0
    loads = Table(
        "载入 loaded",
        "文件 file",
        "起用 from",
        "区域 region",
        "变化 changes",
        title="数仓的名录载入记录 / loads",
    )
    for loaded_at, source, applies_from, region, changes, replaced in registry.history(s):
        counts = "，".join(
            f"{label.split()[0]} {changes[k]:,}" for k, label in _KINDS.items() if changes.get(k)
        )
        loads.add_row(
            f"{loaded_at:%Y-%m-%d %H:%M}",
            Path(source).name,
            str(applies_from or "—"),
            "、".join(region.values()) + ("（替换）" if replaced else ""),
            counts or f"{changes.get('rows', 0):,} 行 rows",
        )
    console.print(loads)
    return 0
