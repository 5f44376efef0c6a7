"""The quick behaviour-flag source (ingest/warehouse/dbt_in_process.py) names the same module as dbt's own."""

from dbt_common.behavior_flags import BehaviorFlagRendered

from ingest.warehouse.dbt_in_process import name_flag_sources_quickly

FLAG = {"name": "some_flag", "default": False, "description": "a flag without a source"}


def _source() -> str:
    return BehaviorFlagRendered(FLAG, {})._behavior_change_event.flag_source


def test_the_quick_source_is_the_module_that_declared_the_flag(monkeypatch):
    dbts_own = BehaviorFlagRendered.__dict__["_default_source"]
    monkeypatch.setattr(BehaviorFlagRendered, "_default_source", dbts_own)  # put back afterwards
    slow = _source()
    name_flag_sources_quickly()
    assert BehaviorFlagRendered.__dict__["_default_source"] is not dbts_own
    assert _source() == slow == __name__
    # a flag that names its source keeps it
    assert BehaviorFlagRendered({**FLAG, "source": "dbt-x"}, {})._behavior_change_event.flag_source == "dbt-x"
