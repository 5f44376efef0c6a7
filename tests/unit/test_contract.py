from decimal import Decimal

import pytest

from ingest import contract
from ingest.config import PROJECT_ROOT
from ingest.warehouse import dbt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", "2025"),
        ("2025q3", "2025Q3"),
        ("2025-7", "2025-07"),
        (" 2025Q4 ", "2025Q4"),
        ("2025年", "2025"),
        ("2025年度", "2025"),
        ("２０２５", "2025"),
        ("2025年第三季度", "2025Q3"),
        ("2025年3季度", "2025Q3"),
        ("2025-Q3", "2025Q3"),
        ("2025年7月", "2025-07"),
        ("2025年十二月份", "2025-12"),
        ("2025.7", "2025-07"),
        (2025, "2025"),
    ],
)
def test_parse_period_normalises(text, expected):
    assert contract.parse_period(text) == expected


@pytest.mark.parametrize("text", ["2025Q5", "2025-13", "25", "去年", "2025年13月", "2025年第五季度"])
def test_parse_period_rejects_with_chinese_message(text):
    with pytest.raises(ValueError, match="报送期间"):
        contract.parse_period(text)


def test_the_shipped_registry_has_tongrens_ten_counties_with_official_codes():
    from ingest.contract import orgunits

    counties = orgunits.counties("city")
    assert len(counties) == 10
    assert counties["520624"] == "思南县"
    assert all(code.startswith("5206") and len(code) == 6 for code in counties)


def test_file_name_convention_round_trips_through_the_reader_pattern():
    from ingest.workbook.files import _FILE_NAME

    name = contract.file_name("520603", "2025Q4")
    assert name == "520603_2025Q4_万山区.xlsx"
    m = _FILE_NAME.match(name)
    assert (m["county"], m["period"]) == ("520603", "2025Q4")


def test_raw_table_ddl_carries_lineage_and_every_contract_column():
    ddl = contract.raw_table_ddl(contract.VILLAGES)
    for name, _ in contract.LINEAGE_COLUMNS:
        assert f"{name} " in ddl
    for col in contract.VILLAGES.columns:
        assert f"{col.name} {col.sql_type}" in ddl
        assert f"comment on column raw.villages.{col.name}" in ddl


def test_committed_dbt_sources_match_the_contract():
    committed = (PROJECT_ROOT / "dbt_project" / dbt.SOURCES_FILE).read_text(encoding="utf-8")
    assert committed == dbt.sources_yaml(), "run `dangjian contract dbt-sources` and commit"


def test_committed_code_list_seed_matches_the_contract():
    committed = (PROJECT_ROOT / "dbt_project" / dbt.CODE_LISTS_FILE).read_text(encoding="utf-8")
    assert committed == dbt.code_lists_csv(), "run `dangjian contract dbt-sources` and commit"
    lists = contract.code_lists()
    assert lists["role"] == contract.ROLE_CODES and lists["sex"] == ("男", "女")


def test_no_dbt_test_types_a_code_list_and_every_list_named_exists():
    """Code lists are read from the seed: no accepted_values list is typed in the project, and
    every structure test's code_lists names a list the seed has."""
    import yaml

    lists = contract.code_lists()
    named = []
    for path in (PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert "accepted_values" not in text, path
        for model in yaml.safe_load(text).get("models") or []:
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "structure" in test:
                    named += test["structure"]["arguments"].get("code_lists", {}).values()
    assert named and set(named) <= set(lists), set(named) - set(lists)


def test_committed_contract_docs_match_the_contract():
    committed = (PROJECT_ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == contract.render_markdown(), "run `dangjian contract docs` and commit"


def test_staging_models_test_the_contract_s_code_lists_and_bounds():
    """Each sheet's staging model checks every coded column against its list, and no range
    there contradicts the contract's declared limits (the one definition of them)."""
    import yaml

    path = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "county_submissions"
    models = {
        m["name"]: m for m in yaml.safe_load((path / "_county_submissions__models.yml").read_text())["models"]
    }
    for s in contract.SHEETS:
        (tests,) = [
            test["structure"]["arguments"]
            for test in models[f"stg_county_submissions__{s.key}"]["data_tests"]
            if isinstance(test, dict) and "structure" in test
        ]
        assert tests["code_lists"] == {c.name: c.name for c in s.columns if c.codes}, s.key
        for name, bounds in tests.get("ranges", {}).items():
            low, high = s.column(name).bounds
            assert Decimal(str(bounds["min_value"])) == low, (s.key, name)
            assert "max_value" not in bounds or Decimal(str(bounds["max_value"])) == high, (s.key, name)


def test_every_code_synonym_names_a_code_of_its_column_and_is_read_as_it():
    from ingest.workbook.parse import parse_value

    synonyms = [(c, w, code) for s in contract.SHEETS for c in s.columns for w, code in c.code_synonyms]
    assert synonyms
    for col, written, code in synonyms:
        assert code in col.codes and written not in col.codes, (col.name, written)
        assert parse_value(written, col) == code
    role = contract.CADRES.column("role")
    assert parse_value("村支书", role) == "村（社区）党组织书记"
    assert parse_value(" 本 科 ", contract.CADRES.column("education")) == "大学本科"
