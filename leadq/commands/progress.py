"""Progress for CLI commands that take more than a moment (evaluate, train, score, backfill, reconcile).

On a terminal: a rich bar on stderr with the count, the rate and the time left. Anywhere else (a log
file, a pipe, CI): one plain line every few seconds, never a carriage-return redraw, so a log holds
readable lines. Output always goes to stderr, so a command's own output on stdout stays clean.

    with progress("Scoring rows", total=len(rows)) as step:
        for row in rows:
            ...
            step(1)

``step(n)`` advances by ``n``; ``step(0, total=N)`` sets a total found out later; ``step(0,
label="...")`` names the phase. A command whose work has no count passes ``total=None``: a spinner
with the time taken.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

PLAIN_EVERY_S = 5.0


class Step(Protocol):
    def __call__(self, advance: int = 1, *, total: int | None = None, label: str | None = None) -> None: ...


@dataclass
class _Plain:
    label: str
    total: int | None
    write: Callable[[str], None]
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        count = f"{self.done:,}/{self.total:,} " if self.total else f"{self.done:,} " if self.done else ""
        return f"{self.label}: {count}({time.monotonic() - self.started:.0f} s)"

    def __call__(self, advance: int = 1, *, total: int | None = None, label: str | None = None) -> None:
        self.done += advance
        self.total = self.total if total is None else total
        self.label = self.label if label is None else label
        now = time.monotonic()
        if now - self.last >= PLAIN_EVERY_S:
            self.last = now
            self.write(self.line())


@contextmanager
def progress(label: str, total: int | None = None, *, plain: bool | None = None) -> Iterator[Step]:
    """A progress display on stderr for the ``with`` block (see the module docstring)."""
    use_plain = (not sys.stderr.isatty()) if plain is None else plain
    if use_plain:
        plain_step = _Plain(label, total, lambda text: print(text, file=sys.stderr, flush=True))
        plain_step.write(f"{label}...")
        yield plain_step
        plain_step.write(plain_step.line() + " - done")
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(label, total=total)

        def step(advance: int = 1, *, total: int | None = None, label: str | None = None) -> None:
            bar.update(task, advance=advance, total=total, description=label)

        yield step
        whole = bar.tasks[0].total
        if whole is not None:
            bar.update(task, completed=whole)
