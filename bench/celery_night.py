"""The same night on one Celery worker and on two, side by side.

Starts the local Airflow on the CeleryExecutor (``dangjian airflow --celery-workers N``: a
local Redis, N workers as processes of their own) on the bench's own warehouse
(DANGJIAN_HOME=.local/bench/celery/<scale>, port 15435), made empty for each run, with the city's ten
sample workbooks (or the province's 88, ``--province``) in the inbox; triggers the nightly DAG through the REST API and reads back
from Airflow when each task ran and on which worker. Each worker runs one task at a time
(``AIRFLOW__CELERY__WORKER_CONCURRENCY=1``), so that the second worker is the only difference.

Printed per run: the night (the publishing run's first task start to its last task end), the
ingest stage (first to last ``ingest_submissions`` batch), the tasks each worker ran, and the
two-worker run as a share of the one-worker run. Airflow's start-up is not counted.

    .venv/bin/python bench/celery_night.py [--workers 1 2] [--province] [--counties N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE = "province" if "--province" in sys.argv else "city"
os.environ["DANGJIAN_REGION"] = SCALE  # before ingest reads it
os.environ.setdefault("DANGJIAN_HOME", str(ROOT / ".local" / "bench" / "celery" / SCALE))
os.environ.setdefault("WAREHOUSE_PORT", "15435")
os.environ.setdefault("AIRFLOW_HOME", str(Path(os.environ["DANGJIAN_HOME"]) / "airflow"))
sys.path.insert(0, str(ROOT))  # the REST client of the end-to-end tests

import psycopg  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from ingest.config import Settings  # noqa: E402
from ingest.contract import orgunits  # noqa: E402
from ingest.samples import generator  # noqa: E402
from ingest.warehouse import embedded  # noqa: E402
from tests.e2e.airflow_server import Server  # noqa: E402

console = Console()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _span(tis: list[dict]) -> float:
    return (max(_when(t["end_date"]) for t in tis) - min(_when(t["start_date"]) for t in tis)).total_seconds()


def night(s: Settings, workers: int, source: Path) -> dict:
    """One night from an empty warehouse and Airflow on ``workers`` Celery workers."""
    embedded.destroy(s)
    shutil.rmtree(s.airflow_home, ignore_errors=True)
    shutil.rmtree(s.archive, ignore_errors=True)
    shutil.rmtree(s.inbox, ignore_errors=True)
    s.inbox.mkdir(parents=True)
    for f in sorted(source.glob("*.xlsx")):
        shutil.copy2(f, s.inbox / f.name)
    from ingest.cli import local_airflow
    from ingest.warehouse import dbt

    embedded.up(s)
    dbt.ensure_manifest(s)
    local_airflow.ensure_airflow_db(s)
    files = len(list(s.inbox.glob("*.xlsx")))
    env = {"AIRFLOW__CELERY__WORKER_CONCURRENCY": "1", "DANGJIAN_INGEST_TASKS": str(files)}
    server = Server(s, s.home / f"airflow-{workers}.log", ("--celery-workers", str(workers)), env)
    try:
        with console.status(f"a night on {workers} Celery worker(s)…"):
            token, _ = server.night(f"bench {workers} workers")
            with psycopg.connect(s.url()) as conn:
                (run_id,) = conn.execute(
                    "select run_id from quality.publication where status = 'published'"
                ).fetchone()
            tis = [t for t in server.task_instances(token, run_id) if t["start_date"] and t["end_date"]]
    finally:
        server.stop()
        embedded.down(s)
    ingest = [t for t in tis if t["task_id"] == "ingest_submissions"]
    return {
        "workers": workers,
        "night": _span(tis),
        "ingest": _span(ingest),
        "batches": len(ingest),
        "per worker": Counter(t["hostname"] for t in tis),
        "ingest per worker": Counter(t["hostname"] for t in ingest),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--counties", type=int, default=0, help="only the first N counties")
    parser.add_argument(
        "--province", action="store_true", help="the province's 88 counties, not the city's 10"
    )
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("needs redis-server: sudo apt-get install redis-server")
    s = Settings.from_env()
    counties = list(orgunits.counties(SCALE))[: args.counties or None]
    source = s.home / "workbooks"
    with console.status(f"writing {len(counties)} sample workbooks (once)…"):
        generator.generate("2025", source, counties=counties, overwrite=False)
    runs = [night(s, w, source) for w in args.workers]
    table = Table(
        title=f"one night, {len(counties)} counties, on the CeleryExecutor (one task per worker at a time)"
    )
    for col in (
        "workers",
        "night s",
        "ingest s",
        "ingest batches",
        "tasks per worker",
        "ingest batches per worker",
    ):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(
            str(r["workers"]),
            f"{r['night']:.1f}",
            f"{r['ingest']:.1f}",
            str(r["batches"]),
            ", ".join(str(n) for _, n in sorted(r["per worker"].items())),
            ", ".join(str(n) for _, n in sorted(r["ingest per worker"].items())),
        )
    console.print(table)
    first = runs[0]
    for r in runs[1:]:
        console.print(
            f"{r['workers']} workers against {first['workers']}: night {r['night'] / first['night']:.2f} ×,"
            f" ingest {r['ingest'] / first['ingest']:.2f} ×"
        )


if __name__ == "__main__":
    main()
