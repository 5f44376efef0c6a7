"""The ``dangjian`` command: warehouse, sample data, ingest, dbt, nightly run and demo."""

from __future__ import annotations

import argparse
import os
import sys

from ingest.cli.data_commands import (
    cmd_check,
    cmd_contract,
    cmd_dbt,
    cmd_ingest,
    cmd_publish,
    cmd_sample,
    cmd_seed_figures,
    cmd_template,
    cmd_warehouse,
)
from ingest.cli.night_commands import (
    cmd_airflow,
    cmd_airflow_env,
    cmd_config,
    cmd_demo,
    cmd_export,
    cmd_nightly,
    cmd_reprocess,
)
from ingest.cli.portal_commands import add_parser as add_portal_parser
from ingest.cli.registry_commands import cmd_registry
from ingest.cli.steward_commands import cmd_corrections, cmd_report, cmd_steward, cmd_summary
from ingest.cli.terminal import console
from ingest.config import ROLES, Settings
from ingest.samples.history import SAMPLE_PERIODS
from ingest.variables import SettingError
from ingest.warehouse import embedded

#: The sample's periods, as the ``--period`` options of ``sample`` and ``demo`` take them.
PERIODS = ",".join(SAMPLE_PERIODS)


def _count(text: str) -> int:
    """A whole number, zero or more (argparse names the option when this raises)."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"应为 0 或正整数 / a whole number ≥ 0: {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dangjian", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("warehouse", help="the embedded PostgreSQL warehouse")
    p.add_argument("action", choices=["up", "down", "status", "url", "psql", "migrations", "destroy"])
    p.add_argument(
        "--role", choices=ROLES, default=None, help="connect as this login role (default: the owner)"
    )
    p.add_argument("psql_args", nargs="*", help="for psql: extra arguments after --, e.g. -- -c 'select 1'")
    p.set_defaults(func=cmd_warehouse)

    p = sub.add_parser("sample", help="write sample county workbooks (calibrated to the article)")
    p.add_argument(
        "--period", default=PERIODS, help=f"one period or several, comma-separated (default {PERIODS})"
    )
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
    p.add_argument(
        "--celery-workers",
        type=_count,
        default=0,
        metavar="N",
        help="CeleryExecutor with N local workers and a local Redis (redis-server) instead of the LocalExecutor",
    )
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
    p.add_argument(
        "--period", default=PERIODS, help=f"the sample's periods, comma-separated (default {PERIODS})"
    )
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

    p = sub.add_parser(
        "registry",
        help="load a province's official list of org units (统计用区划代码) and report what changed,"
        " or show the registry in use",
    )
    p.add_argument("action", choices=("load", "show"))
    p.add_argument("file", nargs="?", help="load: the list, CSV or Excel, in the layout of 统计用区划代码")
    p.add_argument(
        "--from", dest="period", help="load: the period from which the list applies (2026, 2026Q1, 2026-01)"
    )
    p.add_argument(
        "--replace-region",
        action="store_true",
        help="load: replace the whole registry and its history, even with another region's list",
    )
    p.add_argument("--dry-run", action="store_true", help="load: report what would change, write nothing")
    p.add_argument("--report", help="load: write every change to this CSV file")
    p.add_argument("--show", type=int, default=20, help="load: how many changes to list (default 20)")
    p.set_defaults(func=cmd_registry)

    p = sub.add_parser("summary", help="print what the warehouse holds and has published")
    p.set_defaults(func=cmd_summary)
    add_portal_parser(sub)
    return parser


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line; for ``warehouse psql``, what follows ``--`` goes to psql untouched
    wherever ``--role`` stands (argparse alone would close the empty positional before it)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if argv[:1] == ["warehouse"] and "--" in argv:
        at = argv.index("--")
        argv, passthrough = argv[:at], argv[at + 1 :]
    args = build_parser().parse_args(argv)
    if passthrough:
        args.psql_args = [*args.psql_args, *passthrough]
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
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
    except embedded.WarehouseError as exc:
        console.print(f"[red]warehouse: {exc}[/]")
        return 2
    except SettingError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        return 2


if __name__ == "__main__":
    sys.exit(main())
