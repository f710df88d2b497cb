"""What writers read: which articles readers found unhelpful, and what they searched in vain."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from helpcenter.authoring.translations import translation_state
from helpcenter.feedback.store import FeedbackStore
from helpcenter.search.analysis import Analyzer, fold
from helpcenter.search.index import best_page, joined

LATEST_COMMENTS = 5
# The longest period a report covers: a hundred years of votes.
MAX_DAYS = 36_500
# Characters that change what a terminal shows rather than show themselves: controls (escape
# sequences, carriage returns, line breaks), line and paragraph separators, and the bidi marks and
# overrides that reorder what follows them.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNPRINTABLE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{BIDI_CONTROLS}]")
NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` as it can be shown in a terminal: what readers typed cannot clear the screen,
    move the cursor, start a line of its own or reorder the line it is on (`\x1b[2J` shows
    as `\\x1b[2J`)."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if char in NAMED_ESCAPES:
            return NAMED_ESCAPES[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return UNPRINTABLE.sub(escape, text)


def printable_row(value):
    """A report's row (dicts, lists, strings) with every string made `printable`."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: printable_row(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable_row(item) for item in value]
    return value


def days(text: str) -> int:
    """A `--since` value: whole days, from 0 to a hundred years."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_DAYS:
        raise ValueError(f"expected a number of days from 0 to {MAX_DAYS}, got {text!r}")
    return number


def source_path(docs_dir: Path, locale: str, page: str) -> str | None:
    """The Markdown file behind a page URL (`shipping/returns/` -> `shipping/returns.md`)."""
    stem = page.rstrip("/")
    for candidate in (f"{stem}.md", f"{stem}/index.md" if stem else "index.md"):
        if (docs_dir / locale / candidate).is_file():
            return candidate
    return None


def page_translation_state(docs_dir: Path, locales: tuple[str, ...], locale: str, page: str) -> str:
    default = locales[0]
    if locale == default:
        return "source"
    path = source_path(docs_dir, default, page)
    if path is None:
        return "no source"
    return translation_state(docs_dir, default, locale, path).state


def feedback_report(
    store: FeedbackStore,
    docs_dir: Path,
    locales: tuple[str, ...],
    language: str | None = None,
    since_days: int | None = None,
) -> list[dict]:
    """Per article and language: votes, helpful ratio, latest comments; the worst first."""
    if since_days is not None and since_days > MAX_DAYS:
        since_days = None  # longer than anything kept: every vote
    pages: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for vote in store.votes(language, since_days):
        pages[(vote["language"], vote["page"])].append(vote)
    report = []
    for (locale, page), votes in pages.items():
        helpful = sum(vote["helpful"] for vote in votes)
        report.append(
            {
                "language": locale,
                "page": page,
                "votes": len(votes),
                "helpful": helpful,
                "not_helpful": len(votes) - helpful,
                "helpful_ratio": round(helpful / len(votes), 3),
                "translation": page_translation_state(docs_dir, locales, locale, page),
                "comments": [vote["comment"] for vote in votes if vote["comment"]][
                    :LATEST_COMMENTS
                ],
            }
        )
    return sorted(report, key=lambda row: (row["helpful_ratio"], -row["votes"], row["page"]))


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


class SiteIndexes:
    """The built site's search indexes, to look for a query in the other languages."""

    def __init__(self, site_dir: Path | None, locales: tuple[str, ...]) -> None:
        self.indexes: dict[str, tuple[dict, Analyzer]] = {}
        for locale in locales:
            found = sorted((site_dir / locale / "search").glob("index.*.json")) if site_dir else []
            if found:
                index = found[-1]
                data = joined(
                    read_json(index), lambda name, index=index: read_json(index.with_name(name))
                )
                self.indexes[locale] = (data, Analyzer(locale))

    def best_match(self, query: str, locale: str) -> dict | None:
        if locale not in self.indexes:
            return None
        data, analyzer = self.indexes[locale]
        page = best_page(data, analyzer.terms(query))
        if page is None:
            return None
        location, title = page[:2]
        return {"language": locale, "title": title, "page": location}


def search_gaps_report(
    store: FeedbackStore,
    locales: tuple[str, ...],
    language: str | None = None,
    site_dir: Path | None = None,
    since_days: int | None = None,
) -> list[dict]:
    """The most frequent unanswered searches per language, grouped as the index sees them."""
    if since_days is not None and since_days > MAX_DAYS:
        since_days = None  # longer than anything kept: every search
    indexes = SiteIndexes(site_dir, locales)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    analyzers = {locale: Analyzer(locale) for locale in locales}
    for gap in store.search_gaps(language, since_days):
        if gap["language"] not in analyzers:
            continue
        terms = sorted(set(analyzers[gap["language"]].terms(gap["query"])))
        key = " ".join(terms) or fold(gap["query"]).strip()
        groups[(gap["language"], key)].append(gap)
    report = []
    for (locale, key), gaps in groups.items():
        spellings = Counter(gap["query"].strip() for gap in gaps)
        query = spellings.most_common(1)[0][0]
        suggestion = next(
            (
                match
                for other in locales
                if other != locale
                if (match := indexes.best_match(query, other))
            ),
            None,
        )
        report.append(
            {
                "language": locale,
                "query": query,
                "terms": key,
                "searches": len(gaps),
                "no_results": sum(gap["results"] == 0 for gap in gaps),
                "no_click": sum(gap["results"] > 0 for gap in gaps),
                "spellings": sorted(spellings),
                "suggestion": suggestion,
            }
        )
    return sorted(report, key=lambda row: (row["language"], -row["searches"], row["query"]))
