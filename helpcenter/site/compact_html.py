"""Pages without the blank lines and indentation that Material's templates leave.

Material's Jinja templates indent and leave empty lines around every tag and loop: about half
of a page's bytes. Outside `<pre>`, `<textarea>` and `<script>`, a line break followed by more
whitespace is shown exactly like the line break alone, so it is cut to that.
"""

from __future__ import annotations

import re

VERBATIM = re.compile(r"(<(pre|textarea|script)\b.*?</\2\s*>)", re.DOTALL | re.IGNORECASE)
# Starts with the line break: the regex engine then skips straight to each one.
BREAK_AND_WHITESPACE = re.compile(r"\n\s+")


def collapse_whitespace(html: str) -> str:
    parts = VERBATIM.split(html)
    # split() gives: text, verbatim block, its tag name, text, verbatim block, tag name, ...
    return "".join(
        BREAK_AND_WHITESPACE.sub("\n", part) if position % 3 == 0 else part
        for position, part in enumerate(parts)
        if position % 3 != 2
    )
