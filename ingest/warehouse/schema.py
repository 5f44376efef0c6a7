"""The warehouse's schema: roles, numbered migrations, the contract's raw tables, views, grants.

``bootstrap`` runs on every ``dangjian warehouse up`` (and so at every deployment), one at a
time, in this order:

1. the login roles (their passwords come from the environment, so they are not SQL files);
2. ``sql/migrations/NNNN_name.sql``: each applied once, in number order, in its own
   transaction, and recorded with its sha256 in ``quality.schema_migration``. A migration
   already applied whose file has changed is refused: an applied migration is never edited,
   a change is a new file with the next number. 0001-0006 are the baseline, idempotent, so a
   warehouse made before migrations were numbered catches up;
3. the contract's raw tables (one per sheet, generated from ``ingest/contract/``: a new column
   there is added here);
4. ``sql/views/*.sql``: views and functions, made again every time, in file-name order;
5. ``sql/grants.sql``, then the org-unit registry (:mod:`ingest.warehouse.registry`) and the
   pseudonymisation key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

from ingest import contract
from ingest.config import ROLES, Settings
from ingest.variables import is_set
from ingest.warehouse import pseudonym, registry
from ingest.warehouse.embedded import WarehouseError

_MIGRATION = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  # the file name
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def _sql_dir(name: str):
    return resources.files("ingest.warehouse").joinpath("sql", name)


def migrations() -> list[Migration]:
    """The numbered migrations shipped with the package, in order (numbers unique)."""
    found: dict[int, Migration] = {}
    for entry in _sql_dir("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        m = _MIGRATION.match(entry.name)
        if not m:
            raise WarehouseError(f"migration file {entry.name}: expected NNNN_name.sql")
        version = int(m.group(1))
        if version in found:
            raise WarehouseError(
                f"migrations {found[version].name} and {entry.name} share the number {version}"
            )
        found[version] = Migration(version, entry.name, entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def _views() -> list[str]:
    files = sorted((e for e in _sql_dir("views").iterdir() if e.name.endswith(".sql")), key=lambda e: e.name)
    return [e.read_text(encoding="utf-8") for e in files]


def migrate(conn: psycopg.Connection, available: list[Migration] | None = None) -> list[str]:
    """Apply the migrations (``available``: the shipped ones) not yet recorded; returns the
    names applied. Refuses, before applying anything, when an applied migration has changed."""
    conn.execute("create schema if not exists quality")
    conn.execute(
        "create table if not exists quality.schema_migration ("
        " version integer primary key, name text not null, sha256 text not null,"
        " applied_at timestamptz not null default now())"
    )
    applied = dict(conn.execute("select version, sha256 from quality.schema_migration").fetchall())
    todo = migrations() if available is None else available
    for m in todo:
        if m.version in applied and applied[m.version] != m.sha256:
            raise WarehouseError(
                f"迁移 {m.name} 已在本库执行过，但文件已被修改：已执行的迁移不能修改，请新增编号更大的迁移"
                f" / migration {m.name} was applied to this warehouse but its file has changed since:"
                " never edit an applied migration, add one with the next number"
            )
    done = []
    for m in todo:
        if m.version in applied:
            continue
        with conn.transaction():
            conn.execute(m.text)
            conn.execute(
                "insert into quality.schema_migration (version, name, sha256) values (%s, %s, %s)",
                (m.version, m.name, m.sha256),
            )
        done.append(m.name)
    return done


def ledger(s: Settings) -> list[tuple[Migration, object]]:
    """Every shipped migration with when it was applied here (None: not yet)."""
    with psycopg.connect(s.url()) as conn:
        exists = conn.execute("select to_regclass('quality.schema_migration')").fetchone()[0]
        applied = (
            dict(conn.execute("select version, applied_at from quality.schema_migration")) if exists else {}
        )
    return [(m, applied.get(m.version)) for m in migrations()]


def _contract_sheets_sql() -> str:
    """``quality.contract_sheets()``: the contract's sheets, for the SQL that works per sheet."""
    keys = ", ".join(f"'{s.key}'" for s in contract.SHEETS)
    return (
        "create or replace function quality.contract_sheets() returns text[]"
        f" language sql immutable return array[{keys}]::text[]"
    )


def _optional_sheets_sql() -> str:
    """``quality.optional_sheets_left_empty``: each current submission's optional sheets
    without a row (the sheet was not in the workbook, or empty; not one held back whole for its
    refused rows, which the report shows with its cells), for the steward's report."""
    parts = [
        f"select s.submission_id, s.county_code, s.period, s.file_name, '{sh.key}'::text as sheet,"
        f" '{sh.title}'::text as sheet_title from quality.submission_status s where s.is_current"
        f" and not '{sh.key}' = any(s.held_back_sheets)"  # held back whole: reported as such
        f" and not exists (select from {sh.table} r where r.submission_id = s.submission_id)"
        for sh in contract.SHEETS
        if sh.optional
    ] or ["select null::bigint, null::text, null::text, null::text, null::text, null::text where false"]
    return (
        "create or replace view quality.optional_sheets_left_empty as "
        + " union all ".join(parts)
        + "; comment on view quality.optional_sheets_left_empty is"
        " '当前报送中未填报的可选工作表 / optional sheets a current submission left empty'"
    )


def _roles(conn: psycopg.Connection, s: Settings) -> None:
    for role in ROLES:
        exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
        # A new role gets its password (set or local default); an existing one is changed
        # only when its password is set explicitly, never reset to the local default.
        if exists and not is_set(f"WAREHOUSE_{role.upper()}_PASSWORD"):
            continue
        verb = "alter" if exists else "create"
        conn.execute(
            sql.SQL(verb + " role {} login password {}").format(
                sql.Identifier(role), sql.Literal(s.role_password(role))
            )
        )
    conn.execute(
        sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(s.database), sql.SQL(", ").join(map(sql.Identifier, ROLES))
        )
    )
    # The owner takes over what dbt built when it publishes: it must be able to act
    # as transformer (a superuser can already; a managed server's admin may not).
    conn.execute("grant transformer to current_user")


def bootstrap(s: Settings) -> list[str]:
    """Roles, migrations, raw tables, views, grants, registry and key (see the module's
    docstring). Safe to run any number of times; returns the migrations it applied."""
    with psycopg.connect(s.url(), autocommit=True) as conn:
        # One bootstrap at a time (parallel test workers, two `up`s at once).
        conn.execute("select pg_advisory_lock(hashtext('dangjian.bootstrap'))")
        try:
            _roles(conn, s)
            applied = migrate(conn)
            for sheet in contract.SHEETS:
                conn.execute(contract.raw_table_ddl(sheet))
            conn.execute(_contract_sheets_sql())
            for text in _views():
                conn.execute(text)
            conn.execute(_optional_sheets_sql())
            conn.execute(_sql_dir("grants.sql").read_text(encoding="utf-8"))
            registry.sync(conn)
            pseudonym.install(s, conn)
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('dangjian.bootstrap'))")
    return applied
