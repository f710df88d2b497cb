"""The writers' preview keeps each language's build between saves (`helpcenter serve --watch`).

Why: most of a language's build is starting a process and converting every article (Markdown,
then the plugin's work on its HTML), while a writer looks at one page and a save changes one
article. So each language's MkDocs state (configuration, plugins, files, navigation, pages with
their converted content) stays in this process.

Start-up converts nothing: the site's root is written and served at once. The first page asked
for in a language makes that language's build (configuration, files, navigation) and renders
that page alone, with the other pages' titles from their front matter (`render_on_demand`).
Behind it (`settle`, a few pages at a time between requests and saves) each language is made,
its pages converted, then all rendered again as they now are, then its search files, 404 page
and sitemap written; pages shown before that reload once their language is whole.

Saving an article that was already there converts it again in every language that shows it
(its page, its fallbacks, the translations it is the source of), checks the language as the
strict build does, writes those pages and the search files, and the open pages reload. Every
other page of those languages is then rendered again behind it (`settle`, interrupted by the
next save): each names the search index, whose name follows its content, and titles,
descriptions and related articles show in other pages. Anything else (a file added, removed or
moved, mkdocs.yml, plans, catalogs, templates) builds every language again, whole, in this
process, as `helpcenter build` does. Either way the site ends equal to a clean build of the same
sources (tests/browser/test_fast_preview.py compares them), unlike MkDocs' own `serve --dirty`,
which renders changed files only and leaves navigation and search stale.

A failed update changes no file: the site served is the last that built. A page that fails to
convert behind start-up is said on the open pages, and the next save builds every language.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from jinja2 import Environment
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
from helpcenter.config import Project
from helpcenter.search.browser import SEARCH_DIR
from helpcenter.server.livereload import Settled
from helpcenter.site.build import LOCALE_VARIABLE, BuildError, build_site, remove_folder
from helpcenter.site.headers import page_script_hashes, site_policy
from helpcenter.site.progress import LanguagesProgress, PageCounter
from helpcenter.site.root import write_site_root

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
    """One language's build, the steps of MkDocs' `build` with their results kept. Created with
    its configuration, files and navigation and no page converted: `complete` does the rest at
    once, `settle` a few pages at a time (and `render_now` one page first); `update` converts
    and renders again the pages of changed articles."""

    def __init__(
        self,
        config_file: Path,
        locale: str,
        site_dir: Path,
        progress: LanguagesProgress | None = None,
        env: Environment | None = None,
    ) -> None:
        """`env`: the templates of an earlier build of the same configuration, compiled."""
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
            self.env = env or config.theme.get_env()
            files.add_files_from_theme(self.env, config)
            self.files: Files = config.plugins.on_files(files, config=config)
            set_exclusions(self.files, config)
            nav = get_navigation(self.files, config)
            self.nav: Navigation = config.plugins.on_nav(nav, config=config, files=self.files)
            for page_file in self.files.documentation_pages(inclusion=INCLUDED):
                if page_file.page is None and page_file.inclusion.is_not_in_nav():
                    Page(None, page_file, config)
            # What the templates are given (search files, related articles), from no page yet.
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            self.files.copy_static_files(inclusion=INCLUDED)
            # As templates find it before any page: a page's context writes into it.
            self.extra = dict(config.extra)
        self.unconverted: list[Page] = self.pages()
        self.unrendered: list[Page] = []
        self.titled = False  # whether the unconverted pages' titles were read (`render_now`)
        self.rendered: set[int] = set()  # pages this build wrote (their file is not older)
        self.shown = self.showing()
        self.at = {page.file.dest_uri: page for page in self.pages()}

    def complete(self) -> None:
        """Everything a build does after the navigation, at once."""
        with strict(self.locale):
            self.convert(self.unconverted)
            self.env = self.config.plugins.on_env(self.env, config=self.config, files=self.files)
            self.write_templates()
            self.render(self.pages())
            self.check_anchors()
            self.config.plugins.on_post_build(config=self.config)

    def convert(self, pages: list[Page]) -> None:
        """Markdown to HTML, through the plugins' events (not yet in a template)."""
        for page in pages:
            _populate_page(page, self.config, self.files)
        done = {id(page) for page in pages}
        self.unconverted = [page for page in self.unconverted if id(page) not in done]

    def page_at(self, path: str) -> Page | None:
        """The page written at `path`, from the language's folder ("" or a folder: its index)."""
        return self.at.get(f"{path}index.html" if path in ("", "/") or path.endswith("/") else path)

    def stale(self, page: Page) -> bool:
        """Whether the page's file is not (or not yet) what the language now makes of it."""
        if any(other is page for other in self.unrendered):
            return True
        return id(page) not in self.rendered

    def render_now(self, page: Page) -> None:
        """One page before the rest of its language: with what is known so far (the other
        pages' titles from their front matter), which the rest made whole renders again. A page
        that does not convert is left for `settle`, which says why."""
        if not self.titled:  # what the navigation and a category's list show of each page
            for other in self.unconverted:
                with contextlib.suppress(Exception):  # its conversion will say what is wrong
                    other.read_source(self.config)
            self.titled = True
        with contextlib.suppress(BuildError), strict(self.locale):
            if any(other is page for other in self.unconverted):
                _populate_page(page, self.config, self.files)
            self.env = self.config.plugins.on_env(self.env, config=self.config, files=self.files)
            self.render([page])
            self.unrendered = [other for other in self.unrendered if other is not page]

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
        pages = self.showing_any(changed)
        if not pages:
            return
        config = self.config
        before = self.shared(pages)
        with strict(self.locale):
            self.convert(pages)
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

    def showing_any(self, changed: frozenset[Path]) -> list[Page]:
        return list(
            {id(page): page for path in changed for page in self.shown.get(path, [])}.values()
        )

    def convert_first(self, changed: frozenset[Path]) -> None:
        """The pages that show a changed source converted before the others (the strict build's
        checks of them, before anything is written), to be rendered first."""
        pages = self.showing_any(changed)
        with strict(self.locale):
            self.convert(pages)
        self.unrendered = pages

    def left(self) -> bool:
        return bool(self.unconverted or self.unrendered)

    def settle(self) -> None:
        """Convert the next few pages not converted yet; once all are, render the next few that
        are not rendered as they now are; once all are, the rest of a build."""
        with strict(self.locale):
            if self.unconverted:
                self.convert(self.unconverted[:SETTLE_BATCH])
                if not self.unconverted:
                    config = self.config
                    self.env = config.plugins.on_env(self.env, config=config, files=self.files)
                    self.unrendered = self.pages()
                return
            batch = self.unrendered[:SETTLE_BATCH]
            self.unrendered = self.unrendered[SETTLE_BATCH:]
            self.render(batch)
        if not self.unrendered:
            self.finish()

    def render(self, pages: list[Page]) -> None:
        doc_files = self.files.documentation_pages(inclusion=INCLUDED)
        for page in pages:
            _build_page(page, self.config, doc_files, self.nav, self.env)
            self.rendered.add(id(page))

    def finish(self) -> None:
        """What a build writes besides the pages, once they are all rendered again."""
        with strict(self.locale):
            self.write_templates()
            self.check_anchors()
            self.config.plugins.on_post_build(config=self.config)
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


def discard_behind(folder: Path) -> None:
    """The previous site removed in a thread of its own: the first page need not wait for it."""
    if not folder.exists():
        return
    doomed = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    folder.replace(doomed)
    threading.Thread(target=remove_folder, args=(doomed,), daemon=True).start()


def source_exists(page: Page) -> bool:
    """Whether the article a page is written from is still there (a generated page has none)."""
    return page.file.abs_src_path is None or Path(page.file.abs_src_path).exists()


def remove_page(path: Path) -> None:
    """A page's file, and its folder when nothing else is in it."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def source_files(docs_dir: Path) -> frozenset[Path]:
    return frozenset(path for path in docs_dir.rglob("*") if path.is_file())


class Preview:
    """Every language's kept build, and the site they write into `site_dir`. `rebuild` and
    `settle` run in the watcher's thread, `render_on_demand` in the server's: one at a time."""

    def __init__(self, config_file: Path, site_dir: Path) -> None:
        self.config_file = config_file
        self.site_dir = site_dir
        self.builds: dict[str, LanguageBuild] = {}
        self.unloaded: list[str] = []  # languages whose build is not made yet
        self.project: Project | None = None
        self.sources: frozenset[Path] = frozenset()  # the docs' files at the last whole build
        self.failing: frozenset[Path] = frozenset()  # sources of an update that failed
        self.docs_dir: Path | None = None
        self.lock = threading.Lock()
        self.shown_early: set[str] = set()  # languages with a page rendered before the rest
        # Compiled templates of a language to be made again with the same configuration.
        self.templates: dict[str, Environment] = {}

    def rebuild(self, changed: frozenset[Path], first: bool = False) -> str | None:
        """One rebuild: None when it worked, else what the build said (the open pages show
        it); the site served stays the last one that built. The first makes no language's
        build: each is made, and its pages rendered, when one is asked for, or by `settle`."""
        print("Building…" if first else "Change detected: rebuilding…", flush=True)
        history.last_commit_dates.cache_clear()  # what git knows may have changed too
        history.modified_files.cache_clear()
        try:
            with self.lock:
                if self.can_update(changed):
                    self.update(changed | self.failing)
                elif self.can_reload(changed | self.failing):
                    self.reload(changed | self.failing)
                else:
                    self.build(complete=not first)
        except BuildError as error:
            print(f"{error}\nThe previous build is still served.", flush=True)
            return str(error)
        print("Serving: pages are built as asked for." if first else "Rebuilt.", flush=True)
        return None

    def can_update(self, changed: frozenset[Path]) -> bool:
        """Only articles that were already there changed (then each language can update)."""
        docs_dir = self.docs_dir
        if self.project is None or docs_dir is None or not changed:
            return False
        existing = {path for path in changed if path.exists()}
        return (
            all(path.suffix == ".md" and path.is_relative_to(docs_dir) for path in existing)
            and source_files(docs_dir) == self.sources
        )

    def can_reload(self, changed: frozenset[Path]) -> bool:
        """Only articles changed, some added, removed or moved."""
        docs_dir = self.docs_dir
        return (
            self.project is not None
            and docs_dir is not None
            and bool(changed)
            and all(path.suffix == ".md" and path.is_relative_to(docs_dir) for path in changed)
        )

    def reload(self, changed: frozenset[Path]) -> None:
        """The languages whose articles changed are made again (files, navigation; templates
        kept compiled), the pages that show a changed article converted and checked first; the
        other languages made so far are left to be made again when asked for, or behind. Either
        way the open pages reload, rendered as asked for, and the pages of articles no longer
        there are removed."""
        docs_dir = self.docs_dir
        assert docs_dir is not None  # `can_reload`
        written_in = {path.relative_to(docs_dir).parts[0] for path in changed}
        made: dict[str, LanguageBuild] = {}
        try:
            for locale, build in self.builds.items():
                if locale in written_in:
                    made[locale] = LanguageBuild(
                        self.config_file, locale, Path(build.config.site_dir), env=build.env
                    )
                    made[locale].convert_first(changed)
        except BuildError:
            self.failing = changed
            raise
        for locale, build in list(self.builds.items()):
            if locale in made:
                kept = {page.file.abs_dest_path for page in made[locale].pages()}
                gone = [page for page in build.pages() if page.file.abs_dest_path not in kept]
            else:
                gone = [page for page in build.pages() if not source_exists(page)]
                self.templates[locale] = build.env
                self.unloaded.append(locale)  # before it leaves `builds` (`render_on_demand`)
                del self.builds[locale]
            for page in gone:
                remove_page(Path(page.file.abs_dest_path))
        self.builds.update(made)
        self.sources = source_files(docs_dir)
        self.failing = frozenset()

    def update(self, changed: frozenset[Path]) -> None:
        """The languages not made yet will read the sources as they are then."""
        try:
            for build in self.builds.values():
                build.update(changed, everything=bool(self.failing))
        except BuildError:
            self.failing = changed  # nothing is rendered from a build that failed (`settle`)
            raise
        self.failing = frozenset()

    def build(self, complete: bool) -> None:
        """Every language again, swapped into place as `helpcenter build` does: whole
        (`complete`), or none of them yet (`load`)."""
        self.project = None
        self.builds = {}
        built: dict[str, LanguageBuild] = {}

        def build_language(
            config_file: Path,
            locale: str,
            site_dir: Path,
            _strict: bool,
            progress: LanguagesProgress,
        ) -> str:
            if complete:
                progress.start(locale)
                built[locale] = LanguageBuild(config_file, locale, site_dir, progress)
                built[locale].complete()
                progress.done(locale, warnings=0)  # a warning fails the build (strict)
            return ""

        project = build_site(
            self.config_file, self.site_dir, build_language=build_language, discard=discard_behind
        )
        for locale, build in built.items():
            build.move_to(self.site_dir.resolve() / locale)
        self.builds = built
        self.unloaded = [locale for locale in project.locales if locale not in built]
        self.project = project
        self.docs_dir = project.docs_dir.resolve()
        self.sources = source_files(self.docs_dir)  # from the resolved folder: resolved
        self.failing = frozenset()
        self.shown_early = set()
        self.templates = {}

    def load(self, locale: str) -> LanguageBuild:
        """A language's build, its configuration, files and navigation only."""
        build = LanguageBuild(
            self.config_file,
            locale,
            self.site_dir.resolve() / locale,
            env=self.templates.pop(locale, None),
        )
        self.builds[locale] = build  # then no longer unloaded: `render_on_demand` looks unlocked
        self.unloaded.remove(locale)
        return build

    def render_on_demand(self, path: str) -> None:
        """The page at the site's `path`, when its language has not written it yet, is rendered
        first (the rest is left to `settle`). What fails here, `settle` says."""
        if self.failing:  # nothing is rendered from a build that failed
            return
        locale, _, within = path.lstrip("/").partition("/")
        waiting = locale in self.unloaded  # before `builds`, which `load` fills first
        build = self.builds.get(locale)
        if build is None and not waiting:
            return
        if build is not None and ((page := build.page_at(within)) is None or not build.stale(page)):
            return
        with self.lock, contextlib.suppress(BuildError):
            if self.failing:
                return
            if locale in self.unloaded:
                self.load(locale)
            build = self.builds.get(locale)
            page = build.page_at(within) if build is not None else None
            if build is not None and page is not None and build.stale(page):
                if build.unconverted:  # to be rendered again once they all are
                    self.shown_early.add(locale)
                build.render_now(page)
                self.allow_scripts(Path(page.file.abs_dest_path))

    def allow_scripts(self, page: Path) -> None:
        """The policy the site is served with, which the build computes from every page, allows
        this page's inline scripts."""
        policy = site_policy(self.site_dir) or ""
        if page.is_file() and not all(found in policy for found in page_script_hashes(page)):
            self.write_site_root()

    def write_site_root(self) -> None:
        if self.project is not None:
            write_site_root(self.project, self.site_dir.resolve())

    def settle(self) -> Settled:
        """A few more of the pages the last rebuild left (none while an update fails), or the
        next language's build. Raises BuildError, leaving no build to update, when the strict
        build would fail."""
        with self.lock:
            if self.failing:
                return Settled.DONE
            try:
                return self.settle_next()
            except BuildError as error:
                print(error, flush=True)
                self.project = None  # the next save builds every language again
                self.builds, self.unloaded = {}, []
                raise

    def settle_next(self) -> Settled:
        for locale, build in self.builds.items():
            if build.left():
                build.settle()
                if build.left():
                    return Settled.MORE
                if not self.unloaded and not any(other.left() for other in self.builds.values()):
                    self.write_site_root()  # the policy of every page, as the build writes it
                if locale not in self.shown_early:
                    return Settled.MORE
                self.shown_early.discard(locale)
                return Settled.WHOLE
        if self.unloaded:
            self.load(self.unloaded[0])
            return Settled.MORE
        return Settled.DONE
