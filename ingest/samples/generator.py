"""Sample generator: realistic county submissions, deterministic for a seed.

Every county gets a roster of cadres (secretaries, committee members, reserve cadres with
their "2+1" mentors, village work teams, specialists, community workers, party-building
instructors), their training, its villages' indicators and the enterprises and social
organisations its instructors cover. Where the article the product grew from reports on a
county, that county's rows add up to the article's figures exactly (see docs/seed_figures.md:
each figure is a query in ``dbt_project/analyses/article_figures/``, and a test runs them all
on a build of these rows); the other counties get plausible data at a similar scale. Workbooks are written through the official template (``ingest.workbook.template``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest import contract
from ingest.contract import orgunits, period_end
from ingest.samples.article import CALIBRATED
from ingest.samples.county import County
from ingest.samples.generic import generic, townships_sheet, village_projects_sheet
from ingest.samples.history import SAMPLE_PERIODS as SAMPLE_PERIODS
from ingest.samples.history import history_period, view
from ingest.workbook import template


def history(county: str, period: str, seed: int = 2025, rows_scale: float = 1.0) -> dict[str, list[dict]]:
    """The county's whole history up to the end of ``period`` (a history year, see
    ingest.samples.history): every spell, class, unit and project, deterministic for the seed.

    ``rows_scale`` < 1 (scale tests only) makes a generic county report for about that share
    of its townships; the counties calibrated to the article are left whole.
    """
    c = County(county, period, random.Random(f"{seed}/{county}/{period}"), period_end(period))
    c.rows_scale = 1.0 if county in CALIBRATED else rows_scale
    CALIBRATED.get(county, generic)(c)
    if not c.townships:  # a county the article gives no township figures for
        townships_sheet(c)
    if not c.village_projects:  # nor village projects
        village_projects_sheet(c)
    return {
        "cadres": c.cadres,
        "training": c.training,
        "villages": c.villages,
        "enterprises": c.enterprises,
        "townships": c.townships,
        "village_projects": c.village_projects,
    }


def county_rows(
    county: str, period: str, seed: int = 2025, rows_scale: float = 1.0, told: dict | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's rows for one county and period: a view of the county's history
    (``told``, or made here), so that its periods agree with each other."""
    period = contract.parse_period(period)
    told = told or history(county, history_period(period), seed, rows_scale)
    return view(told, period, f"{seed}/{county}")


def write_workbook(path: Path, county: str, period: str, rows_by_sheet: dict[str, list[dict]]) -> Path:
    """Write a submission workbook through the official template."""
    return template.write(path, county, period, rows_by_sheet)


DEFECTS_MANIFEST = "defects.csv"


def _write_county(args: tuple[str, list[tuple[str, Path]], int, float, float]) -> tuple[list[Path], list]:
    """One county's workbooks, a period each, all views of one history."""
    county, targets, seed, defects_rate, rows_scale = args
    if defects_rate:
        from ingest.samples import defects
    told: dict[str, dict] = {}
    written, found = [], []
    for period, target in targets:
        year = history_period(period)
        if year not in told:
            told[year] = history(county, year, seed, rows_scale)
        rows = county_rows(county, period, seed, rows_scale, told[year])
        if not defects_rate:
            written.append(write_workbook(target, county, period, rows))
            continue
        wb = template.build(county, period, rows)
        found += defects.inject(
            wb, target.name, county, rows, defects_rate, random.Random(f"{seed}/defects/{county}/{period}")
        )
        written.append(template.save(wb, target))
    return written, found


def generate(
    period: str | Sequence[str],
    out: Path,
    seed: int = 2025,
    counties: list[str] | None = None,
    scale: str = "city",
    defects: float = 0.0,
    overwrite: bool = True,
    progress: Callable[[], None] | None = None,
    workers: int | None = None,
    rows_scale: float = 1.0,
) -> list[Path]:
    """Write one workbook per county and period into ``out`` (``period``: one, or several,
    such as :data:`SAMPLE_PERIODS`, each a view of the county's one history); returns the
    paths written, a county's periods in the order given.

    With ``overwrite=False`` a county whose file is already there is left alone (its bytes,
    and so its sha256, stay the same: the warehouse sees nothing new). With ``defects`` > 0
    some workbooks get real-world mess, listed in ``out/defects.csv`` (see ingest.samples.defects).
    Counties are written in parallel processes (``workers``, default: one per CPU);
    ``progress`` is called once per county.
    ``rows_scale`` < 1 gives the generic counties fewer rows (scale tests; see county_rows).
    """
    import os
    from concurrent.futures import ProcessPoolExecutor

    periods = [contract.parse_period(p) for p in ([period] if isinstance(period, str) else period)]
    jobs = []
    for county in counties or list(orgunits.counties(scale)):
        name = orgunits.county_name(county)
        targets = [(p, out / contract.file_name(county, p, name)) for p in periods]
        targets = [(p, t) for p, t in targets if overwrite or not t.exists()]
        if targets:
            jobs.append((county, targets, seed, defects, rows_scale))
        elif progress:
            progress()
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    written: list[Path] = []
    found: list = []
    with ProcessPoolExecutor(workers) if workers > 1 else _Serial() as pool:
        for paths, defects_found in pool.map(_write_county, jobs):
            written += paths
            found += defects_found
            if progress:
                progress()
    if defects:
        from ingest.samples.defects import write_manifest

        write_manifest(out / DEFECTS_MANIFEST, found)
    return written


class _Serial:
    """Stands in for a process pool when one process is enough."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def map(fn: Callable, items: Iterable) -> Iterator:
        """One at a time, like the pool's map. Not the builtin map: a StopIteration raised
        inside ``fn`` would end it quietly, with counties missing; here it is an error."""
        for item in items:
            yield fn(item)
