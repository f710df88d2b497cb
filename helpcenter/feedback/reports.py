"""What writers read: which articles readers found unhelpful, and what they searched in vain."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from helpcenter.authoring.translations import translation_state
from helpcenter.feedback.store import FeedbackStore
from helpcenter.search.analysis import Analyzer, fold
from helpcenter.search.index import best_page

LATEST_COMMENTS = 5


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


class SiteIndexes:
    """The built site's search indexes, to look for a query in the other languages."""

    def __init__(self, site_dir: Path | None, locales: tuple[str, ...]) -> None:
        self.indexes: dict[str, tuple[dict, Analyzer]] = {}
        for locale in locales:
            found = sorted((site_dir / locale / "search").glob("index.*.json")) if site_dir else []
            if found:
                data = json.loads(found[-1].read_text(encoding="utf-8"))
                self.indexes[locale] = (data, Analyzer(locale))

    def best_match(self, query: str, locale: str) -> dict | None:
        if locale not in self.indexes:
            return None
        data, analyzer = self.indexes[locale]
        page = best_page(data, analyzer.terms(query))
        if page is None:
            return None
        location, title, _summary, _headings = page
        return {"language": locale, "title": title, "page": location}


def search_gaps_report(
    store: FeedbackStore,
    locales: tuple[str, ...],
    language: str | None = None,
    site_dir: Path | None = None,
) -> list[dict]:
    """The most frequent unanswered searches per language, grouped as the index sees them."""
    indexes = SiteIndexes(site_dir, locales)
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    analyzers = {locale: Analyzer(locale) for locale in locales}
    for gap in store.search_gaps(language):
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
