"""Writing checks: front matter complete, links between languages resolved (or reported)."""

import logging

from helpcenter.front_matter import front_matter_problems
from helpcenter.languages import current_locale

log = logging.getLogger("mkdocs.plugins.helpcenter")


def on_page_markdown(markdown, page, config, files):
    # A fallback page is checked by the build of the language it is written in.
    if page.file.locale == current_locale(config):
        text = page.file.content_string
        for problem in front_matter_problems(page.meta, f"docs/{page.file.src_uri}", text):
            log.warning(problem)
    return markdown
