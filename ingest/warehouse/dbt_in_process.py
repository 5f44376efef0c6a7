"""What spares dbt work when it runs inside a long-lived process: ``dbt.run`` (the ``dangjian``
commands and the tests) and the Airflow ``dbt_build`` task (Cosmos, ``dbtRunner``). Each
changes how dbt does something, never what it does; each has a test that holds the two equal."""

from __future__ import annotations

import sys


def name_flag_sources_quickly() -> None:
    """Make dbt's behaviour flags find their declaring module from the frames' globals.

    dbt-common (1.39) names the module that declared each behaviour flag by walking
    ``inspect.stack()``, which reads the source lines of every frame and searches
    ``sys.modules`` for each: about 70 ms a flag inside an Airflow task (a deep stack, thousands
    of modules), so 1.2 s of every dbt command Cosmos runs in-process, a third of a night's
    dbt time. The same name comes from each frame's globals in microseconds. Idempotent.
    """
    from dbt_common import behavior_flags

    def default_source() -> str:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_globals.get("__name__")
            if name and name != behavior_flags.__name__:
                return name
            frame = frame.f_back
        return "Unknown"

    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(default_source)


def keep_connections_per_thread() -> None:
    """Let each of dbt's threads keep its PostgreSQL connection from one node to the next.

    dbt-postgres closes the connection after every node and opens another for the next: about
    260 connections a build, each a password handshake and a new server process whose catalog
    caches start empty. A city build measured side by side: 5.7 s of dbt's CPU and 4.2 s of the
    server's with a connection per node, 4.8 s and 2.8 s with one per thread. dbt-snowflake keeps
    its connections this way (``reuse_connections``); dbt-core#7587 proposed it for every adapter.

    Between two nodes the connection is rolled back, so no lock, snapshot or transaction passes
    from one node to the next. The rollback also resets psycopg2's own idea of the transaction:
    after dbt ends one with a ``commit`` statement psycopg2 still believes it open and would not
    begin the next (a pre-hook's ``on commit drop`` tables would vanish at once). A connection
    that broke (the server went away) is closed as before, and dbt closes every connection at
    the end of the command. Idempotent.
    """
    from dbt.adapters.postgres.connections import PostgresConnectionManager
    from psycopg2 import extensions

    close = PostgresConnectionManager.release
    if getattr(close, "keeps_connection", False):
        return

    def release(self) -> None:
        with self.lock:
            conn = self.get_if_exists()
        handle = getattr(conn, "handle", None)
        if conn is None or conn.state != "open" or not hasattr(handle, "rollback") or handle.closed:
            return close(self)
        try:
            idle = handle.info.transaction_status == extensions.TRANSACTION_STATUS_IDLE
            if handle.status != extensions.STATUS_READY or not idle:
                if idle:  # psycopg2's stale transaction: make it real, then roll it back quietly
                    handle.cursor().execute("begin")
                handle.rollback()
        except Exception:
            return close(self)
        conn.transaction_open = False

    release.keeps_connection = True
    PostgresConnectionManager.release = release


def build_events_quickly() -> None:
    """Build dbt's log events with their protobuf message's own constructor.

    Every event dbt fires (about 4,600 in a build of the city: a node's start, its SQL, its
    result) fills its message with protobuf's ``ParseDict``, which walks the keyword arguments
    in Python as if they were JSON: 47 µs for a typical ``SQLQuery``, about 0.2 s of CPU a
    build. The message's constructor makes the same message in C (upb) in 2.3 µs. Where the arguments are not what the constructor takes (a
    timestamp given as text, a field by its JSON name) it raises, and dbt's own way is used.
    tests/integration/test_dbt_connections.py compares the two for every event of a build.
    Idempotent.
    """
    from dbt_common.events import base_types

    init = base_types.BaseEvent.__init__
    if getattr(init, "quick", False):
        return

    def __init__(self, *args, **kwargs) -> None:
        message = None if args else quick_message(type(self), kwargs)
        if message is None:
            init(self, *args, **kwargs)
        else:
            object.__setattr__(self, "pb_msg", message)

    __init__.quick = True
    base_types.BaseEvent.__init__ = __init__


def quick_message(event_type: type, kwargs: dict):
    """The event's message from its constructor, or None where only ``ParseDict`` can make it."""
    for key in ("base_msg", "msg"):  # as dbt's BaseEvent does
        if key in kwargs:
            kwargs[key] = str(kwargs[key])
    try:
        return getattr(event_type.PROTO_TYPES_MODULE, event_type.__name__)(**kwargs)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def compile_templates_once() -> None:
    """Compile each Jinja source once per process, not once per node and command.

    dbt makes a new Jinja environment for every template it renders (a node's SQL, a test's
    arguments) and compiles the source to Python again each time: a node's own SQL in every
    build, the same few sources in every test. Jinja's generated code does not depend on the
    environment object, only on its kind and settings (its own bytecode cache reuses code the
    same way), and dbt's environments of one class differ only in what they do at run time
    (``undefined``). So the code is kept by class and source. Idempotent.
    """
    from dbt_common.clients import jinja

    for kind in (jinja.MacroFuzzEnvironment, jinja.NativeSandboxEnvironment):
        if "compile" in vars(kind) and getattr(vars(kind)["compile"], "once", False):
            continue
        kind.compile = _compiling_once(kind, kind.compile)


def _compiling_once(kind: type, compile_):
    compiled: dict[str, object] = {}

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if type(self) is not kind or name or filename or raw or defer_init or not isinstance(source, str):
            return compile_(self, source, name, filename, raw, defer_init)
        code = compiled.get(source)
        if code is None:
            code = compiled[source] = compile_(self, source)
        return code

    compile.once = True
    return compile


def quicken_in_process() -> None:
    """Everything that spares dbt work when it runs inside a long-lived process (``dbt.run``,
    and the Airflow ``dbt_build`` task): the flag-source walk, a connection per node, the
    events' messages and the templates' compilation. Idempotent."""
    name_flag_sources_quickly()
    keep_connections_per_thread()
    build_events_quickly()
    compile_templates_once()
