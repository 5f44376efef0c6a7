"""DAG parse time: how long each file in dags/ takes to parse.

Prints, per DAG file, the median of two measurements (a new Python process each time):

- warm parse: Airflow's SDK already imported, then the file, which is what the dag-processor
  pays for each file it parses, again and again. The target is < 1 s per file.
- cold import: a fresh interpreter importing Airflow and the file, next to importing Airflow's
  SDK alone the same way, and their ratio (what the file adds to a task's start-up).

Run: `.venv/bin/python bench/dag_parse.py [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from ingest.cli.local_airflow import airflow_env
from ingest.config import PROJECT_ROOT, Settings
from ingest.warehouse import dbt


def _cold(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _warm(path: Path, env: dict[str, str]) -> float:
    """Parse time as the dag-processor sees it: Airflow already imported, then the file."""
    code = (
        "import time, runpy, airflow.sdk; t = time.perf_counter(); "
        f"runpy.run_path({str(path)!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    s = Settings.from_env()
    dbt.ensure_manifest(s)
    env = {**os.environ, **airflow_env(s)}
    files = sorted((PROJECT_ROOT / "dags").glob("*.py"))
    baseline_code = "import airflow.sdk; from airflow.sdk import dag, task, Asset"
    runs = {"python -c pass": "pass", "airflow.sdk only": baseline_code}
    runs.update({f.name: f"import runpy; runpy.run_path({str(f)!r})" for f in files})
    timings: dict[str, float] = {}
    warm: dict[str, float] = {}
    for name in track(list(runs), description="timing imports"):
        timings[name] = statistics.median(_cold(runs[name], env) for _ in range(args.repeat))
    for f in files:
        warm[f.name] = statistics.median(_warm(f, env) for _ in range(args.repeat))
    table = Table(title=f"DAG parse time (median of {args.repeat} runs)")
    for col in ("what", "cold import s", "× airflow.sdk import", "warm parse s", "target < 1 s"):
        table.add_column(col, justify="right" if col != "what" else "left")
    base = timings["airflow.sdk only"]
    for name, secs in timings.items():
        w = warm.get(name)
        ok = "" if w is None else ("yes" if w < 1 else "NO")
        table.add_row(name, f"{secs:.2f}", f"{secs / base:.2f}", "" if w is None else f"{w:.2f}", ok)
    Console().print(table)
    Console().print(
        "cold: a new interpreter imports Airflow and the file; warm: Airflow already loaded, "
        "as in the dag-processor, only the file's own cost."
    )


if __name__ == "__main__":
    main()
