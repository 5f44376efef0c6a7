"""dbt glue: run dbt against the warehouse as ``transformer``; write its source docs and its
code-list seed from the contract."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import yaml

from ingest import contract
from ingest.config import Settings
from ingest.variables import value
from ingest.warehouse.dbt_in_process import quicken_in_process

SOURCES_FILE = Path("models/staging/county_submissions/_county_submissions__sources.yml")
CODE_LISTS_FILE = Path("seeds/code_lists.csv")


def dbt_env(s: Settings) -> dict[str, str]:
    """Environment for a dbt process: the connection of the ``transformer`` role, no telemetry."""
    url = urlsplit(s.url("transformer"))
    return {
        **os.environ,
        "DBT_HOST": url.hostname or "127.0.0.1",
        "DBT_PORT": str(url.port or 5432),
        "DBT_USER": unquote(url.username or ""),
        "DBT_PASSWORD": unquote(url.password or ""),
        "DBT_DBNAME": url.path.lstrip("/"),
        "DBT_PROFILES_DIR": str(s.dbt_project_dir),
        "DBT_PROJECT_DIR": str(s.dbt_project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DBT_PARTIAL_PARSE": value("DBT_PARTIAL_PARSE"),
    }


def dbt_executable() -> str:
    return str(Path(sys.executable).with_name("dbt"))


#: What dbt says when partial parsing lost a node defined in YAML (dbt-core#10903: a snapshot
#: defined in YAML disappears when a macro its tests use changed, e.g. macros/test_scope.sql).
LOST_IN_PARTIAL_PARSE = re.compile(r"depends on a node named '[^']+' which was not found")


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    """``os.environ`` as ``env`` says for the length of one dbt command, then as it was."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


#: The commands that may use a manifest parsed earlier in this process (not ``parse`` itself,
#: whose work is the parse, nor ``docs``).
_REUSES_MANIFEST = frozenset({"build", "run", "test", "seed", "snapshot", "compile", "ls", "list", "show"})
_manifest: tuple[tuple, object] | None = None  # (what it was parsed from, the manifest)


def project_files(s: Settings) -> list[Path]:
    """The dbt project's own files (not what dbt writes into ``target/`` and ``logs/``)."""
    return [
        p
        for p in s.dbt_project_dir.rglob("*")
        if p.suffix in {".sql", ".yml", ".csv"} and "target" not in p.parts and "logs" not in p.parts
    ]


def _parsed(s: Settings, args: tuple[str, ...]):
    """The manifest for ``args``, parsed once per process while the project's files and the
    connection stay as they are (``dbtRunner(manifest=...)``, dbt's way of reusing it): a parse
    costs one to two seconds of CPU a command, even partial. None when the command must parse
    for itself, or the parse failed (the command then parses and reports the error itself)."""
    from dbt.cli.main import dbtRunner

    command = next((a for a in args if not a.startswith("-")), "")
    if command not in _REUSES_MANIFEST or "--no-partial-parse" in args:
        return None
    global _manifest
    key = (
        tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("DBT_"))),
        tuple(sorted((str(p), st.st_mtime_ns, st.st_size) for p in project_files(s) for st in [p.stat()])),
    )
    if _manifest is None or _manifest[0] != key:
        parsed = dbtRunner().invoke(["parse", "--quiet"])  # and target/manifest.json, once
        if not parsed.success:
            return None
        _manifest = (key, parsed.result)
    return _manifest[1]


def _invoke(s: Settings, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """One dbt command inside this process (dbt's programmatic ``dbtRunner``): the same work as
    the ``dbt`` executable without starting Python and importing dbt again, two to three
    seconds of CPU a command, and without parsing the project again while it is unchanged.
    What dbt prints is captured (dbt's own capture stream: the same lines, format and
    scrubbing as on a terminal) as ``stdout``; an exception dbt did not handle is ``stderr``,
    with return code 2 as from the executable. ``target/run_results.json`` is written as by
    the executable; ``target/manifest.json`` when the project is parsed, not rewritten after
    every command (1.7 s of CPU each time)."""
    from dbt.adapters.factory import reset_adapters
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import capture_stdout_logs, stop_capture_stdout_logs

    quicken_in_process()
    printed = io.StringIO()
    with _environment({k: v for k, v in dbt_env(s).items() if k.startswith("DBT_")}):
        capture_stdout_logs(printed)
        try:
            manifest = _parsed(s, args)
            reuse = manifest is not None
            result = dbtRunner(manifest=manifest).invoke([*args, "--no-write-json"] if reuse else list(args))
        finally:
            stop_capture_stdout_logs()
            reset_adapters()  # release the connections and their semaphores
    if reuse and hasattr(result.result, "write"):
        target_dir(s).mkdir(parents=True, exist_ok=True)
        result.result.write(str(target_dir(s) / "run_results.json"))
    if result.exception is not None:
        return subprocess.CompletedProcess(["dbt", *args], 2, printed.getvalue(), f"{result.exception}\n")
    return subprocess.CompletedProcess(["dbt", *args], 0 if result.success else 1, printed.getvalue(), "")


def run(s: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` against the warehouse, in this process; its output is captured and
    returned as a completed process would be. When dbt's partial parsing lost a node, the
    command is run once more after a full parse. When tests failed, what they found (their
    failing rows, :func:`failures`) is added to the output after dbt's own summary."""
    result = _invoke(s, args)
    if result.returncode != 0 and LOST_IN_PARTIAL_PARSE.search(result.stdout + result.stderr):
        result = _invoke(s, ("--no-partial-parse", *args))
    if result.returncode == 1:
        found = failures(s)
        if found:
            result.stdout += "\n".join(["Failing rows:", *(str(f) for f in found)]) + "\n"
    if check and result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}{result.stderr}")
    return result


def run_results(s: Settings) -> list[dict] | None:
    """What the last dbt command did, node by node (``target/run_results.json``); None when
    there is no readable record."""
    try:
        return json.loads((target_dir(s) / "run_results.json").read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return None


@dataclass(frozen=True)
class Failure:
    """A row a failing test returned: for a ``structure`` test, which check failed on which
    column (or key, or expression), the value and how many rows carry it."""

    test: str
    check: str
    column: str
    value: str | None
    rows: int | None

    def __str__(self) -> str:
        shown = "" if self.value is None else f" = {self.value}"
        count = "" if self.rows is None else f" ({self.rows} rows)"
        return f"  {self.test}: {self.check} {self.column}{shown}{count}"


def failures(s: Settings, limit: int = 20) -> list[Failure]:
    """What the tests that failed in the last dbt command found: each one's query
    (``target/run_results.json``) run again as ``transformer``, up to ``limit`` rows a test.
    A test other than ``structure`` gives its rows' first column as the value. Nothing when
    the warehouse cannot be reached: the details never stand in the way of dbt's own verdict."""
    failed = [
        r
        for r in run_results(s) or []
        if r["status"] == "fail" and r.get("compiled_code") and r["unique_id"].startswith("test.")
    ]
    if not failed:
        return []
    found = []
    try:
        conn = psycopg.connect(s.url("transformer"), autocommit=True, connect_timeout=10)
    except psycopg.Error:
        return []
    with conn:
        for r in failed:
            name = r["unique_id"].split(".")[2]
            try:
                cur = conn.execute(f"select * from ({r['compiled_code']}) as failing limit {int(limit)}")
            except psycopg.Error:
                continue
            columns = [d.name for d in cur.description]
            for row in cur.fetchall():
                got = dict(zip(columns, row, strict=True))
                if {"check_name", "column_name", "value", "failing_rows"} <= set(got):
                    found.append(
                        Failure(
                            name, got["check_name"], got["column_name"], got["value"], got["failing_rows"]
                        )
                    )
                else:
                    found.append(Failure(name, "rows", columns[0], str(row[0]), None))
    return found


#: The kinds of node a partial build can select by name, with what they are made from.
_SELECTABLE = ("model", "test", "seed", "snapshot")


def failed_nodes(s: Settings) -> list[str] | None:
    """The names of the nodes the last dbt command failed on (``target/run_results.json``),
    for ``only``; None when it failed on something a selection by name cannot reach, or before
    any node ran (then only a whole build tells)."""
    results = run_results(s)
    if results is None:
        return None
    failed = [r["unique_id"] for r in results if r["status"] in ("error", "fail")]
    if not failed or any(uid.split(".")[0] not in _SELECTABLE for uid in failed):
        return None
    return sorted({uid.split(".")[2] for uid in failed})


def only(nodes: list[str] | None) -> tuple[str, ...]:
    """Arguments for a build of ``nodes`` and what they are made from, without the tests of those
    (``--indirect-selection empty``); none, a whole build, for None."""
    if not nodes:
        return ()
    return ("--select", *(f"+{name}" for name in nodes), "--indirect-selection", "empty")


def passthrough(s: Settings, *args: str) -> int:
    """``dbt <args>`` as its own process, its output straight to this terminal (``dangjian dbt``)."""
    return subprocess.run(
        [dbt_executable(), *args], cwd=s.dbt_project_dir, env=dbt_env(s), check=False
    ).returncode


def _dir(s: Settings, variable: str, default: str) -> Path:
    path = Path(value(variable) or default)
    return path if path.is_absolute() else s.dbt_project_dir / path


def target_dir(s: Settings) -> Path:
    """dbt's ``target/`` (manifest, run results, compiled SQL): ``DBT_TARGET_PATH`` when set
    (dbt reads the same variable), else the project's own."""
    return _dir(s, "DBT_TARGET_PATH", "target")


def log_dir(s: Settings) -> Path:
    """dbt's ``logs/``: ``DBT_LOG_PATH`` when set (dbt reads the same variable), else the project's own."""
    return _dir(s, "DBT_LOG_PATH", "logs")


def manifest_path(s: Settings) -> Path:
    return target_dir(s) / "manifest.json"


def ensure_manifest(s: Settings) -> Path:
    """Build ``target/manifest.json`` with ``dbt parse`` (no database needed) if it is stale."""
    manifest = manifest_path(s)
    newest_source = max(p.stat().st_mtime for p in project_files(s))
    if not manifest.exists() or manifest.stat().st_mtime < newest_source:
        # a full parse: the project changed, and dbt's partial parsing can then lose a
        # snapshot defined in YAML (dbt-core#10903); the tasks that follow parse partially
        run(s, "--no-partial-parse", "parse", "--quiet")
    return manifest


def _structure(table: str, **checks) -> dict:
    """A raw table's ``structure`` test (``tests/generic/structure.sql``)."""
    return {"structure": {"name": f"structure_county_submissions_{table}", "arguments": checks}}


def sources_yaml() -> str:
    """The dbt sources file for the raw tables, generated from the submission contract."""
    submission = "source('county_submissions', 'submission')"
    tables = [
        {
            "name": "submission",
            "description": "收到的每个报送文件一行（按 sha256 去重）/ one row per received workbook",
            "loaded_at_field": "received_at",
            "data_tests": [_structure("submission", not_null=["submission_id"], keys=[["submission_id"]])],
            "columns": [
                {"name": "submission_id", "description": "报送文件编号 / submission id"},
                {"name": "sha256", "description": "文件内容的 sha256 / content hash"},
                {"name": "status", "description": "accepted（已接收）或 quarantined（整份隔离）"},
            ],
        }
    ]
    for s in contract.SHEETS:
        tables.append(
            {
                "name": s.key,
                "description": f"{s.title}：{s.description}",
                "loaded_at_field": "loaded_at",
                # no foreign key in the database (its per-row trigger halves COPY speed): tested here
                "data_tests": [
                    _structure(
                        s.key,
                        not_null=["submission_id"],
                        references={"submission_id": {"to": submission, "field": "submission_id"}},
                    )
                ],
                "columns": [
                    {"name": "submission_id", "description": "来源报送文件 / source submission"},
                    {"name": "source_row", "description": "来源 Excel 行号 / source row"},
                    *(
                        {"name": c.name, "description": f"{c.template_header}：{c.description}"}
                        for c in s.columns
                    ),
                ],
            }
        )
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "county_submissions",
                "description": "各县（区）报送的工作簿，由 ingest 载入 / county workbooks as loaded",
                "schema": "raw",
                "config": {"freshness": {"warn_after": {"count": 36, "period": "hour"}}},
                "tables": tables,
            }
        ],
    }
    header = "# Generated from ingest/contract/ by `dangjian contract dbt-sources`; do not edit.\n"
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def code_lists_csv() -> str:
    """The seed ``code_lists`` (code_list, code, position), from :func:`contract.code_lists`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code_list", "code", "position"])
    for name, codes in contract.code_lists().items():
        writer.writerows((name, code, position) for position, code in enumerate(codes, start=1))
    return out.getvalue()


def write_sources(s: Settings) -> list[Path]:
    """Write what dbt reads from the contract: the raw tables' sources and the code-list seed."""
    written = []
    for relative, text in ((SOURCES_FILE, sources_yaml()), (CODE_LISTS_FILE, code_lists_csv())):
        path = s.dbt_project_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
