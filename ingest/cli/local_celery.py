"""The local Airflow on the CeleryExecutor (``dangjian airflow --celery-workers N``): a Redis
broker (Debian's ``redis-server``) on a free loopback port with a password, and N Celery
workers, each a process of its own with its own working folder, as separate hosts would be.

The settings that decide how tasks are handed out are :data:`SETTINGS`, the same in
docker-compose.yml (tests/deploy/test_compose.py holds them equal).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

from ingest.config import Settings, local_secret
from ingest.variables import value

#: How Celery hands out the night's tasks, here and in docker-compose.yml. A worker reserves
#: no task it cannot start (prefetch 1) and acknowledges a task when it ends (acks late), so an
#: idle worker takes the next ingest batch instead of one busy with a dbt build holding it, and a
#: worker that dies hands its task back.
SETTINGS = {
    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
    "AIRFLOW__CELERY__TASK_ACKS_LATE": "True",
}

#: What the task processes of a local worker report as their host (``[core] hostname_callable``):
#: workers on one machine would otherwise all report the machine's name.
HOSTNAME_CALLABLE = "ingest.cli.local_celery.worker_hostname"


def worker_hostname() -> str:
    """The host a task ran on, as Airflow records it: the local worker's name
    (``DANGJIAN_WORKER_NAME``), else the machine's fully qualified name, as Airflow's own."""
    return value("DANGJIAN_WORKER_NAME") or socket.getfqdn()


def worker_names(count: int) -> list[str]:
    return [f"{socket.gethostname()}-worker{i}" for i in range(1, count + 1)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_broker(s: Settings) -> tuple[subprocess.Popen, str]:
    """Start redis-server on a free port of 127.0.0.1 (password from ``.local/airflow``, nothing
    kept on disk: queued tasks of a stopped local Airflow are rescheduled by the next one).
    Returns the process and the broker's URL once it answers."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("the CeleryExecutor needs redis-server: sudo apt-get install redis-server")
    folder = s.airflow_home / "celery"
    folder.mkdir(parents=True, exist_ok=True)
    port, password = _free_port(), local_secret(s.airflow_home / "redis_secret")
    config = folder / "redis.conf"  # the password in a 0600 file, not on the command line
    config.touch(mode=0o600)
    config.chmod(0o600)
    config.write_text(
        f'bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave ""\nappendonly no\n'
        f"dir {folder}\nlogfile {folder / 'redis.log'}\n",
        encoding="utf-8",
    )
    # its own session: Ctrl-C reaches the workers, which hand unfinished tasks back to the
    # broker as they stop, before the broker itself is stopped (last, by serve())
    proc = subprocess.Popen([executable, str(config)], stdin=subprocess.DEVNULL, start_new_session=True)
    _wait_for_redis(proc, port, password)
    return proc, f"redis://:{password}@127.0.0.1:{port}/0"


def _wait_for_redis(proc: subprocess.Popen, port: int, password: str, seconds: float = 30) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited ({proc.returncode}) on port {port}")
        try:
            if client.ping():
                return
        except redis.exceptions.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"redis-server did not answer on port {port} in {seconds:g} s")


def executor_env(broker_url: str) -> dict[str, str]:
    """What every Airflow process needs for the CeleryExecutor on this broker (task states come
    back through Redis too: the local metadata database is SQLite, one writer at a time)."""
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": broker_url.removesuffix("/0") + "/1",
        **SETTINGS,
    }


def start_workers(s: Settings, env: dict[str, str], count: int, executable: str) -> list[subprocess.Popen]:
    """``airflow celery worker`` ``count`` times, each in its own folder (working directory,
    temporary files, pid file) under ``.local/airflow/celery/``, each reporting its own name.

    Each runs ``AIRFLOW__CELERY__WORKER_CONCURRENCY`` tasks at once when that is set, else the
    machine's cores shared out among the workers. Task logs go to the shared log folder, which
    the API server reads, so the workers serve none of their own."""
    if not count:
        return []
    concurrency = os.environ.get("AIRFLOW__CELERY__WORKER_CONCURRENCY") or str(
        max(1, (os.cpu_count() or 1) // count)
    )
    procs = []
    for name in worker_names(count):
        folder = s.airflow_home / "celery" / name
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        worker_env = {
            **env,
            "DANGJIAN_WORKER_NAME": name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": HOSTNAME_CALLABLE,
            "TMPDIR": str(folder / "tmp"),
        }
        command = [executable, "celery", "worker", "--celery-hostname", f"{name}@%h"]
        command += ["--concurrency", concurrency, "--skip-serve-logs", "--pid", str(folder / "worker.pid")]
        procs.append(subprocess.Popen(command, env=worker_env, cwd=folder, stdin=subprocess.DEVNULL))
    return procs


def wait_for_workers(broker_url: str, procs: list[subprocess.Popen], seconds: float = 300) -> None:
    """Until every worker answers a ping through the broker, so that the scheduler, started
    next, hands the night's first tasks to all of them rather than to the first one up."""
    from celery import Celery

    expected = len(procs)
    app = Celery(broker=broker_url)
    until = time.monotonic() + seconds
    try:
        while time.monotonic() < until:
            if dead := [p.args for p in procs if p.poll() is not None]:
                raise RuntimeError(f"a Celery worker exited while starting: {dead}")
            if len(app.control.ping(timeout=1.0)) >= expected:
                return
        raise RuntimeError(f"{expected} Celery workers did not all answer within {seconds:g} s")
    finally:
        app.close()
