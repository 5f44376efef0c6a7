"""Real-world mess for sample workbooks, with a manifest of exactly what was injected.

County clerks type in Excel or WPS: titles above the header, merged group headers, notes and
footers (填表人/审核人/日期), blank rows, synonyms and line breaks in headers, renamed,
reordered and hidden sheets, full-width digits, "1.1万", "600余", units in cells, dates in
every notation, a lowercase x in ID numbers; and real errors: wrong check characters,
duplicated rows, unknown org-unit codes, negative or text values in numeric columns.

Every injected defect becomes one :class:`Defect` (file, sheet, cell as finally written,
kind, whether a reader must ``parse`` it to the original value or ``reject`` it). The
manifest is the ground truth for the reader's tests: every defect is listed, nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ingest import contract
from ingest.contract import Column, Sheet, codes, orgunits

PARSE, REJECT = "parse", "reject"
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
SHEET_KINDS = (
    "title_rows",
    "merged_header",
    "instruction_row",
    "totals_row",
    "footer_rows",
    "blank_rows",
    "merged_down",  # after the kinds that insert rows: openpyxl does not move merged ranges
    "header_synonym",
    "header_whitespace",
    "renamed_sheet",
)
BOOK_KINDS = ("reordered_sheets", "hidden_sheet")
MANIFEST_FIELDS = ("file", "sheet", "cell", "kind", "expect", "original", "written")


@dataclass
class Defect:
    file: str
    sheet: str
    row: int  # 1-based, as finally written; 0 for a whole-sheet or whole-workbook defect
    col: int  # 1-based; 0 for a whole row
    kind: str
    expect: str
    original: str = ""
    written: str = ""

    @property
    def cell(self) -> str:
        if not self.row:
            return ""
        return f"{get_column_letter(self.col)}{self.row}" if self.col else f"A{self.row}"

    def record(self) -> dict[str, str]:
        return {**{k: str(v) for k, v in asdict(self).items() if k in MANIFEST_FIELDS}, "cell": self.cell}


# --- cell defects ------------------------------------------------------------------------


def _impossible_birth_date(id_number: str) -> str:
    """The ID number with month 13 in its birth date and a check character that fits it: the
    kind of value a check-character test alone lets through."""
    from ingest.contract.codes import id_check_char

    first17 = id_number[:10] + "13" + id_number[12:17]
    return first17 + id_check_char(first17)


def _in_chinese_numerals(day: dt.date) -> str:
    """2021-03-01 → 二〇二一年三月一日, as official documents write dates."""
    digits = "〇一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones else "")

    return "".join(digits[int(d)] for d in str(day.year)) + f"年{number(day.month)}月{number(day.day)}日"


def _cell_variants(value: Any, col: Column, county: str, rng: random.Random) -> list[tuple[str, str, Any]]:
    """What a clerk might have typed instead of ``value``: (kind, expect, written)."""
    out: list[tuple[str, str, Any]] = []
    if value is None or isinstance(value, bool):
        return out
    if col.type in ("integer", "decimal"):
        text = f"{value:g}" if isinstance(value, float) else str(value)
        out.append(("fullwidth_digits", PARSE, text.translate(_FULLWIDTH)))
        out.append(("invisible_character", PARSE, f"{text}\u200b"))  # a zero-width space, pasted along
        if float(value) >= 1000:
            out.append(("thousands_separator", PARSE, f"{value:,}"))
        if col.unit:
            out.append(("unit_in_cell", PARSE, f"{text}{col.unit}"))
        if col.type == "integer" and value >= 10000 and value % 1000 == 0:
            out.append(("chinese_magnitude", PARSE, f"{value / 10000:g}万"))
        if col.type == "integer" and value >= 10:
            out.append(("approximate", PARSE, f"{value}余"))
        out.append(("negative_number", REJECT, -value if value else -1))
        out.append(("text_in_number", REJECT, rng.choice(("不详", "无数据", "见附件"))))
        # typed as "#N/A", openpyxl writes an error cell, as a failed VLOOKUP leaves it
        out.append(("excel_error", REJECT, rng.choice(("#N/A", "#DIV/0!", "#REF!"))))
    elif col.type == "date":
        out.append(("date_chinese", PARSE, f"{value.year}年{value.month}月{value.day}日"))
        out.append(("date_chinese_numerals", PARSE, _in_chinese_numerals(value)))
        out.append(("date_dots", PARSE, f"{value.year}.{value.month}.{value.day}"))
        out.append(("date_serial", PARSE, (value - dt.date(1899, 12, 30)).days))
        out.append(("date_text", PARSE, f"{value.year}/{value.month}/{value.day}"))
    elif col.type == "id_number":
        if value.endswith("X"):
            out.append(("lowercase_x", PARSE, value[:-1] + "x"))
        out.append(("invisible_character", PARSE, f"\ufeff{value}"))  # a byte-order mark, pasted along
        wrong = str((int(value[16]) + 1) % 10)
        out.append(("wrong_check_digit", REJECT, value[:16] + wrong + value[17]))
        out.append(("impossible_birth_date", REJECT, _impossible_birth_date(value)))
    elif col.type == "credit_code":
        alphabet = codes.CREDIT_ALPHABET
        out.append(
            (
                "wrong_check_digit",
                REJECT,
                value[:17] + alphabet[(alphabet.index(value[17]) + 1) % len(alphabet)],
            )
        )
    elif col.name == "org_unit_code" and col.pattern and len(str(value)) == 12:
        known = {u.code for u in orgunits.units(county)}
        unknown = next(f"{value[:9]}{k:03d}" for k in range(999, 0, -1) if f"{value[:9]}{k:03d}" not in known)
        out.append(("unknown_org_unit", REJECT, unknown))
    return out


def _inject_cells(
    ws, s: Sheet, n_rows: int, county: str, rng: random.Random, count: int, file: str
) -> list[Defect]:
    found: list[Defect] = []
    tried = 0
    used: set[tuple[int, int]] = set()
    while len(found) < count and tried < count * 20 and n_rows:
        tried += 1
        r = rng.randint(2, n_rows + 1)
        c = rng.randrange(len(s.columns))
        if (r, c) in used:
            continue
        cell = ws.cell(r, c + 1)
        value = cell.value
        if isinstance(value, dt.datetime):
            value = value.date()
        variants = _cell_variants(value, s.columns[c], county, rng)
        if not variants:
            continue
        kind, expect, written = rng.choice(variants)
        used.add((r, c))
        cell.value = written
        cell.number_format = "General"
        found.append(Defect(file, ws.title, r, c + 1, kind, expect, str(value), str(written)))
    return found


def _duplicate_row(ws, n_rows: int, rng: random.Random, file: str, avoid: set[int]) -> Defect | None:
    """Copy a clean row (one without injected cell defects) below the data."""
    clean = [r for r in range(2, n_rows + 2) if r not in avoid]
    if not clean:
        return None
    source = rng.choice(clean)
    target = n_rows + 2
    for c in range(1, ws.max_column + 1):
        ws.cell(target, c, ws.cell(source, c).value)
    return Defect(file, ws.title, target, 0, "duplicate_row", REJECT, f"same as row {source}", "")


# --- layout defects ----------------------------------------------------------------------


def _shift(defects: list[Defect], sheet: str, from_row: int, by: int) -> None:
    for d in defects:
        if d.sheet == sheet and d.row >= from_row:
            d.row += by


def _layout(wb: Workbook, s: Sheet, kind: str, rng: random.Random, file: str, defects: list[Defect]) -> None:
    ws = wb[s.title]
    if kind == "reordered_sheets":
        wb.move_sheet(ws, offset=-(wb.index(ws)))
        defects.append(Defect(file, ws.title, 0, 0, kind, PARSE, "", "moved first"))
    elif kind == "hidden_sheet":
        hidden = wb.create_sheet("旧版数据（勿删）")
        hidden.append(["这是上一期的数据"])
        hidden.sheet_state = "hidden"
        defects.append(Defect(file, hidden.title, 0, 0, kind, PARSE, "", "hidden sheet"))
    elif kind == "title_rows":
        ws.insert_rows(1, 2)
        _shift(defects, ws.title, 1, 2)
        ws["A1"] = f"{s.title}统计表"
        ws["A2"] = "填报单位：（盖章）"
        defects.append(Defect(file, ws.title, 1, 1, kind, PARSE, "", "title rows 1–2"))
    elif kind == "merged_header":
        header = _header_row(ws, s)
        ws.insert_rows(header, 1)
        _shift(defects, ws.title, header, 1)
        start = rng.randrange(max(1, len(s.columns) - 3))
        ws.cell(header, start + 1, "基本情况")
        ws.merge_cells(start_row=header, start_column=start + 1, end_row=header, end_column=start + 3)
        defects.append(Defect(file, ws.title, header, start + 1, kind, PARSE, "", "merged group header"))
    elif kind == "instruction_row":
        row = _header_row(ws, s) + 1
        ws.insert_rows(row, 1)
        _shift(defects, ws.title, row, 1)
        ws.cell(row, 1, "填写说明：带*为必填项，代码按文本填写，金额单位为万元")
        defects.append(Defect(file, ws.title, row, 1, kind, PARSE, "", "instruction row"))
    elif kind == "totals_row":  # 合计 under the data, with each number column's sum
        header, last = _header_row(ws, s), ws.max_row + 1
        ws.cell(last, 1, "合计")
        for c, col in enumerate(s.columns, start=1):
            if col.type in ("integer", "decimal"):
                values = [ws.cell(r, c).value for r in range(header + 1, last)]
                ws.cell(
                    last, c, sum(v for v in values if isinstance(v, int | float) and not isinstance(v, bool))
                )
        defects.append(Defect(file, ws.title, last, 1, kind, PARSE, "", "totals row"))
    elif kind == "footer_rows":
        last = ws.max_row + 2
        for i, label in enumerate(("填表人：张某某", "审核人：李某某", "日期：2026年1月10日")):
            ws.cell(last + i, 1, label)
        defects.append(Defect(file, ws.title, last, 1, kind, PARSE, "", "footer rows"))
    elif kind == "blank_rows":
        header = _header_row(ws, s)
        if ws.max_row > header + 3:
            row = rng.randint(header + 2, ws.max_row)
            ws.insert_rows(row, 1)
            _shift(defects, ws.title, row, 1)
            defects.append(Defect(file, ws.title, row, 0, kind, PARSE, "", "blank row"))
    elif kind == "merged_down":
        found = _equal_run(ws, s, {(d.row, d.col) for d in defects if d.sheet == ws.title}, rng)
        if found:
            column, top, bottom = found
            value = ws.cell(top, column).value
            ws.merge_cells(start_row=top, start_column=column, end_row=bottom, end_column=column)
            for row in range(top + 1, bottom + 1):  # blank in the file, the value on screen
                defects.append(Defect(file, ws.title, row, column, kind, PARSE, str(value), "merged down"))
    elif kind in ("header_synonym", "header_whitespace"):
        header = _header_row(ws, s)
        choices = (
            [i for i, c in enumerate(s.columns) if c.aliases]
            if kind == "header_synonym"
            else list(range(len(s.columns)))
        )
        i = rng.choice(choices)
        col = s.columns[i]
        before = ws.cell(header, i + 1).value
        after = (
            rng.choice(col.aliases)
            if kind == "header_synonym"
            else (f" {col.header[:2]}\n{col.header[2:]} " + (f"（{col.unit}）" if col.unit else ""))
        )
        ws.cell(header, i + 1, after)
        defects.append(Defect(file, ws.title, header, i + 1, kind, PARSE, str(before), after))
    elif kind == "renamed_sheet" and s.aliases:
        new = rng.choice(s.aliases)
        for d in defects:
            if d.sheet == ws.title:
                d.sheet = new
        ws.title = new
        defects.append(Defect(file, new, 0, 0, kind, PARSE, s.title, new))


def _equal_run(ws, s: Sheet, taken: set[tuple[int, int]], rng: random.Random) -> tuple[int, int, int] | None:
    """A column and two to four consecutive data rows holding the same text or number (a
    township beside its villages), none of them a defect already: (column, first, last row)."""
    header = _header_row(ws, s)
    for column in rng.sample(range(1, len(s.columns) + 1), len(s.columns)):
        if s.columns[column - 1].type in ("boolean", "date"):  # 是 and dates read as other types
            continue
        top, last = None, ws.max_row  # ws.max_row looks at every cell: once, not per row
        for row in range(header + 1, last + 2):
            value = ws.cell(row, column).value if row <= last else None
            same = top is not None and value == ws.cell(top, column).value and row - top < 4
            if not same:
                if top is not None and row - top >= 2:
                    return column, top, row - 1
                plain = isinstance(value, str | int) and not isinstance(value, bool) and value != ""
                top = row if plain and (row, column) not in taken else None
            elif (row, column) in taken:
                top = None
    return None


def _header_row(ws, s: Sheet) -> int:
    first = s.columns[0].header
    for r in range(1, 12):
        value = ws.cell(r, 1).value
        if isinstance(value, str) and first in value.replace("\n", "").replace(" ", ""):
            return r
    return 1


def inject(
    wb: Workbook, file: str, county: str, rows_by_sheet: dict[str, list], rate: float, rng: random.Random
) -> list[Defect]:
    """Make ``wb`` messy at ``rate`` (0–1); returns every defect injected."""
    defects: list[Defect] = []
    if rate <= 0 or rng.random() >= min(1.0, rate * 2):
        return defects
    per_sheet = max(1, math.ceil(rate * 20))
    for s in contract.SHEETS:
        ws = wb[s.title]
        n = len(rows_by_sheet.get(s.key, []))
        cells = _inject_cells(ws, s, n, county, rng, per_sheet, file)
        defects += cells
        if rng.random() < rate and (dup := _duplicate_row(ws, n, rng, file, {d.row for d in cells})):
            defects.append(dup)
    # layout last, shifting the recorded cells of what moves; sheets renamed at the very end
    for s in contract.SHEETS:
        for kind in SHEET_KINDS[:-1]:
            if rng.random() < rate / 2:
                _layout(wb, s, kind, rng, file, defects)
    for kind in BOOK_KINDS:
        if rng.random() < rate / 2:
            _layout(wb, rng.choice(contract.SHEETS), kind, rng, file, defects)
    for s in contract.SHEETS:
        if rng.random() < rate / 2:
            _layout(wb, s, "renamed_sheet", rng, file, defects)
    return defects


def write_manifest(path: Path, defects: list[Defect]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        for d in defects:
            writer.writerow({k: d.record()[k] for k in MANIFEST_FIELDS})
    return path


# --- critical problems, one kind per county ------------------------------------------------

#: Kinds of critical problem a whole submission can carry (bench/night.py --bad-counties and
#: the approval tests): a value that would have broken the build before ingest refused it, a
#: critical rule, a duplicate key.
CRITICAL_KINDS = ("impossible_birth_date", "wrong_township", "duplicate_row")


def make_critical(rows: dict[str, list[dict[str, Any]]], county: str, kind: str) -> tuple[str, str]:
    """Give a county's rows (``sample.county_rows``) one critical problem of ``kind``; returns
    where it is in the template's layout: (sheet title, cell)."""
    if kind == "impossible_birth_date":
        row = rows["cadres"][3]
        row["id_number"] = _impossible_birth_date(row["id_number"])
        return contract.CADRES.title, "A5"
    if kind == "wrong_township":
        village = rows["villages"][0]
        towns = orgunits.townships(county)
        village["township_code"] = next(t.unit.code for t in towns if t.unit.code != village["township_code"])
        return contract.VILLAGES.title, f"{get_column_letter(_position(contract.VILLAGES, 'township_code'))}2"
    if kind == "duplicate_row":
        rows["cadres"].append(dict(rows["cadres"][5]))
        return contract.CADRES.title, f"A{len(rows['cadres']) + 1}"
    raise ValueError(f"unknown kind {kind!r}; expected one of {CRITICAL_KINDS}")


def _position(s: Sheet, name: str) -> int:
    """1-based column of a contract column in the template."""
    return [c.name for c in s.columns].index(name) + 1
