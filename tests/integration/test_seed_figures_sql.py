"""The article's figures answered from the published marts: each figure's query, run as an analyst."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ingest import publish, seed_figures
from ingest.load import ingest_file
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.warehouse import dbt
from tests.helpers import query, reset_warehouse

#: Every relation a query reads: ``from`` or ``join`` a name and its alias (a subquery has none).
RELATION = re.compile(r"\b(?:from|join)\s+([\w.]+)\s+as\s")
#: The names of a query's common table expressions.
CTE = re.compile(r"\bwith\s+(\w+)\s+as\s")


def _ids(figures) -> list[str]:
    """``520624-28``: county and figure; a figure printed again in the same county gets ``_2``, ``_3``."""
    seen: Counter[str] = Counter()
    ids = []
    for f in figures:
        base = f"{f.county}-{f.expected().normalize():f}"
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return ids


@pytest.fixture(scope="module")
def published(warehouse_server):
    """The city's 2025 sample workbooks (ten counties) ingested, built, audited and published, once."""
    s = warehouse_server
    reset_warehouse(s)
    for path in generator.generate(seed_figures.PERIOD, s.inbox, scale="city"):
        assert ingest_file(path, s).status == "accepted"
    dbt.run(s, "build")
    audit(s, "figures-1")
    publish.publish(s, "figures-1")
    return s


@pytest.mark.parametrize("figure", seed_figures.FIGURES, ids=_ids(seed_figures.FIGURES))
def test_each_query_reads_only_marts_for_its_county_and_period(figure):
    relations = set(RELATION.findall(figure.sql)) - set(CTE.findall(figure.sql))
    assert relations and all(r.startswith("marts.") for r in relations), relations
    assert f"'{figure.county}'" in figure.sql and f"'{seed_figures.PERIOD}'" in figure.sql


@pytest.mark.parametrize("figure", seed_figures.FIGURES, ids=_ids(seed_figures.FIGURES))
def test_each_query_over_the_published_marts_reproduces_its_figure(published, figure):
    rows = query(published, figure.sql, role="analyst")
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    [(value,)] = rows
    assert value is not None and figure.holds(value), f"{figure.place} {figure.figure}: query gave {value}"
