"""A language's files as a build makes them when nobody reads its site before it ends (each
language's `mkdocs build` in `helpcenter build`, which builds into a fresh folder and swaps it in
place): its process then never waits on the disk for a folder or a new file.

Making a folder or a file is what costs: on the bench machine's disk (ext4) creating one takes
about 0.5 ms, even alone, while filling an empty one or renaming it takes about 0.01 ms; a
language of 1,000 articles makes about 2,100 of them for its pages (profiled: 1.9 s of a
7.5-second build with its search files). So a thread makes every page's folder and an empty file
while the pages are converted, MkDocs filling them as it renders them. The search files, named
after their content, are known only once the index is made: the thread makes empty files in
their folder too, blanks, which the build fills and renames as it writes them (559 search files
for 1,021 pages, 4,290 for 10,000: made by the build itself, a language of 1,000 articles spent
0.33 s on them), and the blanks left are removed at its end. The preview's site is served while
it builds: there each file is written whole, at once (`write_atomically`), and nothing is made
ahead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from helpcenter.site.atomic import write_atomically

# Set for the processes whose site is read by nobody before they end (`helpcenter build`'s).
WRITE_BEHIND_VARIABLE = "HELPCENTER_WRITE_BEHIND"
# How long the build's thread keeps Python's lock when the thread wants it, while the thread runs
# (seconds). The thread needs it back after each folder or file: at Python's own 5 ms, a language
# of 1,000 articles had its pages made in 4.8 s, its blanks too late for its search files; at
# 50 µs in 0.44 s, every blank before them. `helpcenter build` at 1,000 articles: 22.8 s instead
# of 23.7 on average, seven builds each way.
SWITCH_INTERVAL = 0.00005


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
    """The files of one build. `behind`: nobody reads them before it ends: its pages, and blanks
    for the files it names later, are made ahead by a thread (`finish` waits for it, removes the
    blanks left and raises what failed there)."""

    def __init__(self, behind: bool) -> None:
        self.behind = behind
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.blanks_folder: Path | None = None
        self.blanks: deque[Path] = deque()  # made by the thread, taken by the build
        self.switch_interval = sys.getswitchinterval()  # Python's, given back once it is done

    def make_ahead(self, pages: list[str], blanks_folder: Path, blanks: int) -> None:
        """Pages MkDocs will write, and as many as `blanks` empty files in `blanks_folder` for
        the files named later (`write`), made ahead when written behind."""
        if self.behind and self.thread is None:
            self.blanks_folder = blanks_folder
            sys.setswitchinterval(SWITCH_INTERVAL)
            self.thread = threading.Thread(
                target=self.make,
                args=(pages, blanks_folder, blanks),
                name="site-pages",
                daemon=True,
            )
            self.thread.start()

    def make(self, pages: list[str], blanks_folder: Path, blanks: int) -> None:
        try:
            make_empty_files(pages)
            blanks_folder.mkdir(parents=True, exist_ok=True)
            for number in range(blanks):
                blank = blanks_folder / f".blank-{number}"
                open(blank, "wb").close()
                self.blanks.append(blank)
        except BaseException as error:  # raised again by the build (`finish`)
            self.error = error
        finally:
            sys.setswitchinterval(self.switch_interval)

    def write(self, path: Path, content: bytes) -> None:
        if not self.behind:
            write_atomically(path, content)
        elif self.blanks and path.parent == self.blanks_folder:
            blank = self.blanks.popleft()
            with open(blank, "r+b") as file:
                file.write(content)
            os.replace(blank, path)
        else:
            write_new(path, content)

    def finish(self) -> None:
        """Once every page is made; raises what failed."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        self.behind = False  # anything after is written whole
        while self.blanks:
            self.blanks.popleft().unlink()
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
