"""Workbook reader: find the contract's sheets and headers in a county workbook and parse its rows.

Reading uses python-calamine (Rust), which returns codes typed as text as text. Every problem
found becomes a :class:`Problem` naming the sheet and the cell, in Chinese, for the clerk.

A workbook is checked in three steps: each cell is parsed against its column's type and
declared limits (``ingest/workbook/parse.py``); rows that break a rule describing an impossible row,
or repeat another row's key, are refused; then the rest of the rule set (``ingest/contract/rules.py``)
is evaluated on the rows that remain, which are kept and flagged. Refused rows and critical
findings hold the submission back from publication until it is corrected or released.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ingest import contract
from ingest.contract import Column, Sheet, orgunits, rules
from ingest.contract.expressions import Book
from ingest.variables import value
from ingest.workbook.book import Problem, SheetData, Workbook, WorkbookRejected, cell_ref, picker
from ingest.workbook.files import (
    fill_merged_down,
    find_header,
    mark_errors,
    preflight,
    read_grids,
    scan_cells,
)
from ingest.workbook.parse import is_approximate, is_blank, normalise_text, parse_column, shown

_NOTE_ROW = re.compile(
    r"^[（(]?(填表说明|填写说明|说明|注[:：]|备注[:：]|填表人|审核人|负责人|联系电话|填报日期|日期[:：]|制表"
    r"|以下空白|以下无)"
)


#: A totals row's label: 合计, 总计, 小计, 汇总, 共计, with what they total (全县合计, 某某镇小计).
_TOTALS_LABEL = re.compile(r"^[\u4e00-\u9fff（）()]{0,12}(合计|总计|小计|汇总|共计)[:：]?$")


def _is_note_row(row: list[Any]) -> bool:
    """A row that is no data: every filled cell a note (填写说明……, 填表人：, 审核人：, 日期：,
    以下空白 …), or a totals row, whose first filled cell is its label (合计, 全县合计,
    某某镇小计 …) and the rest numbers (a sum the warehouse makes itself from the rows)."""
    filled = [v for v in row if not is_blank(v)]
    if not filled:
        return False
    if all(isinstance(v, str) and _NOTE_ROW.match(normalise_text(v)) for v in filled):
        return True
    label, *numbers = filled
    return (
        isinstance(label, str)
        and bool(_TOTALS_LABEL.match(normalise_text(label).replace(" ", "")))
        and all(_is_number(v) for v in numbers)
    )


_NUMBER_TEXT = re.compile(r"-?[\d,]+(\.\d+)?")


def _is_number(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_NUMBER_TEXT.fullmatch(normalise_text(value)))
    return isinstance(value, int | float) and not isinstance(value, bool)


def _known_units(county: str, period: str) -> dict[str, set[str]]:
    """The county's units in force at some time in ``period``, by level."""
    towns = orgunits.townships(county, period)
    units = {u.code for t in towns for u in t.units}
    townships = {t.unit.code for t in towns}
    return {"unit": units, "township": townships, "any": units | townships | {county}}


def _code_of_name(value: Any, county: str, period: str) -> str:
    """When a code column holds the name of one of the county's units (a township's name
    typed for its code), what its code is; else nothing."""
    found = orgunits.units_named(county, re.sub(r"\s+", "", value), period) if isinstance(value, str) else []
    if not found:
        return ""
    codes = " 或 ".join(u.code for u in found)
    return f"；「{found[0].name}」是本县（区）{found[0].kind}的名称，其代码为 {codes}，请填写代码"


def _problem(
    title: str,
    r: int,
    c: int,
    col: Column | None,
    original: Any,
    rule: str,
    text: str,
    severity: str = "critical",
    row_loaded: bool = False,
) -> Problem:
    ref = cell_ref(r, c)
    # the column by its header, unless the reason already begins with it (身份证号「…」…)
    label = f"「{col.header}」" if col and not text.startswith(col.header) else ""
    return Problem(
        title,
        ref,
        col.name if col else None,
        None if original is None else shown(original),  # as the clerk typed it: -5, not -5.0
        rule,
        f"{title}!{ref}{label}{text}",
        severity,
        row_loaded,
    )


def _columns(body: list[list[Any]], indices: list[int]) -> list[tuple[Any, ...]]:
    """The cells of ``body`` in each of the columns ``indices``, column by column."""
    width = max(map(len, body))
    if any(len(row) < width for row in body):
        body = [[*row, *([""] * (width - len(row)))] for row in body]
    transposed = list(zip(*body, strict=True))
    return [transposed[c] for c in indices]


def _where(values: Sequence[Any], members: set[Any]) -> list[int]:
    """Positions of ``values`` that are in ``members``."""
    if not members:
        return []
    hits = np.fromiter(map(members.__contains__, values), dtype=bool, count=len(values))
    return np.flatnonzero(hits).tolist()


def _blank_rows(columns: list[Sequence[Any]]) -> list[int]:
    """Positions of the rows blank in every one of ``columns`` (trailing formatted rows,
    spacers). Candidates come from the first column, best one with few distinct values."""
    first, *rest = columns
    candidates = _where(first, {v for v in dict.fromkeys(first) if is_blank(v)})
    for values in rest:
        if not candidates:
            break
        candidates = [i for i in candidates if is_blank(values[i])]
    return candidates


def _rule_problems(
    data: SheetData, rule: rules.Rule, row: int, values: dict[str, Any], loaded: bool
) -> list[Problem]:
    """A rule's problems on one row (``row``: 0-based in the sheet): one at each cell the rule
    reads, or at the row's first cell when none of them is in the sheet."""
    cells = [(data.column_index[c], data.sheet.column(c)) for c in rule.columns if c in data.column_index]
    return [
        _problem(
            data.title,
            row,
            c,
            column,
            values.get(column.name) if column else None,
            rule.rule_id,
            rule.explanation,
            rule.importance,
            loaded,
        )
        for c, column in cells or [(0, None)]
    ]


def _read_sheet(s: Sheet, title: str, grid: list[list[Any]], county: str, period: str) -> SheetData:
    """Parse a sheet column by column (each distinct value once, checks in bulk), then refuse
    the rows that break a rule describing an impossible row or repeat another row's key."""
    header_row, columns = find_header(s, grid)
    missing = [c.template_header for c in s.columns if c.required and c not in columns.values()]
    if header_row < 0 or missing:
        raise WorkbookRejected(f"工作表「{title}」缺少必填列：{'、'.join(missing)}", "missing_column", title)
    data = SheetData(s, title, column_index={col.name: c for c, col in columns.items()})
    plan = sorted(columns.items())
    body = grid[header_row + 1 :]
    if not body:
        return data
    cells = _columns(body, [c for c, _ in plan])
    # a blank row must be blank in the required code columns: look there first
    by_cardinality = sorted(
        range(len(plan)), key=lambda i: (not plan[i][1].required, plan[i][1].type != "code")
    )
    blank = set(_blank_rows([cells[i] for i in by_cardinality]))
    filled = [i for i in range(len(body)) if i not in blank] if blank else list(range(len(body)))
    if blank:
        pick = picker(filled)
        cells = [pick(values) for values in cells]
    first = header_row + 1  # grid row of body[0]
    known = _known_units(county, period)
    found: dict[int, list[tuple[int, Problem]]] = {}  # position → (column order, problem)
    approximate: dict[int, list[str]] = {}
    parsed_columns: dict[str, list[Any]] = {}
    for order, ((c, col), values) in enumerate(zip(plan, cells, strict=True)):
        parsed, errors = parse_column(values, col)
        for i, error in errors.items():
            rule = rules.column_rule_id(s, col, error.kind) if error.kind else f"parse_{col.type}"
            text = str(error)
            if col.org_level and error.kind == "pattern":  # a unit's name where its code goes
                text += _code_of_name(values[i], county, period)
            problem = _problem(title, first + filled[i], c, col, values[i], rule, text)
            found.setdefault(i, []).append((order, problem))
        if col.org_level:
            units = known[col.org_level]
            message = col.limit_text("org_unit")
            rule = rules.column_rule_id(s, col, "org_unit")
            for i in _where(parsed, {v for v in set(parsed) if v is not None and v not in units}):
                text = f"{message}，实际为「{parsed[i]}」{orgunits.out_of_force(parsed[i], county, period)}"
                problem = _problem(title, first + filled[i], c, col, values[i], rule, text)
                found.setdefault(i, []).append((order, problem))
        if col.type in ("integer", "decimal"):
            for i in _where(values, {v for v in set(values) if v.__class__ is str and is_approximate(v)}):
                if i not in errors:
                    approximate.setdefault(i, []).append(col.name)
        parsed_columns[col.name] = parsed
    # rows that cannot be true (an end before its start): refused, at every cell the rule reads
    book = Book(county, period, {s.key: parsed_columns}, {s.key: len(filled)})
    for rule in rules.RULES:
        if rule.sheet == s.key and rule.rejects_row:
            for i in rule.failing(book):
                if i not in found:
                    row = {col.name: cells[k][i] for k, (_, col) in enumerate(plan)}
                    problems = _rule_problems(data, rule, first + filled[i], row, loaded=False)
                    found[i] = [(len(plan), p) for p in problems]
    key_names = [col.name for _, col in plan if col.name in s.row_key]
    keys = list(zip(*(parsed_columns[name] for name in key_names), strict=True)) if key_names else []
    if len(set(keys)) < len(keys):  # some key repeats: report each repeat at its row
        key_headers = "、".join(col.header for _, col in plan if col.name in s.row_key)
        seen: dict[tuple, int] = {}
        for i, key in enumerate(keys):
            if i in found:
                continue
            earlier = seen.setdefault(key, i)
            if earlier != i:
                message = f"：与第 {first + filled[earlier] + 1} 行重复（{key_headers}相同）"
                found[i] = [
                    (len(plan), _problem(title, first + filled[i], 0, None, None, "duplicate_row", message))
                ]
    data.values = parsed_columns
    data.source_rows = [first + r + 1 for r in filled]
    data.approximate = approximate
    for i in sorted(found):
        if _is_note_row(body[filled[i]]):  # a note or footer, not a data row: checked only when it fails
            continue
        data.problems.extend(problem for _, problem in sorted(found[i], key=lambda p: p[0]))
        data.rejected_rows += 1
    rejected = set(found)
    if rejected:
        data.keep([i for i in range(len(filled)) if i not in rejected])
    return data


def _flag(book: Workbook) -> None:
    """Evaluate the rules that keep their rows on what was kept: flagged rows, and figures of
    the whole submission. Each finding is recorded at its cells with the rule's importance."""
    sheets = {key: data.values for key, data in book.sheets.items()}
    seen = Book(book.county_code, book.period, sheets, {key: d.row_count for key, d in book.sheets.items()})
    for rule in rules.RULES:
        if rule.rejects_row or not rule.on_workbook:
            continue
        data = book.sheets[rule.sheet]
        for i in rule.failing(seen):
            if rule.per == "submission":
                data.problems.append(
                    Problem.of_sheet(
                        data.title, rule.rule_id, rule.explanation, rule.importance, row_loaded=True
                    )
                )
                continue
            row = {name: values[i] for name, values in data.values.items()}
            data.problems.extend(_rule_problems(data, rule, data.source_rows[i] - 1, row, loaded=True))


@contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a workbook's cells are read and loaded.

    A sheet is millions of small lists, tuples and strings, none of them in a cycle; with the
    collector on, every few hundred new objects it rescans them all (a third of the reading
    time at 200,000 rows). Reference counting still frees everything as usual.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_workbook(path: Path, max_rejected_share: float | None = None) -> Workbook:
    """Read and parse a county workbook; raises WorkbookRejected when it cannot be used at all.

    A sheet whose share of rejected rows exceeds ``max_rejected_share`` (default
    ``DANGJIAN_MAX_REJECTED_SHARE`` or 0.5) is held back whole: none of its rows load.
    """
    with bulk():
        return _read_workbook(path, max_rejected_share)


def _read_workbook(path: Path, max_rejected_share: float | None) -> Workbook:
    package = preflight(path)
    # calamine parses in Rust without holding the GIL: the scan of the sheets' XML runs
    # meanwhile, and its verdict comes first, as if it had run before.
    with ThreadPoolExecutor(1, thread_name_prefix="calamine") as pool:
        reading = pool.submit(read_grids, path)
        try:
            errors = scan_cells(path) if package else {}
        except WorkbookRejected:
            reading.cancel()
            raise
        read = reading.result()
    for key, title in read.titles.items():
        mark_errors(read.grids[key], errors.get(title, {}))  # which calamine reads as blanks
        fill_merged_down(read.grids[key], read.merged[key])
    limit = max_rejected_share
    if limit is None:
        limit = value("DANGJIAN_MAX_REJECTED_SHARE")
    sheets: dict[str, SheetData] = {}
    for s in contract.SHEETS:
        if s.key not in read.grids:  # an optional sheet the workbook does not have: no rows
            sheets[s.key] = SheetData(s, s.title)
            continue
        grid = read.grids.pop(s.key)  # each grid freed once parsed
        data = sheets[s.key] = _read_sheet(s, read.titles[s.key], grid, read.county, read.period)
        del grid
        if data.total and data.rejected_rows / data.total > limit:
            data.problems.append(
                Problem.of_sheet(
                    data.title,
                    "sheet_held_back",
                    f"{data.total} 行中有 {data.rejected_rows} 行有误（超过 {limit:.0%}），整表暂不入库，请更正后重新报送",
                )
            )
            data.held_back = True
            data.keep([])
    if not any(d.row_count or d.problems for d in sheets.values()):
        raise WorkbookRejected(f"工作簿「{path.name}」只有表头，没有任何数据行", "no_data")
    book = Workbook(path, read.county, read.period, sheets)
    _flag(book)
    return book
