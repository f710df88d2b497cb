"""Translations: an outdated translation says so on its page, with a link to its source."""

from pathlib import Path

from babel.dates import format_date

from helpcenter.languages import configured_languages, current_locale, page_url
from helpcenter.translations import OUTDATED, translation_state


def on_page_context(context, page, config, nav):
    locale = current_locale(config)
    default = configured_languages(config)[0].locale
    if locale == default or page.file.locale != locale:
        return context
    source_path = page.file.src_uri.removeprefix(f"{locale}/")
    state = translation_state(Path(config.docs_dir), default, locale, source_path)
    if state.state == OUTDATED:
        context["translation_outdated"] = {
            "source_locale": default,
            "source_link": f"../{default}/{page_url(source_path)}",
            "since": format_date(state.source_changed_at, format="long", locale=locale)
            if state.source_changed_at
            else None,
        }
    return context
