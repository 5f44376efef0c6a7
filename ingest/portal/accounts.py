"""Personal accounts of the portal: who may log in, as what, and what each person did.

A clerk (``clerk``) belongs to one county and sees only it; a steward (``steward``) sees every
county. Passwords are stored as Argon2id hashes (argon2-cffi's defaults) and never leave this
module. Guessing is throttled per account: after :data:`MAX_FAILURES` failed logins within
:data:`WINDOW_MINUTES`, the account refuses every login, right or wrong, until the window has
passed. Every action (a login, an upload, a submission) is recorded in ``portal.action``
with the person and the time (migration 0008).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg.types.json import Jsonb

from ingest.config import Settings
from ingest.contract import orgunits

ROLES = ("clerk", "steward")
NAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MIN_PASSWORD = 10
MAX_FAILURES = 5
WINDOW_MINUTES = 15
_HASHER = PasswordHasher()


@functools.cache
def _nobody() -> str:
    """Checked against when the account does not exist, so that the answer takes as long
    either way. Made at the first login, not at import: every ``dangjian`` command imports
    this module, and a hash costs a tenth of a second of CPU or more."""
    return _HASHER.hash("nobody-has-this-password")


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why, in Chinese."""


class Throttled(AccountError):
    """Too many failed logins for the account in the window."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    county_code: str | None

    @property
    def is_steward(self) -> bool:
        return self.role == "steward"

    def may_see(self, county_code: str) -> bool:
        """Whether this person may see or act on ``county_code``'s anything."""
        return self.is_steward or county_code == self.county_code


def add(s: Settings, name: str, role: str, county: str | None, password: str) -> Account:
    """Create an account (``county`` for a clerk only, a county of the registry)."""
    if not NAME.match(name):
        raise AccountError(f"账号名 {name!r} 只能由 2–64 个字母、数字或 _ . @ - 组成")
    if role not in ROLES:
        raise AccountError(f"角色只能是 {'、'.join(ROLES)}")
    if (role == "clerk") != bool(county):
        raise AccountError("填报员（clerk）必须指定 --county，数据管理员（steward）不指定")
    if county and county not in orgunits.counties():
        raise AccountError(f"县（区）代码 {county} 不在区划名录中")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")
    with psycopg.connect(s.url()) as conn:
        found = conn.execute(
            "insert into portal.account (name, role, county_code, password_hash) values (%s, %s, %s, %s)"
            " on conflict (name) do nothing returning name",
            (name, role, county, _HASHER.hash(password)),
        ).fetchone()
    if not found:
        raise AccountError(f"账号 {name} 已存在")
    return Account(name, role, county)


def authenticate(s: Settings, name: str, password: str, address: str | None) -> Account | None:
    """The account when ``password`` is right, else None; raises Throttled when the account
    had too many failures lately (the password is then not even checked)."""
    with psycopg.connect(s.url()) as conn:
        failures = conn.execute(
            "select count(*) from portal.login_attempt where name = %s and not succeeded"
            " and attempted_at > now() - make_interval(mins => %s)",
            (name, WINDOW_MINUTES),
        ).fetchone()[0]
        if failures >= MAX_FAILURES:
            conn.execute(
                "insert into portal.login_attempt (name, address, succeeded) values (%s, %s, false)",
                (name, address),
            )
            raise Throttled(f"登录失败次数过多，请 {WINDOW_MINUTES} 分钟后再试")
        row = conn.execute(
            "select role, county_code, password_hash from portal.account where name = %s and disabled_at is null",
            (name,),
        ).fetchone()
        try:
            ok = _HASHER.verify(row[2] if row else _nobody(), password) and row is not None
        except (VerificationError, InvalidHashError):
            ok = False
        conn.execute(
            "insert into portal.login_attempt (name, address, succeeded) values (%s, %s, %s)",
            (name, address, ok),
        )
    if not ok:
        return None
    account = Account(name, row[0], row[1])
    record(s, account, "login", {"address": address})
    return account


def get(s: Settings, name: str) -> Account | None:
    """The account as it is now (None when it was removed or disabled since the login)."""
    with psycopg.connect(s.url()) as conn:
        row = conn.execute(
            "select role, county_code from portal.account where name = %s and disabled_at is null", (name,)
        ).fetchone()
    return Account(name, *row) if row else None


def record(s: Settings, account: Account, action: str, details: dict) -> None:
    """Record what ``account`` did, now."""
    with psycopg.connect(s.url()) as conn:
        conn.execute(
            "insert into portal.action (name, role, county_code, action, details) values (%s, %s, %s, %s, %s)",
            (account.name, account.role, account.county_code, action, Jsonb(details)),
        )
