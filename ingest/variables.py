"""Every environment variable the product reads, declared once with its type, default and
meaning (:data:`VARIABLES`). ``.env.example`` is generated from them (``dangjian config
env-example``; tests/unit/test_config_cli.py keeps it current), and a value of the wrong kind
is refused with the variable's name (:func:`value`) instead of failing somewhere later."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

#: Login roles of the warehouse and what each may do (see docs/warehouse.md).
ROLES = ("loader", "transformer", "analyst", "steward")


class SettingError(ValueError):
    """An environment variable holds a value of the wrong kind."""


@dataclass(frozen=True)
class Variable:
    """One environment variable: ``kind`` says how its text is read (``text``, ``int``,
    ``number``, ``choice``, ``list``: comma-separated), ``default`` applies when it is unset or
    empty. ``used_by`` says who reads it: the product (``product``, also in containers),
    ``compose`` only (docker-compose.yml), or ``local`` runs only (the embedded setup, tests).
    ``example`` is what ``.env.example`` shows (the default when None); ``meaning`` the
    comment above it there, starting a paragraph unless ``joined``."""

    name: str
    section: str
    meaning: str = ""
    default: str = ""
    kind: Literal["text", "int", "number", "choice", "list"] = "text"
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    example: str | None = None
    used_by: Literal["product", "compose", "local"] = "product"
    joined: bool = False

    def parse(self, raw: str) -> Any:
        text = raw.strip()
        if self.kind == "text":
            return raw
        if self.kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if self.kind == "choice":
            if text.lower() not in self.choices:
                raise self._error(raw, f"{'、'.join(self.choices)} 之一", f"one of {', '.join(self.choices)}")
            return text.lower()
        try:
            number = int(text) if self.kind == "int" else float(text)
        except ValueError:
            zh, en = ("整数", "a whole number") if self.kind == "int" else ("数值", "a number")
            raise self._error(raw, zh, en) from None
        low, high = self.minimum, self.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                raise self._error(raw, f"不小于 {low:g} 的数", f"a number ≥ {low:g}")
            raise self._error(raw, f"{low:g} 到 {high:g} 之间的数", f"a number from {low:g} to {high:g}")
        return number

    def _error(self, raw: str, zh: str, en: str) -> SettingError:
        return SettingError(
            f"环境变量 {self.name} 的值「{raw}」无效，应为{zh} / {self.name}={raw!r}: expected {en}"
        )


_AIRFLOW, _WAREHOUSE, _PIPELINE, _NOTIFY, _PORTAL, _LOCAL = (
    "Airflow",
    "Warehouse (PostgreSQL for the statistics; analysts connect to it)",
    "Pipeline",
    "Notifications: the night's outcome (published, nothing new, refused and why, failed) and\n"
    "every failed task, to the operations team",
    "Portal (`dangjian portal`): the web pages for county clerks and data stewards",
    "Local runs only (make demo, the tests, `dangjian` outside the containers): docker compose\n"
    "does not read these; shown with their defaults",
)
_CHANGE_ME = "change-me"


def _port(name: str, section: str, meaning: str = "", **kw: Any) -> Variable:
    return Variable(name, section, meaning, kind="int", minimum=1, maximum=65535, **kw)


def _role_variables() -> list[Variable]:
    meanings = {
        "loader": "Login roles, see ingest/warehouse/sql/migrations/0001_schemas_and_privileges.sql:\nloader: loads counties' workbooks into raw and quality (Airflow only).",
        "transformer": "transformer: runs dbt and the quality audit (Airflow only).",
        "analyst": "analyst: reads the published marts. Give this one to analysts.",
        "steward": "steward: reads marts, quality results and restricted (person-level) data.",
    }
    return [
        Variable(
            f"WAREHOUSE_{role.upper()}_PASSWORD",
            _WAREHOUSE,
            meanings[role],
            default=f"{role}-local",
            example=_CHANGE_ME,
            joined=role != "loader",
        )
        for role in ROLES
    ]


#: Every environment variable, in the order of ``.env.example``.
VARIABLES: tuple[Variable, ...] = (
    Variable(
        "AIRFLOW__CORE__EXECUTOR",
        _AIRFLOW,
        "LocalExecutor (default): tasks run inside airflow-scheduler. CeleryExecutor: tasks run on\n"
        "airflow-worker containers; start with `docker compose --profile celery up -d`.",
        "LocalExecutor",
        used_by="compose",
    ),
    Variable(
        "AIRFLOW__CELERY__WORKER_CONCURRENCY",
        _AIRFLOW,
        "CeleryExecutor: tasks each airflow-worker runs at once (about its cores: ingest batches,\n"
        "dbt and the audit each keep a core busy). `dangjian airflow --celery-workers N` shares the\n"
        "machine's cores among its workers unless this is set.",
        "2",
        kind="int",
        minimum=1,
        used_by="compose",
    ),
    Variable(
        "AIRFLOW_ADMIN_USERNAME",
        _AIRFLOW,
        "Login of the Airflow UI's first admin user (created by airflow-init if missing).",
        "admin",
        used_by="compose",
    ),
    Variable("AIRFLOW_ADMIN_PASSWORD", _AIRFLOW, example=_CHANGE_ME, used_by="compose", joined=True),
    Variable("AIRFLOW_ADMIN_EMAIL", _AIRFLOW, default="admin@example.org", used_by="compose", joined=True),
    Variable(
        "AIRFLOW_DB_PASSWORD",
        _AIRFLOW,
        "Password of the `airflow` role in the metadata database (service postgres).",
        example=_CHANGE_ME,
        used_by="compose",
    ),
    Variable(
        "AIRFLOW_FERNET_KEY",
        _AIRFLOW,
        "Encrypts connection passwords and variables stored in the metadata database. Keep it: data\n"
        "encrypted with a lost key cannot be read. Make one with:\n"
        "    openssl rand -base64 32 | tr '+/' '-_'",
        example=_CHANGE_ME,
        used_by="compose",
    ),
    Variable(
        "AIRFLOW_JWT_SECRET",
        _AIRFLOW,
        "Signs the tokens Airflow's components and tasks use with the API server (same everywhere).",
        example=_CHANGE_ME,
        used_by="compose",
    ),
    Variable(
        "AIRFLOW_API_SECRET_KEY",
        _AIRFLOW,
        "Signs the UI's login sessions.",
        example=_CHANGE_ME,
        used_by="compose",
    ),
    Variable(
        "AIRFLOW_BIND_ADDRESS",
        _AIRFLOW,
        "Where the Airflow UI / API is published on the host. It is plain HTTP: keep 127.0.0.1 and\n"
        "put a TLS reverse proxy in front, or set 0.0.0.0 on a trusted network.",
        "127.0.0.1",
        used_by="compose",
    ),
    _port(
        "AIRFLOW_HOST_PORT",
        _AIRFLOW,
        default="8080",
        used_by="compose",
        joined=True,
    ),
    Variable(
        "REDIS_PASSWORD",
        _AIRFLOW,
        "Password of the Celery broker (service redis, --profile celery). Required even without\n"
        "Celery, because compose checks every setting of the file.",
        example=_CHANGE_ME,
        used_by="compose",
    ),
    Variable(
        "FLOWER_BIND_ADDRESS",
        _AIRFLOW,
        "Where Flower (Celery monitoring, --profile flower) is published on the host.",
        "127.0.0.1",
        used_by="compose",
    ),
    _port(
        "FLOWER_HOST_PORT",
        _AIRFLOW,
        default="5555",
        used_by="compose",
        joined=True,
    ),
    Variable(
        "DANGJIAN_IMAGE",
        _AIRFLOW,
        "The Airflow image built from ./Dockerfile: its name and tag.",
        "dangjian-airflow",
        used_by="compose",
    ),
    Variable("DANGJIAN_IMAGE_TAG", _AIRFLOW, default="local", used_by="compose", joined=True),
    Variable(
        "WAREHOUSE_HOST",
        _WAREHOUSE,
        "Host name of the warehouse server as the Airflow containers see it: `warehouse` is the\n"
        "service in docker-compose.yml. For a managed PostgreSQL put its host name here (see\n"
        "docs/deployment.md); its database must be called `warehouse`.",
        "warehouse",
        used_by="compose",
    ),
    Variable(
        "WAREHOUSE_ADMIN_USER",
        _WAREHOUSE,
        "The owner: superuser of the warehouse service, bootstraps schemas and roles, publishes.",
        "dangjian",
    ),
    Variable(
        "WAREHOUSE_ADMIN_PASSWORD", _WAREHOUSE, default="dangjian-local", example=_CHANGE_ME, joined=True
    ),
    *_role_variables(),
    Variable(
        "WAREHOUSE_BIND_ADDRESS",
        _WAREHOUSE,
        "Where the warehouse is published on the host for analysts' SQL clients. 0.0.0.0 means\n"
        "every interface; set one address (or 127.0.0.1) to narrow it.",
        "127.0.0.1",
        used_by="compose",
    ),
    _port(
        "WAREHOUSE_HOST_PORT",
        _WAREHOUSE,
        default="5433",
        used_by="compose",
        joined=True,
    ),
    Variable(
        "DANGJIAN_RETRY_DELAY_SECONDS",
        _PIPELINE,
        "First retry delay of a failed task, in seconds (doubles on each retry, at most 30 minutes).",
        "120",
        kind="int",
        minimum=0,
    ),
    Variable(
        "DANGJIAN_INBOX",
        _PIPELINE,
        "Inbox and archive folders inside the containers. The defaults lie in the dangjian-data\n"
        "volume (/opt/dangjian/data); another path must be on a volume you mount yourself.\n"
        "Locally they default to inbox/ and archive/ under DANGJIAN_HOME.",
        example="/opt/dangjian/data/inbox",
    ),
    Variable(
        "DANGJIAN_ARCHIVE",
        _PIPELINE,
        "The archive may also be any fsspec URL, e.g. s3://bucket/dangjian (install the s3fs package).",
        example="/opt/dangjian/data/archive",
        joined=True,
    ),
    Variable(
        "DANGJIAN_REGISTRY_FILE",
        _PIPELINE,
        "The org-unit registry, a file in the layout of the official 统计用区划代码 (CSV or Excel).\n"
        "Default: the home's copy that `dangjian registry load` keeps, else the synthetic Tongren list.",
    ),
    Variable(
        "DANGJIAN_REGION",
        _PIPELINE,
        "Which counties are accepted: city (the registry's), or the registry's plus synthetic ones\n"
        "to make a province or the nation (scale tests).",
        "city",
        kind="choice",
        choices=("city", "province", "national"),
    ),
    Variable(
        "DANGJIAN_PSEUDONYM_KEY",
        _PIPELINE,
        "The secret behind person keys in marts (HMAC-SHA256 of the ID number). Set it once and keep\n"
        "it: changing it changes every person key. Generate one with: "
        'python -c "import secrets; print(secrets.token_hex(32))"\n'
        "Unset locally: a key is made once in DANGJIAN_HOME/secrets.",
    ),
    Variable(
        "DANGJIAN_DEADLINE_DAYS",
        _PIPELINE,
        "A submission is on time when received within this many days after its period ends.",
        "20",
        kind="int",
        minimum=0,
    ),
    Variable(
        "DANGJIAN_EXPECTED_PERIODS",
        _PIPELINE,
        "Periods expected from every county even before anyone has submitted for them (comma-separated).",
        kind="list",
        joined=True,
    ),
    Variable(
        "DANGJIAN_MAX_REJECTED_SHARE",
        _PIPELINE,
        "Ingestion limits (docs/ingestion.md): a sheet with more than this share of rejected rows is\n"
        "held back whole; files, unpacked contents and sheets above these sizes are refused.",
        "0.5",
        kind="number",
        minimum=0,
        maximum=1,
    ),
    Variable("DANGJIAN_MAX_FILE_MB", _PIPELINE, default="200", kind="number", minimum=0, joined=True),
    Variable("DANGJIAN_MAX_UNPACKED_MB", _PIPELINE, default="1024", kind="number", minimum=0, joined=True),
    Variable("DANGJIAN_MAX_ROWS", _PIPELINE, default="300000", kind="int", minimum=1, joined=True),
    Variable(
        "DANGJIAN_INGEST_TASKS",
        _PIPELINE,
        "A night ingests its files in at most this many Airflow tasks (batches balanced by size, a\n"
        "county's files together; never more than Airflow's [core] max_map_length).",
        "64",
        kind="int",
        minimum=1,
    ),
    Variable(
        "DANGJIAN_BUILD_WAIT_MINUTES",
        _PIPELINE,
        "One run at a time builds, audits and publishes (the nightly DAG and a reprocessing started\n"
        "together): the second waits this long for the first, then fails; a lease older than this\n"
        "many hours is taken to be left by a run that died.",
        "120",
        kind="number",
        minimum=0,
    ),
    Variable("DANGJIAN_BUILD_LEASE_HOURS", _PIPELINE, default="6", kind="number", minimum=0, joined=True),
    Variable(
        "DANGJIAN_NOTIFY",
        _NOTIFY,
        "log (default: into the task log only), webhook or smtp.",
        "log",
        kind="choice",
        choices=("log", "webhook", "smtp"),
    ),
    Variable(
        "DANGJIAN_NOTIFY_WEBHOOK_URL",
        _NOTIFY,
        "webhook: JSON is POSTed here, as WeCom (企业微信) and DingTalk (钉钉) group robots accept it.\n"
        "The robot's URL carries its key: treat it as a secret. The robot's answer is checked (WeCom\n"
        "and DingTalk answer HTTP 200 with a non-zero errcode when they refuse a message); a\n"
        "message that does not get through is tried three times in all, then the task fails.",
        joined=True,
    ),
    Variable(
        "DANGJIAN_NOTIFY_WEBHOOK_SECRET",
        _NOTIFY,
        "webhook: a DingTalk robot's signing secret (加签, SEC…): each request is then signed with it.",
        joined=True,
    ),
    Variable(
        "DANGJIAN_NOTIFY_TO",
        _NOTIFY,
        "smtp: e-mail to these comma-separated addresses, from DANGJIAN_SMTP_FROM, through this server.",
        kind="list",
        joined=True,
    ),
    Variable("DANGJIAN_SMTP_HOST", _NOTIFY, joined=True),
    _port("DANGJIAN_SMTP_PORT", _NOTIFY, default="25", joined=True),
    Variable(
        "DANGJIAN_SMTP_USER",
        _NOTIFY,
        "With a user, the connection is upgraded with STARTTLS and logs in; without one, plain SMTP.",
        joined=True,
    ),
    Variable("DANGJIAN_SMTP_PASSWORD", _NOTIFY, joined=True),
    Variable("DANGJIAN_SMTP_FROM", _NOTIFY, joined=True),
    Variable(
        "DANGJIAN_PORTAL_URL",
        _PORTAL,
        "The portal's address as people reach it (e.g. https://dangjian.example.gov.cn): the night's\n"
        "message then links to its pages (each held-back county's, the steward's) instead of a file path.",
    ),
    Variable(
        "DANGJIAN_PORTAL_SECRET",
        _PORTAL,
        "Signs the portal's session cookies: a long random value, the same on every portal process.\n"
        "Unset locally: a secret is made once in DANGJIAN_HOME/secrets.",
        example=_CHANGE_ME,
    ),
    Variable(
        "DANGJIAN_PORTAL_SESSION_HOURS",
        _PORTAL,
        "A login lasts this many hours; then the person logs in again.",
        "8",
        kind="number",
        minimum=0.01,
        maximum=24 * 30,
    ),
    Variable(
        "DANGJIAN_PORTAL_HTTPS_ONLY",
        _PORTAL,
        "true behind HTTPS (a reverse proxy): the session cookie is then sent over HTTPS only.",
        "false",
        kind="choice",
        choices=("false", "true"),
    ),
    Variable(
        "PORTAL_BIND_ADDRESS",
        _PORTAL,
        "Where the portal is published on the host. It is plain HTTP: keep 127.0.0.1 and put a TLS\n"
        "reverse proxy in front (then DANGJIAN_PORTAL_HTTPS_ONLY=true).",
        "127.0.0.1",
        used_by="compose",
    ),
    _port("PORTAL_HOST_PORT", _PORTAL, default="8800", used_by="compose", joined=True),
    Variable(
        "DANGJIAN_HOME",
        _LOCAL,
        "Where local state lives: the embedded warehouse, inbox, archive, Airflow metadata, reports\n"
        "(default: .local in the checkout).",
        used_by="local",
    ),
    _port(
        "WAREHOUSE_PORT",
        _LOCAL,
        "Port of the embedded warehouse on 127.0.0.1, and its database. Keep it below 32768:\n"
        "Linux lends 32768-60999 to outgoing connections, and one may hold the port just when\n"
        "the warehouse starts.",
        default="15432",
        used_by="local",
    ),
    Variable("WAREHOUSE_DB", _LOCAL, default="warehouse", used_by="local", joined=True),
    Variable(
        "WAREHOUSE_URL",
        _LOCAL,
        "An external warehouse instead of the embedded one: the owner's postgresql:// URL (the\n"
        "containers get it from docker-compose.yml). The roles' own URLs, WAREHOUSE_<ROLE>_URL,\n"
        "are set by the DAG from its Airflow connections.",
        used_by="local",
    ),
    *(Variable(f"WAREHOUSE_{role.upper()}_URL", _LOCAL, used_by="local", joined=True) for role in ROLES),
    Variable(
        "AIRFLOW_HOME",
        _LOCAL,
        "The local Airflow's metadata and configuration (default: DANGJIAN_HOME/airflow).",
        used_by="local",
    ),
    Variable(
        "DANGJIAN_WORKER_NAME",
        _LOCAL,
        "Set by `dangjian airflow --celery-workers N` for each Celery worker it starts: the host its\n"
        "tasks report to Airflow, so that workers sharing one machine can be told apart.",
        used_by="local",
    ),
    Variable(
        "DBT_PROJECT_DIR",
        _LOCAL,
        "The dbt project (default: dbt_project in the checkout), where dbt writes target/ and logs/\n"
        "unless DBT_TARGET_PATH and DBT_LOG_PATH (dbt's own variables) say otherwise.",
        used_by="local",
    ),
    Variable("DBT_TARGET_PATH", _LOCAL, used_by="local", joined=True),
    Variable("DBT_LOG_PATH", _LOCAL, used_by="local", joined=True),
    Variable(
        "DBT_PARTIAL_PARSE",
        _LOCAL,
        "dbt's partial parsing (True or False), as dbt reads it.",
        "True",
        kind="choice",
        choices=("true", "false"),
        used_by="local",
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}


def variable(name: str) -> Variable:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in ingest/config.py VARIABLES") from None


def is_set(name: str) -> bool:
    """Whether the environment gives ``name`` a value (not empty)."""
    return bool(os.environ.get(variable(name).name, ""))


def value(name: str) -> Any:
    """The typed value of a declared variable: the environment's, else its default; a value of
    the wrong kind raises :class:`SettingError` naming the variable."""
    var = variable(name)
    raw = os.environ.get(name, "")
    return var.parse(raw if raw.strip() else var.default)


def check_all() -> list[str]:
    """Every declared variable the product reads, checked: the errors, empty when all are valid."""
    errors = []
    for var in VARIABLES:
        if var.used_by != "compose":
            try:
                value(var.name)
            except SettingError as exc:
                errors.append(str(exc))
    return errors


_ENV_EXAMPLE_HEAD = """\
# Settings for docker-compose.yml. Copy to .env and replace every change-me:
#
#     cp .env.example .env && chmod 600 .env
#
# .env holds the real secrets: it is git-ignored, never commit it. airflow-init refuses to
# start while any value still contains change-me.
#
# Passwords and keys end up inside connection URLs without escaping, so use only letters,
# digits, '-' and '_'. To make one:  openssl rand -hex 24
#
# Database passwords (AIRFLOW_DB_PASSWORD, WAREHOUSE_ADMIN_PASSWORD) are applied when their
# volume is first created; set them before the first `docker compose up`. The four warehouse
# role passwords are re-applied on every `up`, so changing them here rotates them.
#
# Generated from ingest/variables.py by `dangjian config env-example`; edit there, not here.
"""


def env_example() -> str:
    """``.env.example``: every variable with its meaning, grouped by section."""
    rule = "# " + "-" * 93
    lines = [_ENV_EXAMPLE_HEAD.rstrip("\n")]
    section = None
    for var in VARIABLES:
        if var.section != section:
            section = var.section
            lines += ["", rule, *(f"# {line}" for line in section.split("\n")), rule]
        if not var.joined:
            lines.append("")
        lines += [f"# {line}".rstrip() for line in var.meaning.split("\n") if var.meaning]
        shown = var.default if var.example is None else var.example
        lines.append(f"{'# ' if var.used_by == 'local' else ''}{var.name}={shown}")
    return "\n".join(lines) + "\n"
