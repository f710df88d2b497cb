"""Search: a prebuilt lunr index of this language's own pages, loaded on the first search."""

import shutil
from pathlib import Path

from helpcenter.languages import current_locale
from helpcenter.search.browser import LUNR_CORE, LUNR_CORE_SITE_PATH, SearchEngineFile
from helpcenter.search.index import SearchIndexFile, searchable_page

pages = []
index_file: SearchIndexFile | None = None
engine_file: SearchEngineFile | None = None


def on_pre_build(config):
    pages.clear()


def on_page_content(html, page, config, files):
    # Untranslated pages shown as fallbacks are in another language: they stay out of the index,
    # as do pages that ask to (`search: {exclude: true}`, Material's front matter).
    excluded = (page.meta.get("search") or {}).get("exclude", False)
    if page.file.locale == current_locale(config) and not excluded:
        description = page.meta.get("description") or ""
        pages.append(searchable_page(page.url, page.title, description, html))
    return html


def on_env(env, config, files):
    global index_file, engine_file
    index_file = SearchIndexFile.of(current_locale(config), pages)
    engine_file = SearchEngineFile.of(current_locale(config), files)
    env.globals["search_index_path"] = index_file.path
    env.globals["search_engine_path"] = engine_file.path
    return env


def on_post_build(config):
    for written in (index_file, engine_file):
        target = Path(config.site_dir, written.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(written.content)
    shutil.copyfile(LUNR_CORE, Path(config.site_dir, LUNR_CORE_SITE_PATH))
