"""``dangjian registry load``: next year's official list becomes new versions in the home's
registry and in the warehouse, with what changed reported; the audit then judges each period
against the units in force then, exactly as the clerk's check does; and another region's list
is refused unless the region is replaced on purpose."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import pytest

from ingest import contract
from ingest.contract import orgunits, registry_file, rules
from ingest.contract.expressions import Book
from ingest.contract.registry_file import Entry
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import cli, next_years_registry, query, reset_warehouse
from tests.integration.test_expressions import COUNTY, reads_other_sheets, sql_failing

VILLAGES = contract.sheet("villages")


@pytest.fixture(scope="module")
def loaded(warehouse_server, tmp_path_factory):
    """Next year's list loaded from 2026 by the command, into a home of its own (so the other
    tests' registry stays the shipped one); the warehouse is reset afterwards."""
    reset_warehouse(warehouse_server)
    folder = tmp_path_factory.mktemp("registry")
    listed, unit = next_years_registry(registry_file.read(orgunits.SHIPPED))
    official = folder / "铜仁市统计用区划代码2026.csv"
    registry_file.write(official, listed)
    s = dataclasses.replace(warehouse_server, home=folder / "home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", warehouse_server.url())  # the worker's server, not a new one in that home
        done = cli(
            s, "registry", "load", str(official), "--from", "2026", "--report", str(folder / "changes.csv")
        )
    yield s, unit, done, folder
    reset_warehouse(warehouse_server)


def test_the_load_reports_what_changed_and_keeps_every_version(loaded, warehouse_server):
    s, unit, done, folder = loaded
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("新增 added │ 1", "更名 renamed │ 1", "改隶 moved │ 1", "撤销 retired │ 1"):
        assert " ".join(line.split()) in " ".join(done.stdout.split()), done.stdout
    changes = (folder / "changes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(changes) == 1 + 5 and any(
        "新名村" in line and unit["renamed"].name in line for line in changes
    )
    home = registry_file.read(s.home / "registry" / "org_units.csv")
    assert [(e.name, e.valid_from, e.valid_to) for e in home if e.code == unit["renamed"].code] == [
        (unit["renamed"].name, None, dt.date(2026, 1, 1)),
        ("新名村", dt.date(2026, 1, 1), None),
    ]
    assert query(
        warehouse_server,
        "select org_unit_name, valid_from::text, valid_to from raw.org_unit where org_unit_code = %s order by valid_from",
        (unit["retired"].code,),
    ) == [(unit["retired"].name, "-infinity", dt.date(2026, 1, 1))]
    (load,) = query(
        warehouse_server,
        "select applies_from, changes->>'renamed', changes->>'retired', region from quality.registry_load"
        " where applies_from is not null",
    )
    assert load == (dt.date(2026, 1, 1), "1", "1", {"520600": "铜仁市"})


def test_the_dimensions_show_each_unit_as_it_is_and_every_version(loaded, warehouse_server):
    _, unit, _, _ = loaded
    dbt.run(warehouse_server, "run", "--select", "+dim_org_unit", "+dim_org_unit_history")
    dim = dict(
        ((code, (name, kind, in_force)))
        for code, name, kind, in_force in query(
            warehouse_server,
            "select org_unit_code, org_unit_name, unit_type, is_in_force from analytics_next.dim_org_unit",
        )
    )
    assert dim[unit["renamed"].code] == ("新名村", "行政村", True)
    assert dim[unit["reclassed"].code] == (unit["reclassed"].name, "社区", True)
    assert dim[unit["retired"].code] == (unit["retired"].name, "行政村", False)
    assert dim[unit["added"].code][2] and dim[unit["moved_to"].code][2] and not dim[unit["moved"].code][2]
    history = query(
        warehouse_server,
        "select org_unit_name, unit_type, valid_from, valid_to from analytics_next.dim_org_unit_history"
        " where org_unit_code = %s order by valid_from nulls first",
        (unit["reclassed"].code,),
    )
    start = dt.date(2026, 1, 1)
    assert history == [
        (unit["reclassed"].name, "行政村", None, start),
        (unit["reclassed"].name, "社区", start, None),
    ]


@pytest.mark.parametrize("period", ["2025", "2026"])
def test_the_audit_and_the_clerks_check_judge_each_period_by_the_units_in_force_then(
    loaded, warehouse_server, monkeypatch, period
):
    s, unit, _, _ = loaded
    monkeypatch.setenv("DANGJIAN_REGISTRY_FILE", str(s.home / "registry" / "org_units.csv"))
    rows = [
        {c.name: r.get(c.name) for c in VILLAGES.columns}
        for r in generator.county_rows(COUNTY, "2025")["villages"][:4]
    ]
    named = ("retired", "added", "reclassed", "moved_to")
    for row, which in zip(rows, named, strict=True):
        row.update(org_unit_code=unit[which].code, township_code=unit[which].parent, unit_type="行政村")
    columns = {c.name: [r.get(c.name) for r in rows] for c in VILLAGES.columns}
    book = Book(COUNTY, period, {"villages": columns}, {"villages": len(rows)})
    with psycopg.connect(warehouse_server.url(), autocommit=True) as conn:
        judged = {
            rule.rule_id: (rule.failing(book), sql_failing(conn, VILLAGES, rows, rule, period))
            for rule in rules.RULES
            if rule.sheet == "villages" and not reads_other_sheets(rule)
        }
        (limit,) = [r for r in rules.column_rules() if r.rule_id == "villages.org_unit_code.org_unit"]
        audit_unknown = sql_failing(conn, VILLAGES, rows, limit, period)
    for rule_id, (python, sql) in judged.items():
        assert python == sql, rule_id
    known = {u.code for u in orgunits.units(COUNTY, period)}  # what the clerk's check reads
    check_unknown = [i for i, row in enumerate(rows) if row["org_unit_code"] not in known]
    assert audit_unknown == check_unknown
    if period == "2025":  # the retired village was there; the new and the moved ones were not yet
        assert check_unknown == [1, 3] and judged["village_type_as_registered"][0] == []
    else:  # the retired village is gone; the village that became a community is one now
        assert check_unknown == [0] and judged["village_type_as_registered"][0] == [2]


def test_a_lost_home_copy_does_not_silently_undo_the_load(loaded, warehouse_server, monkeypatch):
    s, unit, _, _ = loaded
    copy = s.home / "registry" / "org_units.csv"
    kept = copy.read_bytes()
    copy.unlink()  # the registry in use falls back to the shipped list
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_server.url())
    try:
        done = cli(s, "warehouse", "up")
    finally:
        copy.write_bytes(kept)
    assert done.returncode == 2
    assert "家目录中的名录副本是否丢失" in "".join(done.stdout.split()), done.stdout
    versions = "select count(*) from raw.org_unit where org_unit_code = %s"
    assert query(warehouse_server, versions, (unit["renamed"].code,)) == [(2,)]


def test_no_list_is_loaded_while_a_night_builds(loaded, warehouse_server, monkeypatch):
    from ingest.publish import release_build_lease, take_build_lease

    s, _, _, folder = loaded
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_server.url())
    take_build_lease(warehouse_server, "night-building", wait=0)
    try:
        done = cli(s, "registry", "load", str(folder / "铜仁市统计用区划代码2026.csv"), "--from", "2027")
    finally:
        release_build_lease(warehouse_server, "night-building")
    assert done.returncode == 1 and "有运行正在构建" in "".join(done.stdout.split()), done.stdout
    assert query(
        warehouse_server, "select count(*) from quality.registry_load where applies_from = '2027-01-01'"
    ) == [(0,)]


def test_another_regions_list_is_refused_unless_the_region_is_replaced(loaded, warehouse_server, monkeypatch):
    s, _, _, folder = loaded
    other = folder / "黔南州.csv"
    registry_file.write(
        other,
        [
            Entry("522700", "黔南布依族苗族自治州", "市（州）", "city", "52"),
            Entry("522701", "都匀市", "市", "county", "522700"),
            Entry("522701001", "广惠街道", "街道", "township", "522701"),
            Entry("522701001001", "新华社区", "社区", "village", "522701001", "111"),
        ],
    )
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_server.url())
    before = query(warehouse_server, "select count(*) from raw.org_unit")
    refused = cli(s, "registry", "load", str(other), "--from", "2027")
    assert refused.returncode == 1
    text = " ".join(refused.stdout.split())
    assert "属于另一个区域" in text and "铜仁市（520600）" in text and "--replace-region" in text
    assert query(warehouse_server, "select count(*) from raw.org_unit") == before
    replaced = cli(s, "registry", "load", str(other), "--replace-region")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert query(warehouse_server, "select org_unit_code from raw.org_unit order by 1") == [
        ("522700",),
        ("522701",),
        ("522701001",),
        ("522701001001",),
    ]
    assert query(
        warehouse_server, "select region, replaced_region from quality.registry_load order by id desc limit 1"
    ) == [({"522700": "黔南布依族苗族自治州"}, True)]
    monkeypatch.setenv("COLUMNS", "200")  # table cells unwrapped
    shown = cli(s, "registry", "show")
    assert shown.returncode == 0 and "黔南布依族苗族自治州（替换）" in shown.stdout, shown.stdout
    assert "新增 4" in shown.stdout and "新增 1，更名 1，类型或城乡分类变更 1，改隶 1，撤销 1" in shown.stdout
