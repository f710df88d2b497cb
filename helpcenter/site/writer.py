"""A language's files as a build makes them when nobody reads its site before it ends (each
language's `mkdocs build` in `helpcenter build`, which builds into a fresh folder and swaps it in
place): its process then never waits on the disk for a folder.

Making a folder is what costs: while a build's earlier files are written back, creating a folder
or a file takes about 0.7 ms on the bench machine's disk (ext4), filling it a few microseconds,
and a language of 1,000 articles makes about 2,100 of them for its pages (profiled: 1.9 s of a
7.5-second build with its search files). So a thread makes every page's folder and an empty
file while the pages are converted, MkDocs filling them as it renders them. The search files,
in one folder, are written by the build at once, each in place: handed to the thread, they
waited for it (it gets Python's lock back after each step of a file only once the build's
thread lets it go), and the build waited for them in turn (profiled: 0.1-0.9 s a language).
The preview's site is served while it builds: there each file is written whole, at once
(`write_atomically`), and nothing is made ahead.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from helpcenter.site.atomic import write_atomically

# Set for the processes whose site is read by nobody before they end (`helpcenter build`'s).
WRITE_BEHIND_VARIABLE = "HELPCENTER_WRITE_BEHIND"


def write_new(path: Path, content: bytes) -> None:
    """A file of a folder nobody reads yet: written in place, not moved onto it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        file.write(content)


def make_empty_files(paths: Iterable[str]) -> None:
    """Each file and its folders, empty, unless it is there already."""
    for path in paths:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            open(path, "xb").close()


class SiteWriter:
    """The files of one build. `behind`: nobody reads them before it ends: its pages are made
    ahead by a thread (`finish` waits for it and raises what failed there)."""

    def __init__(self, behind: bool) -> None:
        self.behind = behind
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None

    def make_pages(self, paths: list[str]) -> None:
        """Pages MkDocs will write, made ahead (empty) when written behind."""
        if self.behind and self.thread is None:
            self.thread = threading.Thread(
                target=self.make, args=(paths,), name="site-pages", daemon=True
            )
            self.thread.start()

    def make(self, paths: list[str]) -> None:
        try:
            make_empty_files(paths)
        except BaseException as error:  # raised again by the build (`finish`)
            self.error = error

    def write(self, path: Path, content: bytes) -> None:
        (write_new if self.behind else write_atomically)(path, content)

    def finish(self) -> None:
        """Once every page is made; raises what failed."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        self.behind = False  # anything after is written whole
        if self.error is not None:
            raise self.error


class SiteFiles:
    """Files written into a site folder as they are made, by their paths below it (the search
    index's, `add_search_files`): a build holds none of them in memory; `paths`: those given."""

    def __init__(self, site_dir: Path, writer: SiteWriter) -> None:
        self.site_dir = site_dir
        self.writer = writer
        self.paths: set[str] = set()

    def __setitem__(self, path: str, content: bytes) -> None:
        self.writer.write(self.site_dir / path, content)
        self.paths.add(path)
