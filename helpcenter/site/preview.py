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
strict build does, writes those pages, and the open pages reload. They name the search index
of before the save (a whole language's is still there): the new one is built right behind them
(`reindex`), its files written, those pages written again naming it, and the open pages reload
once more. Every other
page of those languages is then rendered again behind it (`settle`, interrupted by the next
save): each names the search index, whose name follows its content, and titles, descriptions
and related articles show in other pages. Anything else (a file added, removed or
moved, mkdocs.yml, plans, catalogs, templates) builds every language again, whole, in this
process, as `helpcenter build` does. Either way the site ends equal to a clean build of the same
sources (tests/browser/test_fast_preview.py compares them), unlike MkDocs' own `serve --dirty`,
which renders changed files only and leaves navigation and search stale.

A failed update changes no file: the site served is the last that built; an article removed or
moved is checked with the pages that name it first. A page that fails to convert behind
start-up is said on the open pages; the pages not written yet are then served as the last site
that built had them (start-up sets it aside until the new one is whole), the others still
rendered as asked for, and the next save goes on from there.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import mkdocs.utils
from jinja2 import Environment
from mkdocs.commands.build import (
    _build_extra_template,
    _build_page,
    _build_theme_template,
    _populate_page,
)
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page

from helpcenter.authoring import history
from helpcenter.config import Project
from helpcenter.search.browser import SEARCH_DIR
from helpcenter.server.livereload import Settled
from helpcenter.site.atomic import write_atomically
from helpcenter.site.build import (
    LOCALE_VARIABLE,
    BuildError,
    ReadHere,
    build_site,
    remove_folder,
)
from helpcenter.site.headers import page_script_hashes, site_policy
from helpcenter.site.progress import LanguagesProgress, PageCounter
from helpcenter.site.root import write_site_root

INCLUDED = InclusionLevel.is_included
# Pages `settle` renders before it looks for a newer save (a few tens of milliseconds).
SETTLE_BATCH = 5


# The theme's static files (path, folder), by theme folders: listed once, not once per language.
ThemeFiles = dict[tuple[str, ...], list[tuple[str, str]]]


def add_theme_files(
    files: Files, env: Environment, config: MkDocsConfig, listed: ThemeFiles
) -> None:
    """MkDocs' `Files.add_files_from_theme`, from the listing of an earlier language when there
    is one: filtering the thousands of names in Material's folders is a good part of making a
    language."""
    folders = tuple(config.theme.dirs)
    if folders not in listed:
        found = Files([])
        found.add_files_from_theme(env, config)
        listed[folders] = [(file.src_uri, file.src_dir) for file in found]
    for path, folder in listed[folders]:
        if files.get_file_from_path(path) is None:  # the docs' own files come first
            files.append(File(path, folder, config.site_dir, config.use_directory_urls))


def write_whole(content: bytes, output_path: str) -> None:
    """MkDocs' `write_file` (pages, 404 page, sitemap), written whole: this server reads the
    site while the preview writes into it."""
    write_atomically(Path(output_path), content)


mkdocs.utils.write_file = write_whole


def copy_static_files(files: Files) -> None:
    """MkDocs' `Files.copy_static_files`, each file written whole."""
    for file in files:
        if not file.is_documentation_page() and INCLUDED(file.inclusion):
            write_atomically(Path(file.abs_dest_path), file.content_bytes)


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
        theme_files: ThemeFiles | None = None,
    ) -> None:
        """`env`: the templates of an earlier build of the same configuration, compiled;
        `theme_files`: the theme's files as listed for an earlier language."""
        self.locale = locale
        with strict(locale):
            config = language_config(config_file, locale, site_dir)
            self.config: MkDocsConfig = config.plugins.on_config(config)
            config = self.config
            plugin = config.plugins["helpcenter"]
            plugin.analyses_kept = True
            if progress is not None:  # what `helpcenter build` shows of each language
                plugin.progress = PageCounter(functools.partial(progress.hear, locale))
            config.plugins.on_pre_build(config=config)
            files = get_files(config)
            self.env = env or config.theme.get_env()
            add_theme_files(files, self.env, config, {} if theme_files is None else theme_files)
            self.files: Files = config.plugins.on_files(files, config=config)
            set_exclusions(self.files, config)
            nav = get_navigation(self.files, config)
            self.nav: Navigation = config.plugins.on_nav(nav, config=config, files=self.files)
            for page_file in self.files.documentation_pages(inclusion=INCLUDED):
                if page_file.page is None and page_file.inclusion.is_not_in_nav():
                    Page(None, page_file, config)
            # What the templates are given (search files, related articles), from no page yet.
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            copy_static_files(self.files)
            # As templates find it before any page: a page's context writes into it.
            self.extra = dict(config.extra)
        self.unconverted: list[Page] = self.pages()
        self.unrendered: list[Page] = []
        self.titled = False  # whether the unconverted pages' titles were read (`render_now`)
        self.saved: list[Page] = []  # rendered by `update` before the search index (`reindex`)
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
        that does not convert as the strict build wants is not written: `settle` says why."""
        if not self.titled:  # what the navigation and a category's list show of each page
            for other in self.unconverted:
                with contextlib.suppress(Exception):  # its conversion will say what is wrong
                    other.read_source(self.config)
            self.titled = True
        with contextlib.suppress(BuildError):
            if any(other is page for other in self.unconverted):
                with strict(self.locale):
                    _populate_page(page, self.config, self.files)
            with strict(self.locale):
                self.env = self.config.plugins.on_env(
                    self.env, config=self.config, files=self.files
                )
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
        """What other pages show of `pages` (the search index aside: `reindex`): related
        articles, their titles and descriptions."""
        plugin = self.config.plugins["helpcenter"]
        return (
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
        # The index is built again behind the pages (`reindex`): they name the last one.
        config.plugins["helpcenter"].index_kept = True
        with strict(self.locale):
            self.convert(pages)
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            self.check_anchors()
        after = self.shared(pages)
        with strict(self.locale):  # only once the language is known to build
            self.render(pages)
        done = {id(page) for page in pages}
        left = self.pages() if everything or after != before else self.unrendered
        self.unrendered = [page for page in left if id(page) not in done]
        self.saved = [*(page for page in self.saved if id(page) not in done), *pages]

    def indexing(self) -> bool:
        """Whether pages were rendered naming the search index of before a save."""
        return self.config.plugins["helpcenter"].index_kept

    def reindex(self) -> bool:
        """The search index built again after saves, its files written (the last ones are
        kept until `finish`: pages may name them) and the saved pages rendered again naming
        it; the others are left to `settle`. Whether the index changed."""
        config = self.config
        plugin = config.plugins["helpcenter"]
        before = plugin.search_index_path
        plugin.index_kept = False
        with strict(self.locale):
            self.env = config.plugins.on_env(self.env, config=config, files=self.files)
            if plugin.search_index_path == before:
                self.saved = []
                return False
            config.plugins.on_post_build(config=config)
            self.render(self.saved)
        done = {id(page) for page in self.saved}
        self.unrendered = [page for page in self.pages() if id(page) not in done]
        self.saved = []
        return True

    def showing_any(self, changed: frozenset[Path]) -> list[Page]:
        return list(
            {id(page): page for path in changed for page in self.shown.get(path, [])}.values()
        )

    def convert_first(self, changed: frozenset[Path]) -> None:
        """The pages that show a changed source, and those that name an article no longer
        there, converted before the others (the strict build's checks of them, links included,
        before anything is written), to be rendered first."""
        gone = [path.name.encode() for path in changed if not path.exists()]
        pages = self.showing_any(changed)
        if gone:
            first = {id(page) for page in pages}
            pages += [page for page in self.pages() if id(page) not in first and names(page, gone)]
        with strict(self.locale):
            self.convert(pages)
        self.unrendered = pages

    def left(self) -> bool:
        return bool(self.unconverted or self.unrendered or self.indexing())

    def settle(self) -> None:
        """Convert the next few pages not converted yet; once all are, render the next few that
        are not rendered as they now are; once all are, the rest of a build."""
        with strict(self.locale):
            if self.unconverted:
                self.convert_batch()
                if not self.unconverted:
                    config = self.config
                    self.env = config.plugins.on_env(self.env, config=config, files=self.files)
                    self.unrendered = self.pages()
                return
            # Stale until written: a page asked for meanwhile waits for it (`render_on_demand`).
            self.render(self.unrendered[:SETTLE_BATCH])
            self.unrendered = self.unrendered[SETTLE_BATCH:]
        if not self.unrendered:
            self.finish()

    def convert_batch(self) -> None:
        """The next few pages converted; when the strict build would refuse one, all are left
        unconverted: none is rendered as it is (`render_now` converts it again)."""
        batch = self.unconverted[:SETTLE_BATCH]
        try:
            with strict(self.locale):
                self.convert(batch)
        except BuildError:
            self.unconverted = [*batch, *self.unconverted]
            raise

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
        named = {*plugin.search_file_paths, plugin.engine_file.path}
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


def names(page: Page, files: list[bytes]) -> bool:
    """Whether the page's article mentions one of these file names (a link to it, maybe)."""
    source = page.file.abs_src_path
    with contextlib.suppress(OSError):
        text = Path(source).read_bytes() if source is not None else b""
        return any(name in text for name in files)
    return False


def set_aside(folder: Path) -> Path | None:
    """The folder moved next to itself under a name of its own, where it is when it was there."""
    if not folder.exists():
        return None
    aside = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    folder.replace(aside)
    return aside


def discard_behind(folder: Path | None) -> None:
    """A folder removed in a thread of its own: the first page need not wait for it."""
    if folder is not None:
        threading.Thread(target=remove_folder, args=(folder,), daemon=True).start()


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

    def __init__(self, config_file: Path, site_dir: Path, project: Project | None = None) -> None:
        """`project`: mkdocs.yml as just read, which the first build does not read again."""
        self.config_file = config_file
        self.site_dir = site_dir
        self.builds: dict[str, LanguageBuild] = {}
        self.unloaded: list[str] = []  # languages whose build is not made yet
        self.project = project
        self.sources: frozenset[Path] = frozenset()  # the docs' files at the last whole build
        self.failing: frozenset[Path] = frozenset()  # sources of an update that failed
        self.docs_dir: Path | None = None
        self.lock = threading.Lock()
        self.shown_early: set[str] = set()  # languages with a page rendered before the rest
        # Compiled templates of a language to be made again with the same configuration.
        self.templates: dict[str, Environment] = {}
        self.theme_files: ThemeFiles = {}  # until a whole build, which lists them again
        # The last site that built, set aside by the start-up until this one is whole (and
        # removed at the latest when the preview stops).
        self.previous: Path | None = None
        atexit.register(lambda: self.previous and remove_folder(self.previous))
        # Files of the previous site served again while this one fails (`restore_previous`).
        self.restored: dict[Path, Path] = {}

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
                        self.config_file,
                        locale,
                        Path(build.config.site_dir),
                        env=build.env,
                        theme_files=self.theme_files,
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
        read, self.project = (None if complete else self.project), None
        self.builds = {}
        self.theme_files = {}
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
                built[locale] = LanguageBuild(
                    config_file, locale, site_dir, progress, theme_files=self.theme_files
                )
                built[locale].complete()
                progress.done(locale, warnings=0)  # a warning fails the build (strict)
            return ""

        def keep_aside(previous: Path) -> None:
            self.previous = set_aside(previous)

        discard = (lambda previous: discard_behind(set_aside(previous))) if complete else keep_aside
        reader = ReadHere(read)
        build_site(
            self.config_file,
            self.site_dir,
            build_language=build_language,
            discard=discard,
            reader=reader,
        )
        project = reader.project
        if complete:
            self.drop_previous()
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
            theme_files=self.theme_files,
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
        next language's build. Raises BuildError when the strict build would fail: the pages
        not written yet are then the last good site's, and the next save goes on from there."""
        with self.lock:
            if self.failing:
                return Settled.DONE
            try:
                return self.settle_next()
            except BuildError as error:
                print(error, flush=True)
                self.restore_previous()
                raise

    def drop_previous(self) -> None:
        """The last site that built, no longer needed: its files restored that this one did not
        write again (they are no longer part of the site) removed too."""
        for target, path in self.restored.items():
            with contextlib.suppress(OSError):
                if target.samefile(path):
                    remove_page(target)
        self.restored = {}
        discard_behind(self.previous)
        self.previous = None

    def restore_previous(self) -> None:
        """The files of the last site that built, which this one has not written yet, served
        again (pages asked for are still rendered as they are now)."""
        previous, site_dir = self.previous, self.site_dir.resolve()
        if previous is None:
            return
        for path in previous.rglob("*"):
            target = site_dir / path.relative_to(previous)
            if path.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)  # not copied: the site's files are replaced, not written
                self.restored[target] = path
        self.write_site_root()  # a policy that allows their scripts

    def settle_next(self) -> Settled:
        # First the search index of the pages a save wrote, which then reload naming it.
        if indexing := [build for build in self.builds.values() if build.indexing()]:
            changed = [build.reindex() for build in indexing]
            return Settled.RELOAD if any(changed) else Settled.MORE
        for locale, build in self.builds.items():
            if build.left():
                build.settle()
                if build.left():
                    return Settled.MORE
                if not self.unloaded and not any(other.left() for other in self.builds.values()):
                    self.drop_previous()
                    self.write_site_root()  # the policy of every page, as the build writes it
                if locale not in self.shown_early:
                    return Settled.MORE
                self.shown_early.discard(locale)
                return Settled.RELOAD
        if self.unloaded:
            self.load(self.unloaded[0])
            return Settled.MORE
        return Settled.DONE
