"""Following an official list over time: what changed since the registry in force, as new versions.

A new list applies from a date (the first day of a period). Against the versions in force:

- a code the list does not have is **retired** (its version ends that day);
- a code the registry does not have is **added** (a version from that day);
- a code whose name is different is **renamed**, and one whose kind or urban-rural class is
  different is **changed**: the old version ends, a new one starts;
- a retired code and an added one with the same name in the same county are reported as one
  unit **moved** (改隶: a village that moves to another township gets a new code).

Nothing is deleted: a merged or renamed village keeps its old versions, so submissions for
earlier periods still find it as it was then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from ingest.contract.registry_file import Entry


@dataclass
class Changes:
    added: list[Entry] = field(default_factory=list)
    renamed: list[tuple[Entry, Entry]] = field(default_factory=list)
    changed: list[tuple[Entry, Entry]] = field(default_factory=list)
    retired: list[Entry] = field(default_factory=list)
    moved: list[tuple[Entry, Entry]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "renamed": len(self.renamed),
            "changed": len(self.changed),
            "moved": len(self.moved),
            "retired": len(self.retired),
            "unchanged": self.unchanged,
        }

    @property
    def any(self) -> bool:
        return any(n for kind, n in self.counts().items() if kind != "unchanged")


class RegistryOrderError(ValueError):
    """A list that would apply before a version already in force began."""


def cities(entries: tuple[Entry, ...] | list[Entry]) -> dict[str, str]:
    """The cities (地级) that units in force belong to, with their names where the list has them."""
    names = {e.code: e.name for e in entries if e.level == "city" and e.valid_to is None}
    found = {
        e.code[:4] + "00"
        for e in entries
        if e.level in ("county", "township", "village") and e.valid_to is None
    }
    return {code: names.get(code, code) for code in sorted(found | set(names))}


def merge(
    versions: tuple[Entry, ...], official: tuple[Entry, ...], start: dt.date | None
) -> tuple[list[Entry], Changes]:
    """The registry's versions after ``official`` applies from ``start`` (None: it replaces the
    history, every unit valid always), and what changed."""
    changes = Changes()
    if start is None:
        changes.added = list(official)
        return [dataclasses.replace(e, valid_from=None, valid_to=None) for e in official], changes
    current = {e.code: e for e in versions if e.valid_to is None}
    late = [e for e in current.values() if e.valid_from and e.valid_from > start]
    if late:
        raise RegistryOrderError(
            f"新名录的起用日期 {start} 早于现行名录中 {late[0].name}（{late[0].code}）的起用日期 {late[0].valid_from}；"
            "名录只能按时间顺序载入"
        )
    listed = {e.code: e for e in official}
    result: list[Entry] = []
    for e in versions:
        new = listed.get(e.code) if e.valid_to is None else None
        if e.valid_to is not None or (new is not None and new.same_unit_as(e)):
            result.append(e)
            changes.unchanged += e.valid_to is None
            continue
        result.append(dataclasses.replace(e, valid_to=start))
        if new is None:
            changes.retired.append(e)
            continue
        (changes.renamed if new.name != e.name else changes.changed).append((e, new))
        result.append(dataclasses.replace(new, valid_from=start, valid_to=None))
    for code, new in listed.items():
        if code not in current:
            changes.added.append(new)
            result.append(dataclasses.replace(new, valid_from=start, valid_to=None))
    _pair_moves(changes)
    return result, changes


def _pair_moves(changes: Changes) -> None:
    """A retired unit and an added one of the same level, name and county: one unit moved."""
    added = {(e.level, e.name, e.code[:6]): e for e in changes.added}
    for old in list(changes.retired):
        new = added.pop((old.level, old.name, old.code[:6]), None)
        if new is not None:
            changes.retired.remove(old)
            changes.added.remove(new)
            changes.moved.append((old, new))
