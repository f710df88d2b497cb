"""How far long work has got, for whoever waits for it: the languages of `helpcenter build`, the
steps of `helpcenter purge`, the phases of `make bench`.

On a terminal each task is a bar (a pulse while its total is unknown) with its count, the time
spent and an estimate (rich); when it ends, its bar gives way to its line. Elsewhere (CI, a
pipe, a cron job's mail) nothing that rewrites lines: only each task's line, once it ends. The
lines are the same in both places.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress as Bars
    from rich.progress import TaskID


def terminal_bars(stream: IO[str]) -> Bars:
    """rich's bars, loaded only for a terminal: elsewhere (a build's output in CI or a pipe) the
    process that waits for the languages' builds stays without it (6 MB)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bars

    return Bars(
        TextColumn("{task.description}", markup=False),  # `[fr]` is not a style
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
    )


class Progress:
    """The tasks shown on `stream`; a context manager."""

    def __init__(self, stream: IO[str] = sys.stderr) -> None:
        self.stream = stream
        self.bars = terminal_bars(stream) if stream.isatty() else None
        self.lock = threading.Lock()

    def __enter__(self) -> Progress:
        if self.bars:
            self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars:
            self.bars.stop()

    def task(self, name: str, unit: str, total: int | None = None, state: str = "") -> Task:
        """A task shown as `name state`, counting `unit`s (pages, articles...) up to `total`;
        its time counts from its first step (`start`)."""
        return Task(self, name, unit, total, state)

    def phase(self, name: str, unit: str, total: int) -> Task:
        """A task that ends by itself, with its usual line (`Task.summary`), once its count
        reaches `total`."""
        task = self.task(name, unit, total)
        task.ends_at_total = True
        return task

    def step(self, doing: str) -> Task:
        """A task of one step, under way from now: on a terminal, a pulse and the time spent."""
        task = self.task("", "", state=doing)
        task.start()
        return task

    def say(self, line: str) -> None:
        with self.lock:
            if self.bars:
                self.bars.console.print(line, markup=False, highlight=False, soft_wrap=True)
            else:
                print(line, file=self.stream, flush=True)


class Task:
    """One thing under way: its count, its state, its time; `finish` ends it."""

    def __init__(
        self, progress: Progress, name: str, unit: str, total: int | None, state: str
    ) -> None:
        self.progress = progress
        self.name = name
        self.unit = unit
        self.completed = 0
        self.expected = total
        self.ends_at_total = False
        self.started: float | None = None
        self.bars = progress.bars
        self.id: TaskID | None = (
            self.bars.add_task(f"{name} {state}".strip(), total=total, start=False)
            if self.bars
            else None
        )

    def start(self) -> None:
        if self.started is None:
            self.started = time.monotonic()
            if self.bars:
                self.bars.start_task(self.id)

    def total(self, total: int) -> None:
        self.expected = total
        if self.bars:
            self.bars.update(self.id, total=total)

    def update(self, completed: int | None = None, state: str | None = None) -> None:
        """How many are done now, and what the task is doing (`name state`)."""
        self.start()
        with self.progress.lock:
            if completed is not None:
                self.completed = completed
            if self.bars:
                description = None if state is None else f"{self.name} {state}"
                self.bars.update(self.id, completed=self.completed, description=description)
        if self.ends_at_total and self.completed == self.expected:
            self.finish(self.summary())

    def advance(self, state: str | None = None) -> None:
        """One more done."""
        self.update(self.completed + 1, state)

    @property
    def seconds(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started

    def summary(self, more: str = "") -> str:
        """The usual line of a task that ends: `[fr] 21 pages in 2.8 s` and `more`."""
        return f"{self.name} {self.completed} {self.unit} in {self.seconds:.1f} s{more}"

    def finish(self, line: str | None) -> None:
        """The task has ended: its bar, shown once more as it ends, gives way to `line`."""
        if self.bars:
            with self.progress.lock:
                self.bars.refresh()
                self.bars.remove_task(self.id)
                self.bars.refresh()
        if line is not None:
            self.progress.say(line)
