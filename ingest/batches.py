"""A night's files in a bounded number of ingest tasks, whatever arrives.

Airflow maps one task instance per item and refuses more than ``[core] max_map_length`` items
(1,024 by default): the first night after a national deadline may bring 2,800 workbooks. And
each task pays fixed costs (a process, imports, connections) that a batch pays once. So the
night maps at most ``DANGJIAN_INGEST_TASKS`` batches (never more than Airflow's limit): the
files are dealt largest first to the batch with the least work so far (by bytes), so no one
task is left with all the big counties; within a batch they keep the order they arrived in,
and a county's files (an original and its correction) go to the same batch, in that order.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ingest.variables import value

T = TypeVar("T")
#: Airflow's default ``[core] max_map_length``.
AIRFLOW_MAP_LIMIT = 1024
_COUNTY = re.compile(r"(?<!\d)(\d{6})_")


def task_count(limit: int = AIRFLOW_MAP_LIMIT) -> int:
    """How many ingest tasks a night maps at most: DANGJIAN_INGEST_TASKS, within ``limit``."""
    return max(1, min(int(value("DANGJIAN_INGEST_TASKS")), limit))


def spread(
    items: Sequence[T], weight: Callable[[T], float], most: int, group: Callable[[T], str]
) -> list[list[T]]:
    """``items`` in at most ``most`` batches, balanced by ``weight``; items of one ``group``
    (an empty key groups nothing) share a batch; each batch keeps the items' order."""
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(group(item) or f"#{i}", []).append(i)
    loads = [(0.0, b) for b in range(min(most, len(groups)))]
    chosen: list[list[int]] = [[] for _ in loads]
    weighed = [(sum(weight(items[i]) for i in g), g) for g in groups.values()]
    for size, members in sorted(weighed, key=lambda w: (-w[0], w[1][0])):
        load, b = heapq.heappop(loads)
        chosen[b] += members
        heapq.heappush(loads, (load + size, b))
    return [[items[i] for i in sorted(batch)] for batch in sorted(chosen, key=min) if batch]


def county_of(path: str | Path) -> str:
    """The county code a file's name starts with (after any 更正_/重报_ prefix), or ""."""
    found = _COUNTY.search(Path(path).name)
    return found.group(1) if found else ""


def _size(path: str) -> float:
    try:
        return float(Path(path).stat().st_size)
    except OSError:
        return 0.0


def of_files(paths: Sequence[str], most: int) -> list[list[str]]:
    """The night's files (in arrival order) as at most ``most`` batches."""
    return spread(list(paths), _size, most, county_of)
