"""The functions rules call beyond columns and arithmetic: ages and periods, what an ID number
says, the org-unit registry, other sheets and other counties, counts and look-ups. Each is an
:class:`~ingest.contract.expressions.Expr`, so it is evaluated in Python and compiled to SQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.contract import codes, orgunits
from ingest.contract.expressions import Expr, Func, Rows, Scope, col, expr, literal, relation, unary


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
        return unary(set(found).__contains__, self.part.values(rows))

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
        return unary(dict(self.table).get, self.key.values(rows))

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
class SumOf(Expr):
    """The sum of ``column`` over the rows of another sheet of the submission whose ``key`` is
    this row's value (those where ``where`` holds); null when there are none."""

    part: Expr
    sheet: str
    key: str
    column: str
    where: Expr | None = None

    def values(self, rows: Rows) -> list[Any]:
        other = Rows(rows.book, self.sheet)
        keep = self.where.values(other) if self.where is not None else [True] * other.n
        totals: dict[Any, Any] = {}
        for k, v, ok in zip(other.column(self.key), other.column(self.column), keep, strict=True):
            if ok and k is not None and v is not None:
                totals[k] = totals.get(k, 0) + v
        return unary(totals.get, self.part.values(rows))

    def sql(self, scope: Scope) -> str:
        inner = scope.inner(self.sheet)
        o, t = inner.alias, scope.alias
        where = f" and {self.where.sql(inner)}" if self.where is not None else ""
        k = scope.join(
            f"(select {o}.county_code, {o}.period, {o}.{self.key} as v, sum({o}.{self.column}) as total"
            f" from {relation(self.sheet)} as {o} where {o}.{self.key} is not null"
            f" and {o}.{self.column} is not null{where} group by 1, 2, 3)",
            {"county_code": f"{t}.county_code", "period": f"{t}.period", "v": self.part.sql(scope)},
        )
        return f"{k}.total"

    def columns(self) -> list[str]:
        return []  # the key only finds the rows; the cell at fault is what the sum is compared with


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


class Registered(Func):
    """A unit's ``column`` in the registry as it was at the end of the rows' period: in
    Python :mod:`ingest.contract.orgunits`, in SQL ``raw.org_unit`` (loaded from the same file)."""

    def values(self, rows: Rows) -> list[Any]:
        period = rows.book.period
        return unary(lambda code: self.python(code, period), self.part.values(rows))


def _registered(name: str, part: Expr, python: Callable[[str, str], Any], column: str) -> Expr:
    """A township's or village's ``column`` in the registry (the two levels ``unit`` knows: a
    county or city code has none)."""
    return Registered(
        name,
        part,
        python,
        f"select u.{column} from raw.org_unit as u"
        " where u.org_unit_code = {} and u.unit_level in ('township', 'village')"
        " and u.valid_from <= quality.period_end_date(t.period) order by u.valid_from desc limit 1",
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


def in_post_at_period_end() -> Expr:
    """A role held at the period's end: started by then, not ended by then."""
    return (col("start_date") <= period_end()) & (
        col("end_date").is_null() | (col("end_date") > period_end())
    )


def filled_exactly_when(cell: str, flag: str) -> Expr:
    """``cell`` filled exactly when the yes/no column ``flag`` says 是 (blank counts as 否)."""
    no = col(flag).is_null() | col(flag).eq(False)
    return (col(cell).is_null() & no) | (~col(cell).is_null() & col(flag).eq(True))


def in_sheet(part: Expr, sheet: str, column: str, where: Expr | None = None) -> Expr:
    return InSheet(part, sheet, column, where)


def in_other_counties(part: Expr, sheet: str, column: str, where: Expr | None = None) -> Expr:
    """In that sheet of another county's submission for the same period (audit only)."""
    return InSheet(part, sheet, column, where, other_counties=True)


def sum_of(part: Expr, sheet: str, key: str, column: str, where: Expr | None = None) -> Expr:
    return SumOf(part, sheet, key, column, where)


def count(sheet: str, where: Expr | None = None, distinct: str | None = None) -> Expr:
    return Count(sheet, where, distinct)


def greatest(*parts: Any) -> Expr:
    return Greatest(tuple(map(expr, parts)))


def lookup(key: Expr, table: dict[Any, Any]) -> Expr:
    return Lookup(key, tuple(table.items()))
