"""Where the test suite's CPU goes: run pytest as ``make test`` does and add up, every half
second, the CPU of every process on the machine by kind.

Kinds: the pytest workers themselves (and dbt, which runs inside them), ``dbt`` processes,
``dangjian`` processes (the nights run through Airflow's ``dag.test()``), the processes of a
real Airflow server, PostgreSQL, Chromium, anything else. Prints the wall time, CPU-minutes by
kind, and the modules whose workers used the most CPU themselves. Nothing passes or fails:
read the numbers (docs/performance.md, "The test suite"). Run it on a quiet machine, e.g.

    .venv/bin/python bench/suite_cpu.py                 # the whole suite, as make test
    .venv/bin/python bench/suite_cpu.py tests/unit      # or any pytest arguments

A process that ends between two samples loses at most its last half second. PostgreSQL is
counted through each server's postmaster, with what its ended children used (``cutime``): its
backends, one per client connection, mostly live for less than a sample.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
KINDS = (("postgres", "postgres"), ("chrom", "chromium"), ("airflow", "airflow server"))


def _kind(command: str) -> str:
    if command.startswith("[pytest-xdist") or "bin/pytest" in command:
        return "pytest workers"
    if "/dbt " in command or command.endswith("/dbt"):
        return "dbt processes"
    if "ingest.cli" in command:
        return "dangjian (nights via dag.test)"
    return next((kind for needle, kind in KINDS if needle in command), "other")


def _sample(totals: collections.Counter, modules: collections.Counter, stop: threading.Event) -> None:
    """CPU seconds since the last sample, per process, by kind (and per module for workers)."""
    seen: dict[tuple[str, str], float] = {}
    postmasters: set[str] = set()
    while not stop.is_set():
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                command = (
                    Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            key = (pid, fields[19])  # a pid with its start time: one process
            if fields[1] in postmasters:
                continue  # a backend: its CPU reaches its postmaster's cutime when it ends
            used = (int(fields[11]) + int(fields[12])) / TICKS
            if "/bin/postgres " in command:  # a postmaster (the server process)
                postmasters.add(pid)
                used += (int(fields[13]) + int(fields[14])) / TICKS
            delta, seen[key] = used - seen.get(key, 0.0), used
            if delta:
                kind = _kind(command)
                totals[kind] += delta
                if command.startswith("[pytest-xdist running] "):
                    modules[command.split("] ", 1)[1].split("::")[0]] += delta
        stop.wait(0.5)


def main(args: list[str]) -> int:
    workers = str(2 * (os.cpu_count() or 1))
    pytest = [str(ROOT / ".venv" / "bin" / "pytest"), "-p", "no:cacheprovider"]
    pytest += args or ["-n", workers, "--dist", "loadfile", "--no-loadscope-reorder", "-q"]
    totals: collections.Counter = collections.Counter()
    modules: collections.Counter = collections.Counter()
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(totals, modules, stop), daemon=True)
    # processes already running when the sampler starts count from now, not from their birth
    sampler.start()
    time.sleep(1)
    totals.clear()
    modules.clear()
    started = time.monotonic()
    result = subprocess.run(pytest, cwd=ROOT)
    wall = time.monotonic() - started
    stop.set()
    sampler.join()
    print(
        f"\npytest exit {result.returncode}; wall {wall / 60:.1f} min; CPU {sum(totals.values()) / 60:.1f} min"
    )
    for kind, seconds in totals.most_common():
        print(f"  {kind:34s} {seconds / 60:6.1f} min ({seconds:.0f} s)")
    print("modules whose workers used the most CPU themselves:")
    for module, seconds in modules.most_common(15):
        print(f"  {seconds:6.0f} s  {module}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
