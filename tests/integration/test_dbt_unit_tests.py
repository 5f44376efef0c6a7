"""The models' unit tests (`unit_tests:` in the models' YAML) run here, in the test suite, as
dbt advises; a night's build leaves them out (ingest.warehouse.NIGHT_BUILD_FLAGS): they read
fixed inputs, not the night's data."""

from __future__ import annotations

from ingest import night
from ingest.load import ingest_file
from ingest.samples import generator
from ingest.warehouse import dbt


def test_the_models_unit_tests_pass_and_a_night_s_build_leaves_them_out(wh):
    for path in generator.generate("2025", wh.inbox, counties=["520603"]):
        assert ingest_file(path, wh).status == "accepted"
    assert night.build(wh, "unit-tests") == []  # nothing held back: the build passed
    built = {r["unique_id"].split(".")[0] for r in dbt.run_results(wh)}
    assert {"model", "test", "snapshot", "seed"} <= built and "unit_test" not in built

    tested = dbt.run(wh, "test", "--select", "test_type:unit")  # their parents are built: as in CI
    results = dbt.run_results(wh)
    assert len(results) >= 2, tested.stdout[-2000:]
    assert {r["unique_id"].split(".")[0] for r in results} == {"unit_test"}
    assert {r["status"] for r in results} == {"pass"}
