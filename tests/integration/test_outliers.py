"""Outliers against a unit's own history are reported as warnings, and do not block."""

from __future__ import annotations

from ingest import contract
from ingest.load import ingest_file
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.warehouse import dbt

COUNTY = "520603"


def test_a_value_far_from_the_villages_history_is_a_warning(wh, tmp_path):
    for period in ("2022", "2023", "2024"):
        for path in generator.generate(period, tmp_path / period, counties=[COUNTY]):
            assert ingest_file(path, wh).status == "accepted"
    rows = generator.county_rows(COUNTY, "2025")
    village = rows["villages"][0]
    village["grid_count"] = 55  # the village had a handful of grids every year before
    path = tmp_path / contract.file_name(COUNTY, "2025")
    generator.write_workbook(path, COUNTY, "2025", rows)
    latest = ingest_file(path, wh)
    assert latest.status == "accepted"
    dbt.run(wh, "build")

    outcome = audit(wh, "outliers")  # passes: outliers are warnings
    flagged = {
        f["details"]["rule_id"]: f
        for f in outcome.failures
        if f["details"].get("rule_id", "").startswith("outlier_")
    }
    assert "outlier_grid_count" in flagged and flagged["outlier_grid_count"]["severity"] == "warning"
    rows_flagged = flagged["outlier_grid_count"]["details"]["failing_rows"]
    assert {
        "submission_id": latest.submission_id,
        "source_sheet": "村情",
        "source_row": 2,
        "grid_count": 55,
    } in rows_flagged
    assert "往期" in flagged["outlier_grid_count"]["details"]["explanation"]
