"""Languages of the help center: which article exists in which language, and how pages link.

Each language is built on its own (mkdocs-static-i18n's `build_only_locale`) into
`site/<locale>/`. This module knows the whole source tree, so each build can still link to its
siblings: language switcher, hreflang alternates, fallback pages for untranslated articles.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel, file_sort_key

from helpcenter.config import Language, configured_languages, current_locale

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.pages import Page

LANGUAGE_LINK = "hc-language:"
# Pages every language has, written by the package where the writers have not: the contact form
# and its thank-you page speak the reader's language, never a fallback's.
CONTACT_PAGES = ("contact/index.md", "contact/thanks.md")
# An inline Markdown link to a page: [text](path.md#anchor)
PAGE_LINK = re.compile(r"(?P<open>\]\()(?P<path>[^)\s:]+?\.md)(?P<anchor>#[^)\s]*)?(?P<close>\))")
# What mkdocs-static-i18n takes for a language folder: a folder with such a name is a language.
LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}(-[A-Za-z]{4})?(-[A-Z]{2})?$|^[a-z]{2}_[A-Z]{2}$")


def page_url(source_path: str) -> str:
    """Directory URL of a Markdown file, relative to its language root: `a/b.md` -> `a/b/`."""
    stem = posixpath.splitext(source_path)[0]
    if posixpath.basename(stem) in ("index", "README"):
        stem = posixpath.dirname(stem)
    return f"{stem}/" if stem else ""


def check_source(path: Path, docs_dir: Path, max_kb: int) -> None:
    """Stop at once, naming the file, on what MkDocs would choke on or readers wait for: a file
    that is not UTF-8 (MkDocs stops with a traceback) or an article over the size limit."""
    content = path.read_bytes()
    source = path.relative_to(docs_dir.parent)
    if len(content) > max_kb * 1000:
        raise PluginError(
            f"{source}: {len(content) / 1000:.0f} KB, over the {max_kb} KB an article may weigh "
            "(readers would wait for it, and so would search; `limits.article_kb` of the "
            "helpcenter plugin); split it into several articles"
        )
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PluginError(
            f"{source}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at position "
            f"{error.start}); save the file as UTF-8"
        ) from None


@dataclass(frozen=True)
class SourceTree:
    """The Markdown files of every language, by path relative to the language folder."""

    docs_dir: Path
    locales: tuple[str, ...]
    pages: dict[str, frozenset[str]]

    @classmethod
    def scan(cls, docs_dir: Path, locales: tuple[str, ...], max_kb: int) -> SourceTree:
        for entry in sorted(docs_dir.iterdir()):
            if entry.is_dir() and LANGUAGE_FOLDER.match(entry.name) and entry.name not in locales:
                raise PluginError(
                    f"{entry.relative_to(docs_dir.parent)}/ looks like a language folder, but "
                    f"'{entry.name}' is not a configured language (expected one of: "
                    f"{', '.join(locales)}). Add it to the i18n plugin's languages in "
                    "mkdocs.yml or rename the folder."
                )
        pages = {}
        for locale in locales:
            root = docs_dir / locale
            files = sorted(root.rglob("*.md"))
            for path in files:
                check_source(path, docs_dir, max_kb)
            pages[locale] = frozenset(path.relative_to(root).as_posix() for path in files)
        return cls(docs_dir, locales, pages)

    @property
    def default_locale(self) -> str:
        return self.locales[0]

    def has(self, locale: str, source_path: str) -> bool:
        return source_path in self.pages[locale] or source_path in CONTACT_PAGES

    def untranslated(self, locale: str) -> list[str]:
        """Pages of the default language that `locale` shows as fallbacks."""
        return sorted(self.pages[self.default_locale] - self.pages[locale] - set(CONTACT_PAGES))

    def unwritten(self, locale: str) -> list[str]:
        """The contact pages `locale`'s writers have not written: the package writes them."""
        return [path for path in CONTACT_PAGES if path not in self.pages[locale]]

    def content_locale(self, locale: str, source_path: str) -> str:
        """The language a page built for `locale` is really written in."""
        return locale if self.has(locale, source_path) else self.default_locale


def as_language_file(page_file: File, locale: str, built_locale: str) -> File:
    """A file the build adds, with the attributes mkdocs-static-i18n gives its own files."""
    page_file.locale = locale
    page_file.localization = locale
    page_file.locale_alternate_of = built_locale
    page_file.norm_src_uri = page_file.src_uri.removeprefix(f"{built_locale}/")
    page_file.alternates = {}
    return page_file


class LanguageSite:
    """One language's build, aware of its sibling languages."""

    def __init__(self, config: MkDocsConfig, max_article_kb: int) -> None:
        self.languages = configured_languages(config)
        self.locale = current_locale(config)
        self.tree = SourceTree.scan(
            Path(config.docs_dir), tuple(lang.locale for lang in self.languages), max_article_kb
        )
        # The site URL given in mkdocs.yml is the root that holds every language.
        self.root_url = config.site_url.rstrip("/") + "/" if config.site_url else ""

    @property
    def language(self) -> Language:
        return next(lang for lang in self.languages if lang.locale == self.locale)

    def configure(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.root_url:
            config.site_url = f"{self.root_url}{self.locale}/"
        return config

    def add_pages(self, files: Files, config: MkDocsConfig, written: Callable[[str], str]) -> Files:
        """Show untranslated articles in the default language, at this language's URLs, and the
        contact pages its writers have not written, as `written(source_path)` writes them.

        The fallback keeps the source path of this language, so links inside it lead to
        pages of the reader's language.
        """
        default = self.tree.default_locale
        for source_path in self.tree.untranslated(self.locale):
            page_file = File(
                f"{self.locale}/{source_path}",
                config.docs_dir,
                config.site_dir,
                config.use_directory_urls,
                dest_uri=posixpath.join(page_url(source_path), "index.html"),
            )
            page_file.abs_src_path = os.path.join(config.docs_dir, default, source_path)
            files.append(as_language_file(page_file, default, self.locale))
        for source_path in self.tree.unwritten(self.locale):
            page_file = File.generated(
                config,
                f"{self.locale}/{source_path}",
                content=written(source_path),
                inclusion=InclusionLevel.NOT_IN_NAV,
            )
            page_file.dest_uri = posixpath.join(page_url(source_path), "index.html")
            files.append(as_language_file(page_file, self.locale, self.locale))
        # Back in MkDocs' order (index first, then by name), which the navigation follows.
        for page_file in sorted(files, key=file_sort_key):
            files.remove(page_file)
            files.append(page_file)
        return files

    def source_path(self, page: Page | None) -> str | None:
        if page is None:
            return None
        return page.file.src_uri.removeprefix(f"{self.locale}/")

    def content_locale(self, page: Page | None) -> str:
        source_path = self.source_path(page)
        return self.tree.content_locale(self.locale, source_path) if source_path else self.locale

    def versions(self, page: Page | None) -> list[dict[str, str]]:
        """The real translations of a page, with absolute URLs: its hreflang alternates."""
        source_path = self.source_path(page)
        if source_path is None:
            return []
        return [
            {
                "lang": lang.locale,
                "name": lang.name,
                "link": f"{self.root_url}{lang.locale}/{page_url(source_path)}",
            }
            for lang in self.languages
            if self.tree.has(lang.locale, source_path)
        ]

    def switcher(self, page: Page | None) -> list[dict[str, str | bool]]:
        """Where each language's entry of the switcher leads, relative to this language's root.

        The same article when that language shows it (translated or as a fallback), else that
        language's home page.
        """
        source_path = self.source_path(page)
        entries = []
        for lang in self.languages:
            target = ""
            if source_path and (
                self.tree.has(lang.locale, source_path)
                or self.tree.has(self.tree.default_locale, source_path)
            ):
                target = page_url(source_path)
            entries.append(
                {
                    "lang": lang.locale,
                    "name": lang.name,
                    "link": f"../{lang.locale}/{target}",
                    "current": lang.locale == self.locale,
                }
            )
        return entries

    def language_name(self, locale: str) -> str:
        """A language's name in the language of this build (for notices)."""
        return Locale.parse(locale).get_display_name(self.locale)

    def mark_links_to_other_languages(self, markdown: str, page: Page) -> str:
        """Links to another language's existing pages, marked for `resolve_language_links`.

        Each language is built alone, so MkDocs cannot see the other languages' files and would
        report those links as broken. A link to a page that does exist in the other language is
        given the `hc-language:` scheme, which MkDocs leaves alone; a link to one that does not
        exist is left as written, for MkDocs to report with the file and the link.
        """
        folder = posixpath.dirname(page.file.src_uri)

        def mark(link: re.Match[str]) -> str:
            target = posixpath.normpath(posixpath.join(folder, link["path"]))
            locale, _, source_path = target.partition("/")
            if locale == self.locale or not self.tree.has(locale, source_path):
                return link[0]
            url = f"{LANGUAGE_LINK}{locale}/{page_url(source_path)}{link['anchor'] or ''}"
            return f"{link['open']}{url}{link['close']}"

        return PAGE_LINK.sub(mark, markdown)

    def resolve_language_links(self, html: str, page: Page) -> str:
        """Marked links as URLs relative to the page (the languages are sibling folders)."""
        to_site_root = "../" * (page.url.count("/") + 1)
        return html.replace(f'href="{LANGUAGE_LINK}', f'href="{to_site_root}')

    def update_page_context(self, context: dict, page: Page, config: MkDocsConfig) -> dict:
        config.extra["alternate"] = self.versions(page)
        content_locale = self.content_locale(page)
        if content_locale != self.locale:
            # The translated page, when it comes, takes over; until then search engines should
            # send readers to the original.
            page.canonical_url = f"{self.root_url}{content_locale}/{page.url}"
        return context

    def format_date(self, moment: datetime) -> str:
        """A date as this language writes it in full (`25 novembre 2026`)."""
        return format_date(moment, format="long", locale=self.locale)

    def direction(self, locale: str) -> str:
        """`rtl` or `ltr`: how a language of the site is written (for text in another one)."""
        return next(lang.direction for lang in self.languages if lang.locale == locale)
