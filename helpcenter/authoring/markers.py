"""Markers writers put in articles (`<!-- plans ... -->`, `<!-- contact-form -->`...), and the
comments that look like one but are not: a misspelled marker would otherwise vanish silently."""

from __future__ import annotations

import difflib
import re

MARKERS = ("plans", "contact-form", "contact-channels", "ticket-confirmation")
# The first word of an HTML comment, on its opening line (markers are one line).
COMMENT = re.compile(r"<!--[ \t]*([A-Za-z][\w-]{3,})")


def marker_problems(markdown: str, source: str, first_line: int = 1) -> list[str]:
    """`source:line: ...` for each comment whose first word is close to a marker's name;
    `first_line`: the file's line where `markdown` starts (after the front matter)."""
    problems = []
    for comment in COMMENT.finditer(markdown):
        word = comment[1]
        if word in MARKERS:
            continue
        close = difflib.get_close_matches(word.lower(), MARKERS, n=1, cutoff=0.8)
        if close:
            line = markdown.count("\n", 0, comment.start()) + first_line
            problems.append(
                f"{source}:{line}: `<!-- {word} ...` is not a helpcenter marker: did you mean "
                f"`<!-- {close[0]} ...`? (markers: {', '.join(MARKERS)})"
            )
    return problems
