"""``dangjian`` commands that run the night: config, airflow-env, nightly, reprocess, export,
airflow, demo.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from datetime import datetime
from pathlib import Path

from ingest.cli.terminal import console, progress_bars
from ingest.config import Settings
from ingest.warehouse import embedded

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
    from ingest.cli.local_airflow import airflow_env

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
    from ingest.cli import local_airflow
    from ingest.warehouse import dbt

    dbt.ensure_manifest(s)
    local_airflow.ensure_airflow_db(s)
    log = _log_file(s)
    with console.status("running the nightly DAG…"):
        state = local_airflow.run_nightly(s, log)
    return _report_run(state, log)


def cmd_reprocess(args: argparse.Namespace, s: Settings) -> int:
    from ingest.cli import local_airflow
    from ingest.contract import parse_period
    from ingest.warehouse import dbt

    dbt.ensure_manifest(s)
    local_airflow.ensure_airflow_db(s)
    log = _log_file(s)
    conf = {"period": parse_period(args.period), "county": args.county}
    with console.status(f"reprocessing {conf}…"):
        state = local_airflow.run_dag(s, "reprocess_period", log, conf)
    return _report_run(state, log)


def cmd_export(args: argparse.Namespace, s: Settings) -> int:
    import datetime as dt

    from ingest.outputs import city_export

    path = Path(args.to) if args.to else s.home / "exports" / f"汇总_{dt.date.today():%Y%m%d}.xlsx"
    with console.status("writing the city summary workbook…"):
        console.print(f"汇总 / summary: {city_export.write(s, path)}")
    return 0


def cmd_airflow(args: argparse.Namespace, s: Settings) -> int:
    import shutil

    from ingest.cli import local_airflow
    from ingest.warehouse import dbt

    if args.celery_workers and not shutil.which("redis-server"):
        console.print(
            "[red]CeleryExecutor 需要 Redis 作为消息代理，本机未安装 redis-server。"
            " / --celery-workers needs redis-server: sudo apt-get install redis-server[/]"
        )
        return 2
    embedded.up(s)
    dbt.ensure_manifest(s)
    local_airflow.ensure_airflow_db(s)
    executor = f"CeleryExecutor, {args.celery_workers} workers" if args.celery_workers else "LocalExecutor"
    console.print(f"Airflow UI on http://127.0.0.1:{args.port} ({executor}; Ctrl-C stops it)")
    try:
        return local_airflow.serve(s, args.port, args.celery_workers)
    except RuntimeError as exc:  # the local broker or a Celery worker did not start
        console.print(f"[red]{exc}[/]", highlight=False)
        return 1


def cmd_demo(args: argparse.Namespace, s: Settings) -> int:
    from ingest.cli import local_airflow
    from ingest.contract import orgunits
    from ingest.outputs.terminal_summary import print_summary
    from ingest.samples import generator
    from ingest.warehouse import dbt

    steps = ["warehouse", "sample workbooks", "dbt manifest", "Airflow metadata", "nightly DAG"]
    with progress_bars() as progress:
        task = progress.add_task("demo", total=len(steps))

        def step(name: str) -> None:
            progress.update(task, description=f"demo: {name}")

        step(steps[0])
        embedded.up(s)
        progress.advance(task)
        step(steps[1])
        generator.generate(args.period.split(","), s.inbox, seed=args.seed, overwrite=False)
        progress.advance(task)
        step(steps[2])
        dbt.ensure_manifest(s)
        progress.advance(task)
        step(steps[3])
        local_airflow.ensure_airflow_db(s)
        progress.advance(task)
        step(f"{steps[4]} ({len(orgunits.counties())} counties)")
        log = _log_file(s)
        state = local_airflow.run_nightly(s, log)
        progress.advance(task)
    print_summary(s, console)
    return _report_run(state, log)
