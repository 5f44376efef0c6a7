"""The article's figures as data: every analysis listed once, the document current, the tolerance of "余"."""

import pytest

from ingest import seed_figures
from ingest.config import PROJECT_ROOT


def test_every_analysis_in_the_folder_is_a_listed_figure_and_listed_once():
    ids = [f.id for f in seed_figures.FIGURES]
    assert sorted(ids) == sorted(p.stem for p in seed_figures.FOLDER.glob("*.sql"))
    assert len(ids) == len(set(ids))


def test_the_figures_document_is_current():
    committed = (PROJECT_ROOT / "docs" / "seed_figures.md").read_text(encoding="utf-8")
    assert committed == seed_figures.render_markdown(), "run `dangjian seed-figures` and commit"


@pytest.mark.parametrize(
    ("figure", "value", "ok"),
    [
        ("580余", 586, True),
        ("580余", 590, False),
        ("1.1万余", 11999, True),
        ("1.1万余", 10999, False),
        ("100余", 199, True),
        ("33.39%", "33.39", True),
        ("33.39%", "33.391", False),
    ],
)
def test_approximate_figures_have_a_documented_tolerance(figure, value, ok):
    f = seed_figures.Figure("x", "x", "x", figure, sentence="", how="", sql="")
    assert f.holds(value) is ok
