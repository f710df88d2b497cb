"""The writers' preview keeps each language's build between saves (`helpcenter serve --watch`).

Why: most of a language's build is starting a process and converting every article (Markdown,
then the plugin's work on its HTML), while a save changes one article. So each language's MkDocs
state (configuration, plugins, files, navigation, pages with their converted content) stays in
this process after a whole build. Saving an article that was already there converts it again in
every language that shows it (its page, its fallbacks, the translations it is the source of),
checks the language as the strict build does, writes those pages and the search files, and the
open pages reload. Every other page of those languages is then rendered again behind it
(`settle`, interrupted by the next save): each names the search index, whose name follows its
content, and titles, descriptions and related articles show in other pages. Anything else (a
file added, removed or moved, mkdocs.yml, plans, catalogs, templates) builds every language
again, in this process, as `helpcenter build` does. Either way the site equals a clean build of
the same sources (tests/browser/test_live_reload.py compares them), unlike MkDocs' own `serve
--dirty`, which renders changed files only and leaves navigation and search stale.

A failed update changes no file: the site served is the last that built.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from mkdocs.commands.build import (
    _build_extra_template,
    _build_page,
    _build_theme_template,
    _populate_page,
)
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page

from helpcenter.authoring import history
from helpcenter.search.browser import SEARCH_DIR
from helpcenter.site.build import LOCALE_VARIABLE, BuildError, build_site
from helpcenter.site.progress import PageCounter, Progress

INCLUDED = InclusionLevel.is_included
# Pages `settle` renders before it looks for a newer save (a few tens of milliseconds).
SETTLE_BATCH = 5


class Messages(logging.Handler):
    """MkDocs' warnings and errors during a build, as its command line prints them: in strict
    mode, any of them fails the build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname:<8}-  {record.getMessage()}")


@contextlib.contextmanager
def strict(locale: str) -> Iterator[None]:
    """Raises BuildError, as `helpcenter build` words it, when MkDocs warned or failed."""
    logger = logging.getLogger("mkdocs")
    messages = Messages()
    logger.addHandler(messages)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    except Exception as error:  # a plugin's or MkDocs' error: the build failed
        if not isinstance(error, BuildError):
            messages.lines.append(f"ERROR   -  {error}")
    finally:
        logger.removeHandler(messages)
        logger.propagate = propagate
    if messages.lines:
        raise BuildError(f"[{locale}] build failed:\n" + "\n".join(messages.lines))


def language_config(config_file: Path, locale: str, site_dir: Path) -> MkDocsConfig:
    """mkdocs.yml as the build of `locale` reads it (which names the language)."""
    previous = os.environ.get(LOCALE_VARIABLE)
    os.environ[LOCALE_VARIABLE] = locale
    try:
        return load_config(str(config_file), site_dir=str(site_dir), strict=True)
    finally:
        if previous is None:
            del os.environ[LOCALE_VARIABLE]
        else:
            os.environ[LOCALE_VARIABLE] = previous


class LanguageBuild:
    """One language's build, the steps of MkDocs' `build` with their results kept: made whole
    when created; `update` converts and renders again the pages of changed articles, and
    `settle` the others."""

    def __init__(
        self, config_file: Path, locale: str, site_dir: Path, progress: Progress | None = None
    ) -> None:
        self.locale = locale
        with strict(locale):
            config = language_config(config_file, locale, site_dir)
            self.config: MkDocsConfig = config.plugins.on_config(config)
            config = self.config
            if progress is not None:  # what `helpcenter build` shows of each language
                heard = functools.partial(progress.hear, locale)
                config.plugins["helpcenter"].progress = PageCounter(heard)
            config.plugins.on_pre_build(config=config)
            files = get_files(config)
            self.env = config.theme.get_env()
            files.add_files_from_theme(self.env, config)
            self.files: Files = config.plugins.on_files(files, config=config)
            set_exclusions(self.files, config)
            nav = get_navigation(self.files, config)
            self.nav: Navigation = config.plugins.on_nav(nav, config=config, files=self.files)
            for page_file in self.files.documentation_pages(inclusion=INCLUDED):
                if page_file.page is None and page_file.inclusion.is_not_in_nav():
                    Page(None, page_file, config)
                _populate_page(page_file.page, config, self.files)
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            self.files.copy_static_files(inclusion=INCLUDED)
            # As templates find it before any page: a page's context writes into it.
            self.extra = dict(config.extra)
            self.write_templates()
            self.render(self.pages())
            self.check_anchors()
            config.plugins.on_post_build(config=config)
        self.unrendered: list[Page] = []
        self.shown = self.showing()

    def pages(self) -> list[Page]:
        return [
            page_file.page
            for page_file in self.files.documentation_pages(inclusion=INCLUDED)
            if page_file.page is not None
        ]

    def move_to(self, site_dir: Path) -> None:
        """The language's folder moved (the whole build is swapped into place)."""
        self.config.site_dir = str(site_dir)
        for page_file in self.files:
            page_file.dest_dir = str(site_dir)
            page_file.__dict__.pop("abs_dest_path", None)  # MkDocs' cached_property, made again

    def showing(self) -> dict[Path, list[Page]]:
        """The pages that show each source: those written from it, and its translations (whose
        page says when their source changed)."""
        default = self.config.plugins["helpcenter"].project.locales[0]
        docs_dir = Path(self.config.docs_dir).resolve()
        shown: dict[Path, list[Page]] = {}
        for page in self.pages():
            source = page.file.abs_src_path
            if source is None:
                continue
            shown.setdefault(Path(source).resolve(), []).append(page)
            if self.locale != default:
                original = docs_dir / default / page.file.src_uri.removeprefix(f"{self.locale}/")
                shown.setdefault(original, []).append(page)
        return shown

    def shared(self, pages: list[Page]) -> tuple:
        """What other pages show of `pages`: the search index's name, related articles, their
        titles and descriptions."""
        plugin = self.config.plugins["helpcenter"]
        return (
            plugin.search_files.path,
            plugin.related.related,
            [(page.title, page.meta.get("description")) for page in pages],
        )

    def update(self, changed: frozenset[Path], everything: bool = False) -> None:
        """Convert and render again the pages that show a changed source, then leave the others
        to `settle` when they show something of them (`everything`: all of them). Raises
        BuildError, writing nothing, when the strict build would fail."""
        pages = list(
            {id(page): page for path in changed for page in self.shown.get(path, [])}.values()
        )
        if not pages:
            return
        config = self.config
        before = self.shared(pages)
        with strict(self.locale):
            for page in pages:
                _populate_page(page, config, self.files)
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            self.check_anchors()
        after = self.shared(pages)
        with strict(self.locale):  # only once the language is known to build
            if after[0] != before[0]:
                config.plugins.on_post_build(config=config)  # the search files the pages name
            self.render(pages)
        done = {id(page) for page in pages}
        left = self.pages() if everything or after != before else self.unrendered
        self.unrendered = [page for page in left if id(page) not in done]

    def settle(self) -> None:
        """Render the next few pages that an update left as they were."""
        batch, self.unrendered = self.unrendered[:SETTLE_BATCH], self.unrendered[SETTLE_BATCH:]
        self.render(batch)
        if not self.unrendered:
            self.finish()

    def render(self, pages: list[Page]) -> None:
        doc_files = self.files.documentation_pages(inclusion=INCLUDED)
        for page in pages:
            _build_page(page, self.config, doc_files, self.nav, self.env)

    def finish(self) -> None:
        """What a build writes besides the pages, once they are all rendered again."""
        with strict(self.locale):
            self.write_templates()
            self.check_anchors()
        site_dir = Path(self.config.site_dir)
        plugin = self.config.plugins["helpcenter"]
        named = {*plugin.search_files.files, plugin.engine_file.path}
        for path in (site_dir / SEARCH_DIR).iterdir():  # earlier versions' search files
            if path.relative_to(site_dir).as_posix() not in named:
                path.unlink()

    def write_templates(self) -> None:
        """The theme's pages that are not articles (404, sitemap) and the extra templates."""
        config = self.config
        for key in set(config.extra) - set(self.extra):
            del config.extra[key]
        config.extra.update(self.extra)
        for template in config.theme.static_templates:
            _build_theme_template(template, self.env, self.files, config, self.nav)
        for template in config.extra_templates:
            _build_extra_template(template, self.files, config, self.nav)

    def check_anchors(self) -> None:
        level = self.config.validation.links.anchors
        for page in self.pages():
            page.validate_anchor_links(files=self.files, log_level=level)


def source_files(docs_dir: Path) -> frozenset[Path]:
    return frozenset(path for path in docs_dir.rglob("*") if path.is_file())


class Preview:
    """Every language's kept build, and the site they write into `site_dir`."""

    def __init__(self, config_file: Path, site_dir: Path) -> None:
        self.config_file = config_file
        self.site_dir = site_dir
        self.builds: dict[str, LanguageBuild] = {}
        self.sources: frozenset[Path] = frozenset()  # the docs' files at the last whole build
        self.failing: frozenset[Path] = frozenset()  # sources of an update that failed
        self.docs_dir: Path | None = None

    def rebuild(self, changed: frozenset[Path], first: bool = False) -> str | None:
        """One rebuild: None when it worked, else what the build said (the open pages show
        it); the site served stays the last one that built."""
        print("Building…" if first else "Change detected: rebuilding…", flush=True)
        history.last_commit_dates.cache_clear()  # what git knows may have changed too
        history.modified_files.cache_clear()
        try:
            if self.can_update(changed):
                self.update(changed | self.failing)
            else:
                self.build()
        except BuildError as error:
            print(f"{error}\nThe previous build is still served.", flush=True)
            return str(error)
        print("Rebuilt.", flush=True)
        return None

    def can_update(self, changed: frozenset[Path]) -> bool:
        """Only articles that were already there changed (then each language can update)."""
        docs_dir = self.docs_dir
        if not self.builds or docs_dir is None or not changed:
            return False
        existing = {path for path in changed if path.exists()}
        return (
            all(path.suffix == ".md" and path.is_relative_to(docs_dir) for path in existing)
            and source_files(docs_dir) == self.sources
        )

    def update(self, changed: frozenset[Path]) -> None:
        try:
            for build in self.builds.values():
                build.update(changed, everything=bool(self.failing))
        except BuildError:
            self.failing = changed
            for build in self.builds.values():  # nothing is rendered from a build that failed
                build.unrendered = []
            raise
        self.failing = frozenset()

    def build(self) -> None:
        self.builds = {}
        built: dict[str, LanguageBuild] = {}

        def build_language(
            config_file: Path, locale: str, site_dir: Path, _strict: bool, progress: Progress
        ) -> str:
            progress.start(locale)
            built[locale] = LanguageBuild(config_file, locale, site_dir, progress)
            progress.done(locale, warnings=0)  # a warning fails the build (strict)
            return ""

        build_site(self.config_file, self.site_dir, build_language=build_language)
        for locale, build in built.items():
            build.move_to(self.site_dir.resolve() / locale)
        self.builds = built
        self.docs_dir = Path(next(iter(built.values())).config.docs_dir).resolve()
        self.sources = source_files(self.docs_dir)  # from the resolved folder: resolved
        self.failing = frozenset()

    def settle(self) -> bool:
        """Render a few more of the pages the last update left; False once none is left."""
        for build in self.builds.values():
            if build.unrendered:
                try:
                    build.settle()
                except BuildError as error:  # what the update checked cannot fail here
                    print(error, flush=True)
                    self.builds = {}  # the next save builds every language again
                    return False
                return True
        return False
