"""The terminal the ``dangjian`` command writes to, and its progress bars."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Columns when the output is a file or a pipe (a log, CI) and COLUMNS does not say: wide
#: enough for the summary tables' Chinese headers and county names, not Rich's 80.
PIPE_WIDTH = 160


def _terminal_console() -> Console:
    """A console on its own copy of the terminal, so it stays visible while the nightly run's
    output (fd 1 and 2) is sent to a log file."""
    width = None if os.environ.get("COLUMNS") or sys.stdout.isatty() else PIPE_WIDTH
    try:
        return Console(
            file=open(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1), width=width
        )  # noqa: SIM115
    except (AttributeError, OSError, ValueError):  # no real stdout (captured by a test runner)
        return Console(width=width)


console = _terminal_console()


def progress_bars() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
