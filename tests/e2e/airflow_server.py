"""The local Airflow as a user starts it (``dangjian airflow``), driven through its REST API:
start it, wait until it is healthy and has parsed the nightly DAG, trigger a night, watch every
run to its end, stop it and everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from ingest.cli.local_airflow import DAG_ID

#: Seconds from starting the server to the end of the last wait (each wait has its own bound
#: too); stopping takes at most STOP_GRACE more. Bounds for a hung server, not speed targets:
#: a night takes about 5 minutes beside three other test workers on two cores, and longer when
#: anything else shares the machine.
BUDGET = 960
STOP_GRACE = ((signal.SIGINT, 45), (signal.SIGTERM, 15), (signal.SIGKILL, 5))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m ingest.cli airflow --port N [options]`` in its own session, output to a file,
    with ``env`` added to its environment. Its Airflow home (metadata, logs, Celery folders) is
    a new one beside the log, as on a new user's machine: the DAG runs other tests of the same
    worker made through ``dag.test()`` are not its runs."""

    def __init__(
        self, s, log: Path, options: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.started = time.monotonic()
        self.deadline = self.started + BUDGET
        self.marks: list[str] = []
        self.airflow_home = log.parent / "airflow"
        environment = {
            **os.environ,
            "DANGJIAN_HOME": str(s.home),
            "WAREHOUSE_PORT": str(s.port),
            "AIRFLOW_HOME": str(self.airflow_home),
            **(env or {}),
        }
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.cli", "airflow", "--port", str(self.port), *options],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def mark(self, what: str) -> None:
        self.marks.append(f"{time.monotonic() - self.started:5.0f}s {what}")

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(line[:300] for line in text.splitlines()[-lines:])

    def wait_for(self, what: str, check, seconds: float, every: float = 2.0):
        """Poll ``check()`` until it returns something truthy; fail with the server's output."""
        until = min(time.monotonic() + seconds, self.deadline)
        last = None
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                pytest.fail(f"the server exited ({self.proc.returncode}) waiting for {what}:\n{self.tail()}")
            try:
                if result := check():
                    return result
            except httpx.TransportError as exc:  # not listening yet
                last = exc
            time.sleep(every)
        pytest.fail(f"timed out waiting for {what} (last: {last!r}); server output:\n{self.tail()}")

    def client(self, token: str | None = None) -> httpx.Client:
        """A client of the server's API (http_proxy and the like must not apply to 127.0.0.1)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False, headers=headers)

    def night(self, note: str) -> tuple[str, list[dict]]:
        """Wait for a healthy server that parsed the nightly DAG, unpause it, trigger a run and
        wait for it and any run the unpausing scheduled; every one must succeed. Returns the
        API's token and the DAG's runs."""
        with self.client() as anon:

            def healthy():
                health = ok(anon.get("/api/v2/monitor/health"))
                parts = ("metadatabase", "scheduler", "dag_processor")
                return all(health[p]["status"] == "healthy" for p in parts) and health

            self.wait_for("a healthy metadatabase, scheduler and dag-processor", healthy, 240)
            self.mark("healthy")
            # The simple auth manager wants a JWT on the public API; in all-admins mode (our
            # local setup) one is handed out without credentials.
            token = ok(anon.get("/auth/token"))["access_token"]

        with self.client(token) as api:

            def parsed():
                errors = ok(api.get("/api/v2/importErrors"))["import_errors"]
                assert not errors, f"DAG import errors: {errors}"
                return api.get(f"/api/v2/dags/{DAG_ID}").is_success

            self.wait_for(f"the dag-processor to parse {DAG_ID}", parsed, 120)
            self.mark("DAG parsed")

            assert ok(api.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}))["is_paused"] is False
            # Airflow 3 requires logical_date in the body (null is allowed; a manual run gets one here)
            run = ok(
                api.post(
                    f"/api/v2/dags/{DAG_ID}/dagRuns",
                    json={"logical_date": datetime.now(UTC).isoformat(), "note": note},
                )
            )
            run_id = run["dag_run_id"]

            def finished():
                state = ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}"))["state"]
                if state == "failed":
                    pytest.fail(f"run {run_id} failed:\n{run_report(api, run_id)}\n{self.tail(30)}")
                return state == "success"

            self.wait_for(f"run {run_id} to succeed", finished, 720, every=3)
            self.mark(f"{run_id} succeeded")

            # Unpausing also schedules the latest interval (catchup=False), so a second run may be
            # queued behind ours; let it finish too, so that nothing is cut off when we stop.
            def all_done():
                runs = ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 100}))["dag_runs"]
                return all(r["state"] in ("success", "failed") for r in runs) and runs

            runs = self.wait_for("every run of the DAG to finish", all_done, 180, every=3)
            self.mark(f"all runs finished: {sorted(r['dag_run_id'] for r in runs)}")
            failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
            assert not failed, "\n".join(f"{f}:\n{run_report(api, f)}" for f in failed)
        return token, runs

    def task_instances(self, token: str, run_id: str, task_id: str | None = None) -> list[dict]:
        """The run's task instances (each map index its own), of ``task_id`` or all."""
        params = {"limit": 100, **({"task_id": task_id} if task_id else {})}
        with self.client(token) as api:
            url = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances"
            return ok(api.get(url, params=params))["task_instances"]

    def stop(self) -> list[psutil.Process]:
        """Ctrl-C the whole process group, as a terminal does; then insist. Returns leftovers."""
        try:
            family = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for sig, grace in STOP_GRACE:
            until = time.monotonic() + grace
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            for p in family:  # anything that left the group (the group got the signal already)
                with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                    if os.getpgid(p.pid) != self.proc.pid:
                        p.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace)  # reap it, so that it does not linger as a zombie
            _, alive = psutil.wait_procs(family, timeout=max(until - time.monotonic(), 0.1))
            if not alive and _group_empty(self.proc.pid):
                return []
        return [p for p in family if p.is_running()]


def _group_empty(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def ok(response: httpx.Response) -> dict:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def run_report(api: httpx.Client, run_id: str) -> str:
    """Each task instance's state, and the end of the log of any that failed."""
    tis = ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 100}))
    lines = []
    for ti in sorted(tis["task_instances"], key=lambda t: (t["task_id"], t["map_index"])):
        lines.append(f"  {ti['task_id']}[{ti['map_index']}]: {ti['state']}")
        if ti["state"] in ("failed", "upstream_failed", "up_for_retry") and ti["try_number"]:
            lines += [f"    {line}"[:400] for line in task_log(api, run_id, ti)[-15:]]
    return "\n".join(lines)


def task_log(api: httpx.Client, run_id: str, ti: dict) -> list[str]:
    """The log of a task instance's last try, as the UI shows it (one line per event)."""
    log = api.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{ti['try_number']}",
        params={"map_index": ti["map_index"], "full_content": True},
    )
    return [_log_line(entry) for entry in log.json().get("content", [])] if log.is_success else [log.text]


def _log_line(entry) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    errors = [f"{e.get('exc_type')}: {e.get('exc_value')}" for e in entry.get("error_detail") or []]
    return " ".join([str(entry.get("event", "")), *errors])
