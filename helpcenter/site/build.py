"""Build every language of the site, then swap the result into place.

Each language is its own `mkdocs build` process. By default they run one after another, so a
build needs the memory of one language; `jobs` runs that many at once, faster on a machine with
cores to spare, with that many times the memory. Everything is built into a fresh folder next to
the target and only replaces it when every language succeeded: a failed build leaves the
previous site intact.

Before any language starts, this process reads and checks mkdocs.yml, the plans file and the
catalogs once, so that a mistake is reported once, not once per language.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpcenter.config import Project, ProjectError, load_project
from helpcenter.progress import Progress
from helpcenter.search.analysis import stemmer_available
from helpcenter.site.precompress import write_gzip_copies
from helpcenter.site.progress import PROGRESS_VARIABLE, LanguagesProgress
from helpcenter.site.root import write_site_root

# The language a build makes: mkdocs.yml gives it to mkdocs-static-i18n's `build_only_locale`.
LOCALE_VARIABLE = "HELPCENTER_LOCALE"
# How a build that succeeded ends its output (`helpcenter review` reads build logs by it).
SITE_BUILT = "Site built in"


class BuildError(Exception):
    """A language failed to build; the message holds what MkDocs said."""


def build_language(
    config_file: Path, locale: str, site_dir: Path, strict: bool, progress: LanguagesProgress
) -> str:
    """One language's `mkdocs build`, its pages counted on `progress`; what it said, without
    its INFO lines."""
    # Not --quiet: it hides warnings from MkDocs' strict mode, which then lets them pass.
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config_file), "-d", str(site_dir)]
    if strict:
        command.append("--strict")
    reading, writing = os.pipe()
    try:
        process = subprocess.Popen(
            command,
            env={
                **os.environ,
                LOCALE_VARIABLE: locale,
                "NO_MKDOCS_2_WARNING": "1",
                PROGRESS_VARIABLE: str(writing),
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


def checked_project(config_file: Path, strict: bool) -> Project:
    """The project, with what every language shares checked once: the settings, the plans file
    and each language's catalog. Languages searched without stemming are said once."""
    try:
        project = load_project(config_file, check=False)
    except ProjectError as error:
        raise BuildError(str(error)) from None
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


def build_site(
    config_file: Path,
    site_dir: Path,
    strict: bool = True,
    jobs: int = 1,
    precompress: bool = False,
    build_language: Callable[[Path, str, Path, bool, LanguagesProgress], str] = build_language,
    discard: Callable[[Path], None] = remove_folder,
) -> Project:
    """`precompress`: with a `.gz` copy of each text file, for nginx's `gzip_static`.
    `build_language(config_file, locale, site_dir, strict, progress)` builds one language (the
    preview builds them in its own process, and keeps them); `discard(folder)` removes the
    previous site once replaced."""
    project = checked_project(config_file, strict)
    locales = project.locales
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}.", dir=site_dir.parent))
    staging.chmod(0o755)
    try:
        with Progress() as shown, ThreadPoolExecutor(max_workers=jobs) as pool:
            progress = LanguagesProgress(locales, shown)
            futures = {
                locale: pool.submit(
                    build_language, config_file, locale, staging / locale, strict, progress
                )
                for locale in locales
            }
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
        write_site_root(project, staging)
        if precompress:
            write_gzip_copies(staging)
        swap_into_place(staging, site_dir, discard)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return project


def swap_into_place(
    staging: Path, site_dir: Path, discard: Callable[[Path], None] = remove_folder
) -> None:
    previous = site_dir.with_name(f"{site_dir.name}.previous")
    remove_folder(previous)
    if site_dir.exists():
        site_dir.rename(previous)
    staging.rename(site_dir)
    discard(previous)
