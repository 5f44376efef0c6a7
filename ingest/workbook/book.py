"""What reading a workbook gives: the workbook, each sheet's rows and flags, and every problem
found, named by sheet and cell (``E12``) in Chinese for the clerk.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.contract import Sheet


class WorkbookRejected(Exception):
    """The whole workbook is quarantined; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str, rule: str, sheet: str | None = None, cell: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.rule = rule
        self.sheet = sheet
        self.cell = cell


@dataclass(frozen=True)
class Problem:
    """One problem at a cell (or a row, or the sheet), traceable to ``sheet!cell`` in the
    original file. ``severity`` is ``critical`` (the submission is held back until corrected
    or released) or ``warning``; ``row_loaded`` says whether its row was loaded all the same
    (a flagged row) or refused."""

    sheet: str
    cell: str
    column: str | None
    original: str | None
    rule: str
    message: str
    severity: str = "critical"
    row_loaded: bool = False

    @classmethod
    def of_sheet(
        cls, title: str, rule: str, text: str, severity: str = "critical", row_loaded: bool = False
    ) -> Problem:
        """A problem with no cell: about a whole sheet, or the submission as a whole."""
        return cls(title, "", None, None, rule, f"工作表「{title}」：{text}", severity, row_loaded)


@dataclass
class SheetData:
    """A parsed sheet, held by column: ``values[name][i]`` is column ``name`` of the row that
    came from sheet row ``source_rows[i]``; ``approximate[i]`` lists the columns of that row
    written as approximations ("600余")."""

    sheet: Sheet
    title: str
    values: dict[str, list[Any]] = field(default_factory=dict)
    source_rows: list[int] = field(default_factory=list)
    approximate: dict[int, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: where each contract column was found (0-based), as the clerk laid the sheet out
    column_index: dict[str, int] = field(default_factory=dict)
    rejected_rows: int = 0
    held_back: bool = False

    @property
    def row_count(self) -> int:
        return len(self.source_rows)

    @property
    def total(self) -> int:
        """Rows kept and rows refused."""
        return self.row_count + self.rejected_rows

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows as dictionaries (for tests and small sheets; loading works by column)."""
        return [
            {
                "source_row": source_row,
                "approximate_columns": self.approximate.get(i, []),
                **{name: values[i] for name, values in self.values.items()},
            }
            for i, source_row in enumerate(self.source_rows)
        ]

    def keep(self, positions: list[int]) -> None:
        """Keep only the rows at these positions (ascending)."""
        if len(positions) == len(self.source_rows):
            return
        pick = picker(positions)
        self.values = {name: pick(values) for name, values in self.values.items()}
        self.source_rows = pick(self.source_rows)
        new = {old: i for i, old in enumerate(positions)}
        self.approximate = {new[i]: cols for i, cols in self.approximate.items() if i in new}


def picker(positions: list[int]) -> Any:
    """A function taking the items at ``positions`` from a list, as a list (C speed)."""
    if len(positions) == 1:
        return lambda seq: [seq[positions[0]]]
    if not positions:
        return lambda seq: []
    get = operator.itemgetter(*positions)
    return lambda seq: list(get(seq))


@dataclass
class Workbook:
    path: Path
    county_code: str
    period: str
    sheets: dict[str, SheetData]

    @property
    def problems(self) -> list[Problem]:
        return [p for data in self.sheets.values() for p in data.problems]

    @property
    def critical(self) -> list[Problem]:
        """The problems that hold the submission back from publication."""
        return [p for p in self.problems if p.severity == "critical"]


def column_letter(index: int) -> str:
    """0-based column index to the spreadsheet letter: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based row and column to ``B12``."""
    return f"{column_letter(col)}{row + 1}"
