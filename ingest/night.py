"""The second half of a night without Airflow's help: build, recover, audit, hold back, publish.

The nightly DAG runs dbt through Cosmos and then calls :func:`recover` (when a dbt task
failed) and :func:`settle`; ``dangjian publish`` and the tests call :func:`build_and_publish`,
which does the same with dbt run as one command. See ``ingest/quality/approval.py`` for what is held
back and why.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from ingest.config import Settings
from ingest.quality import approval
from ingest.quality.audit import AuditFailed, AuditOutcome, audit
from ingest.warehouse import NIGHT_BUILD_FLAGS, dbt


class BuildFailed(RuntimeError):
    """dbt failed, and not because of tonight's new submissions: without them it fails too (a
    fault in the dbt project, the warehouse or its connection)."""


#: Why a build that failed is not the counties' fault: it fails without tonight's submissions,
#: or still fails once those it failed with are held back.
FAILS_WITHOUT_DATA = "构建失败，且不含今晚新报送时同样失败：问题不在县里的数据 / dbt fails without tonight's new submissions too"
STILL_FAILS = "去掉出错的报送后构建仍然失败 / dbt still fails"

_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")


def _errors(result: subprocess.CompletedProcess[str]) -> str:
    """What a failed dbt command said about its failures: the summary it ends with."""
    lines = [_TIMESTAMP.sub("", line).rstrip() for line in result.stdout.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Completed with")), None)
    if start is None:
        return (result.stdout + result.stderr)[-2000:]
    summary = [line for line in lines[start + 1 :] if line.strip() and not line.startswith("Done.")]
    return "\n".join(summary)[-2000:]


@dataclass(frozen=True)
class _Selection:
    """A frozen selection's rows, to write back with some submissions left out."""

    rows: list[tuple]
    published: dict[tuple, int | None]
    since: object


def _selection(conn: psycopg.Connection, run_id: str) -> _Selection:
    rows = conn.execute(
        "select county_code, period, sheet, candidate_submission_id, held, submission_id"
        " from quality.run_selection where run_id = %s",
        (run_id,),
    ).fetchall()
    published = {
        (c, p, sh): sid
        for c, p, sh, sid in conn.execute(
            "select county_code, period, sheet, submission_id from quality.published_submission where slot = 'marts'"
        )
    }
    since = conn.execute(
        "select min(frozen_at) from quality.run_selection where run_id = %s", (run_id,)
    ).fetchone()[0]
    return _Selection(rows, published, since)


def _write(conn: psycopg.Connection, run_id: str, base: _Selection, left_out: set[int]) -> None:
    """The run's selection as frozen, with the submissions ``left_out`` held back (their
    county-periods read what was published)."""
    rows = [
        (
            run_id,
            c,
            p,
            sh,
            cand,
            held or sid in left_out,
            base.published.get((c, p, sh)) if sid in left_out else sid,
            base.since,
        )
        for c, p, sh, cand, held, sid in base.rows
    ]
    with conn.transaction():
        conn.execute("delete from quality.run_selection where run_id = %s", (run_id,))
        conn.cursor().executemany(
            "insert into quality.run_selection (run_id, county_code, period, sheet,"
            " candidate_submission_id, held, submission_id, frozen_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def revert_snapshots(conn: psycopg.Connection, since) -> None:
    """Undo what tonight's builds recorded in dbt's snapshots (the role history), so that a
    build that is not published leaves no versions behind: versions that began since the
    night froze its selection are removed, and versions it closed are open again."""
    tables = conn.execute(
        "select table_name from information_schema.columns"
        " where table_schema = 'snapshots' and column_name = 'dbt_valid_from'"
    ).fetchall()
    with conn.transaction():
        for (table,) in tables:
            conn.execute(f'delete from snapshots."{table}" where dbt_valid_from >= %s', (since,))
            conn.execute(
                f'update snapshots."{table}" set dbt_valid_to = null where dbt_valid_to >= %s', (since,)
            )


def recover(s: Settings, run_id: str) -> list[int]:
    """After a failed dbt build: find which of tonight's new submissions it fails with, hold
    them back with the database's error, and leave the build done without them (see
    :func:`find_culprits`). Returns the submissions held back."""
    with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
        base = _selection(conn, run_id)
        held: set[int] = set()

        def attempt(left_out: set[int], nodes: list[str] | None) -> subprocess.CompletedProcess[str]:
            _write(conn, run_id, base, left_out)
            revert_snapshots(conn, base.since)
            return dbt.run(s, "build", *NIGHT_BUILD_FLAGS, *dbt.only(nodes), check=False)

        def hold(sid: int, error: str) -> None:
            reason = "构建时该报送的数据使数据库出错，待县里更正或数据管理员处理"
            approval.hold(conn, [sid], "build", run_id, reason, {"error": error})
            held.add(sid)

        try:
            return find_culprits(
                attempt, approval.new_submissions(conn, run_id), lambda: dbt.failed_nodes(s), hold
            )
        except BuildFailed:
            _write(conn, run_id, base, held)  # the selection as it stands
            raise


Build = Callable[[set[int], "list[str] | None"], subprocess.CompletedProcess[str]]


def find_culprits(
    attempt: Build, suspects: list[int], failed_nodes: Callable[[], list[str] | None], hold
) -> list[int]:
    """The ``suspects`` (tonight's new submissions) a failing build fails with, each passed to
    ``hold`` with dbt's error as soon as it is found; the build is left done without them.

    ``attempt(left_out, nodes)`` builds without the submissions ``left_out``: only ``nodes``
    and what they are made from, or everything for None; ``failed_nodes()`` names the nodes
    the last build failed on. The whole build is tried again as it is (a passing fault needs
    nothing more). Then only the nodes it failed on are built (a few models and tests, not the
    80 nodes of a whole build): without any suspect (if that fails too, the fault is not in
    the data: BuildFailed), then with the suspects added back in halves, so that each one those
    nodes fail with is found with a few small builds. The whole build runs again without them;
    if it fails on other nodes (a failure that hid behind a model the first one skipped), the
    same is done for those."""
    culprits: dict[int, str] = {}
    result = attempt(set(), None)
    while result.returncode != 0:
        left = [sid for sid in suspects if sid not in culprits]
        # what dbt reported as failed (return code 1); after an exception (2) its results may be
        # an earlier command's: then whole builds
        nodes = failed_nodes() if result.returncode == 1 else None
        found = _bisect(attempt, left, set(culprits), result, nodes)
        for sid, error in found.items():
            hold(sid, error)
        culprits.update(found)
        result = attempt(set(culprits), None)
        if result.returncode != 0 and not found:
            raise BuildFailed(f"{STILL_FAILS}:\n{_errors(result)}")
    return sorted(culprits)


def _bisect(attempt: Build, suspects: list[int], held: set[int], failed, nodes) -> dict[int, str]:
    """Which ``suspects`` the build ``failed`` (with all of them, without ``held``) fails
    with, building only ``nodes`` and what they are made from; each with dbt's error."""
    without = attempt(held | set(suspects), nodes)
    if without.returncode != 0:
        raise BuildFailed(f"{STILL_FAILS if held else FAILS_WITHOUT_DATA}:\n{_errors(without)}")
    good: set[int] = set()
    culprits: dict[int, str] = {}

    def search(group: list[int], result: subprocess.CompletedProcess[str] | None = None) -> None:
        """Build with the good ones and ``group`` (``result``: that build, when known)."""
        result = result or attempt(held | (set(suspects) - good - set(group)), nodes)
        if result.returncode == 0:
            good.update(group)
        elif len(group) == 1:
            culprits[group[0]] = _errors(result)
        else:
            half = len(group) // 2
            search(group[:half])
            search(group[half:])

    search(suspects, failed)  # all of them: the build that failed
    return culprits


def build(s: Settings, run_id: str) -> list[int]:
    """dbt build of the run's frozen selection; when it fails, :func:`recover`. Returns the
    submissions held back because the build failed with them."""
    result = dbt.run(s, "build", *NIGHT_BUILD_FLAGS, check=False)
    return [] if result.returncode == 0 else recover(s, run_id)


def settle(s: Settings, run_id: str) -> AuditOutcome:
    """Audit the build. While critical checks fail on rows of tonight's new submissions, hold
    those back, build again without them and audit again; the audit pass that found them is
    kept as ``<run>~<pass>``, and each hold names its failures so that a steward's waiver or
    acknowledgement of them releases it. Raises AuditFailed when a critical failure cannot be
    placed in a county (the night is refused)."""
    for attempt in range(1, approval.MAX_AUDIT_PASSES + 1):
        try:
            return audit(s, run_id)
        except AuditFailed as failed:
            outcome = failed.outcome
            if outcome.unattributed or not outcome.to_hold or attempt == approval.MAX_AUDIT_PASSES:
                raise
        with psycopg.connect(s.url("transformer"), autocommit=True) as conn:
            aside = f"{run_id}~{attempt}"
            with conn.transaction():
                conn.execute(
                    "update quality.validation_result set run_id = %s where run_id = %s", (aside, run_id)
                )
                found = conn.execute(
                    "select validation_result_id, details -> 'hold' from quality.validation_result"
                    " where run_id = %s and blocks_publication",
                    (aside,),
                ).fetchall()
            for sid in sorted(outcome.to_hold):
                ids = [vid for vid, held in found if sid in (held or [])]
                approval.hold(
                    conn,
                    [sid],
                    "audit",
                    run_id,
                    f"审核未通过：{len(ids)} 项严重检查在该报送的数据上不通过，待县里更正或数据管理员处理",
                    {"validation_result_ids": ids, "audit_pass": aside},
                )
            base = _selection(conn, run_id)
            _write(conn, run_id, base, outcome.to_hold)
            revert_snapshots(conn, base.since)
        build(s, run_id)
    raise AssertionError("unreachable")


def build_and_publish(s: Settings, run_id: str, high_water: int | None = None):
    """The second half of a night in one call (``dangjian publish``, the tests): take the build
    lease, freeze what to build from, build (recovering from a failure on data), settle the
    audit, publish. Returns the Publication, or None when nothing differs from the published
    build. The lease is given back at the end, whatever happened."""
    from ingest import publish

    due = publish.rebuild_due(s, run_id, dag_id=publish.local_owner(), finished=publish.local_owner_gone)
    try:
        if due is None:
            return None
        build(s, run_id)
        settle(s, run_id)
        return publish.publish(s, run_id, high_water or due)
    finally:
        publish.release_build_lease(s, run_id)
