"""A night's files in a bounded number of ingest tasks (ingest/batches.py)."""

from __future__ import annotations

import os
import random

import pytest

from ingest import batches
from ingest.variables import SettingError


def _national_night(tmp_path, n_counties: int = 2800) -> list[str]:
    """A national deadline's inbox in arrival order: every county's file, some of them also a
    correction sent later the same day, and a few files that are not named as the template says."""
    rng = random.Random(7)
    names = [f"{520000 + i:06d}_2025_县{i}.xlsx" for i in range(n_counties)]
    names += [
        f"更正_{520000 + i:06d}_2025_县{i}.xlsx" for i in rng.sample(range(n_counties), n_counties // 14)
    ]
    names += [f"扫描件{i}.pdf" for i in range(30)]
    paths = []
    for name in names:
        path = tmp_path / name
        path.touch()
        os.truncate(path, rng.choice((2_000, 30_000, 400_000, 3_000_000)))  # sparse: nothing written
        paths.append(str(path))
    return paths


def test_any_number_of_files_fits_in_the_task_limit_each_file_once_and_a_countys_files_together(tmp_path):
    paths = _national_night(tmp_path)
    found = batches.of_files(paths, batches.AIRFLOW_MAP_LIMIT // 16)
    assert len(found) == 64
    assert sorted(p for batch in found for p in batch) == sorted(paths)  # each file exactly once
    arrival = {p: i for i, p in enumerate(paths)}
    for batch in found:
        assert [arrival[p] for p in batch] == sorted(arrival[p] for p in batch)  # in arrival order
    home = {p: i for i, batch in enumerate(found) for p in batch}
    for path in paths:
        if "更正_" in path:  # the correction goes where the original went, after it
            assert home[path] == home[path.replace("更正_", "")]
    # balanced by bytes: no batch carries more than its share plus one county's files
    size = {p: (tmp_path / p).stat().st_size for p in paths}
    loads = [sum(size[p] for p in batch) for batch in found]
    by_county: dict[str, int] = {}
    for p in paths:
        key = batches.county_of(p) or p
        by_county[key] = by_county.get(key, 0) + size[p]
    biggest_county = max(by_county.values())
    assert max(loads) <= sum(loads) / len(loads) + biggest_county


def test_fewer_files_than_tasks_is_a_task_each(tmp_path):
    paths = _national_night(tmp_path, n_counties=5)[:5]
    assert batches.of_files(paths, 64) == [[p] for p in paths]
    assert batches.of_files([], 64) == []


def test_the_task_count_is_the_setting_within_airflows_limit(monkeypatch):
    monkeypatch.setenv("DANGJIAN_INGEST_TASKS", "5000")
    assert batches.task_count() == batches.AIRFLOW_MAP_LIMIT
    assert batches.task_count(limit=2048) == 2048
    monkeypatch.setenv("DANGJIAN_INGEST_TASKS", "8")
    assert batches.task_count() == 8
    monkeypatch.setenv("DANGJIAN_INGEST_TASKS", "0")
    with pytest.raises(SettingError, match="DANGJIAN_INGEST_TASKS"):
        batches.task_count()
