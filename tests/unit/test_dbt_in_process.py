"""dbt inside a process (ingest/warehouse/dbt_in_process.py): the quick behaviour-flag source names
the same module as dbt's own, and a template compiled once renders as one compiled anew."""

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


def test_a_template_compiled_once_renders_as_one_compiled_anew():
    """``compile_templates_once``: the second environment of a kind gets the first one's code,
    and what it renders is what a template compiled anew renders, text and native alike."""
    from dbt_common.clients import jinja

    from ingest.warehouse.dbt_in_process import compile_templates_once

    source = (
        "{% set xs = [] %}{% for c in counties %}{% do xs.append(c ~ '!') %}{% endfor %}"
        "{{ xs | join(',') }}{% if flag %} and {{ n * 2 }}{% endif %}"
    )
    context = {"counties": ["520603", "520622"], "flag": True, "n": 21}
    anew = {
        native: jinja.get_template(source, dict(context), native=native).render(context)
        for native in (False, True)
    }
    compile_templates_once()
    compile_templates_once()  # idempotent: one cache, not a cache of a cache
    for native in (False, True):
        first, second = (jinja.get_environment(native=native) for _ in range(2))
        assert first is not second and first.compile(source) is second.compile(source)
        assert jinja.get_template(source, dict(context), native=native).render(context) == anew[native]
    assert anew[False] == "520603!,520622! and 42"
    assert jinja.get_environment(native=True).compile(source) is not jinja.get_environment().compile(source)
