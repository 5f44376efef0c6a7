"""The audit's Great Expectations spared work without changing what it makes
(ingest/quality/gx_quickly.py): decimals become the same floats without GX's stack walk, and
Data Docs pages are the same when their templates are compiled once for all renderers."""

from __future__ import annotations

import decimal
import logging

import pytest


@pytest.fixture
def util(monkeypatch):
    from great_expectations import util

    from ingest.quality.gx_quickly import convert_decimals_quickly

    monkeypatch.setattr(util, "convert_decimal_to_float", util.convert_decimal_to_float)  # undone after
    convert_decimals_quickly()
    convert_decimals_quickly()  # idempotent

    def walked(*_args, **_kwargs):
        raise AssertionError("the stack was walked")

    monkeypatch.setattr(util, "stack", walked)
    return util


def test_failing_rows_with_decimals_serialise_to_the_same_floats(util):
    row = {"collective_income": decimal.Decimal("33.39"), "grids": 7, "nested": [decimal.Decimal("-0.50")]}
    assert util.convert_to_json_serializable(row) == {
        "collective_income": 33.39,
        "grids": 7,
        "nested": [-0.5],
    }


def test_a_lossy_conversion_is_still_warned_of(util, caplog):
    lossy = decimal.Decimal("0.12345678901234567890123")
    with caplog.at_level(logging.WARNING, logger=util.logger.name):
        assert util.convert_to_json_serializable(lossy) == float(lossy)
    assert "lossy conversion" in caplog.text


def test_page_renderers_compile_each_template_once_and_render_the_same_page(monkeypatch):
    import jinja2
    from great_expectations.render.view.view import DefaultJinjaView

    from ingest.quality.gx_quickly import render_pages_quickly

    # GX's own renderer, as before any audit in this process patched it (undone after)
    init = DefaultJinjaView.__init__
    monkeypatch.setattr(DefaultJinjaView, "__init__", getattr(init, "original", init))
    document = {"content_block_type": "text", "text": ["检查 {{ n }} 项"], "styling": {"classes": ["x"]}}

    def page(view) -> str:
        return view.render_content_block({}, document)

    before = page(DefaultJinjaView())
    render_pages_quickly()
    render_pages_quickly()  # idempotent
    compiled = []
    real_compile = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda env, *a, **k: compiled.append(a) or real_compile(env, *a, **k)
    )
    first = page(DefaultJinjaView())
    compiled_by_first = len(compiled)
    second = page(DefaultJinjaView())
    assert before == first == second and "检查" in second
    assert compiled_by_first > 0 and len(compiled) == compiled_by_first  # the second view compiled nothing
