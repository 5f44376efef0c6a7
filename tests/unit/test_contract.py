import pytest

from ingest import contract, dbt
from ingest.config import PROJECT_ROOT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", "2025"),
        ("2025q3", "2025Q3"),
        ("2025-7", "2025-07"),
        (" 2025Q4 ", "2025Q4"),
        ("2025年", "2025"),
    ],
)
def test_parse_period_normalises(text, expected):
    assert contract.parse_period(text) == expected


@pytest.mark.parametrize("text", ["2025Q5", "2025-13", "25", "去年"])
def test_parse_period_rejects_with_chinese_message(text):
    with pytest.raises(ValueError, match="报送期间"):
        contract.parse_period(text)


def test_tongren_has_ten_counties_with_official_codes():
    assert len(contract.COUNTIES) == 10
    assert contract.COUNTIES["520624"] == "思南县"
    assert all(code.startswith("5206") and len(code) == 6 for code in contract.COUNTIES)


def test_file_name_convention_round_trips_through_the_reader_pattern():
    from ingest.reader import _FILE_NAME

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


def test_committed_contract_docs_match_the_contract():
    committed = (PROJECT_ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == contract.render_markdown(), "run `dangjian contract docs` and commit"
