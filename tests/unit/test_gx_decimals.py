"""The audit's Great Expectations turns decimals into floats as GX does, without its stack walk
(ingest/quality/audit.py, ``convert_decimals_quickly``)."""

from __future__ import annotations

import decimal
import logging

import pytest


@pytest.fixture
def util(monkeypatch):
    from great_expectations import util

    from ingest.quality.audit import convert_decimals_quickly

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
