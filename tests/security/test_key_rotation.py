"""Rotating the pseudonymisation key keeps history joinable (docs/operations.md, "Rotate the
pseudonymisation key").

Two nights build a role history with a changed holding; then the key changes and
``dangjian warehouse up`` (bootstrap) rotates it. Every stored person key must now be the new
key's, in every schema that keeps one; the role history must go on under the new keys
without a version added or lost; keys saved before the rotation must translate through
``restricted.person_key_map``; and the next ordinary (incremental) night must publish exactly
what a full rebuild under the new key publishes.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest

from ingest import publish
from ingest.quality.audit import audit
from ingest.samples import generator
from ingest.warehouse import dbt, pseudonym
from ingest.warehouse.schema import bootstrap
from tests.helpers import content_hash, query

COUNTIES = ["520603", "520624"]


def _changed_appraisal(folder: Path) -> tuple[Path, dict]:
    """520603's workbook again with one cadre's appraisal changed; returns it and the row."""
    rows = generator.county_rows("520603", "2025")
    cadre = next(r for r in rows["cadres"] if r.get("appraisal"))
    cadre["appraisal"] = "称职" if cadre["appraisal"] != "称职" else "优秀"
    return generator.write_workbook(folder / "520603_2025_resubmitted.xlsx", "520603", "2025", rows), cadre


def _keys_in(s, schema: str) -> set[str]:
    """Every person key stored in ``schema`` (each table's person_key and *_person_key columns;
    the rotation's own map of old keys to new aside)."""
    columns = query(
        s,
        "select table_name, column_name from information_schema.columns where table_schema = %s"
        " and (column_name = 'person_key' or column_name like '%%\\_person\\_key')"
        " and table_name <> 'person_key_map'",
        (schema,),
    )
    keys: set[str] = set()
    for table, column in columns:
        keys |= {k for (k,) in query(s, f'select "{column}" from "{schema}"."{table}"') if k}
    return keys


def test_a_rotated_key_rekeys_all_history_and_the_next_night_needs_no_full_refresh(
    wh, night, monkeypatch, tmp_path
):
    old_secret = pseudonym.key(wh)  # the local key the warehouse was bootstrapped with
    night(wh, "night-1", generator.generate("2025", wh.inbox, counties=COUNTIES))
    resubmitted, cadre = _changed_appraisal(tmp_path)
    night(wh, "night-2", [resubmitted])

    holding = (cadre["role"], cadre["org_unit_code"])
    history = (
        "select role_holding_id, appraisal from marts.dim_cadre_role_history"
        " where person_key = %s and role = %s and org_unit_code = %s order by valid_from_at"
    )
    versions = query(wh, history, (pseudonym.person_key(cadre["id_number"], old_secret), *holding))
    assert len(versions) == 2 and versions[-1][1] == cadre["appraisal"], (
        "the changed holding has two versions"
    )
    saved = {
        k for (k,) in query(wh, "select distinct person_key from marts.fct_cadre_roster", role="analyst")
    }
    snapshot_rows = query(wh, "select count(*) from snapshots.snp_cadre_roles")

    new_secret = secrets.token_hex(32).encode()
    monkeypatch.setenv("DANGJIAN_PSEUDONYM_KEY", new_secret.decode())

    # a run building holds the lease: the key is not rotated, nothing changes
    publish.take_build_lease(wh, "a-night-building", wait=0)
    with pytest.raises(pseudonym.RotationRefused, match="化名密钥未轮换"):
        bootstrap(wh)
    assert query(wh, "select key_id from restricted.pseudonym_key") == [(pseudonym.key_id(old_secret),)]
    assert query(wh, "select count(*) from restricted.key_rotation") == [(0,)]
    publish.release_build_lease(wh, "a-night-building")

    bootstrap(wh)  # what `dangjian warehouse up` does with the new key set
    assert query(wh, "select key_id from restricted.pseudonym_key") == [(pseudonym.key_id(new_secret),)]
    [(old_id, new_id, persons, rekeyed)] = query(
        wh, "select old_key_id, new_key_id, persons, rekeyed from restricted.key_rotation"
    )
    assert (old_id, new_id) == (pseudonym.key_id(old_secret), pseudonym.key_id(new_secret))
    everyone = {i for (i,) in query(wh, "select id_number from restricted.person_identity")}
    assert persons >= len(everyone) > 0
    for table in (
        "snapshots.snp_cadre_roles",
        "intermediate.int_cadre_roster_as_of",
        "marts.fct_cadre_roster",
    ):
        assert rekeyed[f"{table}.person_key"] > 0, table
    assert query(wh, "select count(*) from quality.build_lease") == [(0,)]  # the rotation gave it back

    # every stored key, in every schema that keeps one, is now the new key's
    new_keys = {pseudonym.person_key(i, new_secret) for i in everyone}
    for schema in ("intermediate", "snapshots", "restricted", "marts", "marts_previous"):
        stored = _keys_in(wh, schema)
        assert stored and stored <= new_keys, schema
    assert all(
        key == pseudonym.person_key(i, new_secret)
        for key, i in query(wh, "select person_key, id_number from restricted.person_identity")
    )

    # the role history goes on under the new key: the same versions, one holding id for both,
    # and every holding id made from the new key (as the next build makes it)
    rekeyed_versions = query(wh, history, (pseudonym.person_key(cadre["id_number"], new_secret), *holding))
    assert [a for _, a in rekeyed_versions] == [a for _, a in versions]
    assert len({h for h, _ in rekeyed_versions}) == 1 and rekeyed_versions[0][0] != versions[0][0]
    for table in ("snapshots.snp_cadre_roles", "marts.dim_cadre_role_history"):
        stale = f"select count(*) from {table} where role_holding_id <> restricted.role_holding_id(person_key, role, org_unit_code)"
        assert query(wh, stale) == [(0,)], table

    # keys an analyst saved before the rotation translate, through the steward's map
    mapped = dict(
        query(wh, "select old_person_key, new_person_key from restricted.person_key_map", role="steward")
    )
    assert saved <= mapped.keys()
    now = {k for (k,) in query(wh, "select distinct person_key from marts.fct_cadre_roster", role="analyst")}
    assert {mapped[k] for k in saved} == now
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(wh, "select * from restricted.person_key_map", role="analyst")

    # the next ordinary night adds no role version and publishes what was re-keyed in place
    rekeyed_marts = content_hash(wh)
    night(wh, "night-3", [])
    assert query(wh, "select count(*) from snapshots.snp_cadre_roles") == snapshot_rows
    assert content_hash(wh) == rekeyed_marts

    # ... which is what a full rebuild under the new key publishes
    incremental = content_hash(wh, "intermediate")
    dbt.run(wh, "build", "--full-refresh")
    assert content_hash(wh, "intermediate") == incremental
    audit(wh, "night-4")
    publish.publish(wh, "night-4")
    assert content_hash(wh) == rekeyed_marts
