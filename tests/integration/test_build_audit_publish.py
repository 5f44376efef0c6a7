"""dbt builds the candidate, the GX audit gates it, publish swaps it in: write-audit-publish."""

import psycopg
import pytest

from expectations import mart_suites
from ingest import contract, publish
from ingest.load import ingest_file
from ingest.quality.audit import AuditFailed, audit
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import from_snapshot, query

COUNTIES = ["520603", "520624"]


def _build(s):
    for path in generator.generate("2025", s.inbox, counties=COUNTIES):
        assert ingest_file(path, s).status == "accepted"
    dbt.run(s, "build")


@pytest.fixture
def built(warehouse_server):
    """Two counties ingested and built into analytics_next (built once, restored per test)."""
    return from_snapshot(warehouse_server, "two-counties-built", _build)


def test_candidate_build_matches_raw(built):
    raw = query(built, "select count(*) from raw.villages")
    assert query(built, "select count(*) from analytics_next.fct_village_indicators") == raw
    # 思南县 as the article reports it
    assert query(
        built,
        """
        select count(*) filter (where unit_type in ('行政村', '社区')),
               count(*) filter (where unit_type = '小区党支部'),
               count(*) filter (where is_lagging), count(*) filter (where is_rectified),
               count(*) filter (where has_strong_collective_economy),
               count(distinct township_code), sum(grid_count)::int, sum(party_group_count)::int
        from analytics_next.fct_village_indicators where county_code = '520624'""",
    ) == [(530, 58, 53, 53, 173, 28, 1665, 1580)]


def test_audit_passes_and_records_every_expectation(built):
    outcome = audit(built, "run-ok")
    assert outcome.success and outcome.checked >= 10
    rows = query(
        built, "select count(*), bool_and(success) from quality.validation_result where run_id = 'run-ok'"
    )
    assert rows == [(outcome.checked, True)]


def test_publish_swaps_the_candidate_into_marts_for_analysts(built):
    audit(built, "run-1")
    pub = publish.publish(built, "run-1")
    n = query(built, "select count(*) from raw.villages")[0][0]
    assert pub.row_counts["fct_village_indicators"] == n and set(pub.row_counts) == set(mart_suites())
    assert query(built, "select count(*) from marts.fct_village_indicators", role="analyst") == [(n,)]
    assert query(built, "select count(*) from pg_tables where schemaname = 'analytics_next'") == [(0,)]
    owners = query(built, "select distinct tableowner from pg_tables where schemaname = 'marts'")
    assert owners == [("dangjian",)]
    assert query(built, "select status, source_high_water from quality.publication") == [("published", 2)]
    assert publish.pending(built) is None


def test_a_critical_failure_fails_closed_and_marts_keeps_the_last_good_build(built):
    audit(built, "run-1")
    publish.publish(built, "run-1")
    before = query(built, "select count(*) from marts.fct_village_indicators")
    dbt.run(built, "build")
    with psycopg.connect(built.url("transformer")) as conn:  # the villages mart comes out empty
        conn.execute("delete from analytics_next.fct_village_indicators")
    with pytest.raises(AuditFailed, match="expect_table_row_count_to_be_between") as failed:
        audit(built, "run-2")
    [failure] = failed.value.outcome.critical_failures
    assert failure["suite"] == "marts.fct_village_indicators"
    assert failed.value.outcome.unattributed == [failure]  # no county to hold: the night is refused
    assert query(
        built, "select count(*) from quality.validation_result where run_id = 'run-2' and not success"
    ) == [(1,)]
    assert query(built, "select count(*) from marts.fct_village_indicators") == before


def _dbt_test(s, model: str) -> set[str]:
    """What the dbt tests of ``model`` find on the candidate build: test, check and column."""
    result = dbt.run(s, "test", "--select", model, check=False)
    assert "Failing rows:" in result.stdout  # said where the night's hold reason reads it
    return {f"{f.test} {f.check} {f.column}" for f in dbt.failures(s)}


def test_dbt_owns_the_structure_of_the_marts_and_gx_does_not_check_it_again(built):
    """Each check has one owner: dbt tests keys, required columns, code lists, relationships
    and person keys while it builds; the audit's suites on the marts hold only what dbt has no
    test for (a mart with rows, outliers)."""
    structural = set()
    for build in mart_suites().values():
        structural |= {e.expectation_type for e in build().expectations} - {
            "expect_table_row_count_to_be_between",
            "unexpected_rows_expectation",
        }
    assert structural == set()
    with psycopg.connect(built.url("transformer")) as conn:  # a duplicated village slips in
        conn.execute(
            "insert into analytics_next.fct_village_indicators"
            " select * from analytics_next.fct_village_indicators limit 1"
        )
    failing = _dbt_test(built, "fct_village_indicators")
    assert failing == {"structure_fct_village_indicators keys period, org_unit_code"}


def test_dbt_refuses_anything_but_a_64_digit_key_in_a_person_key_column(built):
    """An ID number in the persons dimension breaks its key's pattern; an ID number or a key in
    capitals in a fact is no person of the dimension."""
    with psycopg.connect(built.url("transformer")) as conn:
        rows = conn.execute(
            "select roster_id from analytics_next.fct_cadre_roster order by roster_id limit 2"
        ).fetchall()
        conn.execute(
            "update analytics_next.fct_cadre_roster set person_key = '520622198001011234' where roster_id = %s",
            rows[0],
        )
        conn.execute(
            "update analytics_next.fct_cadre_roster set person_key = upper(person_key) where roster_id = %s",
            rows[1],
        )
        conn.execute(
            "update analytics_next.dim_person set person_key = '520622198001011234'"
            " where person_key = (select min(person_key) from analytics_next.dim_person)"
        )
    failing = _dbt_test(built, "fct_cadre_roster dim_person")
    assert "structure_fct_cadre_roster references person_key" in failing, failing
    assert "structure_dim_person patterns person_key" in failing, failing


def test_publish_refuses_an_empty_candidate(wh):
    with pytest.raises(publish.PublishRefused):
        publish.publish(wh, "run-empty")
    assert query(wh, "select status from quality.publication") == [("refused",)]


def test_rollback_restores_the_previous_build(built):
    audit(built, "run-1")
    publish.publish(built, "run-1")
    first = query(built, "select count(*) from marts.fct_village_indicators")
    later = generator.generate("2025Q1", built.inbox / "q1", counties=["520621"])
    ingest_file(later[0], built)
    dbt.run(built, "build")
    audit(built, "run-2")
    publish.publish(built, "run-2")
    assert query(built, "select count(*) from marts.fct_village_indicators") != first
    publish.rollback(built, "run-3")
    assert query(built, "select count(*) from marts.fct_village_indicators", role="analyst") == first
    assert query(built, "select status from quality.publication order by publication_id") == [
        ("published",),
        ("published",),
        ("rolled_back",),
    ]


def test_village_codes_in_the_contract_pattern(built):
    pattern = contract.VILLAGES.column("org_unit_code").pattern
    assert query(
        built,
        "select count(*) from analytics_next.fct_village_indicators where org_unit_code !~ %s",
        (pattern,),
    ) == [(0,)]


def test_publish_refuses_a_build_that_was_not_audited(built):
    with pytest.raises(publish.PublishRefused, match="未通过审核"):
        publish.publish(built, "run-unaudited")
    assert query(built, "select count(*) from pg_tables where schemaname = 'marts'") == [(0,)]
    assert query(built, "select status from quality.publication") == [("refused",)]


def test_publish_refuses_views_or_functions_in_the_candidate(built):
    audit(built, "run-1")
    with psycopg.connect(built.url("transformer")) as conn:  # a view would run with the owner's rights
        conn.execute("create view analytics_next.peek as select * from raw.submission")
    with pytest.raises(publish.PublishRefused, match="peek"):
        publish.publish(built, "run-1")
    assert query(
        built, "select to_regclass('marts.peek') is null, to_regclass('analytics_next.peek') is null"
    ) == [(True, False)]


def test_the_audit_fails_a_table_without_a_suite(built):
    with psycopg.connect(built.url("transformer")) as conn:
        conn.execute("create table analytics_next.unchecked as select 1 as x")
    with pytest.raises(AuditFailed, match="suite_exists"):
        audit(built, "run-1")
