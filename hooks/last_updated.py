"""Last updated: every article shows when it last changed, from git (else the file's date)."""

from pathlib import Path

from babel.dates import format_date

from helpcenter.history import last_updated
from helpcenter.languages import current_locale


def on_page_context(context, page, config, nav):
    changed = last_updated(Path(page.file.abs_src_path), Path(config.docs_dir))
    context["last_updated"] = {
        "iso": changed.date().isoformat(),
        "text": format_date(changed, format="long", locale=current_locale(config)),
    }
    return context
