"""The sample's periods are views of one history: 2023, 2024 and 2025 agree with each other."""

from __future__ import annotations

import pytest

from ingest import contract
from ingest.contract import orgunits, period_end, period_start
from ingest.samples import generator, history

PERIODS = history.SAMPLE_PERIODS
SONGTAO = "520628"


def _views(county: str) -> dict[str, dict[str, list[dict]]]:
    told = generator.history(county, history.history_period(PERIODS[-1]))
    return {p: generator.county_rows(county, p, told=told) for p in PERIODS}


@pytest.fixture(scope="module", params=[SONGTAO, "520626", "520602"])
def views(request):
    """Songtao (calibrated, with a history reaching back to 2021), Dejiang (calibrated village
    projects) and a generic county."""
    return request.param, _views(request.param)


def test_a_view_made_alone_is_the_same_as_one_made_beside_the_others(views):
    county, by_period = views
    assert generator.county_rows(county, "2024") == by_period["2024"]


def test_people_keep_their_details_and_posts_their_start_dates(views):
    _, by_period = views
    seen: dict[str, tuple] = {}
    spells: dict[tuple, dict] = {}
    for period in PERIODS:
        start, end = period_start(period), period_end(period)
        for r in by_period[period]["cadres"]:
            person = (r["name"], r["sex"], r["birth_date"], r["ethnicity"])
            assert seen.setdefault(r["id_number"], person) == person
            ended = r.get("end_date")
            assert r["start_date"] <= end and (ended or end) >= start and (ended or end) <= end
            if r["start_date"] < start:
                assert r["change_type"] == ("离任" if ended else "留任")
            else:
                assert r["change_type"] in ("新任", "调整", "离任")
            key = (r["id_number"], r["role"], r["org_unit_code"], r["start_date"])
            previous = spells.get(key)
            if previous is not None and previous.get("end_date") is None:
                assert r["change_type"] in ("留任", "离任")  # held on from the last period
            spells[key] = r
    held_2023 = {
        (r["id_number"], r["role"], r["org_unit_code"], r["start_date"])
        for r in by_period["2023"]["cadres"]
        if r.get("end_date") is None
    }
    in_2024 = {
        (r["id_number"], r["role"], r["org_unit_code"], r["start_date"]) for r in by_period["2024"]["cadres"]
    }
    assert held_2023 and held_2023 <= in_2024  # nobody still in post at the end of 2023 vanishes


def test_every_period_reports_only_what_happened_by_its_end(views):
    _, by_period = views
    for period in PERIODS:
        start, end = period_start(period), period_end(period)
        rows = by_period[period]
        assert rows["training"] and all(start <= r["start_date"] <= end for r in rows["training"])
        roster = {r["id_number"] for r in rows["cadres"]}
        assert {r["id_number"] for r in rows["training"]} <= roster
        assert {r["instructor_id_number"] for r in rows["enterprises"]} <= roster
        for r in rows["cadres"]:
            labels = [x for k in ("honours", "certificates") if r.get(k) for x in r[k].split("；")]
            for label in labels:
                if label.endswith("）") and label[-5:-1].isdigit():
                    assert int(label[-5:-1]) <= end.year, label
            assert (r.get("promotion_date") or end) <= end
            assert (r.get("degree_completed_date") or end) <= end
        assert all(p["started_on"] <= end for p in rows["village_projects"])


def test_units_keep_their_codes_and_money_accumulates(views):
    county, by_period = views
    villages = {p: {r["org_unit_code"]: r for r in by_period[p]["villages"]} for p in PERIODS}
    assert villages["2023"].keys() == villages["2025"].keys() == {u.code for u in orgunits.units(county)}
    projects = {
        p: [(r["org_unit_code"], r["project_name"]) for r in by_period[p]["village_projects"]]
        for p in PERIODS
    }
    assert set(projects["2023"]) <= set(projects["2024"]) <= set(projects["2025"])
    for code, latest in villages["2025"].items():
        history_of = [villages[p][code] for p in PERIODS]
        assert len({v.get("grid_count") for v in history_of}) == 1  # what a unit has stays
        accumulated = [v.get("collective_accumulation") for v in history_of]
        if latest.get("collective_accumulation") is not None:
            assert accumulated == sorted(accumulated), (code, accumulated)
        for period, v in zip(PERIODS, history_of, strict=True):
            invested = [
                r["amount"]
                for r in by_period[period]["village_projects"]
                if r["org_unit_code"] == code and r["project_type"] == "对外投资"
            ]
            if invested:
                assert v["collective_investment"] == pytest.approx(sum(invested))
            if v.get("collective_net_income") is not None:
                assert v["collective_net_income"] <= v["collective_operating_income"]
    townships = {p: sorted(r["township_code"] for r in by_period[p]["townships"]) for p in PERIODS}
    assert townships["2023"] == townships["2024"] == townships["2025"]


def test_liaogao_talks_since_2023_add_up_over_the_three_periods():
    by_period = _views(SONGTAO)
    street = orgunits.township_by_name(SONGTAO, "蓼皋街道").unit.code
    rows = [next(r for r in by_period[p]["townships"] if r["township_code"] == street) for p in PERIODS]
    assert sum(r["talks_held"] for r in rows) == 262 and sum(r["grievances_resolved"] for r in rows) == 23
    assert all(r["talks_held"] > 0 for r in rows)
    assert history.EARLIER not in rows[0]  # the history's own bookkeeping is not a column


def test_a_later_period_has_a_history_of_its_own_and_a_quarter_is_a_view_of_its_year():
    assert history.history_period("2023") == history.history_period("2025Q3") == "2025"
    assert history.history_period("2026Q1") == "2026"
    q1 = generator.county_rows("520602", "2025Q1")
    assert all(r["start_date"] <= contract.period_end("2025Q1") for r in q1["cadres"])
    whole = {r["org_unit_code"]: r for r in generator.county_rows("520602", "2025")["villages"]}
    smaller = [
        r["collective_operating_income"] < whole[r["org_unit_code"]]["collective_operating_income"]
        for r in q1["villages"]
        if r.get("collective_operating_income")
    ]
    assert smaller and all(smaller)  # a quarter earns less than its year
