"""How far a build has got, for whoever waits for it.

`helpcenter build` runs each language in a process of its own (helpcenter.site.build) and gives
it a pipe, named by PROGRESS_VARIABLE: the language's plugin writes `total N` once it knows its
pages, then `read` for each page read and `rendered` for each page written (`PageCounter`). The
build reads them (`LanguagesProgress`) and shows them as helpcenter.progress does: on a terminal,
a bar per language with its pages, the time spent and an estimate; then, and elsewhere (CI, a
pipe) only then, one line per language once it is built: pages, seconds, warnings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # the language processes only count: the bars are the build's
    from helpcenter.progress import Progress, Task

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


class LanguagesProgress:
    """The build's side: a task per language, fed by its pipe."""

    def __init__(self, locales: list[str], progress: Progress) -> None:
        self.tasks: dict[str, Task] = {
            locale: progress.task(f"[{locale}]", "pages", state="waiting") for locale in locales
        }
        self.pages_read: dict[str, int] = dict.fromkeys(locales, 0)
        self.rendered: dict[str, int] = dict.fromkeys(locales, 0)

    def follow(self, locale: str, lines: IO[str]) -> None:
        """Read one language's pipe until its process closes it: pages read, then written."""
        self.start(locale)
        for line in lines:
            self.hear(locale, line)

    def start(self, locale: str) -> None:
        self.pages_read[locale] = self.rendered[locale] = 0
        self.tasks[locale].start()

    def hear(self, locale: str, line: str) -> None:
        """One line of a language's `PageCounter`."""
        task = self.tasks[locale]
        word, _, number = line.strip().partition(" ")
        if word == "total" and number.isdigit():
            task.total(int(number))
            task.update(state="reading")
        elif word == "read":
            self.pages_read[locale] += 1
            task.update(self.pages_read[locale])
        elif word == "rendered":
            self.rendered[locale] += 1
            task.update(self.rendered[locale], "rendering")

    def done(self, locale: str, warnings: int) -> None:
        """The language is built: its line says its pages written, time and warnings."""
        task = self.tasks[locale]
        task.finish(task.summary(f", {warnings} warning{'' if warnings == 1 else 's'}"))
