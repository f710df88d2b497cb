"""Languages: one build per language that still knows its siblings (see helpcenter.languages)."""

import logging
from pathlib import Path

from mkdocs.plugins import event_priority

from helpcenter.languages import LanguageSite, catalog_problems, load_translations

log = logging.getLogger("mkdocs.plugins.helpcenter")
site: LanguageSite | None = None


def on_config(config):
    global site
    site = LanguageSite(config)
    # The UI strings this language's pages show: each one translated (strict builds fail).
    for problem in catalog_problems(Path(config.config_file_path).parent / "locales", site.locale):
        log.warning(problem)
    return site.configure(config)


@event_priority(-200)  # after mkdocs-static-i18n has picked this language's files
def on_files(files, config):
    return site.add_fallback_pages(files, config)


def on_page_markdown(markdown, page, config, files):
    return site.mark_links_to_other_languages(markdown, page)


def on_page_content(html, page, config, files):
    return site.resolve_language_links(html, page)


def on_env(env, config, files):
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_translations(load_translations(site.locale), newstyle=True)
    env.globals["languages"] = site
    return env


def on_page_context(context, page, config, nav):
    return site.update_page_context(context, page, config)
