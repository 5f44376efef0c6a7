"""The terminal the ``dangjian`` command writes to, and its progress bars."""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def _terminal_console() -> Console:
    """A console on its own copy of the terminal, so it stays visible while the nightly run's
    output (fd 1 and 2) is sent to a log file."""
    try:
        return Console(file=open(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1))  # noqa: SIM115
    except (AttributeError, OSError, ValueError):  # no real stdout (captured by a test runner)
        return Console()


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
