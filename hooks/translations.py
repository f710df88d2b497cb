"""Translations: an outdated translation says so on its page, with a link to its source."""

from pathlib import Path

from babel.dates import format_date

from helpcenter.history import last_updated
from helpcenter.languages import configured_languages, current_locale, page_url
from helpcenter.translations import is_outdated


def on_page_context(context, page, config, nav):
    locale = current_locale(config)
    default = configured_languages(config)[0].locale
    if locale == default or page.file.locale != locale:
        return context
    docs_dir = Path(config.docs_dir)
    source_path = page.file.src_uri.removeprefix(f"{locale}/")
    source = docs_dir / default / source_path
    if source.is_file() and is_outdated(docs_dir, default, locale, source_path):
        context["translation_outdated"] = {
            "source_locale": default,
            "source_link": f"../{default}/{page_url(source_path)}",
            "since": format_date(last_updated(source, docs_dir), format="long", locale=locale),
        }
    return context
