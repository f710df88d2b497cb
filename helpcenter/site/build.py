"""Build every language of the site, then swap the result into place.

Each language is its own `mkdocs build` process. By default they run one after another, so a
build needs the memory of one language; `jobs` runs that many at once, faster on a machine with
cores to spare, with that many times the memory. Everything is built into a fresh folder next to
the target and only replaces it when every language succeeded: a failed build leaves the
previous site intact.

Before any language starts, mkdocs.yml, the plans file and the catalogs are read and checked
once, so that a mistake is reported once, not once per language, and the site's root pages are
written, in a process of its own too (`ReadApart`): the process that runs the languages then
holds nothing of MkDocs while they build, which is the build's memory at its largest (one
language's process and this one). The headers file, whose policy allows the inline scripts of
every page, is written by that process once every language is built, from each language's pages
read as soon as it is built.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol

from helpcenter.progress import Progress
from helpcenter.site.headers import inline_scripts, script_hash, site_headers, write_headers_file
from helpcenter.site.precompress import write_gzip_copies
from helpcenter.site.progress import PROGRESS_VARIABLE, LanguagesProgress
from helpcenter.site.writer import WRITE_BEHIND_VARIABLE

if TYPE_CHECKING:  # loaded by the processes that read the project (`ReadApart`)
    from helpcenter.config import Project

# The language a build makes: mkdocs.yml gives it to mkdocs-static-i18n's `build_only_locale`.
LOCALE_VARIABLE = "HELPCENTER_LOCALE"
# MkDocs 1.6 warns of MkDocs 2.0 at each start unless told not to: said in every build otherwise.
QUIET_MKDOCS = {"NO_MKDOCS_2_WARNING": "1"}
# How a build that succeeded ends its output (`helpcenter review` reads build logs by it).
SITE_BUILT = "Site built in"
# A language's process keeps its pages until its build ends, and ends with it: Python's full
# collections, each a scan of every object it holds, come ever more often and take ever longer as
# the site grows (profiled, a language of 10,000 articles: 23 of them, 4 seconds of its 75; of
# 1,000: 5, 0.15 s of 7.5). They come after this many collections of the middle generation
# instead of Python's 10 (those of the young objects, which free a page's garbage, go on): at
# 10,000 articles, none.
FULL_COLLECTION_THRESHOLD = 1000


class BuildError(Exception):
    """A language failed to build; the message holds what MkDocs said."""


def build_language(
    config_file: Path, locale: str, site_dir: Path, strict: bool, progress: LanguagesProgress
) -> str:
    """One language's `mkdocs build`, its pages counted on `progress`; what it said, without
    its INFO lines."""
    # Not --quiet: it hides warnings from MkDocs' strict mode, which then lets them pass.
    command = [sys.executable, "-m", "helpcenter.site.build", "language"]
    command += ["-f", str(config_file), "-d", str(site_dir)]
    if strict:
        command.append("--strict")
    reading, writing = os.pipe()
    try:
        process = subprocess.Popen(
            command,
            env={
                **os.environ,
                LOCALE_VARIABLE: locale,
                **QUIET_MKDOCS,
                PROGRESS_VARIABLE: str(writing),
                WRITE_BEHIND_VARIABLE: "1",  # its site folder is a fresh one, read by no one
            },
            pass_fds=(writing,),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writing)
    with open(reading, encoding="utf-8") as counts:
        follower = threading.Thread(target=progress.follow, args=(locale, counts))
        follower.start()
        stdout, stderr = process.communicate()
        follower.join()
    output = [
        line
        for line in (stderr + stdout).splitlines()
        if line.strip() and not line.startswith("INFO")
    ]
    if process.returncode != 0:
        raise BuildError(f"[{locale}] build failed:\n" + "\n".join(output))
    progress.done(locale, sum(line.startswith("WARNING") for line in output))
    return "\n".join(output)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def read_project(config_file: Path) -> Project:
    """The project as mkdocs.yml says it, unchecked (BuildError if it cannot be read)."""
    from helpcenter.config import ProjectError, load_project

    try:
        return load_project(config_file, check=False)
    except ProjectError as error:
        raise BuildError(str(error)) from None


def checked_project(config_file: Path, strict: bool, project: Project | None = None) -> Project:
    """The project, with what every language shares checked once: the settings, the plans file
    and each language's catalog. Languages searched without stemming are said once. `project`:
    mkdocs.yml as the caller has just read it, not read again."""
    from helpcenter.search.analysis import stemmer_available

    project = project or read_project(config_file)
    catalogs = project.catalogs
    warnings = [
        problem for locale in project.locales for problem in catalogs.problems(locale, project.root)
    ]
    problems = project.problems() + (warnings if strict else [])
    if problems:
        raise BuildError("\n".join(problems))
    for warning in warnings:
        print(f"WARNING - {warning}", file=sys.stderr)
    for locale in project.locales:
        if not stemmer_available(locale):
            print(
                f"INFO - search: no stemmer for '{locale}': its pages are searched by whole words",
                file=sys.stderr,
            )
    return project


@dataclass(frozen=True)
class CheckedProject:
    """What the build needs of the project once checked: its languages, and the addresses its
    pages post to (the headers' policy allows them)."""

    locales: list[str]
    endpoints: list[str]


class ProjectReader(Protocol):
    """How a build reads the project before its languages build: to check it, learn its
    languages and write the site's root pages."""

    def check(self, config_file: Path, strict: bool, site_dir: Path) -> CheckedProject:
        """Once the project is checked (BuildError if it fails), with the root pages written
        into `site_dir`."""


class ReadApart:
    """In a process of its own (`python -m helpcenter.site.build check`), what it says on
    stderr passed on: `helpcenter build`."""

    def check(self, config_file: Path, strict: bool, site_dir: Path) -> CheckedProject:
        strictness = "--strict" if strict else "--no-strict"
        return CheckedProject(
            **json.loads(run_step("check", str(config_file), str(site_dir), strictness))
        )


def run_step(*arguments: str) -> str:
    """What a step of this module's command line printed (BuildError with what it said when it
    failed)."""
    done = subprocess.run(
        [sys.executable, "-m", "helpcenter.site.build", *arguments],
        env={**os.environ, **QUIET_MKDOCS},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BuildError(done.stderr.strip() or f"{arguments[0]} failed")
    sys.stderr.write(done.stderr)
    return done.stdout


class ReadHere:
    """In the calling process, the project kept (`project`, once checked): the preview, which
    keeps it and its languages' builds, and the step `ReadApart` runs."""

    def __init__(self, project: Project | None = None) -> None:
        """`project`: mkdocs.yml as the caller has just read it, not read again."""
        self.project = project

    def check(self, config_file: Path, strict: bool, site_dir: Path) -> CheckedProject:
        from helpcenter.site.root import write_root_pages

        self.project = checked_project(config_file, strict, self.project)
        write_root_pages(self.project, site_dir)
        return CheckedProject(self.project.locales, self.project.endpoints)


def build_site(
    config_file: Path,
    site_dir: Path,
    strict: bool = True,
    jobs: int = 1,
    precompress: bool = False,
    build_language: Callable[[Path, str, Path, bool, LanguagesProgress], str] = build_language,
    discard: Callable[[Path], None] = remove_folder,
    reader: ProjectReader | None = None,
) -> None:
    """`precompress`: with a `.gz` copy of each text file, for nginx's `gzip_static`.
    `build_language(config_file, locale, site_dir, strict, progress)` builds one language (the
    preview builds them in its own process, and keeps them); `discard(folder)` removes the
    previous site once replaced; `reader`: where the project is read (`ReadApart` unless
    given)."""
    reader = reader or ReadApart()
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}.", dir=site_dir.parent))
    staging.chmod(0o755)
    try:
        checked = reader.check(config_file, strict, staging)
        locales = checked.locales
        with Progress() as shown, ThreadPoolExecutor(max_workers=jobs) as pool:
            progress = LanguagesProgress(locales, shown)
            futures = {
                locale: pool.submit(
                    build_language, config_file, locale, staging / locale, strict, progress
                )
                for locale in locales
            }
            # The headers' policy allows each inline script by its hash: the pages are read here,
            # each language's once it is built, while the next one builds (0.26 s of reading at
            # 1,000 articles a language, all of it after the last language otherwise); the few
            # distinct scripts are hashed once all are built (`script_hash`).
            scripts = inline_scripts(staging, leaving_out=locales)  # the root's pages
            for locale, future in futures.items():
                if future.exception() is None:
                    scripts |= inline_scripts(staging / locale)
        errors = []
        for locale, future in futures.items():
            try:
                output = future.result()
            except BuildError as error:
                errors.append(str(error))
            else:
                if output:
                    print(f"[{locale}] {output}", file=sys.stderr)
        if errors:
            raise BuildError("\n\n".join(errors))
        write_headers_file(staging, site_headers(map(script_hash, scripts), checked.endpoints))
        if precompress:
            write_gzip_copies(staging)
        swap_into_place(staging, site_dir, discard)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_into_place(
    staging: Path, site_dir: Path, discard: Callable[[Path], None] = remove_folder
) -> None:
    previous = site_dir.with_name(f"{site_dir.name}.previous")
    remove_folder(previous)
    if site_dir.exists():
        site_dir.rename(previous)
    staging.rename(site_dir)
    discard(previous)


def build_one_language(mkdocs_arguments: list[str]) -> NoReturn:
    """`mkdocs build` with these arguments, in a process that ends with it
    (`FULL_COLLECTION_THRESHOLD`); exits with its status (`end_now`)."""
    from mkdocs.__main__ import cli

    generations = gc.get_threshold()
    gc.set_threshold(generations[0], generations[1], FULL_COLLECTION_THRESHOLD)
    try:
        cli.main(args=["build", *mkdocs_arguments], prog_name="mkdocs")
    except SystemExit as end:  # how click ends, whatever the outcome
        end_now(end.code)
    end_now(0)


def end_now(status: int | str | None) -> NoReturn:
    """Exit with `status` as `sys.exit` would, once what was said is out, without Python's
    finalization: freeing a language's pages object by object, which nothing reads, took 0.11 to
    0.14 s of its 7-second build at 1,000 articles (after MkDocs' last line; 0.01 s now). Its
    files are written by then: each is closed once written, and the thread that makes them ahead
    is done (`SiteWriter.finish`)."""
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status or 0)


def main(argv: list[str] | None = None) -> int:
    """A language's build, for `build_language`: `language MKDOCS_BUILD_ARGUMENTS...`; and the
    step that reads the project, for `ReadApart`: `check CONFIG SITE_DIR --strict|--no-strict`
    writes the site's root pages into SITE_DIR once the project is checked, and prints what the
    build needs of it (`CheckedProject`, as JSON)."""
    parser = argparse.ArgumentParser(prog="python -m helpcenter.site.build")
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("language")  # its arguments are mkdocs build's
    check = steps.add_parser("check")
    check.add_argument("config_file", type=Path)
    check.add_argument("site_dir", type=Path)
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, required=True)
    args, rest = parser.parse_known_args(argv)
    if args.step == "language":
        build_one_language(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        print(json.dumps(asdict(ReadHere().check(args.config_file, args.strict, args.site_dir))))
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
