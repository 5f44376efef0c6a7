"""Pseudonymous person keys: HMAC-SHA256 of the ID number under a secret key.

Analysts see a person only as ``person_key``; the ID number and name stay in
``restricted.person_identity`` for stewards. The key comes from ``DANGJIAN_PSEUDONYM_KEY``; a
local run without it makes a random one once, at ``<DANGJIAN_HOME>/secrets/pseudonym_key``
(mode 0600), so that keys stay the same from night to night.

dbt never sees the key. ``install`` (run by ``dangjian warehouse up``) stores HMAC's two
derived pads in ``restricted.pseudonym_key``, which only the transformer and the owner can
read, and the dbt macro ``pseudonymise`` computes ``sha256(outer || sha256(inner || id))``:
HMAC-SHA256 exactly (RFC 2104), with no key in any SQL text, compiled file or log.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import psycopg

from ingest.config import Settings, local_secret

_BLOCK = 64  # SHA-256's block size in bytes


def key(s: Settings) -> bytes:
    """The pseudonymisation key: from the environment, else the local one (made once)."""
    configured = os.environ.get("DANGJIAN_PSEUDONYM_KEY")
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


def key_id(secret: bytes) -> str:
    """A short fingerprint that names a key (in logs and rotation records) without revealing it."""
    return hmac.new(secret, b"dangjian key id", hashlib.sha256).hexdigest()[:12]


def install(s: Settings, conn: psycopg.Connection) -> str:
    """Store the current key's pads for dbt (owner connection); returns the key's fingerprint."""
    secret = key(s)
    inner, outer = pads(secret)
    conn.execute(
        "insert into restricted.pseudonym_key (singleton, key_id, inner_pad, outer_pad)"
        " values (true, %s, %s, %s) on conflict (singleton) do update set key_id = excluded.key_id,"
        " inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad, installed_at = now()"
        " where restricted.pseudonym_key.key_id is distinct from excluded.key_id",
        (key_id(secret), inner, outer),
    )
    return key_id(secret)
