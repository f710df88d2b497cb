"""Fixes for what Material's templates write that the HTML standard forbids.

The Nu Html Checker (the W3C validator) finds three such things in the pages Material renders:

- `autocomplete="off"` on its checkbox toggles (drawer, search): the attribute is for text-like
  fields only;
- `tabindex=""` on the label of a navigation section (the template leaves its `tabindex` unset):
  an empty tabindex is not a number, and no tabindex is what it means;
- `<label for="__toc">` on a page without a table of contents, so without the `__toc` toggle the
  label would name.
"""

from __future__ import annotations

import re

# Patterns that start with a literal, so that the regex engine jumps from one candidate to the
# next instead of trying every position of the page.
CHECKBOX_AUTOCOMPLETE = re.compile(r'(<input [^>]*type="checkbox"[^>]*?) autocomplete="off"')


def valid_html(html: str) -> str:
    html = CHECKBOX_AUTOCOMPLETE.sub(r"\1", html).replace(' tabindex=""', "")
    if 'id="__toc"' not in html:
        html = html.replace(' for="__toc"', "")
    return html
