"""A night's dbt tests check the counties that received something, and every row otherwise."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import psycopg
import pytest
from psycopg import sql

from ingest import contract, publish
from ingest.load import ingest_file
from ingest.quality import scope
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import query, reset_warehouse

STAYS, RESUBMITS = "520603", "520602"
#: The structure test of a model every county's submissions reach; its bounds judge each row alone.
FUNDS_TEST = "structure_stg_county_submissions__villages"


def _workbook(tmp_path, county: str, funds: float | None = None):
    rows = generator.county_rows(county, "2025")
    if funds is not None:  # a resubmission: the first village's support funds corrected
        rows["villages"][0]["support_funds"] = funds
    path = tmp_path / county / contract.file_name(county, "2025")
    path.parent.mkdir(parents=True, exist_ok=True)
    generator.write_workbook(path, county, "2025", rows)
    return path


def _night(s, run_id: str, paths) -> list[str] | None:
    """A night as the DAG runs it (build lease, test scope, build, audit, publish); returns the
    counties its dbt tests checked (None: every row)."""
    for path in paths:
        assert ingest_file(path, s).status == "accepted"
    assert publish.rebuild_due(s, run_id) is not None
    try:
        dbt.run(s, "build")
        audit(s, run_id)
        publish.publish(s, run_id)
    finally:
        publish.release_build_lease(s, run_id)
    return query(s, "select tested_counties from quality.test_scope where run_id = %s", (run_id,))[0][0]


def _county_models(s) -> dict[str, list[str]]:
    """Every model and snapshot dbt builds with a county_code column, by schema."""
    nodes = json.loads(dbt.manifest_path(s).read_text())["nodes"].values()
    found: dict[str, list[str]] = {}
    for node in nodes:
        if node["resource_type"] in ("model", "snapshot") and "county_code" in node["columns"]:
            schema = publish.PUBLISHED if node["schema"] == publish.CANDIDATE else node["schema"]
            found.setdefault(schema, []).append(node["alias"])
    return found


def _fingerprints(s, models: dict[str, list[str]]) -> dict[str, dict]:
    with psycopg.connect(s.url()) as conn:
        return {
            f"{schema}.{table}": parts
            for schema, tables in models.items()
            for table, parts in scope.fingerprints(
                conn, {t: sql.Identifier(schema, t) for t in tables}, set(tables)
            ).items()
        }


@pytest.fixture(scope="module")
def resubmitted(warehouse_server, tmp_path_factory):
    """Two counties published; then one resubmits and the next night publishes. Yields each
    county-level model's fingerprints per county before and after."""
    s, tmp = warehouse_server, tmp_path_factory.mktemp("dbt-scope")
    reset_warehouse(s)
    first = _night(s, "dbt-scope-1", [_workbook(tmp, STAYS), _workbook(tmp, RESUBMITS)])
    models = _county_models(s)
    before = _fingerprints(s, models)
    second = _night(s, "dbt-scope-2", [_workbook(tmp / "again", RESUBMITS, funds=12.5)])
    yield s, (first, second), before, _fingerprints(s, models)


def test_rows_of_a_county_are_made_from_its_own_submissions_alone(resubmitted):
    """What scoping the tests relies on: one county's resubmission leaves every other county's
    rows of every county-level model (staging, intermediate, snapshot, marts) as they were."""
    _s, _scopes, before, after = resubmitted
    assert len(before) >= 15
    for model, parts in after.items():  # (a model of what neither county has, e.g. honours: no parts)
        assert parts.get(STAYS) == before[model].get(STAYS), model
    changed = [m for m in after if after[m].get(RESUBMITS) != before[m].get(RESUBMITS)]
    assert "staging.stg_county_submissions__villages" in changed  # the comparison can see a change
    assert "marts.fct_village_indicators" in changed


def _funds_test(s, *args: str) -> dict:
    """Run the villages' structure test alone; its status, the rows its support-funds bound
    refuses, and its compiled SQL."""
    dbt.run(s, "test", "--select", FUNDS_TEST, *args, check=False)
    (result,) = dbt.run_results(s)
    refused = [f for f in dbt.failures(s) if f.check == "ranges" and f.column == "support_funds"]
    return {
        "status": result["status"],
        "failures": sum(f.rows for f in refused),
        "sql": result["compiled_code"],
    }


def test_a_night_tests_the_resubmitting_county_and_every_row_outside_a_night(resubmitted):
    s, (first, second), _before, _after = resubmitted
    assert first is None  # nothing published before: every row
    assert second == [RESUBMITS]
    with psycopg.connect(s.url()) as conn:  # a bad value in each county, past the ingest checks
        conn.execute(
            "update raw.villages v set support_funds = -1 from raw.submission s"
            " where s.submission_id = v.submission_id and s.status = 'accepted'"
            " and v.source_row = (select min(source_row) from raw.villages w where w.submission_id = v.submission_id)"
            " and s.superseded_by is null"
        )
    publish.take_build_lease(s, "dbt-scope-2")  # as while night 2 tested its build
    try:
        scoped = _funds_test(s)
    finally:
        publish.release_build_lease(s, "dbt-scope-2")
    whole = _funds_test(s)

    assert f"county_code = any('{{{RESUBMITS}}}'::text[])" in scoped["sql"]
    assert "county_code = any" not in whole["sql"]  # every row: no filter at all
    # a view (staging) is read once into a CTE that every check scans, not computed per check
    assert scoped["sql"].count("as materialized (select * from") == 1
    assert (scoped["status"], scoped["failures"]) == ("fail", 1)  # the resubmitting county's row
    assert (whole["status"], whole["failures"]) == ("fail", 2)  # no night holds the lease: both


def test_each_check_of_a_structure_test_reads_the_rows_it_needs(resubmitted):
    """On a night, the checks that judge each county's rows alone read the tested county's
    rows; a key without the county and a reference to a model made from every county's
    submissions read every row."""
    s = resubmitted[0]
    publish.take_build_lease(s, "dbt-scope-2")
    try:
        dbt.run(s, "compile", "--select", "structure_fct_cadre_roster")
    finally:
        publish.release_build_lease(s, "dbt-scope-2")
    (result,) = dbt.run_results(s)
    reads = {}
    for part in result["compiled_code"].split("union all"):
        check = re.search(r"select\s+'(\w+)' as check_name,\s*'([^']+)' as column_name", part)
        name = (check.group(1), check.group(2)) if check else re.search(r"select '(\w+)'", part).group(1)
        reads[name] = "county_code = any" in part
    assert reads == {
        "not_null": True,
        ("keys", "county_code, period, person_key, role, org_unit_code, start_date"): True,
        ("keys", "roster_id"): False,
        "code_lists": True,
        "ranges": True,
        "expressions": True,
        ("references", "county_code"): True,  # the registry's org units
        ("references", "org_unit_code"): True,
        ("references", "period"): True,  # periods: made from the code alone
        ("references", "person_key"): False,  # persons: made from every county's submissions
        ("references", "mentor1_person_key"): False,
        ("references", "mentor2_person_key"): False,
    }


def test_every_row_is_tested_when_the_build_s_inputs_change(wh, tmp_path):
    assert ingest_file(_workbook(tmp_path, STAYS), wh).status == "accepted"
    with psycopg.connect(wh.url()) as conn:  # a published build made from tonight's inputs
        inputs = scope.inputs(conn, wh.dbt_project_dir)
        conn.execute(
            "insert into quality.test_scope (run_id, inputs, submissions)"
            " values ('base', %s, quality.submissions_by_county())",
            (inputs,),
        )
        conn.execute("insert into quality.publication (run_id, status) values ('base', 'published')")

    def decided(run_id: str, change: str | None = None) -> list[str] | None:
        if change:
            with psycopg.connect(wh.url()) as conn:
                conn.execute(change)
        return scope.decide_dbt_tests(wh, run_id)

    assert decided("same") == []  # nothing received since, nothing changed: no county
    unit = "update raw.org_unit set org_unit_name = {} where org_unit_code = '520603'"
    assert decided("registry", unit.format("org_unit_name || '新'")) is None
    assert decided("registry-back", unit.format("rtrim(org_unit_name, '新')")) == []
    with psycopg.connect(wh.url()) as conn:
        key = conn.execute("select key_id from restricted.pseudonym_key").fetchone()[0]
    assert decided("key", "update restricted.pseudonym_key set key_id = 'another'") is None
    assert decided("key-back", f"update restricted.pseudonym_key set key_id = '{key}'") == []


def test_the_dbt_project_s_files_are_among_the_inputs(wh, tmp_path):
    copy = tmp_path / "dbt_project"
    shutil.copytree(wh.dbt_project_dir, copy, ignore=shutil.ignore_patterns("target", "logs"))
    with psycopg.connect(wh.url()) as conn:
        same = scope.inputs(conn, copy)
        assert same == scope.inputs(conn, wh.dbt_project_dir)
        (copy / "profiles.yml").write_text("# where dbt connects, not what it builds\n")
        assert scope.inputs(conn, copy) == same
        (copy / "macros" / "test_scope.sql").write_text("{# nothing #}\n")
        assert scope.inputs(conn, copy) != same


def test_after_a_rollback_or_a_file_received_every_row_is_tested(wh, tmp_path):
    assert ingest_file(_workbook(tmp_path, STAYS), wh).status == "accepted"
    with psycopg.connect(wh.url()) as conn:
        conn.execute(
            "insert into quality.test_scope (run_id, inputs, submissions)"
            " values ('base', %s, quality.submissions_by_county())",
            (scope.inputs(conn, wh.dbt_project_dir),),
        )
        conn.execute("insert into quality.publication (run_id, status) values ('base', 'published')")
    publish.take_build_lease(wh, "tonight")
    assert scope.decide_dbt_tests(wh, "tonight") == []
    tested = "select quality.tested_counties()"
    assert query(wh, tested, role="transformer") == [([],)]  # tonight's tests: no county's rows
    publish.release_build_lease(wh, "tonight")
    assert query(wh, tested, role="transformer") == [(None,)]  # outside a night: every row

    publish.take_build_lease(wh, "tonight")
    assert ingest_file(_workbook(tmp_path / "again", RESUBMITS), wh).status == "accepted"
    assert query(wh, tested, role="transformer") == [(None,)]  # a file came after the decision
    assert scope.decide_dbt_tests(wh, "tonight") == [RESUBMITS]  # decided again, it is in
    with psycopg.connect(wh.url()) as conn:
        conn.execute("insert into quality.publication (run_id, status) values ('undo', 'rolled_back')")
    assert scope.decide_dbt_tests(wh, "tonight") is None
    publish.release_build_lease(wh, "tonight")


def test_a_changed_scope_macro_does_not_lose_the_snapshot(settings, tmp_path):
    """dbt's partial parsing drops the snapshot defined in YAML when a macro its tests use
    changes (dbt-core#10903); dbt.run then parses in full and runs the command again."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(settings.dbt_project_dir, copy, ignore=shutil.ignore_patterns("target", "logs"))
    project = dataclasses.replace(settings, dbt_project_dir=copy)
    dbt.run(project, "parse")
    with (copy / "macros" / "test_scope.sql").open("a") as macro:
        macro.write("{# changed #}\n")
    assert dbt.run(project, "ls", "--resource-type", "snapshot").stdout.count("snp_cadre_roles") == 1
