"""How far a build has got, for whoever waits for it.

`helpcenter build` runs each language in a process of its own (helpcenter.site.build) and gives
it a pipe, named by PROGRESS_VARIABLE: the language's plugin writes `total N` once it knows its
pages, then `read` for each page read and `rendered` for each page written (`PageCounter`). The
build reads them (`Progress`): on a terminal, a bar per language with its pages, the time spent
and an estimate (rich); elsewhere (CI, a pipe) nothing that rewrites lines, only one line per
language once it is done: pages, seconds, warnings.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bars

PROGRESS_VARIABLE = "HELPCENTER_PROGRESS_FD"


class PageCounter:
    """The language process's side: says how many pages there are and each one done, when the
    build asked for it (a plain `mkdocs build` says nothing)."""

    def __init__(self, heard: Callable[[str], None] | None = None) -> None:
        """`heard`: the build's ear in this process (the preview builds in its own)."""
        descriptor = os.environ.get(PROGRESS_VARIABLE)
        self.stream: IO[str] | None = (
            os.fdopen(int(descriptor), "w", buffering=1) if descriptor and not heard else None
        )
        self.heard = heard

    def say(self, line: str) -> None:
        if self.heard is not None:
            self.heard(line)
        elif self.stream is not None:
            try:
                self.stream.write(f"{line}\n")
            except OSError:  # the build stopped listening: the pages go on
                self.stream = None

    def total(self, pages: int) -> None:
        self.say(f"total {pages}")

    def read(self) -> None:
        self.say("read")

    def rendered(self) -> None:
        self.say("rendered")


class Progress:
    """The build's side: each language's progress, shown as it comes on a terminal, or one line
    per language at its end elsewhere. A context manager."""

    def __init__(self, locales: list[str], stream: IO[str] = sys.stderr) -> None:
        self.interactive = stream.isatty()
        self.stream = stream
        self.started: dict[str, float] = {}
        self.pages_read: dict[str, int] = dict.fromkeys(locales, 0)
        self.rendered: dict[str, int] = dict.fromkeys(locales, 0)
        self.bars = Bars(
            TextColumn("{task.description}", markup=False),  # `[fr]` is not a style
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            disable=not self.interactive,
        )
        self.tasks: dict[str, TaskID] = {
            locale: self.bars.add_task(f"[{locale}] waiting", total=None, start=False)
            for locale in locales
        }
        self.lock = threading.Lock()

    def __enter__(self) -> Progress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def follow(self, locale: str, lines: IO[str]) -> None:
        """Read one language's pipe until its process closes it."""
        self.start(locale)
        for line in lines:
            self.hear(locale, line)

    def start(self, locale: str) -> None:
        self.started[locale] = time.monotonic()
        self.pages_read[locale] = 0
        self.bars.start_task(self.tasks[locale])

    def hear(self, locale: str, line: str) -> None:
        """One line of a language's `PageCounter`."""
        task = self.tasks[locale]
        word, _, number = line.strip().partition(" ")
        with self.lock:
            if word == "total" and number.isdigit():
                self.bars.update(task, total=int(number), description=f"[{locale}] reading")
            elif word == "read":
                self.pages_read[locale] += 1
                self.bars.update(task, completed=self.pages_read[locale])
            elif word == "rendered":
                self.rendered[locale] += 1
                self.bars.update(
                    task, completed=self.rendered[locale], description=f"[{locale}] rendering"
                )

    def done(self, locale: str, warnings: int) -> None:
        """The language is built: its bar says so, or its one line, with the pages written."""
        pages = self.rendered[locale]
        seconds = time.monotonic() - self.started.get(locale, time.monotonic())
        with self.lock:
            self.bars.update(self.tasks[locale], description=f"[{locale}] built")
            if not self.interactive:
                print(
                    f"[{locale}] {pages} pages in {seconds:.1f} s, "
                    f"{warnings} warning{'' if warnings == 1 else 's'}",
                    file=self.stream,
                    flush=True,
                )
