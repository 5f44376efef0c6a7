"""How a failed build finds the submissions it fails with (ingest/night.py ``find_culprits``),
against a model of dbt's graph: a model that errors skips what is made from it, so a failure
downstream shows only once the first culprit is held back; a partial build sees the failures of
the nodes it selects and of what they are made from. (The real builds: tests/integration/
test_approval.py, the safety nets.)"""

from __future__ import annotations

import subprocess

import pytest

from ingest.night import BuildFailed, find_culprits

#: node -> what it is made from
PARENTS = {"stg": [], "m": ["stg"], "t": ["m"], "u": ["stg"], "v": ["stg"]}
#: submission -> the node it makes fail
BREAKS = {3: "m", 6: "t", 5: "u"}


def _ancestors(node: str) -> set[str]:
    return {node}.union(*(_ancestors(p) for p in PARENTS[node]))


class Warehouse:
    """Builds the model graph with some submissions left out; records every build."""

    def __init__(self, suspects: list[int], broken_without_data: bool = False, code: int = 1) -> None:
        self.suspects = suspects
        self.broken_without_data = broken_without_data
        self.code = code  # what a failed build returns: 1 for failures dbt reports, 2 for an exception
        self.builds: list[tuple[frozenset, tuple | None]] = []
        self.last: list[str] = []

    def attempt(self, left_out: set[int], nodes: list[str] | None) -> subprocess.CompletedProcess[str]:
        self.builds.append((frozenset(left_out), tuple(nodes) if nodes else None))
        selected = set(PARENTS) if nodes is None else set().union(*(_ancestors(n) for n in nodes))
        breaking = {BREAKS[sid] for sid in self.suspects if sid in BREAKS and sid not in left_out}
        if self.broken_without_data:
            breaking.add("v")
        # a node fails when it breaks and nothing it is made from failed before it (else skipped)
        failed = [n for n in selected if n in breaking and not (_ancestors(n) - {n}) & breaking]
        self.last = sorted(failed)
        summary = "".join(f"Failure in {n}\n" for n in self.last)
        return subprocess.CompletedProcess(
            ["dbt"], self.code if failed else 0, f"Completed with errors\n{summary}", ""
        )


def test_each_culprit_is_found_with_partial_builds_even_behind_a_skipped_model():
    wh = Warehouse(list(range(1, 9)))
    held: dict[int, str] = {}
    culprits = find_culprits(wh.attempt, wh.suspects, lambda: wh.last, held.__setitem__)
    assert culprits == [3, 5, 6]
    assert held == {3: "Failure in m", 5: "Failure in u", 6: "Failure in t"}
    whole = [left_out for left_out, nodes in wh.builds if nodes is None]
    # the build again as it was, then after each round without what it found: three whole builds
    assert whole == [frozenset(), frozenset({3, 5}), frozenset({3, 5, 6})]
    partial = [nodes for _, nodes in wh.builds if nodes is not None]
    assert set(partial) == {("m", "u"), ("t",)} and len(partial) > len(whole)


def test_a_build_failing_without_any_new_submission_is_not_the_counties_fault():
    wh = Warehouse([1, 2], broken_without_data=True)
    held: dict[int, str] = {}
    with pytest.raises(BuildFailed, match="不含今晚新报送时同样失败") as failed:
        find_culprits(wh.attempt, wh.suspects, lambda: wh.last, held.__setitem__)
    assert "Failure in v" in str(failed.value) and held == {}


def test_a_fault_that_passed_needs_nothing_more():
    wh = Warehouse([1, 2])
    assert find_culprits(wh.attempt, wh.suspects, lambda: wh.last, {}.__setitem__) == []
    assert wh.builds == [(frozenset(), None)]


def test_after_an_exception_the_search_builds_everything():
    """dbt's results after an exception may be an earlier command's: no partial build trusts them."""
    wh = Warehouse(list(range(1, 9)), code=2)
    culprits = find_culprits(wh.attempt, wh.suspects, lambda: ["stale"], {}.__setitem__)
    assert culprits == [3, 5, 6]
    assert all(nodes is None for _, nodes in wh.builds)
