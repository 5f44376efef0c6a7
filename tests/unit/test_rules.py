from expectations import mart_suites
from expectations.rules import MISSING, OPERATORS, RULES, expectations_for, render_markdown
from ingest.config import PROJECT_ROOT


def test_docs_show_the_rule_table_as_it_is():
    assert render_markdown() in (PROJECT_ROOT / "docs" / "quality.md").read_text(encoding="utf-8")


def test_every_rule_is_well_formed_and_on_a_mart_the_audit_checks():
    assert len({r.rule_id for r in RULES}) == len(RULES)
    for r in RULES:
        assert r.operator in OPERATORS and r.importance in ("critical", "warning") and r.missing in MISSING
        assert r.table in mart_suites() and r.explanation
        assert "{batch}" in r.failing_rows_query() and "{schema}" not in r.failing_rows_query()


def test_missing_values_are_skipped_or_fail_as_the_rule_says():
    by_strategy = {r.missing: r.failing_rows_query() for r in RULES}
    assert "is null or" in by_strategy["skip_if_any_missing"]
    assert "where not (false)" in by_strategy["never_skip"]  # a missing side is a failure
    assert all("coalesce(" in q for q in by_strategy.values())  # null comparisons never pass


def test_rules_carry_their_severity_and_explanation_into_the_suite():
    [e] = [
        e
        for e in expectations_for("fct_village_indicators")
        if e.meta["rule_id"] == "village_in_its_township"
    ]
    assert e.meta["severity"] == "critical" and "上级乡镇" in e.meta["explanation"]
    assert e.meta["column"] == "township_code"
