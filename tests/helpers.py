"""Helpers the tests share."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

from ingest.config import Settings
from ingest.contract.registry_file import Entry

#: Schemas the tests reset between cases (everything the product writes).
PRODUCT_SCHEMAS = (
    "raw",
    "quality",
    "staging",
    "intermediate",
    "snapshots",
    "analytics_next",
    "marts",
    "marts_previous",
    "restricted",
    "portal",
)


def reset_warehouse(s: Settings) -> None:
    """Drop everything the product wrote and bootstrap again: an empty, ready warehouse."""
    from ingest.warehouse import schema

    with psycopg.connect(s.url(), autocommit=True) as conn:
        for name in PRODUCT_SCHEMAS:
            conn.execute(f'drop schema if exists "{name}" cascade')
    schema.bootstrap(s)
    for sub in ("inbox", "archive", "portal"):
        shutil.rmtree(s.home / sub, ignore_errors=True)


#: What a snapshot leaves alone in the home: the server's own data, Airflow's metadata, the
#: worker's dbt project and the snapshots themselves.
_NOT_SNAPSHOTTED = {"warehouse", "airflow", "dbt_project", "snapshots"}


def _template(name: str) -> str:
    return f"snapshot_{name}"


def save_snapshot(s: Settings, name: str) -> None:
    """Keep the warehouse as it is now as a template database, and the home's files (inbox,
    archive, reports, Data Docs, the local key) beside it, for :func:`restore_snapshot`."""
    from psycopg import sql

    with psycopg.connect(s.url(), dbname="postgres", autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
            (s.database,),
        )
        conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(_template(name))))
        conn.execute(
            sql.SQL("create database {} template {} strategy file_copy").format(
                sql.Identifier(_template(name)), sql.Identifier(s.database)
            )
        )
    files = s.home / "snapshots" / name
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    for entry in s.home.iterdir():
        if entry.name not in _NOT_SNAPSHOTTED:
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, files / entry.name)


def restore_snapshot(s: Settings, name: str) -> bool:
    """Make the warehouse and the home's files what they were at :func:`save_snapshot`: the
    database cloned from its template (a file copy: well under a second for a built city),
    not rebuilt. False when there is no such snapshot yet."""
    files = s.home / "snapshots" / name
    with psycopg.connect(s.url(), dbname="postgres", autocommit=True) as conn:
        if (
            not files.is_dir()
            or not conn.execute("select 1 from pg_database where datname = %s", (_template(name),)).fetchone()
        ):
            return False
    _new_database(s, template=_template(name))
    _home_files_from(s, files)
    return True


def _new_database(s: Settings, template: str | None = None) -> None:
    """The warehouse database dropped and made again: empty, or a file copy of ``template``."""
    from psycopg import sql

    with psycopg.connect(s.url(), dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(s.database)))
        create = sql.SQL("create database {}").format(sql.Identifier(s.database))
        if template:
            create += sql.SQL(" template {} strategy file_copy").format(sql.Identifier(template))
        conn.execute(create)


def _home_files_from(s: Settings, files: Path) -> None:
    """The home's files (all but what snapshots leave out) replaced by those in ``files``."""
    for entry in s.home.iterdir():
        if entry.name not in _NOT_SNAPSHOTTED:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    shutil.copytree(files, s.home, dirs_exist_ok=True)


def from_snapshot(s: Settings, name: str, make) -> Settings:
    """The warehouse as ``make(s)`` leaves an empty one: made once per test session (per
    worker), then restored from its snapshot."""
    if not restore_snapshot(s, name):
        reset_warehouse(s)
        make(s)
        save_snapshot(s, name)
    return s


def _pg(s: Settings, program: str, *args: str) -> None:
    from ingest.warehouse import embedded

    env = {**os.environ, "PGPASSWORD": s.admin_password}
    command = [
        str(embedded.wheel_bin_dir() / program),
        "-h",
        "127.0.0.1",
        "-p",
        str(s.port),
        "-U",
        s.admin_user,
    ]
    subprocess.run([*command, *args], env=env, check=True, capture_output=True)


def from_shared_snapshot(s: Settings, shared: Path, name: str, make) -> Settings:
    """As :func:`from_snapshot`, but made once for every worker of the test run: the first
    worker that needs it makes it and leaves the database (``pg_dump``, about a second) and the
    home's files in ``shared``; the others restore those instead of making it again (a built
    city is half a minute of two cores). The archive paths the database holds are rewritten
    to this worker's home, where its copy of the files is."""
    import fcntl

    if restore_snapshot(s, name):
        return s
    shared.mkdir(parents=True, exist_ok=True)
    dump, files, home = shared / f"{name}.dump", shared / name, shared / f"{name}.home"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker; the others wait for its dump
        if not dump.exists():
            reset_warehouse(s)
            make(s)
            save_snapshot(s, name)
            shutil.rmtree(files, ignore_errors=True)
            shutil.copytree(s.home / "snapshots" / name, files)
            home.write_text(str(s.home))
            _pg(s, "pg_dump", "-Fc", "-Z", "0", "-f", str(dump.with_suffix(".part")), s.database)
            dump.with_suffix(".part").replace(dump)
            return s
    _new_database(s)
    _pg(s, "pg_restore", "-d", s.database, str(dump))
    with psycopg.connect(s.url(), autocommit=True) as conn:
        conn.execute(
            "update raw.submission set archive_path = replace(archive_path, %s, %s)",
            (home.read_text(), str(s.home)),
        )
    _home_files_from(s, files)
    save_snapshot(s, name)
    return s


def night_by_hand(s: Settings, run_id: str, paths) -> None:
    """Ingest the workbooks (each must be accepted), then build, audit and publish as
    ``run_id`` (ingest/night.py), holding back what fails."""
    from ingest import night
    from ingest.load import ingest_file

    for path in paths:
        assert ingest_file(path, s).status == "accepted"
    night.build_and_publish(s, run_id)


def query(s: Settings, sql: str, params=(), role: str | None = None) -> list[tuple]:
    with psycopg.connect(s.url(role)) as conn:
        return conn.execute(sql, params).fetchall()


def content_hash(s: Settings, schema: str = "marts") -> dict[str, str]:
    """Every table of ``schema``, its content hashed, without what differs between two equal
    builds: submission ids (the sequence hands them out anew), load and snapshot timestamps,
    and the role history's row id (dbt's snapshot id, a hash of the time the snapshot saw the
    row)."""
    from psycopg import sql

    hashes = {}
    with psycopg.connect(s.url()) as conn:
        tables = [
            t for (t,) in conn.execute("select tablename from pg_tables where schemaname = %s", (schema,))
        ]
        for table in sorted(tables):
            columns = [
                name
                for name, kind in conn.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table),
                )
                if "submission_id" not in name
                and not kind.startswith("timestamp")
                and name != "role_history_id"
            ]
            row = sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
            hashes[table] = conn.execute(
                sql.SQL(
                    "select count(*) || ':' || coalesce(md5(string_agg(r::text, '|' order by r::text)), '')"
                    " from (select {row} as r from {schema}.{table}) as t"
                ).format(row=row, schema=sql.Identifier(schema), table=sql.Identifier(table))
            ).fetchone()[0]
    return hashes


def village_rows(
    county: str = "520603", period: str = "2025", n: int | None = None, seed: int = 1
) -> list[dict]:
    """The first ``n`` village rows the sample generator makes for a county."""
    from ingest.samples import generator

    return generator.county_rows(county, period, seed)["villages"][:n]


def villages_workbook(path, rows: list[dict], county: str = "520603", period: str = "2025"):
    """A template workbook holding only these village rows (the other sheets empty)."""
    from ingest.workbook import template

    return template.write(path, county, period, {"villages": rows})


def column_of(sheet_key: str, name: str) -> str:
    """The spreadsheet column letter of a contract column, e.g. ``I``."""
    from ingest import contract
    from ingest.workbook.book import column_letter

    return column_letter([c.name for c in contract.sheet(sheet_key).columns].index(name))


def cli(
    s: Settings, *args: str, timeout: float = 900, launcher: tuple[str, ...] = (), **popen
) -> subprocess.CompletedProcess | subprocess.Popen:
    """Run ``dangjian <args>`` as a user would, against this warehouse and home. With Popen
    keyword arguments (e.g. ``start_new_session=True``) the process is started and returned.
    ``launcher`` is a command that runs ``dangjian`` as its own argument list."""
    env = {**os.environ, "DANGJIAN_HOME": str(s.home), "WAREHOUSE_PORT": str(s.port)}
    command = [*launcher, sys.executable, "-m", "ingest.cli", *args]
    if popen:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def mark_published(s: Settings, run_id: str) -> None:
    """Record what a build made now is made from as the published selection (what a publish
    would record), for tests that build with dbt alone: a held-back submission then falls back
    to these, as after a real publish."""
    from ingest.quality import approval

    with psycopg.connect(s.url(), autocommit=True) as conn:
        approval.freeze(conn, run_id)
        with conn.transaction():
            approval.publish_selection(conn, run_id)


def official_list(entries) -> list[Entry]:
    """A list as the statistics bureau publishes it: the units in force, no dates."""
    return [dataclasses.replace(e, valid_from=None, valid_to=None) for e in entries if e.valid_to is None]


def next_years_registry(
    entries: tuple[Entry, ...], county: str = "520603"
) -> tuple[list[Entry], dict[str, Entry]]:
    """Next year's list for the shipped registry: in ``county`` (万山区) one village merged away, one renamed,
    one made a community (村改居), one moved to the next township, and one new."""
    villages = [
        e for e in entries if e.level == "village" and e.code.startswith(county) and e.kind == "行政村"
    ]
    first, second = [
        e for e in entries if e.level == "township" and e.code.startswith(county) and e.kind != "街道"
    ][:2]
    in_first = [v for v in villages if v.parent == first.code]
    retired, renamed, reclassed, moved = in_first[:4]
    new_code = first.code + "399"
    moved_to = dataclasses.replace(moved, code=second.code + "398", parent=second.code)
    added = Entry(new_code, "新合村", "行政村", "village", first.code, "220")
    listed = []
    for e in official_list(entries):
        if e.code == retired.code:
            continue
        if e.code == renamed.code:
            e = dataclasses.replace(e, name="新名村")
        elif e.code == reclassed.code:  # 村改居: the village becomes a community
            e = dataclasses.replace(e, kind="社区", urban_rural="112")
        elif e.code == moved.code:
            e = moved_to
        listed.append(e)
    listed.append(added)
    return listed, {
        "retired": retired,
        "renamed": renamed,
        "reclassed": reclassed,
        "moved": moved,
        "moved_to": moved_to,
        "added": added,
    }


def add_a_post_elsewhere(rows: dict, elsewhere: str, county: str, period: str = "2025") -> None:
    """Add to ``county``'s rows one more committee member: the first village secretary of the
    county ``elsewhere``, so that the person holds full-time posts in two counties at the
    period's end (rule ``one_post_across_counties``, which only the audit can judge)."""
    import datetime as dt

    from ingest.contract import orgunits
    from ingest.samples import generator

    secretary = next(
        r for r in generator.county_rows(elsewhere, period)["cadres"] if r["role"] == "村（社区）党组织书记"
    )
    village = next(u.code for u in orgunits.units(county) if u.kind == "行政村")
    fields = ("id_number", "name", "sex", "birth_date", "ethnicity", "education", "political_status")
    rows["cadres"].append(
        {
            **{k: secretary[k] for k in fields},
            "org_unit_code": village,
            "role": "两委委员",
            "start_date": dt.date(2025, 6, 1),
            "change_type": "新任",
        }
    )
