"""What each article tells its reader besides its text: how long it takes to read, which
articles are related to it, and the language its social cards speak.

Related articles are chosen once per build, for every article at once, from an inverted index of
the terms of their titles, descriptions and headings (the search analysis: stemmed, stop words
left out): an article scores each other article by the terms they share, each weighing its
rarity (a term in every article weighs nothing) times where it is in each of the two (title,
then description, then headings: a word of both titles says more than a word of two headings
such as "steps"), never comparing every pair of articles on a large site (the terms most
articles have are left out). Only articles written in the build's language are candidates: a
fallback article, written in another language, is never suggested.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from babel import Locale
from babel.core import get_global

from helpcenter.search.analysis import shared_analyzer
from helpcenter.search.index import UNSEARCHABLE, plain_text

WORDS_PER_MINUTE = 200
RELATED_MAX = 5
# A term in more articles than this tells little about any of them (its weight is low anyway):
# 5% of them, at least 20 and at most 100. It is left out of the inverted index: an article is
# scored against every article of each of its terms, so their number is bounded, or the scoring
# grows as the square of the site (a share alone: 3.5 s for a language of 10,000 articles, 0.1 s
# for 1,000).
COMMON_TERM_SHARE = 0.05
COMMON_TERM_MIN = 20
COMMON_TERM_MAX = 100
# How much a term says about an article, by where the article has it.
FIELD_WEIGHTS = (("title", 3.0), ("description", 2.0), ("headings", 1.0))
# The category counts as a term of both articles' descriptions (as rare as the category is
# small); it also decides between articles of equal score.
CATEGORY_WEIGHT = 2.0
HEADING = re.compile(r"<h[23]\b[^>]*>(.*?)</h[23]\s*>", re.DOTALL | re.IGNORECASE)


def word_count(html: str) -> int:
    """The words a reader reads in a page's content (scripts, styles and permalinks left out)."""
    return len(plain_text(UNSEARCHABLE.sub(" ", html)).split())


def reading_minutes(words: int) -> int:
    """Minutes to read `words` at an ordinary reading pace: at least one."""
    return max(1, round(words / WORDS_PER_MINUTE))


def headings_text(html: str) -> str:
    """The text of a page's h2 and h3 headings."""
    return " ".join(plain_text(inner) for inner in HEADING.findall(UNSEARCHABLE.sub(" ", html)))


@functools.cache  # each page asks for a few locales; Babel parses each afresh (~3 ms)
def open_graph_locale(locale: str) -> str:
    """A locale as Open Graph writes it, language_TERRITORY (`fr` -> `fr_FR`, `pt` -> `pt_BR`,
    `ar` -> `ar_EG`): the territory is the language's most likely one, from CLDR's likely
    subtags, when the locale names none."""
    parsed = Locale.parse(locale.replace("-", "_"))
    territory = parsed.territory
    if territory is None:
        likely = get_global("likely_subtags").get(parsed.language)
        territory = Locale.parse(likely).territory if likely else None
    return f"{parsed.language}_{territory}" if territory else parsed.language


@dataclass
class Article:
    """An article as related articles are chosen: where it is, its category and its words."""

    key: Hashable
    category: Hashable
    fields: dict[str, str]  # title, description and headings
    candidate: bool  # written in the build's language: it may be suggested
    terms: dict[str, float] = field(default_factory=dict)  # term -> its weight here


class RelatedArticles:
    """Related articles of every article of one build, computed once (`compute`)."""

    def __init__(self, language: str, limit: int = RELATED_MAX) -> None:
        self.language = language
        self.limit = limit
        # By key: an article added again (the preview renders it again) keeps its place.
        self.articles: dict[Hashable, Article] = {}
        self.related: dict[Hashable, list[Hashable]] = {}
        self.computed_from: list | None = None  # the articles as `compute` last saw them

    def add(
        self,
        key: Hashable,
        category: Hashable,
        title: str,
        description: str = "",
        headings: str = "",
        *,
        candidate: bool = True,
    ) -> None:
        """An article of the build, in its navigation order. `candidate`: written in the
        build's language (a fallback article is not, and is never suggested)."""
        fields = {"title": title, "description": description, "headings": headings}
        self.articles[key] = Article(key, category, fields, candidate)

    def order(self, keys: list[Hashable]) -> None:
        """The navigation's order, whichever article the preview converted first."""
        self.articles = {key: self.articles[key] for key in keys if key in self.articles}

    def compute(self) -> None:
        """Once per build; again only when an article changed (the preview's saves)."""
        seen = [(a.key, a.category, a.fields, a.candidate) for a in self.articles.values()]
        if seen == self.computed_from:
            return
        self.computed_from = seen
        analyzer = shared_analyzer(self.language)
        kept = [
            {name: analyzer.kept_words(text) for name, text in article.fields.items()}
            for article in self.articles.values()
        ]
        analyzer.learn({word for fields in kept for words in fields.values() for word in words})
        for article, fields in zip(self.articles.values(), kept, strict=True):
            article.terms = {}  # computed again from the words the site has now
            for name, weight in reversed(FIELD_WEIGHTS):
                article.terms.update(dict.fromkeys(analyzer.terms_of(fields[name]), weight))
        candidates = [article for article in self.articles.values() if article.candidate]
        # The inverted index: for each term, the candidates that have it, with its weight there.
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, article in enumerate(candidates):
            for term, weight in article.terms.items():
                postings[term].append((position, weight))
        common = min(
            COMMON_TERM_MAX, max(COMMON_TERM_MIN, int(len(candidates) * COMMON_TERM_SHARE))
        )
        index = {
            term: (math.log(len(candidates) / len(documents)), documents)
            for term, documents in postings.items()
            if len(documents) <= common and len(documents) < len(candidates)
        }
        by_category: dict[Hashable, list[int]] = defaultdict(list)
        for position, article in enumerate(candidates):
            by_category[article.category].append(position)
        bonuses = {
            category: math.log(len(candidates) / len(members)) * CATEGORY_WEIGHT**2
            for category, members in by_category.items()
        }
        categories = [article.category for article in candidates]
        positions = {article.key: position for position, article in enumerate(candidates)}
        keys = [article.key for article in candidates]
        self.related = {}
        for article in self.articles.values():
            # Its category's articles count even without a shared term; of those, only the
            # first ones in the navigation could make the list (itself may be one of them).
            first = by_category.get(article.category, [])[: self.limit + 1]
            scores: dict[int, float] = dict.fromkeys(first, 0.0)
            for term, weight in article.terms.items():
                if term not in index:
                    continue
                rarity, documents = index[term]
                for position, theirs in documents:
                    scores[position] = scores.get(position, 0.0) + rarity * weight * theirs
            scores.pop(positions.get(article.key, -1), None)
            # Highest score first, then the same category (whose bonus is a shared term of
            # its own), then the navigation's order.
            bonus = bonuses.get(article.category, 0.0)
            best = heapq.nsmallest(
                self.limit,
                (
                    (-(score + bonus), False, position)
                    if categories[position] == article.category
                    else (-score, True, position)
                    for position, score in scores.items()
                ),
            )
            self.related[article.key] = [keys[position] for _, _, position in best]

    def of(self, key: Hashable) -> list[Hashable]:
        return self.related.get(key, [])
