"""Which rows tonight's checks see again: only what can differ from the published build.

The published build passed every check, dbt's tests and the audit's suites alike, and rows
that have not changed, under checks that have not changed, can only pass or fail as they did
then. Each owner of checks (decision 0012) narrows its work to what may differ; when it runs
decides how.

**dbt's tests run while the build is made**, so their scope is decided before it, from what
the build is made from (:func:`decide_dbt_tests`). A row of a county-level model is made from
that county's submissions alone (tests/integration/test_dbt_scope.py checks this for every
such model), together with the build's other inputs (:func:`inputs`): the dbt project's own
files, dbt's version, the pseudonymisation key and the org-unit registry. So when those inputs
are the published build's, a check of single rows need only read the counties that received
a file since, or whose selection changed. Checks across rows (a key without the county, a
reference to a model made from every county), bounds and conditions that move with the clock
and tests of severity ``warn`` still read every row (each ``structure`` test decides check by
check: ``dbt_project/macros/test_scope.sql``).
Every row is tested when nothing was published yet, after a rollback, when any input
changed, and whenever a file is received after the scope was decided
(``quality.tested_counties()`` then answers null). A dbt run outside a night (no build lease)
tests every row.

**The audit runs on the finished candidate**, so it compares the build itself with the
published one (:func:`plan`). It fingerprints each target (a mart, or a sheet's rows the build
is made from) per county: the row count and the sum of a 64-bit hash of each row's text, one
scan, whatever the order of rows. It records the fingerprints with its results and compares
them with those recorded when the published build was audited:

- No published build, a rollback since it, or checks that changed (a hash of every suite's
  definition): every target is checked whole.
- A target that has no county column, or whose failing rows cannot be placed in a county:
  checked whole when any of its rows differs; otherwise the published audit's results are
  carried over.
- A target with a county column: checks of single rows run on the changed counties' rows
  only. Checks across rows (a row count, a rule comparing counties) run on the whole target,
  and so does a check that reads another target that changed. The published audit's failing
  rows in the other counties are carried over, so the steward's report still lists them.

A key rotation rewrites the published marts, so the next night's fingerprints all differ and
the whole build is checked.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ingest.config import Settings

#: Checks whose answer depends on the whole table, not on each row alone.
ACROSS_ROWS = frozenset({"expect_table_row_count_to_be_between"})
WHOLE = None  # a table's scope: check it whole
_READS_MART = re.compile(r"\banalytics_next\.(\w+)")
_READS_SHEET = re.compile(r"\braw\.(\w+)")


@dataclass(frozen=True)
class Baseline:
    """The audited run whose build is published now: its checks' hash and its fingerprints."""

    run_id: str
    suites: str
    tables: dict[str, dict[str, list]]


def suites_hash(suites: dict) -> str:
    """One hash of every check's definition (type, arguments, severity, explanation)."""
    payload = {
        table: [e.configuration.to_json_dict() for e in suite.expectations] for table, suite in suites.items()
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def partitioned(conn: psycopg.Connection, schema: str, keys: dict[str, list[str]]) -> set[str]:
    """The marts checked county by county: those with a ``county_code`` column whose failing
    rows carry the county or the submission (which belongs to one county)."""
    with_county = {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.columns"
            " where table_schema = %s and column_name = 'county_code'",
            (schema,),
        )
    }
    return {t for t in with_county if {"county_code", "submission_id"} & set(keys.get(t, ()))}


def fingerprints(conn: psycopg.Connection, relations: dict[str, sql.Composable], by_county: set[str]) -> dict:
    """``{target: {part: [rows, hash sum]}}``; the part is the county, or ``*`` for a whole
    target. A target is a mart, or the rows of a sheet the build is made from."""
    found: dict[str, dict[str, list]] = {}
    for name, relation in relations.items():
        part = sql.SQL("coalesce(t.county_code, '')" if name in by_county else "'*'")
        query = sql.SQL(
            "select {part}, count(*), sum(hashtextextended(t::text, 0))::text from {relation} as t group by 1"
        ).format(part=part, relation=relation)
        found[name] = {p: [n, h] for p, n, h in conn.execute(query)}
    return found


def published_run(conn: psycopg.Connection) -> str | None:
    """The run whose build is published now, or None when there is none to compare with
    (nothing was published yet, or the last publication event was a rollback, which put back
    a build whose records may be older than the last ones)."""
    row = conn.execute(
        "select status, run_id from quality.publication where status in ('published', 'rolled_back')"
        " order by publication_id desc limit 1"
    ).fetchone()
    return row[1] if row and row[0] == "published" else None


def baseline(conn: psycopg.Connection) -> Baseline | None:
    """The published build's audit, or None when there is none to compare with."""
    run = published_run(conn)
    row = (
        run
        and conn.execute(
            "select run_id, suites, tables from quality.audit_fingerprint where run_id = %s", (run,)
        ).fetchone()
    )
    return Baseline(*row) if row else None


def record(conn: psycopg.Connection, run_id: str, suites: str, prints: dict) -> None:
    conn.execute(
        "insert into quality.audit_fingerprint (run_id, suites, tables) values (%s, %s, %s)"
        " on conflict (run_id) do update set suites = excluded.suites, tables = excluded.tables,"
        " recorded_at = now()",
        (run_id, suites, json.dumps(prints)),
    )


def plan(base: Baseline | None, suites: str, prints: dict, by_county: set[str]) -> dict:
    """Per table: ``WHOLE``, or the set of counties whose rows changed (empty: nothing did)."""
    if base is None or base.suites != suites:
        return dict.fromkeys(prints, WHOLE)
    scopes = {}
    for table, now in prints.items():
        before = base.tables.get(table)
        if before is None:
            scopes[table] = WHOLE
            continue
        changed = frozenset(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
        scopes[table] = changed if table in by_county or not changed else WHOLE
    return scopes


def across_counties(expectation_config) -> bool:
    """Whether a check compares rows that may lie in different counties: a rule comparing
    counties' rows, or a check of the whole table (its row count)."""
    if (expectation_config.meta or {}).get("across_counties"):
        return True
    return expectation_config.type in ACROSS_ROWS


def reads(expectation_config) -> set[str]:
    """The other targets a check reads: marts a rule looks things up in, and the rows of other
    sheets (``rules.<sheet>``) a rule compares with."""
    query = str(expectation_config.kwargs.get("unexpected_rows_query", ""))
    return set(_READS_MART.findall(query)) | {f"rules.{sheet}" for sheet in _READS_SHEET.findall(query)}


def county_filter(conn: psycopg.Connection, relation: sql.Composable, counties: frozenset[str]) -> str:
    """The query of a target's rows in the changed counties (a Great Expectations query asset)."""
    return (
        sql.SQL("select * from {} as t where coalesce(t.county_code, '') = any({})")
        .format(relation, sql.Literal(sorted(counties)))
        .as_string(conn)
    )


def county_of(conn: psycopg.Connection, rows: list[dict]) -> list[str | None]:
    """The county of each failing row: its own ``county_code``, else its submission's."""
    ids = sorted(
        {r["submission_id"] for r in rows if r.get("county_code") is None and r.get("submission_id")}
    )
    counties = dict(
        conn.execute(
            "select submission_id, county_code from raw.submission where submission_id = any(%s)", (ids,)
        ).fetchall()
        if ids
        else []
    )
    return [r.get("county_code") or counties.get(r.get("submission_id")) for r in rows]


# dbt's tests: decided before the build, from what it is made from

#: The dbt project's folders and files that decide what it builds and tests.
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "tests", "snapshots", "seeds")


def inputs(conn: psycopg.Connection, project_dir: Path) -> str:
    """One hash of what a build is made from besides the submissions: the dbt project's files,
    dbt's own version (its built-in tests), the key's id and the org-unit registry."""
    digest = hashlib.sha256(
        f"dbt-core {version('dbt-core')} dbt-postgres {version('dbt-postgres')}\0".encode()
    )
    for part in PROJECT_PARTS:
        root = project_dir / part
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    key, registry = conn.execute(
        "select (select key_id from restricted.pseudonym_key),"
        " (select count(*) || ':' || coalesce(sum(hashtextextended("
        "   (r.org_unit_code, r.org_unit_name, r.unit_type, r.unit_level, r.parent_code,"
        "    r.urban_rural_class, r.valid_from, r.valid_to)::text, 0)), 0)"
        "  from raw.org_unit r)"
    ).fetchone()
    digest.update(f"key {key}\0registry {registry}".encode())
    return digest.hexdigest()


def _selection_changed(conn: psycopg.Connection, run_id: str) -> set[str]:
    """Counties whose rows this build reads from other submissions than the published build."""
    return {
        county
        for (county,) in conn.execute(
            "with mine as (select county_code, period, sheet, submission_id from quality.run_selection"
            "  where run_id = %s),"
            " published as (select county_code, period, sheet, submission_id"
            "  from quality.published_submission where slot = 'marts')"
            " select county_code from ((table mine except table published)"
            " union all (table published except table mine)) as changed",
            (run_id,),
        )
    }


def decide_dbt_tests(s: Settings, run_id: str) -> list[str] | None:
    """Record and return the counties whose rows this run's dbt tests check (None: every row)."""
    with psycopg.connect(s.url("transformer")) as conn, conn.transaction():
        received = conn.execute("select quality.submissions_by_county()").fetchone()[0]
        made_from = inputs(conn, s.dbt_project_dir)
        run = published_run(conn)
        base = (
            run
            and conn.execute(
                "select inputs, submissions from quality.test_scope where run_id = %s", (run,)
            ).fetchone()
        )
        tested = None
        if base and base[0] == made_from:
            before = base[1]
            changed = received.keys() | before.keys()
            # a file that named no county ('') changed no county's rows; a county whose
            # selection changed (a hold released, a submission held back) changed its rows
            tested = sorted(
                {c for c in changed if c and received.get(c) != before.get(c)}
                | _selection_changed(conn, run_id)
            )
        conn.execute(
            "insert into quality.test_scope (run_id, inputs, submissions, tested_counties)"
            " values (%s, %s, %s, %s) on conflict (run_id) do update set inputs = excluded.inputs,"
            " submissions = excluded.submissions, tested_counties = excluded.tested_counties,"
            " decided_at = now()",
            (run_id, made_from, Jsonb(received), tested),
        )
    return tested
