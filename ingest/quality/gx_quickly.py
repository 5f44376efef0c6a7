"""Great Expectations, spared work it does for nothing inside the audit. Each patch keeps what
GX produces (results, floats, warnings, pages) as it was; each is idempotent."""

from __future__ import annotations


def convert_decimals_quickly() -> None:
    """Make Great Expectations turn a ``Decimal`` into a float without walking the stack.

    GX (1.x) converts every ``Decimal`` it serialises (the values of failing rows, from numeric
    columns) with ``inspect.stack()``, which reads the source of every frame, only to learn
    whether its rule-based profiler is the caller (the audit never uses it) and so whether to
    warn of a lossy conversion. The stack walk was 40 % of the CPU of an audit with a few
    hundred failing rows. The float and the warning stay as GX makes them. Idempotent.
    """
    import decimal

    from great_expectations import util

    if getattr(util.convert_decimal_to_float, "quick", False):
        return

    def convert_decimal_to_float(d) -> float:
        if isinstance(d, decimal.Decimal) and util.requires_lossy_conversion(d=d):
            util.logger.warning(
                f"Using lossy conversion for decimal {d} to float object to support serialization."
            )
        return float(d)

    convert_decimal_to_float.quick = True
    util.convert_decimal_to_float = convert_decimal_to_float


def render_pages_quickly() -> None:
    """Let every Great Expectations page renderer share its compiled templates.

    GX (1.x) gives each of its Data Docs views a Jinja environment of its own, so every audit
    compiles the same fifty templates again: nine tenths of the time it spends writing the
    steward's pages. A bytecode cache shared by those environments compiles each template
    once per process; the pages are the same. Idempotent.
    """
    from great_expectations.render.view.view import DefaultJinjaView
    from jinja2 import BytecodeCache

    if getattr(DefaultJinjaView.__init__, "shares_templates", False):
        return

    class InMemory(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.code:
                bucket.bytecode_from_string(self.code[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            self.code[bucket.key] = bucket.bytecode_to_string()

    shared, make = InMemory(), DefaultJinjaView.__init__

    def init(self, *args, **kwargs) -> None:
        make(self, *args, **kwargs)
        self.env.bytecode_cache = shared

    init.shares_templates = True
    init.original = make
    DefaultJinjaView.__init__ = init
