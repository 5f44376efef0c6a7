"""Settings: where things live and how to reach the warehouse, from the environment variables
declared in ``ingest/variables.py`` (each with a working local default)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from ingest.variables import ROLES, value

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT", "ROLES", "Settings", "local_secret"]


@dataclass(frozen=True)
class Settings:
    """Where things live and how to reach the warehouse, read from the environment."""

    home: Path
    port: int
    database: str
    admin_user: str
    admin_password: str
    external_url: str | None
    dbt_project_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        external = value("WAREHOUSE_URL") or None
        database = value("WAREHOUSE_DB")
        if external:  # the database is the one the URL names
            database = urlsplit(external).path.lstrip("/") or database
        return cls(
            home=Path(value("DANGJIAN_HOME") or PROJECT_ROOT / ".local").resolve(),
            port=value("WAREHOUSE_PORT"),
            database=database,
            admin_user=value("WAREHOUSE_ADMIN_USER"),
            admin_password=value("WAREHOUSE_ADMIN_PASSWORD"),
            external_url=external,
            dbt_project_dir=Path(value("DBT_PROJECT_DIR") or PROJECT_ROOT / "dbt_project"),
        )

    # --- folders -------------------------------------------------------------------------
    @property
    def inbox(self) -> Path:
        return Path(value("DANGJIAN_INBOX") or self.home / "inbox")

    @property
    def archive(self) -> str:
        """Where originals are archived: a local folder or any fsspec URL (``s3://…``)."""
        return value("DANGJIAN_ARCHIVE") or str(self.home / "archive")

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def airflow_home(self) -> Path:
        return Path(value("AIRFLOW_HOME") or self.home / "airflow")

    # --- connections ---------------------------------------------------------------------
    @staticmethod
    def role_password(role: str) -> str:
        """Password of a login role: ``WAREHOUSE_<ROLE>_PASSWORD``, else a local default."""
        return value(f"WAREHOUSE_{role.upper()}_PASSWORD")

    def url(self, role: str | None = None) -> str:
        """PostgreSQL URL for the owner (``role=None``) or one of :data:`ROLES`."""
        base = self.external_url or (
            f"postgresql://{quote(self.admin_user)}:{quote(self.admin_password, safe='')}"
            f"@127.0.0.1:{self.port}/{self.database}"
        )
        if role is None:
            return base
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
        explicit = value(f"WAREHOUSE_{role.upper()}_URL")
        if explicit:  # e.g. from the role's own Airflow connection
            return explicit
        parts = urlsplit(base)
        host = parts.hostname or "127.0.0.1"
        netloc = f"{role}:{quote(self.role_password(role), safe='')}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    def airflow_conn_uri(self, role: str | None = None) -> str:
        """The same URL in the form Airflow connections take (``postgres://``)."""
        return "postgres://" + self.url(role).split("://", 1)[1]


def local_secret(path: Path) -> str:
    """A random secret for a local run, made once at ``path`` (mode 0600) and kept there."""
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
