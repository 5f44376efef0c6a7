"""Two runs started at once: one builds, the other waits for it (the build lease)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from ingest.publish import BuildBusy, release_build_lease, take_build_lease
from tests.helpers import query


def test_the_second_run_waits_for_the_first(wh):
    take_build_lease(wh, "nightly-1")
    take_build_lease(wh, "nightly-1", wait=0)  # a retry of the holder's own task takes it again
    with pytest.raises(BuildBusy, match="nightly-1"):
        take_build_lease(wh, "reprocess-1", wait=0)

    got: list[float] = []
    waiter = threading.Thread(
        target=lambda: (take_build_lease(wh, "reprocess-1", wait=30, poll=0.2), got.append(time.monotonic()))
    )
    waiter.start()
    time.sleep(1)
    assert not got  # still waiting while the first run builds
    released = time.monotonic()
    release_build_lease(wh, "nightly-1")
    waiter.join(10)
    assert got and got[0] >= released
    assert query(wh, "select run_id from quality.build_lease") == [("reprocess-1",)]
    release_build_lease(wh, "nightly-1")  # releasing a lease one does not hold changes nothing
    assert query(wh, "select run_id from quality.build_lease") == [("reprocess-1",)]


def test_a_lease_left_by_a_dead_run_expires(wh, monkeypatch):
    take_build_lease(wh, "died")
    with psycopg.connect(wh.url(), autocommit=True) as conn:
        conn.execute("update quality.build_lease set acquired_at = now() - interval '7 hours'")
    monkeypatch.setenv("DANGJIAN_BUILD_LEASE_HOURS", "6")
    take_build_lease(wh, "next-night", wait=0)
    assert query(wh, "select run_id from quality.build_lease") == [("next-night",)]


def test_a_lease_whose_run_ended_without_giving_it_back_is_taken_at_once(wh):
    take_build_lease(wh, "failed-night", dag_id="county_submissions_nightly")
    asked = []

    def finished(dag_id, run_id):
        asked.append((dag_id, run_id))
        return run_id == "failed-night"

    take_build_lease(wh, "next-night", wait=0, dag_id="county_submissions_nightly", finished=finished)
    assert asked == [("county_submissions_nightly", "failed-night")]
    assert query(wh, "select dag_id, run_id from quality.build_lease") == [
        ("county_submissions_nightly", "next-night")
    ]
    # a holder that is still running is waited for
    with pytest.raises(BuildBusy):
        take_build_lease(wh, "reprocess-1", wait=0, finished=lambda d, r: False)
