"""Which rows tonight's dbt tests check: those of the counties that received something since
the published build, when nothing else the build is made from has changed.

The published build passed its dbt tests on every row. A row of a county-level model is made
from that county's submissions alone (tests/integration/test_dbt_scope.py checks this for
every such model), together with the build's other inputs: the dbt project's own files,
dbt's version, the pseudonymisation key and the org-unit registry. So when those inputs are
the same as the published build's, the rows of a county that received nothing since are the
rows already tested, and a test of single rows need only check the other counties. Tests across rows
(uniqueness without the county, relationships to models made from every county), tests whose
bounds move with the clock and tests of severity ``warn`` still check every row
(``dbt_project/macros/test_scope.sql``).

Every row is tested when nothing was published yet, after a rollback, when any input changed,
and whenever a file is received after the scope was decided (``quality.tested_counties()``
then answers null). A dbt run outside a night (no build lease) tests every row.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from ingest.config import Settings
from ingest.quality import audit_scope

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


def decide(s: Settings, run_id: str) -> list[str] | None:
    """Record and return the counties whose rows this run's dbt tests check (None: every row)."""
    with psycopg.connect(s.url("transformer")) as conn, conn.transaction():
        received = conn.execute("select quality.submissions_by_county()").fetchone()[0]
        made_from = inputs(conn, s.dbt_project_dir)
        run = audit_scope.published_run(conn)
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
