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
from ingest.contract import codes, orgunits

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
        return self.book.counts[self.sheet]

    def column(self, name: str) -> list[Any]:
        return self.book.sheets[self.sheet].get(name) or [None] * self.n


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
        return Compare(">=", self, _expr(other))

    def __gt__(self, other: Any) -> Expr:
        return Compare(">", self, _expr(other))

    def __le__(self, other: Any) -> Expr:
        return Compare("<=", self, _expr(other))

    def __lt__(self, other: Any) -> Expr:
        return Compare("<", self, _expr(other))

    def eq(self, other: Any) -> Expr:
        return Compare("=", self, _expr(other))

    def ne(self, other: Any) -> Expr:
        return Compare("<>", self, _expr(other))

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
        return Arith("*", self, _expr(other))

    def __rmul__(self, other: Any) -> Expr:
        return Arith("*", _expr(other), self)


def _expr(value: Any) -> Expr:
    return value if isinstance(value, Expr) else Lit(value)


def _unary(fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
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
        return _unary(allowed.__contains__, self.part.values(rows))

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
        return _unary(self.python, self.part.values(rows))

    def sql(self, scope: Scope) -> str:
        return "(" + self.template.format(self.part.sql(scope)) + ")"

    def columns(self) -> list[str]:
        return self.part.columns()


def _years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to a later ``end``, as PostgreSQL's age() counts them."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


@dataclass(frozen=True)
class YearsBetween(Expr):
    """Whole years from ``start`` to ``end`` (an age on a day)."""

    start: Expr
    end: Expr

    def values(self, rows: Rows) -> list[Any]:
        return [
            None if a is None or b is None else _years(a, b) if a <= b else -_years(b, a)
            for a, b in zip(self.start.values(rows), self.end.values(rows), strict=True)
        ]

    def sql(self, scope: Scope) -> str:
        return f"(extract(year from age({self.end.sql(scope)}, {self.start.sql(scope)}))::int)"

    def columns(self) -> list[str]:
        return [*self.start.columns(), *self.end.columns()]


@dataclass(frozen=True)
class PeriodEnd(Expr):
    """The last day of the submission's period."""

    def values(self, rows: Rows) -> list[Any]:
        return [rows.book.period_end] * rows.n

    def sql(self, scope: Scope) -> str:
        return f"quality.period_end_date({scope.alias}.period)"


@dataclass(frozen=True)
class InSheet(Expr):
    """Whether the value is among one column's values in another sheet of the same submission
    (its kept rows, those where ``where`` holds); with ``other_counties``, in that sheet of the
    other counties' submissions for the same period, which only the audit can see."""

    part: Expr
    sheet: str
    column: str
    where: Expr | None = None
    other_counties: bool = False

    def values(self, rows: Rows) -> list[Any]:
        if self.other_counties:
            raise NotImplementedError("judged across counties: in the audit only")
        other = Rows(rows.book, self.sheet)
        found = other.column(self.column)
        if self.where is not None:
            found = [v for v, ok in zip(found, self.where.values(other), strict=True) if ok]
        return _unary(set(found).__contains__, self.part.values(rows))

    def sql(self, scope: Scope) -> str:
        """A left join to the other sheet's distinct values (``scope.join``), which PostgreSQL
        hashes, spilling to disk if need be, so the cost grows with the rows. Not ``x in
        (select …)``: that is hashed only while the values fit in ``work_mem`` and is otherwise
        compared row by row (a province's rosters took minutes); nor a correlated EXISTS, run
        again for every row under the rule's coalesce()."""
        o, t = scope.inner(self.sheet).alias, scope.alias
        found = f"from {relation(self.sheet)} as {o} where {o}.{self.column} is not null" + (
            f" and {self.where.sql(scope.inner(self.sheet))}" if self.where is not None else ""
        )
        value = self.part.sql(scope)
        if not self.other_counties:
            k = scope.join(
                f"(select distinct {o}.county_code, {o}.period, {o}.{self.column} as v {found})",
                {"county_code": f"{t}.county_code", "period": f"{t}.period", "v": value},
            )
            return f"(case when {value} is not null then {k}.v is not null end)"
        k = scope.join(
            f"(select {o}.period, {o}.{self.column} as v, count(distinct {o}.county_code) as counties,"
            f" min({o}.county_code) as county {found} group by 1, 2)",
            {"period": f"{t}.period", "v": value},
        )
        # among the rows of some county, and not only of this one
        return (
            f"(case when {value} is not null then {k}.v is not null"
            f" and not ({k}.counties = 1 and {k}.county = {t}.county_code) end)"
        )

    def columns(self) -> list[str]:
        return self.part.columns()


@dataclass(frozen=True)
class Lookup(Expr):
    """A value looked up in a table kept as data: ``table[key]``, or None when absent."""

    key: Expr
    table: tuple[tuple[Any, Any], ...]

    def values(self, rows: Rows) -> list[Any]:
        return _unary(dict(self.table).get, self.key.values(rows))

    def sql(self, scope: Scope) -> str:
        cases = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in self.table)
        return f"(case {self.key.sql(scope)} {cases} end)"

    def columns(self) -> list[str]:
        return self.key.columns()


@dataclass(frozen=True)
class Count(Expr):
    """How many rows (or distinct values of ``distinct``) of a sheet of the submission
    satisfy ``where``: a figure of the whole submission."""

    sheet: str
    where: Expr | None = None
    distinct: str | None = None

    def values(self, rows: Rows) -> list[Any]:
        other = Rows(rows.book, self.sheet)
        keep = self.where.values(other) if self.where is not None else [True] * other.n
        if self.distinct:
            found = len(
                {v for v, ok in zip(other.column(self.distinct), keep, strict=True) if ok and v is not None}
            )
        else:
            found = sum(1 for ok in keep if ok)
        return [found] * rows.n

    def sql(self, scope: Scope) -> str:
        inner = scope.inner(self.sheet)
        what = f"count(distinct {inner.alias}.{self.distinct})" if self.distinct else "count(*)"
        where = f" and {self.where.sql(inner)}" if self.where is not None else ""
        return (
            f"(select {what} from {relation(self.sheet)} as {inner.alias}"
            f" where {inner.alias}.county_code = {scope.alias}.county_code"
            f" and {inner.alias}.period = {scope.alias}.period{where})"
        )


@dataclass(frozen=True)
class Greatest(Expr):
    parts: tuple[Expr, ...]

    def values(self, rows: Rows) -> list[Any]:
        return [
            max((v for v in vs if v is not None), default=None)
            for vs in zip(*(p.values(rows) for p in self.parts), strict=True)
        ]

    def sql(self, scope: Scope) -> str:
        return f"greatest({', '.join(p.sql(scope) for p in self.parts)})"


def col(name: str) -> Col:
    return Col(name)


def id_birth_date(part: Expr) -> Expr:
    """The birth date an ID number carries (digits 7–14); valid for any ID that ingest loads."""
    # guarded: PostgreSQL may evaluate a rule's condition on raw rows the build does not read
    return Func(
        "id_birth_date",
        part,
        codes.id_birth_date,
        "case when substr({0}, 7, 8) ~ '^[0-9]+$' and pg_input_is_valid(substr({0}, 7, 8), 'date')"
        " then to_date(substr({0}, 7, 8), 'YYYYMMDD') end",
    )


def id_sex(part: Expr) -> Expr:
    """男 or 女 from an ID number's 17th digit."""
    return Func(
        "id_sex",
        part,
        codes.id_sex,
        "case when substr({0}, 17, 1) in ('1', '3', '5', '7', '9') then '男'"
        " when substr({0}, 17, 1) in ('0', '2', '4', '6', '8') then '女' end",
    )


def _registered(name: str, part: Expr, python: Callable[[str], Any], column: str) -> Expr:
    """A township's or village's ``column`` in the registry (``raw.org_unit``; in Python,
    ingest.contract.orgunits.unit, which knows those two levels only: a county or city code has none)."""
    return Func(
        name,
        part,
        python,
        f"select u.{column} from raw.org_unit as u"
        " where u.org_unit_code = {} and u.unit_level in ('township', 'village')",
    )


def parent_unit(part: Expr) -> Expr:
    """The township (or county) an org unit belongs to in the registry."""
    return _registered("parent_unit", part, orgunits.parent_of, "parent_code")


def registered_kind(part: Expr) -> Expr:
    """What the registry says an org unit is (行政村, 社区, 小区党支部; 镇, 乡, 街道)."""
    return _registered("registered_kind", part, orgunits.kind_of, "unit_type")


def years_between(start: Expr, end: Expr) -> Expr:
    return YearsBetween(start, end)


def period_end() -> Expr:
    return PeriodEnd()


def in_sheet(part: Expr, sheet: str, column: str, where: Expr | None = None) -> Expr:
    return InSheet(part, sheet, column, where)


def in_other_counties(part: Expr, sheet: str, column: str, where: Expr | None = None) -> Expr:
    """In that sheet of another county's submission for the same period (audit only)."""
    return InSheet(part, sheet, column, where, other_counties=True)


def count(sheet: str, where: Expr | None = None, distinct: str | None = None) -> Expr:
    return Count(sheet, where, distinct)


def greatest(*parts: Any) -> Expr:
    return Greatest(tuple(map(_expr, parts)))


def lookup(key: Expr, table: dict[Any, Any]) -> Expr:
    return Lookup(key, tuple(table.items()))
