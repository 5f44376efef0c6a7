"""The org-unit registry as data: the official 统计用区划代码 layout read and checked, a new list
followed over time as versions, and every consumer of the registry seeing the units in force
in a submission's period."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from openpyxl import Workbook

from ingest.contract import orgunits, registry_changes, registry_file
from ingest.contract.registry_file import Entry, RegistryFileError
from tests.helpers import next_years_registry

COUNTY = "520603"  # 万山区


def test_the_shipped_list_is_the_tongren_registry_every_module_reads():
    entries = registry_file.read(orgunits.SHIPPED)
    counties = {e.code: e.name for e in entries if e.level == "county"}
    assert orgunits.counties("city") == counties and len(counties) == 10
    sinan = [u for u in orgunits.units("520624") if u.kind == "行政村"]
    assert len(sinan) == 518  # the article's 518 administrative villages of 思南县
    assert orgunits.unit("520626100").name == "平原镇"
    assert "台头村" in {u.name for u in orgunits.township_by_name("520626", "平原镇").units}
    assert {e.urban_rural for e in entries if e.level == "village"} <= set(registry_file.URBAN_RURAL)


def test_an_official_list_with_only_code_name_and_class_is_read_in_full(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "统计用区划代码,城乡分类代码,名称\n"
        "520000000000,,贵州省\n"
        "522700000000,,黔南布依族苗族自治州\n"
        "522701000000,,都匀市\n"
        "522702000000,,福泉市\n"
        "522701001000,,广惠街道办事处\n"
        "522701102000,,墨冲镇\n"
        "522701001001,111,新华社区居委会\n"
        "522701102200,220,良亩村委会\n"
        "522701102201,220,高寨村民委员会\n",
        encoding="gb18030",  # the bureau's lists often come in GBK
    )
    entries = {e.code: e for e in registry_file.read(path)}
    assert entries["522701"] == Entry("522701", "都匀市", "市", "county", "522700")
    assert entries["522700"].kind == "市（州）" and entries["522700"].parent == "52"
    assert entries["522701001"] == Entry("522701001", "广惠街道办事处", "街道", "township", "522701")
    assert entries["522701001001"].kind == "社区" and entries["522701001001"].urban_rural == "111"
    assert entries["522701102200"].kind == entries["522701102201"].kind == "行政村"
    assert registry_changes.cities(list(entries.values())) == {"522700": "黔南布依族苗族自治州"}


def test_every_problem_of_a_list_is_named_by_its_line_at_once(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "统计用区划代码,名称,城乡分类代码,层级,类型\n"
        "520600000000,铜仁市,,市,\n"
        "520603000000,万山区,,县,\n"
        "5206031,短码,,,\n"  # 7 digits
        "520603100000,某某办事处,,乡,\n"  # no kind from the name
        "520603101000,敖寨乡,,村,\n"  # a township said to be a village
        "520603101200,中华村,999,,\n"  # no such urban-rural class
        "520603102000,凉亭乡,,,\n"
        "520603102200,孤村,220,,\n"
        "520603103200,远村,220,,\n"  # its township is not in the file
        "520603102200,孤村,220,,\n"  # twice
        "520603102201,长坡村,,,省\n",  # a village cannot be a province
        encoding="utf-8",
    )
    with pytest.raises(RegistryFileError) as caught:
        registry_file.read(path)
    problems = caught.value.problems
    assert [p.split("：")[0] for p in problems] == [f"第{n}行" for n in (4, 5, 6, 7, 12, 11, 10)]
    text = str(caught.value)
    assert "bad.csv 有 7 处问题" in text
    assert "统计用区划代码应为12位数字（或6、9位的简写），实际为「5206031」" in text
    assert "无法从名称「某某办事处」判断类型，请在「类型」列填写：街道、镇、乡、苏木" in text
    assert "层级写作「村」，但代码 520603101000 是乡级代码" in text
    assert "实际为「999」" in text and "220 村庄" in text
    assert "远村（520603103200）的上级 520603103000 不在文件中" in text
    assert "代码 520603102200 与第9行重复" in text


def test_a_list_in_excel_with_numeric_codes_is_read(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["统计用区划代码", "名称", "城乡分类代码"])
    for code, name, cls in (
        (520600000000, "铜仁市", None),
        (520603000000, "万山区", None),
        (520603100000, "谢桥街道", None),
        (520603100001, "龙门坳社区", 111),
    ):
        sheet.append([code, name, cls])
    path = tmp_path / "list.xlsx"
    book.save(path)
    entries = registry_file.read(path)
    assert [(e.code, e.level, e.kind) for e in entries] == [
        ("520600", "city", "市（州）"),
        ("520603", "county", "区"),
        ("520603100", "township", "街道"),
        ("520603100001", "village", "社区"),
    ]
    assert entries[-1].urban_rural == "111"


def test_next_years_list_becomes_new_versions_and_the_old_ones_stay():
    shipped = registry_file.read(orgunits.SHIPPED)
    listed, unit = next_years_registry(shipped)
    start = dt.date(2026, 1, 1)
    versions, changes = registry_changes.merge(shipped, tuple(listed), start)
    assert changes.counts() == {
        "added": 1,
        "renamed": 1,
        "changed": 1,
        "moved": 1,
        "retired": 1,
        "unchanged": len(listed) - 4,
    }
    assert changes.retired == [unit["retired"]] and changes.added == [unit["added"]]
    assert changes.moved == [(unit["moved"], unit["moved_to"])]
    by_code = {}
    for e in versions:
        by_code.setdefault(e.code, []).append(e)
    assert [(e.name, e.valid_from, e.valid_to) for e in by_code[unit["renamed"].code]] == [
        (unit["renamed"].name, None, start),
        ("新名村", start, None),
    ]
    assert by_code[unit["retired"].code] == [dataclasses.replace(unit["retired"], valid_to=start)]
    assert by_code[unit["added"].code] == [dataclasses.replace(unit["added"], valid_from=start)]
    # the same list again changes nothing; an older one cannot follow a newer one
    again, none = registry_changes.merge(tuple(versions), tuple(listed), dt.date(2027, 1, 1))
    assert again == versions and not none.any
    with pytest.raises(registry_changes.RegistryOrderError, match="只能按时间顺序载入"):
        registry_changes.merge(tuple(versions), tuple(listed), dt.date(2025, 7, 1))


@pytest.fixture
def next_year(tmp_path, monkeypatch) -> dict[str, Entry]:
    """The registry in use is the shipped one followed by next year's list (from 2026)."""
    shipped = registry_file.read(orgunits.SHIPPED)
    listed, unit = next_years_registry(shipped)
    versions, _ = registry_changes.merge(shipped, tuple(listed), dt.date(2026, 1, 1))
    path = tmp_path / "org_units.csv"
    registry_file.write(path, versions)
    assert registry_file.read(path) == tuple(versions)  # the written file reads back the same
    monkeypatch.setenv("DANGJIAN_REGISTRY_FILE", str(path))
    return unit


def test_each_period_sees_the_units_in_force_then(next_year):
    unit = next_year

    def codes(period):
        return {u.code for u in orgunits.units(COUNTY, period)}

    assert unit["retired"].code in codes("2025") and unit["retired"].code not in codes("2026Q1")
    assert unit["added"].code in codes("2026-03") and unit["added"].code not in codes("2025Q4")
    assert unit["retired"].code not in codes(None) and unit["added"].code in codes(None)
    assert orgunits.unit(unit["renamed"].code, "2025").name == unit["renamed"].name
    assert (
        orgunits.unit(unit["renamed"].code, "2026").name
        == orgunits.unit(unit["renamed"].code).name
        == "新名村"
    )
    assert orgunits.parent_of(unit["moved_to"].code, "2026") == unit["moved_to"].parent
    assert orgunits.unit(unit["moved_to"].code, "2025") is None
    # the clerk is told why a code of the county is not a unit of the period
    assert (
        orgunits.out_of_force(unit["retired"].code, COUNTY, "2026Q2")
        == f"（{unit['retired'].name}，2026-01-01 起已撤销或并入他处）"
    )
    assert orgunits.out_of_force(unit["added"].code, COUNTY, "2025") == "（新合村，2026-01-01 起才设立）"
    assert orgunits.out_of_force(unit["retired"].code, COUNTY, "2025") == ""
    assert orgunits.out_of_force(unit["retired"].code, "520624", "2026") == ""  # not that county's
    # a retired unit is still found as it last was, for lookups without a period
    assert orgunits.kind_of(unit["retired"].code) == "行政村"


def test_adding_a_county_is_loading_data(tmp_path, monkeypatch):
    """A registry with another city's county: the deployment accepts it, names it, and writes
    its template, with no code changed."""
    from ingest.workbook import template

    extra = [
        Entry("522700", "黔南布依族苗族自治州", "市（州）", "city", "52"),
        Entry("522701", "都匀市", "市", "county", "522700"),
        Entry("522701001", "广惠街道", "街道", "township", "522701"),
        Entry("522701001001", "新华社区", "社区", "village", "522701001", "111"),
    ]
    path = tmp_path / "org_units.csv"
    registry_file.write(path, [*registry_file.read(orgunits.SHIPPED), *extra])
    monkeypatch.setenv("DANGJIAN_REGISTRY_FILE", str(path))
    assert orgunits.counties()["522701"] == "都匀市" and len(orgunits.counties()) == 11
    assert (
        orgunits.county_name("522701") == "都匀市" and orgunits.city_name("522700") == "黔南布依族苗族自治州"
    )
    out = template.write(tmp_path / "t.xlsx", "522701", "2025")
    assert out.is_file()
    assert [u.name for u in orgunits.units("522701")] == ["新华社区"]
