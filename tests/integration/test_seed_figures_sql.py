"""The article's figures answered from the published marts: each figure's query, run as an analyst."""

from __future__ import annotations

import re

import pytest

from ingest import publish, seed_figures
from ingest.warehouse import dbt
from tests.helpers import query

#: Every relation a query reads: ``from`` or ``join`` a name and its alias (a subquery has none).
RELATION = re.compile(r"\b(?:from|join)\s+([\w.]+)\s+as\s")
#: The names of a query's common table expressions.
CTE = re.compile(r"\bwith\s+(\w+)\s+as\s")
#: A relation of the build as dbt compiles a ``ref``: ``"warehouse"."analytics_next"."fct_cadre_roster"``.
COMPILED_REF = re.compile(rf'"\w+"\."{publish.CANDIDATE}"\."(\w+)"')
FIGURES = pytest.mark.parametrize("figure", seed_figures.FIGURES, ids=lambda f: f.id)


@pytest.fixture(scope="module")
def published(city):
    """The city's sample workbooks (ten counties, 2023 to 2025: the article's year and the
    years its "since 2023" figures reach back to) ingested, built, audited and published: the
    session's city, restored from its snapshot."""
    assert seed_figures.PERIOD == "2025"  # the article's year, the last the city's sample is written for
    return city


@pytest.fixture(scope="module")
def compiled(warehouse_server) -> dict[str, str]:
    """``dbt compile`` of the article's analyses: each one's query, its refs named as published."""
    s = warehouse_server
    dbt.run(s, "compile", "--select", "path:analyses/article_figures")
    folder = dbt.target_dir(s) / "compiled" / "dangjian" / "analyses" / "article_figures"
    return {
        p.stem: COMPILED_REF.sub(rf"{publish.PUBLISHED}.\1", p.read_text(encoding="utf-8")).strip()
        for p in folder.glob("*.sql")
    }


@FIGURES
def test_dbt_compiles_each_analysis_to_the_query_the_docs_show(compiled, figure):
    assert compiled[figure.id] == figure.sql


@FIGURES
def test_each_query_reads_only_marts_for_its_county_and_period(figure):
    relations = set(RELATION.findall(figure.sql)) - set(CTE.findall(figure.sql))
    assert relations and all(r.startswith("marts.") for r in relations), relations
    assert f"'{figure.county}'" in figure.sql and f"'{seed_figures.PERIOD}'" in figure.sql


@FIGURES
def test_each_query_over_the_published_marts_reproduces_its_figure(published, figure):
    rows = query(published, figure.sql, role="analyst")
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    [(value,)] = rows
    assert value is not None and figure.holds(value), f"{figure.place} {figure.figure}: query gave {value}"
