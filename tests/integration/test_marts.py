"""The published marts: person keys, documentation, and how a night changes them.

Who may read and write them, and that they hold no personal data: tests/security/test_access.py."""

from __future__ import annotations

import os

from ingest import contract
from ingest.samples import generator
from ingest.warehouse import dbt, pseudonym
from tests.helpers import query

FACTS = ("fct_cadre_roster", "fct_cadre_changes", "fct_training_attendance", "fct_enterprise_coverage")


def test_person_keys_are_the_keyed_hash_of_the_id_number(city):
    secret = pseudonym.key(city)
    identities = query(city, "select person_key, id_number from restricted.person_identity limit 200")
    assert identities and all(key == pseudonym.person_key(id_, secret) for key, id_ in identities)
    roster_keys = {k for (k,) in query(city, "select distinct person_key from marts.fct_cadre_roster")}
    assert roster_keys <= {k for (k,) in query(city, "select person_key from restricted.person_identity")}


def test_every_marts_table_and_column_is_explained_in_the_database(city):
    undocumented = query(
        city,
        "select c.relname, a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped"
        " and col_description(c.oid, a.attnum) is null order by 1, 2",
    )
    assert undocumented == []
    tables = query(
        city,
        "select c.relname, obj_description(c.oid) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'marts' and c.relkind = 'r'",
    )
    assert len(tables) >= 12 and all(description for _, description in tables)


def test_an_early_promotion_is_dated_by_its_promotion_date_not_the_roles_start(city):
    promotions = query(
        city,
        "select c.change_date, r.promotion_date, r.start_date from marts.fct_cadre_changes as c"
        " join marts.fct_cadre_roster as r using (roster_id) where c.change_kind = 'early_promotion'",
        role="analyst",
    )
    # 松桃县蓼皋街道's, every one dated by the county, once: in the period of its date, although
    # the rosters of the periods after it still mark the person as promoted
    assert len(promotions) == 32
    assert all(change == promoted and promoted >= start for change, promoted, start in promotions)
    assert sum(promoted != start for _, promoted, start in promotions) > 16
    completed = query(
        city,
        "select count(distinct person_key) filter (where degree_completed_date is not null),"
        " count(*) filter (where degree_completed_date is not null and not is_degree_upgrading)"
        " from marts.fct_cadre_roster",
        role="analyst",
    )
    assert completed == [(20, 0)]


def test_each_honour_and_certificate_is_a_row_with_the_year_written_beside_it(city):
    listed = query(
        city,
        "select recognition_kind, recognition, min(recognition_year), max(recognition_year),"
        " count(*), count(recognition_year) from marts.fct_cadre_recognitions"
        " where county_code = '520628' and period = '2025' group by 1, 2 order by 1, 2",
        role="analyst",
    )
    by_name = {(kind, name): rest for kind, name, *rest in listed}
    assert by_name[("honour", "先进个人")] == [2023, 2025, 76, 76]
    assert by_name[("honour", "两代表一委员")][2:] == [15, 15]
    assert by_name[("certificate", "助理社会工作师")] == [2023, 2025, 46, 46]
    assert by_name[("honour", "享受街道副科级干部经济待遇")] == [None, None, 1, 0]  # no year written
    # as many rows as items in the roster's cells
    items = query(
        city,
        "select coalesce(sum(array_length(regexp_split_to_array(honours, '；'), 1)), 0)"
        " + coalesce(sum(array_length(regexp_split_to_array(certificates, '；'), 1)), 0)"
        " from marts.fct_cadre_roster where county_code = '520628' and period = '2025'",
    )
    assert items == [(sum(rows for *_, rows, _ in listed),)]
    # an honour is listed again in every later period's roster: people, not rows, over years
    over_years = query(
        city,
        "select count(*), count(distinct person_key) from marts.fct_cadre_recognitions"
        " where county_code = '520628' and recognition = '先进个人'",
        role="analyst",
    )
    assert over_years[0][0] > over_years[0][1] == 76


def _contents(s, table: str, schema: str = "marts") -> set[tuple]:
    return set(query(s, f"select * from {schema}.{table}"))


def test_a_resubmission_changes_exactly_that_countys_rows_and_incremental_equals_full_refresh(wh, night):
    counties, corrected_county = ["520603", "520624", "520626"], "520626"
    night(wh, "two-nights-1", generator.generate("2025", wh.inbox, counties=counties))
    before = {table: _contents(wh, table) for table in (*FACTS, "fct_village_indicators")}

    rows = generator.county_rows(corrected_county, "2025")
    fixed = rows["cadres"][:-3]  # the county drops three roster rows it sent by mistake,
    path = wh.inbox / f"更正_{contract.file_name(corrected_county, '2025')}"  # and its training records
    generator.write_workbook(path, corrected_county, "2025", {**rows, "cadres": fixed, "training": []})
    os.utime(path)  # newer than the first file: it becomes the current version
    night(wh, "two-nights-2", [path])

    for table, old in before.items():
        new = _contents(wh, table)
        columns = [
            c
            for (c,) in query(
                wh,
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = %s"
                " order by ordinal_position",
                (table,),
            )
        ]
        county = columns.index("county_code")
        changed = old ^ new
        assert {row[county] for row in changed} == {corrected_county}, table
    roster = query(wh, "select county_code, count(*) from marts.fct_cadre_roster group by 1 order by 1")
    assert dict(roster)[corrected_county] == len(fixed)
    trained = query(
        wh, "select count(*) from marts.fct_training_attendance where county_code = %s", (corrected_county,)
    )
    assert trained == [(0,)]  # withdrawn rows are gone, though nothing replaced them

    # the incremental tables now hold exactly what a full rebuild from scratch gives
    incremental = {
        t: _contents(wh, t, "intermediate")
        for t in ("int_cadre_roster_as_of", "int_training_attendance_pseudonymised")
    }
    dbt.run(
        wh,
        "run",
        "--full-refresh",
        "--select",
        "int_cadre_roster_as_of",
        "int_training_attendance_pseudonymised",
    )
    for table, rows_ in incremental.items():
        assert rows_ and _contents(wh, table, "intermediate") == rows_, table


def test_the_city_summary_sums_its_counties_and_recomputes_shares_from_the_parts(city, tmp_path):
    from decimal import Decimal

    from openpyxl import load_workbook

    from ingest.outputs import city_export

    parts = ("village_level_orgs", "administrative_villages", "strong_economy_villages", "reserve_cadres")
    counties = query(
        city, f"select {', '.join(parts)} from marts.mart_county_period_summary where period = '2025'"
    )
    sums = [sum(row[i] for row in counties) for i in range(len(parts))]
    [(code, reporting, *totals, share)] = query(
        city,
        f"select city_code, counties_reporting, {', '.join(parts)}, strong_economy_share_pct"
        " from marts.mart_city_period_summary where period = '2025'",
        role="analyst",
    )
    assert (code, reporting, totals) == ("520600", len(counties), sums)
    # the city's share is the summed parts' ratio, not the mean of the counties' shares
    assert abs(share - Decimal(100) * sums[2] / sums[1]) < Decimal("1e-9")

    sheet = load_workbook(city_export.write(city, tmp_path / "summary.xlsx"))["2025年度"]
    header = [c.value for c in sheet[1]]
    total = {h: c.value for h, c in zip(header, sheet[sheet.max_row], strict=True)}
    assert total["县（区）"] == "全市"
    assert (total["村级党组织"], total["行政村"], total["集体经济强村"]) == tuple(sums[:3])
    assert total["强村占比（%）"] == round(float(share), 2)
