"""The article's figures, loaded from their data: ``dbt_project/analyses/article_figures/``.

The product grew from a newspaper article on party building in five places of Tongren
(思南县, 万山区, 沿河县新景镇, 德江县平原镇台头村, 松桃县蓼皋街道). Each countable figure is a dbt
analysis in that folder: ``<name>.sql`` is the one query over the published ``marts`` tables
that answers it (one row, one column), and ``_article_figures.yml`` lists the figures in order,
each with the sentence it comes from, the county whose submissions it is counted from, the
figure as printed and the computation in words; ``left_out.csv`` lists the figures left out,
and why. ``docs/seed_figures.md`` is rendered from them (``dangjian seed-figures``), and
``tests/integration/test_seed_figures_sql.py`` runs every query on a warehouse built from the
generated samples: that is the check that the sample generator reproduces the article.

The queries are dbt analyses so that ``dbt parse`` and ``dbt compile`` check each ``ref``
against the project. They are rendered here rather than read from dbt's ``target/compiled``:
dbt compiles a ref to the schema the build is made in (``analytics_next``, swapped into
``marts`` when published), needs a profile and a connection, and writes to a folder that is
not committed; the docs and the tests want the query an analyst runs on the published build,
without dbt. So Jinja renders each file with ``ref('m')`` as ``marts.m`` and the figures'
macros (``dbt_project/macros/article_figures.sql``), and nothing else of dbt: a query that
needs more fails here, loudly. The integration test checks that dbt compiles every analysis
to the same query.

Approximate figures ("580余", "1.1万余") are met by any value from the figure up to, not
including, the next step of its last significant digit (580余 → 580–589; 1.1万余 → 11,000–11,999).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jinja2
import yaml

from ingest.config import PROJECT_ROOT
from ingest.publish import PUBLISHED
from ingest.workbook.parse import is_approximate

PERIOD = "2025"
FOLDER = PROJECT_ROOT / "dbt_project" / "analyses" / "article_figures"
LISTING, LEFT_OUT = FOLDER / "_article_figures.yml", FOLDER / "left_out.csv"
MACROS = PROJECT_ROOT / "dbt_project" / "macros" / "article_figures.sql"


@dataclass(frozen=True)
class Figure:
    id: str  # the analysis: FOLDER / f"{id}.sql"
    county: str
    place: str
    figure: str  # as the article prints it
    sentence: str  # the article's own words (abridged)
    how: str  # the computation in words
    sql: str  # one query over the published marts.* tables: one row, one column

    @property
    def approximate(self) -> bool:
        return is_approximate(self.figure)

    def expected(self) -> Decimal:
        digits = self.figure.replace(",", "").replace("%", "").replace("万元", "").replace("余", "")
        if digits.endswith("万"):
            return Decimal(digits[:-1]) * 10000
        return Decimal(digits)

    def holds(self, value: Any) -> bool:
        value = Decimal(str(value))
        expected = self.expected()
        if not self.approximate:
            return value == expected
        exponent = expected.normalize().as_tuple().exponent
        step = Decimal(1).scaleb(exponent)
        return expected <= value < expected + step


@functools.cache
def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["ref"] = lambda model: f"{PUBLISHED}.{model}"
    macros = env.from_string(MACROS.read_text(encoding="utf-8")).module
    env.globals.update({name: m for name, m in vars(macros).items() if not name.startswith("_")})
    return env


def render(sql: str) -> str:
    """An analysis's query as it runs on the published build: ``ref('m')`` is ``marts.m``."""
    return _jinja().from_string(sql).render().strip()


def load() -> tuple[Figure, ...]:
    listed = yaml.safe_load(LISTING.read_text(encoding="utf-8"))["analyses"]
    return tuple(
        Figure(
            id=a["name"],
            sentence=a["description"],
            sql=render((FOLDER / f"{a['name']}.sql").read_text(encoding="utf-8")),
            **a["config"]["meta"],
        )
        for a in listed
    )


FIGURES = load()


def render_markdown() -> str:
    """docs/seed_figures.md: the figures, their sentences, computations and queries, and what is left out."""
    lines = [
        "# The article's figures and how the warehouse reproduces them",
        "",
        "Generated from `dbt_project/analyses/article_figures/` (`dangjian seed-figures`); do not edit",
        "by hand. Each figure is a dbt analysis there: its query, and its entry in `_article_figures.yml`.",
        "Every query is run on the published marts of a warehouse built from the generated",
        "submissions (every county for 2023, 2024 and 2025, views of one history), as the `analyst`",
        "role, by `tests/integration/test_seed_figures_sql.py`. A figure of the year is read from the",
        '2025 submission; one the article counts "since 2023" (and 蓼皋街道\'s, which reach back to',
        "2021) from the three periods' rows, each person, class or unit counted once.",
        "Approximate figures (`余`) are met by any value from the figure up to the next step of its",
        "last significant digit (580余 → 580–589).",
    ]
    place = None
    for i, f in enumerate(FIGURES, start=1):
        if f.place != place:
            place = f.place
            lines += ["", f"## {place}"]
        lines += [
            "",
            f"### {i}. {f.figure}",
            "",
            f"> {f.sentence}",
            "",
            f"Computed from the rows as: {f.how}",
            "",
            f"Query (`{f.id}.sql`):",
            "",
            "```sql",
            f.sql,
            "```",
        ]
    with LEFT_OUT.open(encoding="utf-8", newline="") as fh:
        left_out = list(csv.DictReader(fh))
    lines += ["", "## Left out, and why", "", "| place | figure | reason |", "|---|---|---|"]
    lines += [f"| {r['place']} | {r['figure']} | {r['reason']} |" for r in left_out]
    return "\n".join(lines) + "\n"
