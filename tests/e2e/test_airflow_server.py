"""`make airflow` end to end: start the local Airflow the way a user does, drive it through its
REST API (health, unpause, trigger, watch the run), check what the run published, stop it.

The night brings more files than Airflow maps tasks for (``[core] max_map_length``, 1,024): two
counties' workbooks and the scans and attachments a deadline brings beside them. They are
ingested in a bounded number of tasks (ingest/batches.py), every one registered once."""

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
from ingest.samples import generator
from tests.helpers import query

COUNTIES = ["520603", "520624"]
#: Files beside the workbooks: more than Airflow would map one task each for.
ATTACHMENTS = 1100
INGEST_TASKS = 4  # DANGJIAN_INGEST_TASKS for this server: each task is a process of its own
#: Seconds from starting the server to the end of the last wait (each wait has its own bound
#: too); stopping takes at most STOP_GRACE more. Bounds for a hung server, not speed targets:
#: the run takes about 5 minutes beside three other test workers on two cores, and longer when
#: anything else shares the machine.
BUDGET = 960
STOP_GRACE = ((signal.SIGINT, 45), (signal.SIGTERM, 15), (signal.SIGKILL, 5))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m ingest.cli airflow --port N`` in its own session, output to a file."""

    def __init__(self, s, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.started = time.monotonic()
        self.deadline = self.started + BUDGET
        self.marks: list[str] = []
        env = {
            **os.environ,
            "DANGJIAN_HOME": str(s.home),
            "WAREHOUSE_PORT": str(s.port),
            "DANGJIAN_INGEST_TASKS": str(INGEST_TASKS),
        }
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest.cli", "airflow", "--port", str(self.port)],
                env=env,
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


def _ok(response: httpx.Response) -> dict:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def _run_report(api: httpx.Client, run_id: str) -> str:
    """Each task instance's state, and the end of the log of any that failed."""
    tis = _ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 100}))
    lines = []
    for ti in sorted(tis["task_instances"], key=lambda t: (t["task_id"], t["map_index"])):
        lines.append(f"  {ti['task_id']}[{ti['map_index']}]: {ti['state']}")
        if ti["state"] in ("failed", "upstream_failed", "up_for_retry") and ti["try_number"]:
            log = api.get(
                f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{ti['try_number']}",
                params={"map_index": ti["map_index"], "full_content": True},
            )
            content = log.json().get("content", []) if log.is_success else [log.text]
            lines += [f"    {_log_line(entry)}"[:400] for entry in content[-15:]]
    return "\n".join(lines)


def _log_line(entry) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    errors = [f"{e.get('exc_type')}: {e.get('exc_value')}" for e in entry.get("error_detail") or []]
    return " ".join([str(entry.get("event", "")), *errors])


def test_make_airflow_runs_the_dag(wh, tmp_path):
    generator.generate("2025", wh.inbox, counties=COUNTIES)
    for i in range(ATTACHMENTS):  # not workbooks: each is quarantined with its reason
        (wh.inbox / f"附件{i:04d}_扫描件.pdf").write_bytes(f"%PDF-1.4 扫描件 {i}".encode())
    server = Server(wh, tmp_path / "airflow-server.log")
    try:
        # http_proxy and the like must not apply to 127.0.0.1
        with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as anon:

            def healthy():
                health = _ok(anon.get("/api/v2/monitor/health"))
                parts = ("metadatabase", "scheduler", "dag_processor")
                return all(health[p]["status"] == "healthy" for p in parts) and health

            server.wait_for("a healthy metadatabase, scheduler and dag-processor", healthy, 240)
            server.mark("healthy")

            # The simple auth manager wants a JWT on the public API; in all-admins mode (our
            # local setup) one is handed out without credentials.
            token = _ok(anon.get("/auth/token"))["access_token"]

        with httpx.Client(
            base_url=server.url,
            timeout=30,
            trust_env=False,
            headers={"Authorization": f"Bearer {token}"},
        ) as api:

            def parsed():
                errors = _ok(api.get("/api/v2/importErrors"))["import_errors"]
                assert not errors, f"DAG import errors: {errors}"
                return api.get(f"/api/v2/dags/{DAG_ID}").is_success

            server.wait_for(f"the dag-processor to parse {DAG_ID}", parsed, 120)
            server.mark("DAG parsed")

            assert _ok(api.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}))["is_paused"] is False
            # Airflow 3 requires logical_date in the body (null is allowed; a manual run gets one here)
            run = _ok(
                api.post(
                    f"/api/v2/dags/{DAG_ID}/dagRuns",
                    json={"logical_date": datetime.now(UTC).isoformat(), "note": "test_airflow_server"},
                )
            )
            run_id = run["dag_run_id"]

            def finished():
                state = _ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}"))["state"]
                if state == "failed":
                    pytest.fail(f"run {run_id} failed:\n{_run_report(api, run_id)}\n{server.tail(30)}")
                return state == "success"

            server.wait_for(f"run {run_id} to succeed", finished, 720, every=3)
            server.mark(f"{run_id} succeeded")

            # Unpausing also schedules the latest interval (catchup=False), so a second run may be
            # queued behind ours; let it finish too, so that nothing is cut off when we stop.
            def all_done():
                runs = _ok(api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 100}))["dag_runs"]
                return all(r["state"] in ("success", "failed") for r in runs) and runs

            runs = server.wait_for("every run of the DAG to finish", all_done, 180, every=3)
            run_ids = {r["dag_run_id"] for r in runs}
            server.mark(f"all runs finished: {sorted(run_ids)}")
            failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
            assert not failed, "\n".join(f"{f}:\n{_run_report(api, f)}" for f in failed)
            ingest_tasks = {
                r: _ok(
                    api.get(
                        f"/api/v2/dags/{DAG_ID}/dagRuns/{r}/taskInstances",
                        params={"task_id": "ingest_submissions", "limit": 100},
                    )
                )["total_entries"]
                for r in run_ids
            }
    finally:
        leftovers = server.stop()
        server.mark("stopped")
        print("\n".join(server.marks))
    assert not leftovers, f"processes left running: {[(p.pid, p.cmdline()) for p in leftovers]}"

    # What the runs published: the analysts see exactly the counties that submitted, published
    # once, by one of this server's runs (whichever came first; the other found nothing new).
    assert query(
        wh, "select distinct county_code from marts.fct_village_indicators order by 1", role="analyst"
    ) == [(c,) for c in sorted(COUNTIES)]
    published = query(wh, "select run_id from quality.publication where status = 'published'")
    assert len(published) == 1
    assert published[0][0] in run_ids
    # every file registered exactly once, in at most INGEST_TASKS mapped tasks
    assert query(
        wh, "select status, count(*), count(distinct sha256) from raw.submission group by 1 order by 1"
    ) == [
        ("accepted", len(COUNTIES), len(COUNTIES)),
        ("quarantined", ATTACHMENTS, ATTACHMENTS),
    ]
    assert 1 < ingest_tasks[published[0][0]] <= INGEST_TASKS
