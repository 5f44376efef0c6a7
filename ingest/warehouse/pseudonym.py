"""Pseudonymous person keys: HMAC-SHA256 of the ID number under a secret key.

Analysts see a person only as ``person_key``; the ID number and name stay in
``restricted.person_identity`` for stewards. The key comes from ``DANGJIAN_PSEUDONYM_KEY``; a
local run without it makes a random one once, at ``<DANGJIAN_HOME>/secrets/pseudonym_key``
(mode 0600), so that keys stay the same from night to night.

dbt never sees the key. ``install`` (run by ``dangjian warehouse up``) stores HMAC's two
derived pads in ``restricted.pseudonym_key``, which only the transformer and the owner can
read, and the dbt macro ``pseudonymise`` computes ``sha256(outer || sha256(inner || id))``:
HMAC-SHA256 exactly (RFC 2104), with no key in any SQL text, compiled file or log.

Rotating the key keeps history joinable: when ``install`` finds a different key installed,
``rotate`` re-keys every stored person key in the same transaction as the new pads (the
incremental tables, the role history, the published and previous builds, the restricted
identities), so the next build needs no full refresh and the role history goes on under
the new keys; ``restricted.person_key_map`` keeps old key beside new for stewards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ingest import contract
from ingest.config import Settings, local_secret
from ingest.variables import value

log = logging.getLogger(__name__)

_BLOCK = 64  # SHA-256's block size in bytes


def key(s: Settings) -> bytes:
    """The pseudonymisation key: from the environment, else the local one (made once)."""
    configured = value("DANGJIAN_PSEUDONYM_KEY")
    if configured:
        return configured.encode()
    return local_secret(s.home / "secrets" / "pseudonym_key").encode()


def pads(secret: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer pads for ``secret`` (RFC 2104)."""
    if len(secret) > _BLOCK:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in secret), bytes(b ^ 0x5C for b in secret)


def person_key(id_number: str, secret: bytes) -> str:
    """The person key of an ID number, as the warehouse computes it (the reference for tests)."""
    return hmac.new(secret, id_number.encode(), hashlib.sha256).hexdigest()


def keyed_by_pads(id_number: str, inner: bytes, outer: bytes) -> str:
    """The person key from a key's stored pads (what the dbt macro computes): a rotation knows
    the old key only by its pads."""
    return hashlib.sha256(outer + hashlib.sha256(inner + id_number.encode()).digest()).hexdigest()


def key_id(secret: bytes) -> str:
    """A short fingerprint that names a key (in logs and rotation records) without revealing it."""
    return hmac.new(secret, b"dangjian key id", hashlib.sha256).hexdigest()[:12]


class RotationRefused(RuntimeError):
    """The key cannot be rotated now (a run is building)."""


@dataclass(frozen=True)
class Rotation:
    old_key_id: str
    new_key_id: str
    persons: int
    rekeyed: dict[str, int]  # "schema.table.column" -> rows whose person key was replaced


def install(s: Settings, conn: psycopg.Connection) -> str:
    """Store the current key's pads for dbt (owner connection); returns the key's fingerprint.

    A different key already installed is rotated out (:func:`rotate`), in the same
    transaction, while holding the build lease so that no build reads half-changed keys."""
    secret = key(s)
    new_id = key_id(secret)
    installed = conn.execute("select key_id from restricted.pseudonym_key").fetchone()
    if installed and installed[0] == new_id:
        return new_id
    if installed:
        from ingest.publish import BuildBusy, release_build_lease, take_build_lease

        lease = f"key-rotation {installed[0]} -> {new_id}"
        try:
            take_build_lease(s, lease, wait=0)
        except BuildBusy as e:
            raise RotationRefused(
                f"化名密钥未轮换：有运行正在构建，请暂停 DAG 并等它结束 / the key was not rotated: {e}"
            ) from e
        try:
            with conn.transaction():
                rotation = rotate(conn, secret)
        finally:
            release_build_lease(s, lease)
        log.warning(
            "化名密钥已轮换 / pseudonymisation key rotated %s -> %s: %d persons, %d stored keys replaced",
            rotation.old_key_id,
            rotation.new_key_id,
            rotation.persons,
            sum(rotation.rekeyed.values()),
        )
        return new_id
    _store_pads(conn, secret)
    return new_id


def _store_pads(conn: psycopg.Connection, secret: bytes) -> None:
    inner, outer = pads(secret)
    conn.execute(
        "insert into restricted.pseudonym_key (singleton, key_id, inner_pad, outer_pad)"
        " values (true, %s, %s, %s) on conflict (singleton) do update set key_id = excluded.key_id,"
        " inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, installed_at = now()",
        (key_id(secret), inner, outer),
    )


#: Where person keys are stored, found by name in every table outside ``raw`` and ``quality``
#: (and outside the map of a rotation itself): ``person_key``, ``mentor1_person_key``, …
_KEYED_COLUMNS = r"""
select n.nspname, c.relname, a.attname,
       exists (select from pg_attribute h where h.attrelid = c.oid and h.attname = 'role_holding_id'
               and not h.attisdropped) and a.attname = 'person_key'
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname not in ('raw', 'quality', 'information_schema') and n.nspname not like 'pg\_%'
  and (a.attname = 'person_key' or a.attname like '%\_person\_key')
  and (n.nspname, c.relname) <> ('restricted', 'person_key_map')
order by 1, 2, 3
"""


def rotate(conn: psycopg.Connection, secret: bytes) -> Rotation:
    """Replace the installed key by ``secret`` and re-key everything stored under it (owner
    connection, inside the caller's transaction).

    Every ID number ever received (every ``id_number`` column of the contract, superseded
    submissions included, so the role history's old holdings are found too) is keyed under
    the old pads and the new key; each stored person key is replaced by its new one, and a
    role holding's id, which is made from the person key, is made again. The pairs are kept
    in ``restricted.person_key_map``."""
    conn.execute("lock table restricted.pseudonym_key in access exclusive mode")
    old_id, inner, outer = conn.execute(
        "select key_id, inner_pad, outer_pad from restricted.pseudonym_key"
    ).fetchone()
    new_id = key_id(secret)
    ids = sql.SQL(" union ").join(
        sql.SQL("select {} from {}").format(sql.Identifier(c.name), sql.SQL(sheet.table))
        for sheet in contract.SHEETS
        for c in sheet.columns
        if c.type == "id_number"
    )
    conn.execute(
        "create temp table person_key_pairs (old text primary key, new text not null) on commit drop"
    )
    with conn.cursor() as cur:
        people = [r[0] for r in cur.execute(ids) if r[0] is not None]
        with cur.copy("copy person_key_pairs (old, new) from stdin") as copy:
            for id_number in people:
                copy.write_row((keyed_by_pads(id_number, inner, outer), person_key(id_number, secret)))
    rekeyed: dict[str, int] = {}
    for schema, table, column, holds_roles in conn.execute(_KEYED_COLUMNS).fetchall():
        assignments = [sql.SQL("{} = p.new").format(sql.Identifier(column))]
        if holds_roles:
            assignments.append(
                sql.SQL("role_holding_id = restricted.role_holding_id(p.new, t.role, t.org_unit_code)")
            )
        cur = conn.execute(
            sql.SQL("update {}.{} as t set {} from person_key_pairs as p where t.{} = p.old").format(
                sql.Identifier(schema),
                sql.Identifier(table),
                sql.SQL(", ").join(assignments),
                sql.Identifier(column),
            )
        )
        rekeyed[f"{schema}.{table}.{column}"] = cur.rowcount
    rotation_id = conn.execute(
        "insert into restricted.key_rotation (old_key_id, new_key_id, persons, rekeyed)"
        " values (%s, %s, %s, %s) returning rotation_id",
        (old_id, new_id, len(people), json.dumps(rekeyed)),
    ).fetchone()[0]
    conn.execute(
        "insert into restricted.person_key_map (rotation_id, old_person_key, new_person_key)"
        " select %s, old, new from person_key_pairs",
        (rotation_id,),
    )
    _store_pads(conn, secret)
    return Rotation(old_id, new_id, len(people), rekeyed)
