"""The `helpcenter` MkDocs plugin: what every help center built with this package needs.

One language per build (mkdocs-static-i18n's `build_only_locale`, set by `helpcenter build`),
each aware of its siblings: fallbacks and links between languages, the contact form in every
language, plans tables, a prebuilt search index, writing checks, and compact, valid pages.
Everything a build learns lives on the plugin object, never in module globals. List it after
`i18n` in mkdocs.yml's plugins.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel

from helpcenter.authoring.front_matter import body_first_line, front_matter_problems
from helpcenter.authoring.history import last_updated
from helpcenter.authoring.markers import marker_problems
from helpcenter.authoring.translations import is_outdated
from helpcenter.config import HelpCenterConfig, Project, current_locale
from helpcenter.contact.form import ContactForms
from helpcenter.contact.pages import default_page
from helpcenter.feedback.limits import MAX_COMMENT, MAX_QUERIES, MAX_QUERY
from helpcenter.i18n.languages import LanguageSite, page_url
from helpcenter.plans.channels import insert_channels
from helpcenter.plans.tables import TableError, insert_tables
from helpcenter.search.browser import (
    LUNR_CORE,
    LUNR_CORE_SITE_PATH,
    SEARCH_DIR,
    SearchEngineFile,
)
from helpcenter.search.index import Page as SearchablePage
from helpcenter.search.index import add_search_files, analyse_now, searchable_page
from helpcenter.site.articles import (
    RelatedArticles,
    headings_text,
    open_graph_locale,
    reading_minutes,
    word_count,
)
from helpcenter.site.atomic import write_atomically
from helpcenter.site.compact_html import collapse_whitespace
from helpcenter.site.converter import PageConverter
from helpcenter.site.navigation import Navigation
from helpcenter.site.progress import PageCounter
from helpcenter.site.theme import Brand, compiled_templates, configure_theme
from helpcenter.site.valid_html import valid_html
from helpcenter.site.writer import WRITE_BEHIND_VARIABLE, SiteFiles, SiteWriter

if TYPE_CHECKING:
    from jinja2 import Environment
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation as Nav
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.helpcenter")


def is_category(page: Page) -> bool:
    """A category's landing page (the contact page is an index too, but of no category)."""
    return page.is_index and page.parent is not None


# Search's settings that are the same on every page of a language (search-start.html has the rest).
SEARCH_SETTINGS_TEMPLATE = "partials/helpcenter/search-settings.html"
# The package's scripts every page loads, after Material's.
SCRIPTS = (
    "languages.js",
    "search/analyzer.js",
    "search/search.js",
    "forms.js",  # before the two forms that share it: contact.js and followup.js
    "contact.js",
    "my-requests.js",
    "channels.js",
    "feedback.js",
)


def deferred_script(name: str) -> ExtraScriptValue:
    script = ExtraScriptValue(f"assets/javascripts/{name}")
    script.defer = True
    return script


class HelpCenterPlugin(BasePlugin[HelpCenterConfig]):
    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.project = Project(config)
        self.progress = PageCounter()
        if problems := self.project.problems():
            raise PluginError("\n".join(problems))
        plans = self.project.plans
        self.locale = current_locale(config)
        self.catalogs = self.project.catalogs
        # The UI strings this language's pages show: each one translated (strict builds fail).
        for problem in self.catalogs.problems(self.locale, self.project.root):
            log.warning(problem)
        self.gettext = self.catalogs.gettext(self.locale)
        self.site = LanguageSite(config, self.config.limits.article_kb)
        self.plans = plans
        self.forms = ContactForms(
            self.config.contact, plans.plans, self.catalogs, self.project.custom_dir
        )
        self.brand = Brand.of(self.config.brand)
        self.navigation = Navigation(self.config.limits.sidebar_articles)
        # By URL: a page the preview renders again replaces its entry (helpcenter.site.preview).
        self.searchable: dict[str, SearchablePage] = {}
        self.indexed: list[SearchablePage] | None = None  # what the search files were made of
        # Set while the preview renders a save's pages before the index (helpcenter.site.preview).
        self.index_kept = False
        # Set by the preview, which indexes again after each save: each page's words are analysed
        # as it is converted, and kept (a build analyses them as it indexes, one page at a time).
        self.analyses_kept = False
        # Each article's reading time and related articles, by URL.
        self.reading_minutes: dict[str, int] = {}
        self.articles: dict[str, Page] = {}
        self.related = RelatedArticles(self.locale)
        configure_theme(config, self.config, self.site.language.direction, self.gettext)
        config.extra_css[:0] = [self.brand.stylesheet_path, "assets/stylesheets/helpcenter.css"]
        config.extra_javascript.extend(map(deferred_script, SCRIPTS))
        return self.site.configure(config)

    @event_priority(-200)  # after mkdocs-static-i18n has picked this language's files
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        self.writer = SiteWriter(behind=WRITE_BEHIND_VARIABLE in os.environ)
        # With every plugin's Markdown extensions: each has had its `on_config`.
        self.converter = PageConverter(config)
        files.append(File.generated(config, self.brand.stylesheet_path, content=self.brand.css))
        return self.site.add_pages(
            files, config, lambda source_path: default_page(source_path, self.gettext)
        )

    @event_priority(-200)  # after mkdocs-static-i18n has lifted the language folder's children
    def on_nav(self, nav: Nav, config: MkDocsConfig, files: Files) -> Nav:
        self.navigation.index(nav)
        pages = files.documentation_pages(inclusion=InclusionLevel.is_included)
        self.progress.total(len(pages))
        # About one search file for two pages (`SiteWriter`).
        self.writer.make_ahead(
            [page.abs_dest_path for page in pages], Path(config.site_dir) / SEARCH_DIR, len(pages)
        )
        return nav

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        # MkDocs converts the page next (`page.render`): with the language's converter.
        page.render = functools.partial(self.converter.convert, page)
        return page

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files) -> str:
        self.progress.read()
        source = f"{Path(config.docs_dir).name}/{page.file.src_uri}"
        first_line = body_first_line(page.file.content_string)
        # A fallback page is checked by the build of the language it is written in.
        if self.is_written_here(page):
            problems = front_matter_problems(page.meta, source, page.file.content_string)
            for problem in problems + marker_problems(markdown, source, first_line):
                log.warning(problem)
        markdown = self.site.mark_links_to_other_languages(markdown, page)
        try:
            # A fallback page is written in another language: its tables speak that one too.
            return insert_tables(
                markdown,
                self.plans,
                page.file.locale,
                source,
                self.catalogs.gettext(page.file.locale),
                first_line,
            )
        except TableError as error:
            if not self.is_written_here(page):
                # A fallback's mistake is its writers': their language's build reports it, once,
                # under the file they edit.
                return markdown
            raise PluginError(str(error)) from None

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files) -> str:
        html = self.site.resolve_language_links(html, page)
        self.navigation.name_category(page)
        # Pages that ask to stay out of search do (`search: {exclude: true}`, Material's front
        # matter). Results are articles: the home page is not one, a category's page comes after
        # them. Fallback pages are searched as the language they are written in.
        excluded = (page.meta.get("search") or {}).get("exclude", False) or page.is_homepage
        self.searchable.pop(page.url, None)
        if not excluded:
            description = page.meta.get("description") or ""
            self.searchable[page.url] = searchable_page(
                page.url,
                page.title,
                description,
                html,
                category=is_category(page),
                language=page.file.locale,
            )
            if self.analyses_kept:
                analyse_now(self.searchable[page.url], self.locale)
        if page.parent is not None and not page.is_index:
            self.reading_minutes[page.url] = reading_minutes(word_count(html))
            self.articles[page.url] = page
            # Only articles written in this language are suggested, never a fallback.
            self.related.add(
                page.url,
                id(page.parent),
                page.title or "",
                page.meta.get("description") or "",
                headings_text(html),
                candidate=page.file.locale == self.locale,
            )
        html = self.forms.insert_blocks(html, page.file.locale)
        try:
            return insert_channels(
                html,
                self.plans,
                page.file.locale,
                self.catalogs.gettext(page.file.locale),
                self.forms.environment(page.file.locale),
            )
        except TableError as error:
            raise PluginError(
                f"{Path(config.docs_dir).name}/{page.file.src_uri}: {error}"
            ) from None

    def on_env(self, env: Environment, config: MkDocsConfig, files: Files) -> Environment:
        env.bytecode_cache = compiled_templates()
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_translations(self.catalogs.translations(self.locale), newstyle=True)
        # In the navigation's order, however often the preview rendered each page.
        searchable = [
            self.searchable[page_file.url]
            for page_file in files.documentation_pages()
            if page_file.url in self.searchable
        ]
        if searchable != self.indexed and not self.index_kept:  # the preview's saves change it
            # Into the site folder, cleaned before this event, as each file is made.
            written = SiteFiles(Path(config.site_dir), self.writer)
            self.search_index_path = add_search_files(
                written, self.locale, searchable, self.config.search.shard_kb * 1024
            )
            self.search_file_paths = frozenset(written.paths)
            self.indexed = searchable
        self.engine_file = SearchEngineFile.of(self.locale, files)
        self.related.order([page_file.url for page_file in files.documentation_pages()])
        self.related.compute()
        env.globals.update(
            languages=self.site,
            navigation=self.navigation,
            helpcenter=self.config,
            brand=self.brand,
            feedback_limits={"comment": MAX_COMMENT, "query": MAX_QUERY, "queries": MAX_QUERIES},
            search_index_path=self.search_index_path,
            search_engine_path=self.engine_file.path,
            open_graph_locale=open_graph_locale,
        )
        # The same on every page of the language: rendered once, not once a page.
        env.globals["search_settings"] = json.loads(
            env.get_template(SEARCH_SETTINGS_TEMPLATE).render(config=config)
        )
        return env

    def on_page_context(self, context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
        context = self.site.update_page_context(context, page, config)
        self.navigation.window_for(page, self.gettext)
        if page.file.generated_by is None:
            docs_dir = Path(config.docs_dir)
            changed = last_updated(Path(page.file.abs_src_path), docs_dir)
            context["last_updated"] = {
                "iso": changed.date().isoformat(),
                "moment": changed.isoformat(timespec="seconds"),
                "text": self.site.format_date(changed),
            }
            context["translation_outdated"] = self.outdated(page, docs_dir)
        if page.url in self.articles:
            context["reading_minutes"] = self.reading_minutes[page.url]
            context["related_articles"] = [self.articles[url] for url in self.related.of(page.url)]
        return context

    def outdated(self, page: Page, docs_dir: Path) -> dict | None:
        """Where an outdated translation's source is, and since when it changed."""
        default = self.site.tree.default_locale
        if self.locale == default or not self.is_written_here(page):
            return None
        source_path = page.file.src_uri.removeprefix(f"{self.locale}/")
        source = docs_dir / default / source_path
        if not source.is_file() or not is_outdated(docs_dir, default, self.locale, source_path):
            return None
        return {
            "source_locale": default,
            "source_link": f"../{default}/{page_url(source_path)}",
            "since": self.site.format_date(last_updated(source, docs_dir)),
        }

    def is_written_here(self, page: Page) -> bool:
        """A page of this language's writers: not a fallback, not one the package wrote."""
        return page.file.locale == self.locale and page.file.generated_by is None

    @event_priority(-100)  # once every other plugin has written into the page
    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        self.navigation.restore()
        self.progress.rendered()
        return self.finish(output)

    @event_priority(-100)
    def on_post_template(self, output_content: str, template_name: str, config) -> str:
        # Static pages rendered from a template of their own: the 404 page.
        return self.finish(output_content) if template_name.endswith(".html") else output_content

    def finish(self, html: str) -> str:
        """A page as it leaves: valid, compact, and its direction on <html> for every reader."""
        html = html.replace("<html ", f'<html dir="{self.site.language.direction}" ', 1)
        return collapse_whitespace(valid_html(html))

    def on_post_build(self, config: MkDocsConfig) -> None:
        self.writer.finish()
        write_atomically(Path(config.site_dir, self.engine_file.path), self.engine_file.content)
        write_atomically(Path(config.site_dir, LUNR_CORE_SITE_PATH), Path(LUNR_CORE).read_bytes())
