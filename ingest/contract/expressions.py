"""The rules' expression language: one definition, evaluated in Python and compiled to SQL.

An :class:`Expr` is an expression over the rows of one sheet of a submission. ``values``
evaluates it on the parsed workbook (a :class:`Book`), with SQL's null and three-valued logic
(None is null); ``sql`` compiles it for PostgreSQL, to run on the rows the build is made from
(:func:`relation`). tests/unit/test_expressions.py checks on generated values that both give
the same answer. The rules themselves are in ``ingest/contract/rules.py``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ingest import contract

# --- evaluation contexts ------------------------------------------------------------------


@dataclass
class Book:
    """A parsed submission as the rules see it: each sheet's columns (kept rows only)."""

    county: str
    period: str
    sheets: dict[str, dict[str, list[Any]]]
    counts: dict[str, int]

    @property
    def period_end(self) -> dt.date:
        return contract.period_end(self.period)


@dataclass
class Rows:
    """The rows of one sheet of a :class:`Book` that an expression is evaluated on."""

    book: Book
    sheet: str

    @property
    def n(self) -> int:
        return self.book.counts.get(self.sheet, 0)  # a sheet the book lacks has no rows

    def column(self, name: str) -> list[Any]:
        return self.book.sheets.get(self.sheet, {}).get(name) or [None] * self.n


@dataclass(frozen=True)
class Scope:
    """Where an expression's SQL reads its columns: the alias of one sheet's rows. ``joins``,
    in a rule's query, collects the joins that look-ups into other sheets add to its FROM
    clause (:class:`InSheet`)."""

    alias: str
    sheet: str
    depth: int = 0
    joins: list[str] | None = field(default=None, compare=False)

    def inner(self, sheet: str) -> Scope:
        return Scope(f"o{self.depth + 1}", sheet, self.depth + 1)

    def join(self, relation_sql: str, keys: dict[str, str]) -> str:
        """Left-join ``relation_sql`` (at most one row per key) where each of its ``keys``
        columns equals the given SQL; returns the joined relation's alias."""
        if self.joins is None:
            raise ValueError(
                "a look-up into another sheet compiles in a rule's query (Rule.failing_rows_query)"
            )
        alias = f"k{len(self.joins) + 1}"
        on = " and ".join(f"{alias}.{column} = {sql}" for column, sql in keys.items())
        self.joins.append(f" left join {relation_sql} as {alias} on {on}")
        return alias


def relation(sheet: str) -> str:
    """The rows the build is made from for one sheet: the raw rows of the submissions selected
    for the build (``quality.selected_submissions()``), with the county and period."""
    return (
        "(select s.county_code, s.period, r.*, r.sheet as source_sheet"
        f" from {contract.sheet(sheet).table} as r"
        " join quality.selected_submissions() as s"
        f" on s.submission_id = r.submission_id and s.sheet = '{sheet}')"
    )


#: Each county-period's submissions the build is made from: what a rule on a whole submission judges.
SUBMISSIONS_RELATION = (
    "(select distinct county_code, period, submission_id from quality.selected_submissions()"
    " where submission_id is not null)"
)


def literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return f"date '{value:%Y-%m-%d}'"
    return "'" + str(value).replace("'", "''") + "'"


# --- the expression language -------------------------------------------------------------


class Expr:
    """An expression over one sheet's rows: ``values`` in Python (None for SQL's null, with
    SQL's three-valued logic) and ``sql`` for PostgreSQL, meaning the same thing."""

    def values(self, rows: Rows) -> list[Any]:
        raise NotImplementedError

    def sql(self, scope: Scope) -> str:
        raise NotImplementedError

    def columns(self) -> list[str]:
        """The columns of the rule's own sheet this expression reads (the cells it is about)."""
        return []

    # comparisons; eq/ne are methods, so that expressions stay hashable
    def __ge__(self, other: Any) -> Expr:
        return Compare(">=", self, expr(other))

    def __gt__(self, other: Any) -> Expr:
        return Compare(">", self, expr(other))

    def __le__(self, other: Any) -> Expr:
        return Compare("<=", self, expr(other))

    def __lt__(self, other: Any) -> Expr:
        return Compare("<", self, expr(other))

    def eq(self, other: Any) -> Expr:
        return Compare("=", self, expr(other))

    def ne(self, other: Any) -> Expr:
        return Compare("<>", self, expr(other))

    def between(self, low: Any, high: Any) -> Expr:
        return (self >= low) & (self <= high)

    def isin(self, choices: Sequence[Any]) -> Expr:
        return In(self, tuple(choices))

    def is_null(self) -> Expr:
        return IsNull(self)

    def __and__(self, other: Expr) -> Expr:
        return Logic("and", (self, other))

    def __or__(self, other: Expr) -> Expr:
        return Logic("or", (self, other))

    def __invert__(self) -> Expr:
        return Not(self)

    def __mul__(self, other: Any) -> Expr:
        return Arith("*", self, expr(other))

    def __sub__(self, other: Any) -> Expr:
        return Arith("-", self, expr(other))

    def __rmul__(self, other: Any) -> Expr:
        return Arith("*", expr(other), self)


def expr(value: Any) -> Expr:
    return value if isinstance(value, Expr) else Lit(value)


def unary(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """``fn`` on each value (None stays None), each distinct value computed once; on mostly
    distinct values (ID numbers) a table of them would cost more than it saves."""
    distinct = set(values)
    distinct.discard(None)
    if len(distinct) * 2 > len(values):
        return [None if v is None else fn(v) for v in values]
    done = {v: fn(v) for v in distinct}
    return [None if v is None else done[v] for v in values]


@dataclass(frozen=True)
class Col(Expr):
    name: str

    def values(self, rows: Rows) -> list[Any]:
        return rows.column(self.name)

    def sql(self, scope: Scope) -> str:
        return f"{scope.alias}.{self.name}"

    def columns(self) -> list[str]:
        return [self.name]


@dataclass(frozen=True)
class Lit(Expr):
    value: Any

    def values(self, rows: Rows) -> list[Any]:
        return [self.value] * rows.n

    def sql(self, scope: Scope) -> str:
        return literal(self.value)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "<>": operator.ne,
}


@dataclass(frozen=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def values(self, rows: Rows) -> list[Any]:
        fn = _COMPARE[self.op]
        return [
            None if a is None or b is None else fn(a, b)
            for a, b in zip(self.left.values(rows), self.right.values(rows), strict=True)
        ]

    def sql(self, scope: Scope) -> str:
        return f"({self.left.sql(scope)} {self.op} {self.right.sql(scope)})"

    def columns(self) -> list[str]:
        return [*self.left.columns(), *self.right.columns()]


@dataclass(frozen=True)
class Arith(Expr):
    op: str
    left: Expr
    right: Expr

    def values(self, rows: Rows) -> list[Any]:
        fn = {"*": operator.mul, "+": operator.add, "-": operator.sub}[self.op]
        return [
            None if a is None or b is None else fn(a, b)
            for a, b in zip(self.left.values(rows), self.right.values(rows), strict=True)
        ]

    def sql(self, scope: Scope) -> str:
        return f"({self.left.sql(scope)} {self.op} {self.right.sql(scope)})"

    def columns(self) -> list[str]:
        return [*self.left.columns(), *self.right.columns()]


def _and(values: Sequence[Any]) -> Any:
    return False if False in values else None if None in values else True


def _or(values: Sequence[Any]) -> Any:
    return True if True in values else None if None in values else False


@dataclass(frozen=True)
class Logic(Expr):
    op: Literal["and", "or"]
    parts: tuple[Expr, ...]

    def values(self, rows: Rows) -> list[Any]:
        combine = _and if self.op == "and" else _or
        return [combine(vs) for vs in zip(*(p.values(rows) for p in self.parts), strict=True)]

    def sql(self, scope: Scope) -> str:
        return "(" + f" {self.op} ".join(p.sql(scope) for p in self.parts) + ")"

    def columns(self) -> list[str]:
        return [c for p in self.parts for c in p.columns()]


@dataclass(frozen=True)
class Not(Expr):
    part: Expr

    def values(self, rows: Rows) -> list[Any]:
        return [None if v is None else not v for v in self.part.values(rows)]

    def sql(self, scope: Scope) -> str:
        return f"(not {self.part.sql(scope)})"

    def columns(self) -> list[str]:
        return self.part.columns()


@dataclass(frozen=True)
class IsNull(Expr):
    part: Expr

    def values(self, rows: Rows) -> list[Any]:
        return [v is None for v in self.part.values(rows)]

    def sql(self, scope: Scope) -> str:
        return f"({self.part.sql(scope)} is null)"

    def columns(self) -> list[str]:
        return self.part.columns()


@dataclass(frozen=True)
class In(Expr):
    part: Expr
    choices: tuple[Any, ...]

    def values(self, rows: Rows) -> list[Any]:
        allowed = set(self.choices)
        return unary(allowed.__contains__, self.part.values(rows))

    def sql(self, scope: Scope) -> str:
        return f"({self.part.sql(scope)} in ({', '.join(map(literal, self.choices))}))"

    def columns(self) -> list[str]:
        return self.part.columns()


@dataclass(frozen=True)
class Func(Expr):
    """A function of one value: Python for the workbook, a SQL template (``{}`` for the
    argument) for the build."""

    name: str
    part: Expr
    python: Callable[[Any], Any] = field(compare=False)
    template: str = field(compare=False)

    def values(self, rows: Rows) -> list[Any]:
        return unary(self.python, self.part.values(rows))

    def sql(self, scope: Scope) -> str:
        return "(" + self.template.format(self.part.sql(scope)) + ")"

    def columns(self) -> list[str]:
        return self.part.columns()


def col(name: str) -> Col:
    return Col(name)
