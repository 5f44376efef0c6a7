"""Loader: archive each workbook by sha256, register it, and COPY its rows with cell lineage.

A file is loaded exactly once: its sha256 is its identity in ``raw.submission``. Registering
the submission, loading its rows, recording its rejected cells and superseding the county's
earlier submission for the same period all happen in one transaction, so a crash leaves
either all of it or none of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ingest.config import Settings
from ingest.contract import LINEAGE_COLUMNS
from ingest.quality import approval
from ingest.workbook.book import Problem, SheetData, Workbook, WorkbookRejected, column_letter
from ingest.workbook.reader import bulk, read_workbook


@dataclass(frozen=True)
class IngestResult:
    file: str
    sha256: str
    status: str  # accepted | quarantined | duplicate
    submission_id: int | None = None
    county_code: str | None = None
    period: str | None = None
    rows_loaded: int = 0
    #: problems whose row was refused (not loaded); flagged rows are counted in ``critical``
    cells_rejected: int = 0
    reason: str | None = None
    #: critical problems: the submission is held back from publication until corrected or released
    critical: int = 0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def archive(path: Path, sha: str, archive_root: str | Path) -> str:
    """Copy the original into the archive, content-addressed: ``<root>/<sha[:2]>/<sha>.<ext>``.

    ``archive_root`` is a local folder or any fsspec URL (``s3://bucket/dangjian``,
    ``memory://archive`` …). The copy is written under a temporary name and then moved into
    place, so the archive never holds half a file; an existing copy is kept as it is.
    Returns where the copy is.
    """
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(archive_root))
    ext = re.sub(r"[^a-z0-9]", "", path.suffix.lower())[:8] or "bin"
    target = f"{root.rstrip('/')}/{sha[:2]}/{sha}.{ext}"
    if not fs.exists(target):
        fs.makedirs(f"{root.rstrip('/')}/{sha[:2]}", exist_ok=True)
        tmp = f"{target}.{os.getpid()}.tmp"
        fs.put_file(str(path), tmp)
        fs.mv(tmp, target)
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    if protocol in ("file", "local"):
        with open(target, "rb") as fh:  # on disk before the database says it was received
            os.fsync(fh.fileno())
        return target
    return f"{protocol}://{target.lstrip('/')}"


def known_hashes(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute("select sha256 from raw.submission")}


def _in_progress(name: str) -> bool:
    """Lock files of Excel/WPS/LibreOffice and half-written temporary files: not submissions."""
    return name.startswith(("~$", ".~lock")) or name.endswith((".tmp", ".part", ".crdownload"))


def discover(s: Settings) -> list[Path]:
    """Files in the inbox that the warehouse has not registered yet, oldest first.

    Every regular file counts, whatever its name or extension, so that nothing dropped into
    the inbox is silently ignored: what is not a workbook is quarantined with its reason.
    """
    if not s.inbox.exists():
        return []
    files = [p for p in s.inbox.iterdir() if p.is_file() and not _in_progress(p.name)]
    with psycopg.connect(s.url("loader")) as conn:
        seen = known_hashes(conn)
    fresh = [p for p in files if sha256_of(p) not in seen]
    return sorted(fresh, key=lambda p: (p.stat().st_mtime, p.name))


def registered(paths: list[Path], s: Settings) -> dict[str, str]:
    """Of these files, the ones the warehouse has registered, each with its status."""
    hashes = {str(p): sha256_of(p) for p in paths if p.exists()}
    with psycopg.connect(s.url("loader")) as conn:
        rows = conn.execute(
            "select sha256, status from raw.submission where sha256 = any(%s)", (list(set(hashes.values())),)
        ).fetchall()
    status = dict(rows)
    return {path: status[sha] for path, sha in hashes.items() if sha in status}


def _copy_rows(cur: psycopg.Cursor, submission_id: int, data: SheetData) -> int:
    """COPY a sheet's rows in PostgreSQL's binary format (no text to parse on the server)."""
    s, n = data.sheet, data.row_count
    # submission_id, sheet, source_row, and approximate_columns unless all keep its default '{}'
    lineage = LINEAGE_COLUMNS[:4] if data.approximate else LINEAGE_COLUMNS[:3]
    names = [*(name for name, _ in lineage), *(c.name for c in s.columns)]
    types = [*(ddl.split()[0] for _, ddl in lineage), *(c.sql_type for c in s.columns)]
    columns: list[Sequence[Any]] = [[submission_id] * n, [data.title] * n, data.source_rows]
    if data.approximate:
        approximate: list[list[str]] = [[]] * n
        for i, cols in data.approximate.items():
            approximate[i] = cols
        columns.append(approximate)
    missing = [None] * n
    columns += [data.values.get(c.name, missing) for c in s.columns]
    with cur.copy(f"copy {s.table} ({', '.join(names)}) from stdin (format binary)") as copy:
        copy.set_types(types)
        for row in zip(*columns, strict=True):
            copy.write_row(row)
    return n


def _record_problems(cur: psycopg.Cursor, submission_id: int, problems: list[Problem]) -> None:
    cur.executemany(
        "insert into quality.rejected_cells"
        " (submission_id, sheet, cell, column_name, original_text, rule, severity, message, row_loaded)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            (
                submission_id,
                p.sheet,
                p.cell,
                p.column,
                p.original,
                p.rule,
                p.severity,
                p.message,
                p.row_loaded,
            )
            for p in problems
        ],
    )


def _record_layout(cur: psycopg.Cursor, submission_id: int, book: Workbook) -> None:
    """Where each contract column sat in each sheet, so a failed check can name its cell."""
    cur.executemany(
        "insert into quality.source_column (submission_id, sheet, column_name, header, column_letter)"
        " values (%s, %s, %s, %s, %s)",
        [
            (submission_id, data.title, name, data.sheet.column(name).template_header, column_letter(index))
            for data in book.sheets.values()
            for name, index in data.column_index.items()
        ],
    )


def _register(
    cur: psycopg.Cursor,
    path: Path,
    sha: str,
    archived: str,
    status: str,
    book: Workbook | None,
    reason: str | None,
    again: Reprocessing | None = None,
) -> int | None:
    county, period = (book.county_code, book.period) if book else (None, None)
    held_back = [key for key, data in book.sheets.items() if data.held_back] if book else []
    row = cur.execute(
        "insert into raw.submission (sha256, file_name, archive_path, county_code, period, status,"
        " status_reason, file_modified_at, held_back_sheets, reprocess_of, version)"
        " select %s, %s, %s, %s, %s, %s, %s, to_timestamp(%s), %s, %s,"
        " case when %s::text is null then null else 1 + (select count(*) from raw.submission"
        "  where county_code = %s and period = %s and status = 'accepted') end"
        " on conflict (sha256) where reprocess_of is null do nothing returning submission_id",
        (
            sha,
            again.file_name if again else path.name,
            archived,
            county,
            period,
            status,
            reason,
            again.modified_at if again else path.stat().st_mtime,
            held_back,
            again.submission_id if again else None,
            county,
            county,
            period,
        ),
    ).fetchone()
    return row[0] if row else None


def _supersede(cur: psycopg.Cursor, sid: int, county: str, period: str) -> None:
    """Of the county-period's accepted submissions, the most recently modified file is current.

    Decided by the file's own modification time (then by arrival), not by the order in which
    parallel ingest tasks happen to finish.
    """
    cur.execute(
        "with ranked as (select submission_id, first_value(submission_id) over ("
        "  order by file_modified_at desc nulls last, submission_id desc) as newest"
        " from raw.submission where county_code = %s and period = %s and status = 'accepted')"
        " update raw.submission s set superseded_by = nullif(r.newest, s.submission_id)"
        " from ranked r where s.submission_id = r.submission_id"
        " and s.superseded_by is distinct from nullif(r.newest, s.submission_id)",
        (county, period),
    )


class ArchiveError(OSError):
    """The original could not be archived, so the file was not registered as received."""


@dataclass(frozen=True)
class Reprocessing:
    """An archived original read again under the current contract and rules."""

    submission_id: int  # the submission being reprocessed
    file_name: str  # as the county named it
    modified_at: float  # the original file's modification time (decides which file is current)


def ingest_file(
    path: Path,
    s: Settings,
    strict: bool = False,
    again: Reprocessing | None = None,
    conn: psycopg.Connection | None = None,
) -> IngestResult:
    """Archive, read, check and load one workbook. Never raises for bad content: it quarantines.

    With ``strict``, a workbook with any rejected cell is quarantined whole instead of loading
    its good rows. With ``again``, ``path`` is an archived original being reprocessed: it is
    registered as a new submission of the same file that supersedes the one it re-reads.
    The file is loaded in one transaction on ``conn`` (the loader's, left open), else on a
    connection of its own.
    """
    sha = sha256_of(path)
    try:
        archived = archive(path, sha, s.archive)
    except OSError as exc:  # disk full, not writable: the file is not received, and says why
        raise ArchiveError(
            f"无法把文件「{path.name}」存档到 {s.archive}（{type(exc).__name__}: {exc}）；"
            "文件未登记为已收到，仍留在收件箱，修复后下次运行会重新处理"
            f" / could not archive {path.name}: not registered, will be retried"
        ) from exc
    book: Workbook | None = None
    try:
        book = read_workbook(path)
        if strict and book.critical:
            raise WorkbookRejected(
                f"严格模式：工作簿有 {len(book.critical)} 处严重问题，整份暂不入库（首处：{book.critical[0].message}）",
                "strict",
            )
    except WorkbookRejected as rejected:
        book, reason = None, rejected
    except Exception as exc:  # a reader bug or an exotic file must not stop the night: quarantine it
        book, reason = (
            None,
            WorkbookRejected(
                f"读取文件「{path.name}」时出错（{type(exc).__name__}: {exc}），已暂存待查；请联系数据管理员",
                "reader_error",
            ),
        )
    with _loader(s, conn) as conn, conn.transaction(), conn.cursor() as cur, bulk():
        if book is None:
            sid = _register(cur, path, sha, archived, "quarantined", None, reason.reason, again)
            if sid is None:
                return IngestResult(path.name, sha, "duplicate")
            _record_problems(
                cur,
                sid,
                [Problem(reason.sheet or "", reason.cell or "", None, None, reason.rule, reason.reason)],
            )
            return IngestResult(path.name, sha, "quarantined", sid, reason=reason.reason)
        # One county-period at a time, so "the newest file is current" is well defined.
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"{book.county_code}/{book.period}",))
        sid = _register(cur, path, sha, archived, "accepted", book, None, again)
        if sid is None:
            return IngestResult(path.name, sha, "duplicate")
        rows = sum(_copy_rows(cur, sid, data) for data in book.sheets.values())
        _record_layout(cur, sid, book)
        _record_problems(cur, sid, book.problems)
        if book.critical:  # published only once corrected or released (ingest/quality/approval.py)
            approval.hold(cur, [sid], "ingest", None, approval.ingest_reason(book.critical))
        cur.execute("update raw.submission set row_count = %s where submission_id = %s", (rows, sid))
        _supersede(cur, sid, book.county_code, book.period)
    return IngestResult(
        path.name,
        sha,
        "accepted",
        sid,
        book.county_code,
        book.period,
        rows,
        sum(not p.row_loaded for p in book.problems),
        critical=len(book.critical),
    )


def _loader(s: Settings, conn: psycopg.Connection | None):
    """``conn`` as it is (its owner closes it), or a new connection of the loader, closed after."""
    return contextlib.nullcontext(conn) if conn is not None else psycopg.connect(s.url("loader"))


class BatchFailed(RuntimeError):
    """Some files of a batch could not be ingested at all (the others were)."""


def ingest_batch(paths: Sequence[Path], s: Settings) -> list[dict[str, Any]]:
    """Ingest ``paths`` in order, as one task does (ingest/batches.py). A file already
    registered (a retry of the batch) is passed over; a file that cannot be ingested at all
    (the archive full, the warehouse gone) does not stop the others, and once they are done
    :class:`BatchFailed` names every such file, so the task fails and its retry takes only those."""
    import traceback
    from dataclasses import asdict

    done = registered(list(paths), s)
    results, failed = [], []
    conn: psycopg.Connection | None = None  # one for the batch: logging in costs ~5 ms a file
    try:
        for path in paths:
            if str(path) in done:
                print(f"{path.name}: 已登记（{done[str(path)]}） / registered before")
                continue
            try:
                conn = conn or psycopg.connect(s.url("loader"))
                result = ingest_file(path, s, conn=conn)
            except Exception as exc:  # noqa: BLE001 - named below, and the task fails
                traceback.print_exc()
                failed.append(f"{path.name}（{type(exc).__name__}: {exc}）")
                if conn is not None:  # perhaps lost with the file: the next file gets a new one
                    conn.close()
                    conn = None
                continue
            print(f"{path.name}: {result.status}")
            results.append(asdict(result))
    finally:
        if conn is not None:
            conn.close()
    if failed:
        raise BatchFailed(f"{len(failed)} 个文件未能入库，重试时再处理 / not ingested: {'；'.join(failed)}")
    return results


def to_reprocess(s: Settings, period: str, county: str | None = None) -> list[int]:
    """The submissions to read again for a period (one county, or all): each county's current
    accepted file, or, where it has none, the newest file it sent (quarantined)."""
    with psycopg.connect(s.url("loader")) as conn:
        rows = conn.execute(
            "select distinct on (county_code) submission_id from raw.submission"
            " where period = %s and (%s::text is null or county_code = %s)"
            " and (status = 'quarantined' or superseded_by is null)"
            " order by county_code, status = 'accepted' desc, file_modified_at desc nulls last,"
            " submission_id desc",
            (period, county, county),
        ).fetchall()
    return [sid for (sid,) in rows]


def reprocess(s: Settings, submission_id: int) -> IngestResult:
    """Read an archived original again under the current contract, code lists and rules, and
    load it as the county-period's newest submission (for when a code list or rule changed)."""
    import tempfile

    import fsspec

    with psycopg.connect(s.url("loader")) as conn:
        name, archived, modified = conn.execute(
            "select file_name, archive_path, extract(epoch from coalesce(file_modified_at, received_at))"
            " from raw.submission where submission_id = %s",
            (submission_id,),
        ).fetchone()
    with tempfile.TemporaryDirectory(prefix="dangjian-reprocess-") as tmp:
        local = Path(tmp) / Path(name).name
        with fsspec.open(archived, "rb") as src, local.open("wb") as dst:
            dst.write(src.read())
        return ingest_file(local, s, again=Reprocessing(submission_id, name, float(modified)))
