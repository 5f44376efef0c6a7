"""The warehouse's copy of the org-unit registry (``raw.org_unit``), and the region it remembers.

``raw.org_unit`` is loaded from the registry file in use (:func:`ingest.contract.orgunits.registry_path`)
on every ``warehouse up``, every version of every unit, so the audit checks a submission
against the units in force in its period, as the clerk's check does.

The warehouse remembers its region, the cities (地级) its units belong to, in
``quality.registry_load``. A registry that leaves out any of them is another region's: the
warehouse refuses it, at ``warehouse up`` and at ``dangjian registry load``, unless the load is
told to replace the region (``--replace-region``). A larger region (the province around the
city) is accepted.

``dangjian registry load FILE --from PERIOD`` follows an official list over time
(:mod:`ingest.contract.registry_changes`): it reports what changed, writes the new versions to
the home's copy of the registry, and loads them here, holding the build lease (so not while a
night builds).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from ingest.config import Settings
from ingest.contract import orgunits, period_start, registry_file
from ingest.contract.registry_changes import Changes, cities, merge
from ingest.contract.registry_file import Entry
from ingest.variables import is_set, value
from ingest.warehouse.embedded import WarehouseError

_COLUMNS = "org_unit_code, org_unit_name, unit_type, unit_level, parent_code, urban_rural_class, valid_from, valid_to"


class RegistryRegionError(WarehouseError):
    """A registry of another region than the warehouse's, or not the one it last loaded."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(entries: tuple[Entry, ...] | list[Entry], region: str) -> list[tuple]:
    """``raw.org_unit`` rows: the file's units below the province, plus the synthetic counties
    of a scale region."""
    rows = [
        (
            e.code,
            e.name,
            e.kind,
            e.level,
            e.parent if e.level != "city" else None,
            e.urban_rural,
            e.valid_from or "-infinity",
            e.valid_to,
        )
        for e in entries
        if e.level != "province"
    ]
    if region != "city":
        known = {e.code for e in entries}
        for county, name in orgunits.counties(region).items():
            if county in known:
                continue
            city = county[:4] + "00"
            if city not in known:
                known.add(city)
                rows.append((city, city, "市（州）", "city", None, None, "-infinity", None))
            rows.append((county, name, name[-1], "county", city, None, "-infinity", None))
            for township in orgunits.townships(county):
                t = township.unit
                rows.append((t.code, t.name, t.kind, "township", county, None, "-infinity", None))
                rows += [
                    (u.code, u.name, u.kind, "village", t.code, None, "-infinity", None)
                    for u in township.units
                ]
    return rows


def recorded_region(conn: psycopg.Connection) -> tuple[dict[str, str], str] | None:
    """The warehouse's region (city code → name) and the sha256 of the registry it holds."""
    row = conn.execute("select region, sha256 from quality.registry_load order by id desc limit 1").fetchone()
    return (row[0], row[1]) if row else None


def _loaded_by_command(conn: psycopg.Connection, digest: str) -> tuple | None:
    """The last ``registry load``, when the warehouse holds what it loaded and ``digest`` is
    another file: the versions it made would be lost by reloading."""
    row = conn.execute(
        "select loaded_at, source_file, sha256 from quality.registry_load"
        " where changes ? 'added' order by id desc limit 1"
    ).fetchone()
    newest = recorded_region(conn)
    return row if row and newest and newest[1] == row[2] != digest else None


def check_region(recorded: dict[str, str] | None, region: dict[str, str], source: str) -> None:
    """Refuse a registry that leaves out any city of the warehouse's region."""
    missing = sorted(set(recorded or {}) - set(region))
    if missing:
        had = "、".join(f"{recorded[c]}（{c}）" for c in missing)
        has = "、".join(f"{name}（{code}）" for code, name in region.items()) or "无"
        raise RegistryRegionError(
            f"区划名录 {source} 属于另一个区域：数仓的名录包括 {had}，新名录只有 {has}。"
            "若确要替换数仓的区域，请用 dangjian registry load 文件 --replace-region。\n"
            f"The registry {source} is another region's: it leaves out {', '.join(missing)} of the"
            " warehouse's region. Load it with `dangjian registry load FILE --replace-region` to replace the region."
        )


def _replace(conn: psycopg.Connection, rows: list[tuple]) -> None:
    conn.execute("delete from raw.org_unit")
    with conn.cursor().copy(f"copy raw.org_unit ({_COLUMNS}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


def _record(
    conn: psycopg.Connection,
    source: Path,
    digest: str,
    region: dict[str, str],
    changes: dict,
    applies_from: object = None,
    replaced: bool = False,
) -> None:
    """Remember a change of the registry: the file it came from, the sha256 of the registry
    now in use, the region, what changed."""
    conn.execute(
        "insert into quality.registry_load (source_file, sha256, applies_from, region, changes, replaced_region)"
        " values (%s, %s, %s, %s, %s, %s)",
        (str(source), digest, applies_from, Jsonb(region), Jsonb(changes), replaced),
    )


def sync(conn: psycopg.Connection) -> int:
    """Load ``raw.org_unit`` from the registry file in use (one transaction); returns its rows.
    Records the region when the file is new to the warehouse; refuses another region's."""
    path = orgunits.registry_path()
    entries = orgunits.registry().entries
    region = cities(entries)
    rows = _rows(entries, value("DANGJIAN_REGION"))
    with conn.transaction():
        conn.execute("lock table quality.registry_load in exclusive mode")
        recorded = recorded_region(conn)
        check_region(recorded[0] if recorded else None, region, str(path))
        digest = _digest(path)
        lost = _loaded_by_command(conn, digest)
        if lost:
            raise RegistryRegionError(
                f"数仓的区划名录由 dangjian registry load 于 {lost[0]:%Y-%m-%d %H:%M} 载入（{lost[1]}），"
                f"与现用的名录文件 {path} 不同：家目录中的名录副本是否丢失？请重新载入该名录，"
                f"或确认改用此文件：dangjian registry load {path} --replace-region。\n"
                f"The warehouse's registry was loaded by `dangjian registry load` from {lost[1]}, and the"
                f" registry file in use ({path}) differs; loading it would lose those versions."
            )
        _replace(conn, rows)
        if recorded is None or recorded[1] != digest:
            _record(conn, path, digest, region, {"rows": len(rows)})
    return len(rows)


@dataclass
class Loaded:
    """What ``dangjian registry load`` did."""

    changes: Changes
    versions: list[Entry]
    region: dict[str, str]
    replaced_region: bool
    written: Path | None


def load(
    s: Settings, path: Path, period: str | None, replace_region: bool = False, dry_run: bool = False
) -> Loaded:
    """Apply the official list ``path`` from ``period`` to the registry in use: the new
    versions go to the home's copy and to the warehouse (both unless ``dry_run``)."""
    official = registry_file.read(path)
    dated = [e for e in official if e.valid_from or e.valid_to]
    if dated and not replace_region:
        raise registry_file.RegistryFileError(
            path,
            [
                f"第{dated[0].line}行：正式名录不带起用/停用日期；带日期的完整名录只能用 --replace-region 整体替换"
            ],
        )
    if period is None and not replace_region:
        raise ValueError(
            "--from PERIOD is required: the period from which the list applies (or --replace-region)"
        )
    if is_set("DANGJIAN_REGISTRY_FILE") and not dry_run:
        raise ValueError(
            "DANGJIAN_REGISTRY_FILE is set, so the registry in use is that file and not the home's copy this"
            " command keeps: unset it, or replace that file yourself"
        )
    region = cities(official)
    with psycopg.connect(s.url()) as conn:
        recorded = recorded_region(conn)
        if not replace_region:
            check_region(recorded[0] if recorded else cities(orgunits.registry().entries), region, str(path))
        start = None if replace_region else period_start(period)
        if dated:
            versions, changes = list(official), Changes(added=list(official))
        else:
            versions, changes = merge(orgunits.registry().entries, official, start)
        if dry_run:
            return Loaded(changes, versions, region, replace_region, None)
        from ingest.publish import BuildBusy, release_build_lease, take_build_lease

        lease = f"registry-load {path.name}"
        try:  # no build reads half a registry, or one other than the night's audit sees
            take_build_lease(s, lease, wait=0)
        except BuildBusy as e:
            raise RegistryRegionError(
                f"名录未载入：有运行正在构建，请等它结束后再载入 / not loaded: {e}"
            ) from e
        target = orgunits.home_copy()
        staged = target.with_name(target.name + ".new")
        try:
            registry_file.write(staged, versions)  # in place only once the warehouse has it
            rows = _rows(versions, value("DANGJIAN_REGION"))
            with conn.transaction():
                _replace(conn, rows)
                counts = changes.counts() | {"rows": len(rows)}
                _record(conn, path, _digest(staged), region, counts, start, replace_region)
            staged.replace(target)
        finally:
            staged.unlink(missing_ok=True)
            release_build_lease(s, lease)
    return Loaded(changes, versions, region, replace_region, target)


def history(s: Settings, limit: int = 10) -> list[tuple]:
    """The warehouse's latest registry loads, newest first: when, the file, from when, the
    region (city code → name), what changed, whether the region was replaced."""
    with psycopg.connect(s.url()) as conn:
        return conn.execute(
            "select loaded_at, source_file, applies_from, region, changes, replaced_region"
            " from quality.registry_load order by id desc limit %s",
            (limit,),
        ).fetchall()
