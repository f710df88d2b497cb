"""A language's files written by a thread of their own when nobody reads its site before its
build ends (each language's `mkdocs build` in `helpcenter build`, which builds into a fresh
folder and swaps it in place): its process then never waits on the disk.

Making a file is what costs: while a build's earlier files are written back, creating a folder
or a file takes about 0.7 ms on the bench machine's disk (ext4), filling it a few microseconds,
and a language of 1,000 articles makes about 2,700 of them (its pages' folders and files, its
search files), one after another (profiled: 1.9 s of a 7.5-second build). So the thread makes
every page's folder and an empty file while the pages are converted, MkDocs filling them as it
renders them, and writes the search files while the pages render. The preview's site is
served while it builds: there each file is written whole, at once (`write_atomically`), and
nothing is made ahead.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from helpcenter.site.atomic import write_atomically

# Set for the processes whose site is read by nobody before they end (`helpcenter build`'s).
WRITE_BEHIND_VARIABLE = "HELPCENTER_WRITE_BEHIND"
# Writes waiting for the thread at most (each holds its file's content): the build's memory
# stays that of a few files when the disk falls behind.
PENDING_WRITES = 16


def make_empty_files(paths: Iterable[str]) -> None:
    """Each file and its folders, empty, unless it is there already."""
    for path in paths:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            open(path, "xb").close()


class SiteWriter:
    """The files of one build. `behind`: written by a thread, in order (`finish` waits for
    them); otherwise each at once, when given."""

    def __init__(self, behind: bool) -> None:
        self.behind = behind
        self.jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(PENDING_WRITES)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if behind:
            self.thread = threading.Thread(target=self.work, name="site-writer", daemon=True)
            self.thread.start()

    def make_pages(self, paths: list[str]) -> None:
        """Pages MkDocs will write, made ahead (empty) when written behind."""
        if self.behind:
            self.submit(functools.partial(make_empty_files, paths))

    def write(self, path: Path, content: bytes) -> None:
        if self.behind:
            self.submit(functools.partial(write_atomically, path, content))
        else:
            write_atomically(path, content)

    def submit(self, job: Callable[[], None]) -> None:
        self.raise_error()
        self.jobs.put(job)

    def work(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.error is None:  # after a failure, the rest is dropped: the build fails
                try:
                    job()
                except BaseException as error:  # raised again by the build (`finish`)
                    self.error = error

    def finish(self) -> None:
        """Once every file given is written; raises the first write's error."""
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()
            self.thread = None
            self.behind = False  # anything after is written at once
        self.raise_error()

    def raise_error(self) -> None:
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
