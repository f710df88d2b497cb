"""The search index of one language, prebuilt for lunr.js 2.3.9 and shipped in compact form.

One document per page, with three fields: its title, its headings (h2/h3) and its text (the
description included). Results are articles, as in the best help centers; a result links to the
section whose heading matched, and the reader lands with the matched words highlighted.

Everything costly happens here, at build time: cutting pages, analysing words (`analysis.py`),
counting terms. The file holds the counted postings, not lunr's serialized vectors, which are
several times larger: `search/index.js` weighs a term's postings with lunr.Builder's own formula
when a query first reads it, and scores as lunr.js would with the index it builds from the same
terms (a test compares the scores with lunr.js's over lunr.py's index). The file, one JSON
object:

- `language`, `stopWords`: so the query drops the same words the index did;
- `stemmer`: the lunr stemmer the query must use, as the index did: a lunr-languages code (the
  engine script has `lunr.<code>.min.js`), `en` for lunr.js's own `lunr.stemmer`, or null for a
  language lunr cannot stem (words are then matched as written, accents folded);
- `fields`: `[name, boost]` in lunr's order;
- `boosts`: the boost of each kind of term a query searches (see `QUERY_BOOSTS`);
- `docs`: what a result shows, by document reference (its position):
  `[location, title, summary, [[anchor, heading], ...]]`, and a fifth `1` for a category's
  landing page (shown after the matching articles);
- `accents`: for the stem of a spelling without accents, the other stems of its accented
  spellings (see `accent_stems`);
- `terms`: every index term, in JavaScript's order (a query finds a term and a prefix's terms
  by bisection);
- `postings`: for each field, for each term, the documents that have it, as gaps from the last
  one (`0` is the next document); a negative entry `-n` says the next document has it `n` times
  (it has it once otherwise);
- `lengths`: for each field, each document's number of terms;
- `texts`: `[[first, file], ...]`, the files that hold the documents' texts (from document
  `first` until the next file's), a JSON list of strings each: a result that matched only in
  its text quotes the passage around the words, and only the files of the results shown are
  loaded;
- `fallbacks` (the language's index only): the untranslated articles the language shows (in
  another language, as fallbacks), one index of this form for each language they are written in,
  analysed as that language: `[{"language", "index": file, "scripts": [...]}, ...]`, `scripts`
  being the stemmer files the language's own engine script lacks. The search worker loads one
  only when the reader's language finds few articles.

An index larger than the site's `search.shard_kb` is split, so that the first search of a large
site loads a small part of it: its file then holds, instead of `docs`, `accents`, `terms`,
`postings`, `lengths` and `texts`, what finds the files of the words a search needs and of the
results it shows (see `sharded`).

Files are named relative to the index that names them (`scripts` too), all below `search/`.
"""

from __future__ import annotations

import heapq
import json
import math
import posixpath
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape
from itertools import groupby
from typing import Protocol

from helpcenter.search.analysis import Analyzer, fold, shared_analyzer
from helpcenter.search.browser import SEARCH_DIR, fallback_scripts, named_after_content

# What a page's HTML (Python-Markdown's, which escapes `<` and `>` in attributes) holds that is not
# searchable text: scripts, styles, pictures and the headings' permalinks.
UNSEARCHABLE = re.compile(
    r"<(script|style|template|svg)\b.*?</\1\s*>"
    r"|<a\b[^>]*\bclass=\"(?:[^\"]*\s)?headerlink(?:\s[^\"]*)?\"[^>]*>.*?</a\s*>",
    re.DOTALL | re.IGNORECASE,
)
# An h2 or h3 with an id: a link can reach it.
HEADING = re.compile(
    r"<(h[23])\b[^>]*?\sid=\"([^\"]+)\"[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE
)
BLOCK_TAG = re.compile(r"<(?:/?(?:p|li|td|th|div|tr|dt|dd|h[1-6])\b|br\b)[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
SUMMARY_LENGTH = 160
# About how many characters of text each of the files results quote from holds (one text longer
# than that has a file of its own).
TEXT_FILE_LENGTH = 20_000
# The same when an index is split (`sharded`): the ten results shown may each need a file of their
# own, on a site large enough that they are rarely in the same one.
SPLIT_TEXT_FILE_LENGTH = 8_000
# The same for the files of what results show, when an index is split (`sharded`): the ten results
# shown may need ten of them.
DOCS_FILE_LENGTH = 4_000
# A match in a page's title says more than one in its headings, which says more than its text.
FIELDS = (("title", 10), ("headings", 4), ("text", 1))
# The results a search shows at first (search.js's PAGE): a split index's file of a term holds
# what its best this many show, so that a word's first results need no other file.
FIRST_RESULTS = 10
# A whole word searched alone whose term has this many postings or more (documents that have it,
# counted in each field: what the engine scores) has its first results ranked at build time, in
# its file of terms (see `sharded`): scoring them is the longest a search takes (a few
# milliseconds), and such words are the commonest a reader searches.
RANKED_ALONE_MIN_POSTINGS = 1000
# lunr.Builder's BM25 parameters (index.js reads them from lunr.js itself).
BM25_K1, BM25_B = 1.2, 0.75
# A query's boost of each term a word searches (engine.js reads them from the index): the word's
# own terms; while it is typed, the terms its stems complete to, and the terms the word as typed
# completes to (those it starts, most of all).
QUERY_BOOSTS = {"word": 10, "stemCompletion": 1, "completion": 5}
# A split index names the files of the prefixes it ranked (see `sharded`) of up to this many
# letters from its first file, so that the first keystrokes find them before any file of terms;
# a longer one from the file of terms of its stem's range.
PREFIX_LENGTH = 2
WHITESPACE = re.compile(r"\s+")
# Pages whose new words are stemmed in one call into the stemmer's JavaScript, which costs about
# as much as stemming the new words of a page.
PAGES_STEMMED_TOGETHER = 100
# A key JavaScript lists first among an object's keys, by value (an array index: below 2**32 - 1).
ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def js_order(term: str) -> bytes:
    """A term's place in JavaScript's order of strings, which the browser bisects: by UTF-16
    code units, which puts characters beyond U+FFFF (surrogates) before U+E000 to U+FFFF."""
    return term.encode("utf-16-be", "surrogatepass")


def js_round(number: float) -> int:
    """JavaScript's `Math.round`: a half goes up (Python's `round` takes it to the even side)."""
    whole = math.floor(number)
    return whole + 1 if number - whole >= 0.5 else whole


def squeeze(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


@dataclass
class Page:
    """A searchable page: what it says, and the headings a result may link to."""

    location: str
    title: str
    description: str = ""
    headings: list[tuple[str, str]] = field(default_factory=list)  # (anchor, heading)
    body: str = ""
    # A category's landing page: found after the articles that match, never before.
    category: bool = False
    # The language it is written in, when not its index's: an untranslated article the language
    # shows as a fallback, searched as the language it is written in.
    language: str | None = None
    # Its words and each field's terms with their counts, once analysed: the preview builds the
    # index again after each save from the pages that did not change.
    analysed: Analysed | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return " ".join(part for part in (self.description, self.body) if part)

    @property
    def summary(self) -> str:
        """The description its writer gave it, or the start of its text."""
        if self.description or len(self.body) <= SUMMARY_LENGTH:
            return self.description or self.body
        cut = self.body.rfind(" ", 0, SUMMARY_LENGTH)
        return self.body[: cut if cut > 0 else SUMMARY_LENGTH] + " …"


def plain_text(html: str) -> str:
    return squeeze(unescape(TAG.sub("", BLOCK_TAG.sub(" ", html))))


def searchable_page(
    url: str,
    title: str,
    description: str,
    html: str,
    category: bool = False,
    language: str | None = None,
) -> Page:
    """A page from its content's HTML: its text, and its headings a result may link to.
    `language`: the one it is written in (see `Page.language`)."""
    html = UNSEARCHABLE.sub("", html)
    headings = [(anchor, plain_text(inner)) for _, anchor, inner in HEADING.findall(html)]
    text = plain_text(HEADING.sub(" ", html))
    return Page(
        url,
        unescape(title),
        squeeze(description),
        [(anchor, heading) for anchor, heading in headings if heading],
        text,
        category,
        language,
    )


def page_words(analyzer: Analyzer, page: Page) -> dict[str, list[str]]:
    """Each field's words, stop words left out."""
    return {
        "title": analyzer.kept_words(page.title),
        "headings": analyzer.kept_words(" ".join(title for _, title in page.headings)),
        "text": analyzer.kept_words(page.text),
    }


def page_fields(analyzer: Analyzer, page: Page) -> dict[str, list[str]]:
    """Each field's terms, as lunr's pipeline would have left them."""
    return {name: analyzer.terms_of(words) for name, words in page_words(analyzer, page).items()}


def encode_postings(documents: dict[int, int], lengths: list[int] | None = None) -> list[int]:
    """`{document: frequency}` (in document order) as gaps, a frequency above 1 before its gap,
    and with `lengths` (each document's number of terms in the field) its length after it."""
    encoded = []
    previous = -1
    for document, frequency in documents.items():
        if frequency > 1:
            encoded.append(-frequency)
        encoded.append(document - previous - 1)
        if lengths is not None:
            encoded.append(lengths[document])
        previous = document
    return encoded


def decode_postings(encoded: list[int]) -> dict[int, int]:
    """`{document: frequency}` back from `encode_postings`."""
    documents = {}
    document, frequency = -1, 1
    for entry in encoded:
        if entry < 0:
            frequency = -entry
            continue
        document += entry + 1
        documents[document] = frequency
        frequency = 1
    return documents


def best_page(data: dict, terms: list[str]) -> list | None:
    """The `docs` entry of the page with the most of `terms` in its most telling fields, an
    article before a category's page as in the browser, for tools that read a built index (the
    browser ranks with lunr)."""
    positions = {term: position for position, term in enumerate(data["terms"])}
    scores: Counter[int] = Counter()
    for term in set(terms) & positions.keys():
        for (_, boost), by_term in zip(data["fields"], data["postings"], strict=True):
            for document in decode_postings(by_term[positions[term]]):
                scores[document] += boost
    if not scores:
        return None
    docs = data["docs"]
    return docs[max(scores, key=lambda doc: (not is_category(docs[doc]), scores[doc], -doc))]


def joined(data: dict, read: Callable[[str], object]) -> dict:
    """A built index as one (`build_index`'s form, each field's lengths left out), for tools
    that read it: a split one (`sharded`) with its files' terms, postings and docs, `read(name)`
    giving the content of a file it names."""
    if "shards" not in data:
        return data
    terms: list[str] = []
    postings: list[list[list[int]]] = [[] for _ in data["fields"]]
    for _, name in data["shards"]:
        shard = read(name)
        terms += shard["terms"]
        for lists in shard["postings"]:
            for position, encoded in enumerate(lists):
                postings[position].append(without_lengths(encoded))
    docs = [doc for _, name in data["docShards"] for doc in read(name)["docs"]]
    return {**data, "terms": terms, "postings": postings, "docs": docs}


def without_lengths(encoded: list[int]) -> list[int]:
    """A shard's postings of a field (each document's length after its gap) as the whole
    index's."""
    kept = []
    entries = iter(encoded)
    for entry in entries:
        kept.append(entry)
        if entry >= 0:
            next(entries)
    return kept


def is_category(entry: list) -> bool:
    """Whether a `docs` entry is a category's landing page (its fifth item)."""
    return len(entry) > 4 and entry[4] == 1


def accent_stems(analyzer: Analyzer, words: set[str]) -> dict[str, list[str]]:
    """For the stem of a word's spelling without accents, the stems the site has for its accented
    spellings: a reader typing `devolucion` on a phone finds `devoluciones` as well as
    `devolución` (Spanish Snowball removes `-ución`, not `-ucion`)."""
    stems: dict[str, set[str]] = {}
    for word in words:
        plain, *accented = analyzer.word_terms(word)
        if accented:
            stems.setdefault(plain, set()).update(accented)
    return {plain: sorted(others, key=js_order) for plain, others in stems.items()}


@dataclass(frozen=True)
class Analysed:
    # Its words written with accents (or ligatures): only they have accented spellings (see
    # `accent_stems`). Not all its words: a large site keeps each page's analysis.
    accented: set[str]
    terms: dict[str, Counter[str]]  # by field


def analyse(analyzer: Analyzer, page: Page) -> Analysed:
    fields = page_words(analyzer, page)
    analyzer.learn(words_of(fields))
    return analysis_of(analyzer, fields)


def analyse_all(analyzer: Analyzer, pages: list[Page]) -> Iterator[Analysed]:
    """Each page's analysis, the one kept (by the preview) or one made now, the words of many
    pages stemmed together (`PAGES_STEMMED_TOGETHER`)."""
    for start in range(0, len(pages), PAGES_STEMMED_TOGETHER):
        together = pages[start : start + PAGES_STEMMED_TOGETHER]
        fields = [None if page.analysed else page_words(analyzer, page) for page in together]
        analyzer.learn({word for words in fields if words for word in words_of(words)})
        for page, words in zip(together, fields, strict=True):
            yield page.analysed or analysis_of(analyzer, words)


def words_of(fields: dict[str, list[str]]) -> set[str]:
    return {word for kept in fields.values() for word in kept}


def analysis_of(analyzer: Analyzer, fields: dict[str, list[str]]) -> Analysed:
    """A page's analysis from its words by field (`page_words`), their stems learnt."""
    return Analysed(
        {word for word in words_of(fields) if fold(word) != word},
        {name: Counter(analyzer.terms_of(kept)) for name, kept in fields.items()},
    )


def analyse_now(page: Page, language: str) -> None:
    """The page's words analysed as it is converted rather than when an index is built: the
    preview, which converts pages behind the writer, then builds an index again after a save
    by analysing the saved page alone. `language`: the build's."""
    page.analysed = analyse(shared_analyzer(page.language or language), page)


# A term's documents in each field, and its weight in each (`Counted.weights`).
Weights = list[tuple[array, array]]


@dataclass(frozen=True)
class TypedAlone:
    """A word searched alone, as a search shows it first (`Counted.typed_alone`): how many
    documents it finds, and the first page of them by rank, each with the terms it matched."""

    total: int
    ranked: list[tuple[int, list[str]]]

    @property
    def compact(self) -> list:
        """`[total, [document, ...]]`, for a word of one term (each result matched it)."""
        return [self.total, [ref for ref, _ in self.ranked]]

    def content(self, docs: list[list], texts: list[list]) -> dict[str, object]:
        """Its file's content (see `sharded`), with what its results show."""
        return {
            "total": self.total,
            "ranked": [[ref, terms] for ref, terms in self.ranked],
            **shown_docs(docs, texts, [[ref for ref, _ in self.ranked]]),
        }


def matched_terms(
    terms: list[str], weighted: dict[str, Weights], fields: list[int], ref: int
) -> list[str]:
    """The terms of `terms` (in the order a query met them) that a document has in its `fields`
    (in the order met), as index.js lists them: the keys of lunr's matchData.metadata, in
    JavaScript's order of an object's keys (array indexes first, by value)."""
    found: dict[str, None] = {}
    for position in fields:
        for term in terms:
            refs = weighted[term][position][0]
            at = bisect_left(refs, ref)
            if at < len(refs) and refs[at] == ref:
                found[term] = None
    indexes = sorted(filter(is_array_index, found), key=int)
    return indexes + [term for term in found if not is_array_index(term)]


def is_array_index(key: str) -> bool:
    return ARRAY_INDEX.fullmatch(key) is not None and int(key) < 2**32 - 1


@dataclass
class Terms:
    """An index's terms, in JavaScript's order, as a query finds them."""

    terms: list[str]
    orders: list[bytes] = field(init=False)  # each term's `js_order`

    def __post_init__(self) -> None:
        self.orders = [js_order(term) for term in self.terms]

    def completions(self, prefix: str) -> list[str]:
        """The terms that start with `prefix`, in order."""
        start = end = bisect_left(self.orders, js_order(prefix))
        while end < len(self.terms) and self.terms[end].startswith(prefix):
            end += 1
        return self.terms[start:end]

    def position(self, term: str) -> int | None:
        at = bisect_left(self.orders, js_order(term))
        return at if at < len(self.terms) and self.terms[at] == term else None


@dataclass
class Counted:
    """A language's pages counted for search: each field's postings (`{term: [document,
    frequency, document, frequency, ...]}`, see `documents`) and each document's number of terms,
    and what a query needs to analyse words as the pages' were."""

    analyzer: Analyzer
    pages: list[Page]
    # Arrays, not dictionaries: a dictionary takes several times the memory of its numbers.
    postings: dict[str, dict[str, array[int]]]
    lengths: dict[str, list[int]]
    accents: dict[str, list[str]]

    @classmethod
    def of(cls, language: str, pages: list[Page]) -> Counted:
        analyzer = shared_analyzer(language)
        names = [name for name, _ in FIELDS]
        postings: dict[str, dict[str, array[int]]] = {name: {} for name in names}
        lengths: dict[str, list[int]] = {name: [] for name in names}
        accented: set[str] = set()
        for ref, analysed in enumerate(analyse_all(analyzer, pages)):
            accented |= analysed.accented
            for name, terms in analysed.terms.items():
                lengths[name].append(terms.total())
                for term, frequency in terms.items():
                    postings[name].setdefault(term, array("i")).extend((ref, frequency))
        accents = dict(sorted(accent_stems(analyzer, accented).items()))
        return cls(analyzer, pages, postings, lengths, accents)

    def counts(self, term: str) -> list[array]:
        """Each field's postings of the term: document, frequency, document, frequency..."""
        return [self.postings[name].get(term, array("i")) for name, _ in FIELDS]

    def postings_count(self, term: str) -> int:
        """The term's postings in all fields: a document counted in each field that has it, as
        lunr.idf counts it and as the engine scores it."""
        return sum(len(counts) // 2 for counts in self.counts(term))

    def documents(self, field_name: str, term: str) -> dict[int, int]:
        """`{document: frequency}` of the documents whose field has the term."""
        counts = self.postings[field_name].get(term, array("i"))
        return dict(zip(counts[::2], counts[1::2], strict=True))

    @property
    def terms(self) -> list[str]:
        return sorted(
            {term for by_term in self.postings.values() for term in by_term}, key=js_order
        )

    def analysis(self) -> dict:
        """What the browser needs to analyse a query as the pages were analysed."""
        return {
            "language": self.analyzer.language,
            "stopWords": sorted(self.analyzer.stop_words),
            "stemmer": self.analyzer.stemmer_name,
            "fields": [list(pair) for pair in FIELDS],
            "boosts": QUERY_BOOSTS,
        }

    def docs(self) -> list[list]:
        return [
            [page.location, page.title, page.summary, [list(pair) for pair in page.headings]]
            + ([1] if page.category else [])
            for page in self.pages
        ]

    def whole(self, terms: list[str]) -> dict:
        """The index in one file (its form: this module's docstring)."""
        return {
            **self.analysis(),
            "docs": self.docs(),
            "accents": self.accents,
            "terms": terms,
            "postings": [
                [encode_postings(self.documents(name, term)) for term in terms]
                for name, _ in FIELDS
            ],
            "lengths": [self.lengths[name] for name, _ in FIELDS],
        }

    def longer_than(self, terms: list[str], limit: int) -> bool:
        """Whether the index in one file (`whole`) is longer than `limit` bytes: its postings,
        most of it (megabytes on a large site), are written only until it is."""
        # Everything but the postings, each field's an empty list (`[]`); then each term's, and a
        # comma between two.
        length = len(as_json({**self.whole([]), "terms": terms})) + len(FIELDS) * max(
            len(terms) - 1, 0
        )
        for name, _ in FIELDS:
            for term in terms:
                length += len(as_json(encode_postings(self.documents(name, term))))
                if length > limit:
                    return True
        return length > limit

    @cached_property
    def averages(self) -> list[float]:
        """Each field's average length, as lunr.Builder's."""
        return [sum(self.lengths[name]) / len(self.pages) for name, _ in FIELDS]

    def weights(self, term: str) -> Weights:
        """Each field's documents that have the term, and its weight in each, as index.js weighs
        it (lunr.Builder's BM25 with its k1 and b, lunr.idf, the field's boost, three decimals)
        with the same operations, so that the scores made here are the browser's."""
        by_field = self.counts(term)
        having = self.postings_count(term)
        documents = len(self.pages)
        idf = math.log(1 + abs((documents - having + 0.5) / (having + 0.5)))
        weighted = []
        for (_, boost), counts, norms in zip(FIELDS, by_field, self.norms, strict=True):
            refs = counts[::2]
            weights = array(
                "d",
                (
                    js_round(idf * ((BM25_K1 + 1) * tf) / (norms[ref] + tf) * boost * 1000) / 1000
                    for ref, tf in zip(refs, counts[1::2], strict=True)
                ),
            )
            weighted.append((refs, weights))
        return weighted

    @cached_property
    def norms(self) -> list[array]:
        """Each field's BM25 length normalisation of each document, as index.js computes it
        (none for a field no document has words in: no term has postings there)."""
        return [
            array(
                "d",
                (
                    BM25_K1 * (1 - BM25_B + BM25_B * (length / average))
                    for length in (lengths if average else ())
                ),
            )
            for lengths, average in zip(
                (self.lengths[name] for name, _ in FIELDS), self.averages, strict=True
            )
        ]

    @cached_property
    def category_refs(self) -> set[int]:
        """The documents that are categories' landing pages."""
        return {ref for ref, page in enumerate(self.pages) if page.category}

    def articles_then_categories(self, refs: Collection[int]) -> tuple[list[int], list[int]]:
        """`refs`' articles, then its categories' pages (results show them after), each in the
        order given."""
        categories = self.category_refs
        articles = [ref for ref in refs if ref not in categories]
        return articles, [ref for ref in refs if ref in categories]

    def best_results(self, terms: list[str], count: int = FIRST_RESULTS) -> list[int]:
        """The documents a search for `terms` (a word's: its stem and its accented spellings')
        shows first, as index.js ranks them (the terms' weights summed over the fields; articles
        first, then categories' pages), with those tied with the last: the first page of a word's
        results, whatever order breaks the tie."""
        scores: dict[int, float] = {}
        for term in terms:
            for refs, weights in self.weights(term):
                for ref, weight in zip(refs, weights, strict=True):
                    scores[ref] = scores.get(ref, 0) + weight
        shown: list[int] = []
        for kind in self.articles_then_categories(scores):
            kept = sorted(kind, key=lambda ref: -scores[ref])
            wanted = count - len(shown)
            if wanted <= 0:
                break
            last = scores[kept[wanted - 1]] if len(kept) >= wanted else None
            tied = [ref for ref in kept[wanted:] if last is not None and scores[ref] >= last - 1e-9]
            shown += kept[:wanted] + tied[:count]
        return sorted(shown)

    def typed_alone(self, searched: dict[str, int], weighted: dict[str, Weights]) -> TypedAlone:
        """The first results of a word searched alone (being typed, which engine.js's query
        completes, or whole with accented spellings): the terms it searches (`searched`, with
        their boosts, in the order the query meets them, the index's for completions; their
        `weights` in `weighted`), scored as index.js scores them, which is
        lunr.Index.prototype.query's scoring (the query vector's magnitude, each field's cosine
        summed per document in the order lunr meets its fields, its terms' products in the
        index's order), with the same operations, and ranked as the engine ranks them
        (articles, then categories' pages, by score, a tie in the order met)."""
        magnitude = math.sqrt(sum(boost * boost for boost in searched.values()))  # exact
        documents = len(self.pages)
        dots = [[0.0] * documents for _ in FIELDS]
        for term in sorted(searched, key=js_order):
            boost = searched[term]
            for dot, (refs, weights) in zip(dots, weighted[term], strict=True):
                for ref, weight in zip(refs, weights, strict=True):
                    dot[ref] += boost * weight
        seen = [bytearray(documents) for _ in FIELDS]
        fields_met: dict[int, list[int]] = {}  # by document, in the order met
        for term in searched:
            for position, (refs, _) in enumerate(weighted[term]):
                met = seen[position]
                for ref in [ref for ref in refs if not met[ref]]:
                    met[ref] = 1
                    fields_met.setdefault(ref, []).append(position)
        scores = {}
        for ref, positions in fields_met.items():
            score = dots[positions[0]][ref] / magnitude
            for position in positions[1:]:
                score = score + dots[position][ref] / magnitude
            scores[ref] = score
        ranked: list[int] = []
        for kind in self.articles_then_categories(fields_met):
            ranked += heapq.nsmallest(FIRST_RESULTS - len(ranked), kind, key=lambda r: -scores[r])
        terms = list(searched)
        return TypedAlone(
            len(fields_met),
            [(ref, matched_terms(terms, weighted, fields_met[ref], ref)) for ref in ranked],
        )

    def ranked_alone(self, term: str) -> TypedAlone | None:
        """The first results of a whole word searched alone whose one term is `term` (the only
        one the engine searches: no accented spellings share it), when it has
        RANKED_ALONE_MIN_POSTINGS postings or more in all fields."""
        if self.postings_count(term) < RANKED_ALONE_MIN_POSTINGS:
            return None
        if term in self.accents:
            return None
        return self.typed_alone({term: QUERY_BOOSTS["word"]}, {term: self.weights(term)})

    def spellings(self) -> list[list[str]]:
        """The terms engine.js's query searches for a whole word with accented spellings, in
        the order it meets them (`termsOf`): the word's terms (its stem without accents, then
        its accented stem when typed with them), then each one's accented spellings' stems
        (`accents`) not met yet; for each word the site has, typed with or without accents."""
        found: dict[tuple[str, ...], None] = {}
        for plain, others in self.accents.items():
            for stems in ([plain], *([plain, other] for other in others)):
                terms = list(stems)
                for stem in stems:
                    terms += [other for other in self.accents.get(stem, []) if other not in terms]
                found[tuple(terms)] = None
        return [list(terms) for terms in found]

    def spelled_alone(self, terms: list[str], index_terms: Terms) -> TypedAlone | None:
        """The first results of a whole word searched alone with several terms (`spellings`),
        ranked as engine.js ranks them (one clause a term, those of the index); None when the
        index has none of them (the engine then completes the word)."""
        present = [term for term in terms if index_terms.position(term) is not None]
        if not present:
            return None
        return self.typed_alone(
            dict.fromkeys(present, QUERY_BOOSTS["word"]),
            {term: self.weights(term) for term in present},
        )

    def searched_alone(self, word: str, terms: Terms) -> dict[str, int] | None:
        """The terms engine.js's query searches for `word` (folded) being typed alone, with
        their boosts, in the index's order (the order it meets them), when it completes it: the
        terms its stem completes to, if its stem starts it, and those it completes to itself.
        None when the engine searches it otherwise (its stem is a term of the index: a whole
        word), or with accented spellings, or the word has letters JavaScript counts as two."""
        stems = self.analyzer.word_terms(word)
        if len(stems) > 1 or stems[0] in self.accents or len(js_order(word)) != 2 * len(word):
            return None
        [stem] = stems
        if terms.position(stem) is not None:
            return None
        searched = {}
        if word.startswith(stem):
            searched = dict.fromkeys(terms.completions(stem), QUERY_BOOSTS["stemCompletion"])
        for term in terms.completions(word):
            searched[term] = searched.get(term, 0) + QUERY_BOOSTS["completion"]
        return searched

    def term_postings(self, term: str) -> list[list[int]]:
        """A term's postings in every field, each document followed by its field's length: a
        shard scores its terms' documents as the whole index would, without the other terms."""
        return [
            encode_postings(self.documents(name, term), self.lengths[name]) for name, _ in FIELDS
        ]


def build_index(language: str, pages: list[Page]) -> dict:
    counted = Counted.of(language, pages)
    return counted.whole(counted.terms)


def cut(
    sizes: list[int],
    limit: int,
    shared: list[list[int]] | None = None,
    shared_sizes: list[int] = (),
) -> list[tuple[int, int]]:
    """Files of items of these sizes, each filled up to `limit` (an item larger than that in a
    file of its own): `(first item, end)` of each. `shared`: for each item, the parts it brings
    along (by position in `shared_sizes`), each counted once in a file however many items bring
    it."""
    starts: list[int] = []
    length = limit  # the first item starts the first file
    held: set[int]  # the parts the current file holds
    for position, size in enumerate(sizes):
        if length >= limit:
            starts.append(position)
            length = 0
            held = set()
        brought = set(shared[position]) - held if shared else set()
        held |= brought
        length += size + sum(shared_sizes[part] for part in brought)
    ends = [*starts[1:], len(sizes)] if starts else []
    return list(zip(starts, ends, strict=True))


def text_files(pages: list[Page], length: int = TEXT_FILE_LENGTH) -> list[tuple[int, list[str]]]:
    """The pages' texts in files of about `length` characters: `(first page, texts)`."""
    return [
        (first, [page.body for page in pages[first:end]])
        for first, end in cut([len(page.body) for page in pages], length)
    ]


def add_file(files: FileStore, name: str, data: object, content: bytes = b"") -> str:
    """Add a JSON file named after its content to `files`; its name below `search/`.
    `content`: `data` already written (`as_json`)."""
    content = content or as_json(data)
    path = named_after_content(name, content, "json")
    files[path] = content
    return posixpath.basename(path)


def add_texts(files: FileStore, pages: list[Page], length: int = TEXT_FILE_LENGTH) -> list[list]:
    """Add the files of the pages' texts (see `text_files`) to `files`: `[[first page, name],
    ...]`."""
    return [[first, add_file(files, "text", texts)] for first, texts in text_files(pages, length)]


def covering(ranges: list[list], first: int, end: int) -> list[list]:
    """The entries of `ranges` (`[[first item, ...], ...]`, by first item, the last one going on
    to the end) that hold any item from `first` until `end`."""
    ends = [start for start, *_ in ranges[1:]] + [end + 1]
    return [
        entry for entry, stop in zip(ranges, ends, strict=True) if entry[0] < end and stop > first
    ]


def as_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SearchFiles:
    """A language's search files, as the site serves them, each named after its content so that
    browsers cache it safely: its index (`path`), the files of its texts, and an index of the
    untranslated articles it shows for each language they are written in, with their texts.
    `files`: every file's content by its path below the language's site root."""

    path: str
    files: dict[str, bytes]

    @classmethod
    def of(cls, language: str, pages: list[Page], shard_size: int | None = None) -> SearchFiles:
        """See `add_search_files`."""
        files: dict[str, bytes] = {}
        return cls(add_search_files(files, language, pages, shard_size), files)


class FileStore(Protocol):
    """Where search files go as they are made: a dict (`SearchFiles`), or a build's site folder,
    so that a build never holds a language's index whole (megabytes at 1,000 articles)."""

    def __setitem__(self, path: str, content: bytes) -> None: ...


def add_search_files(
    files: FileStore, language: str, pages: list[Page], shard_size: int | None = None
) -> str:
    """Add a language's search files to `files`, by their path below the language's site root;
    the path of its index. `pages`: the language's, and the untranslated articles it shows
    (`Page.language`). `shard_size`: an index whose file would be larger (in bytes) is split
    (see `sharded`)."""
    written_in: dict[str, list[Page]] = {}
    for page in pages:
        written_in.setdefault(page.language or language, []).append(page)
    fallbacks = [
        {
            "language": source,
            "index": add_index(files, "fallback", source, written_in[source], shard_size),
            "scripts": [
                posixpath.relpath(script, SEARCH_DIR)
                for script in fallback_scripts(language, source)
            ],
        }
        for source in sorted(written_in.keys() - {language})
    ]
    own = written_in.get(language, [])
    path = add_index(files, "index", language, own, shard_size, fallbacks=fallbacks)
    return f"{SEARCH_DIR}/{path}"


def sharded(files: FileStore, counted: Counted, terms: list[str], shard_size: int) -> dict:
    """An index too large for one file, as a first file that names the others and holds no term
    (a large site has tens of thousands, and its first search should download little more than
    the files of its words and of the results it shows): what a query's analysis needs, each
    field's total length and the number of documents (so that the shards' documents score as in
    the whole index), the category pages, then
    - `shards`: `[[first term, file], ...]`, the terms in files of about `shard_size` bytes, by term
      in JavaScript's order: a word's file, and the consecutive files of the terms a prefix
      completes to, are known from the first terms alone. Each file: `{"first": the position of its
      first term among all terms, "terms": [...], "postings": [...], "accents": {...}, "refs":
      [...], "docs": [...], "texts": [...], "prefixes": {...}, "ranked": {...}, "apart": {...},
      "spelled": {...}}`, each term's postings in each field (each document followed by its length),
      the `accents` entries whose spelling without accents falls in the file's range of terms
      (before the second file's first term: the first file), what the first results of its terms
      show (see `shown_docs`): a word's first page of results loads one file, not one per result,
      the files of the longer prefixes in its range (see `prefixes` below), and `{term: [total,
      [document, ...]]}`: the first results of a whole word searched alone whose term has the most
      postings, ranked here as the engine ranks them (`Counted.ranked_alone`), which it then does
      not score; such a term's postings are in a file of their own (`apart`: `{term: file}`, its
      `postings` entry null), loaded only by a query that scores it; and `spelled`: `{terms: [total,
      [[document, [terms it matched]], ...]]}`, the first results of a whole word searched alone
      with accented spellings whose terms (`Counted.spellings`, joined by a space) are in several
      files or one of them apart, ranked here as the engine ranks them (`Counted.spelled_alone`), in
      the file of its first term's range: the engine answers it from the files of the word's own
      terms. The terms are cut into files by the size of all;
    - `docShards`: `[[first document, file], ...]`, what results show, in files of about
      `DOCS_FILE_LENGTH` bytes: `{"docs": [...], "texts": [[first document, file], ...]}`, the
      whole index's `docs` and the files that hold their texts (of about
      `SPLIT_TEXT_FILE_LENGTH` characters);
    - `vocabulary`: the file of every term (a JSON list), loaded only by a search that found
      nothing, for its typo guesses;
    - `prefixes`: `{letter: file}`, and `prefixLength`: the first results of a word being typed
      alone that completes to the terms of several files (a letter or two: a large part of
      them), which a reader typing on would otherwise wait for, ranked here as the engine ranks
      them (`Counted.typed_alone`, `words_to_rank`). Each file: `{"total": the documents
      found, "ranked": [[document, [terms it matched]], ...], "refs", "docs", "texts"}` (see
      `shown_docs`); a prefix of up to `prefixLength` letters is named by the file of the
      prefix one letter shorter (its `prefixes`: `{prefix: file}`; one without `total` and
      `ranked` only names others), a longer one by the file of terms of its stem's range (its
      `prefixes`). The engine searches a prefix no file names (or one of a term of the index,
      of a word with another stem or accented spellings) from the files of its terms."""
    # Each term's postings written at once: a large site has tens of thousands, which as lists
    # of numbers would take several times the memory.
    postings = [as_json(counted.term_postings(term)) for term in terms]
    docs = counted.docs()
    ranked = [counted.ranked_alone(term) for term in terms]
    # A ranked term's postings (the most: the largest) in a file of their own, which only
    # a query that scores the term loads: its file of terms stays small for the word alone.
    apart = {
        position: add_file(files, "postings", None, postings[position])
        for position, alone in enumerate(ranked)
        if alone
    }
    shown = [
        [ref for ref, _ in alone.ranked] if alone else counted.best_results([term])
        for term, alone in zip(terms, ranked, strict=True)
    ]
    # A word typed with or without its accents searches its stem and its accented spellings':
    # their first results go with the file of the stem's range (which has its `accents`).
    index_terms = Terms(terms)
    orders = index_terms.orders
    for plain, others in counted.accents.items():
        at = max(0, bisect_right(orders, js_order(plain)) - 1)
        shown[at] = shown[at] + counted.best_results([plain, *others])
    ranges = cut(
        [
            len(as_json(alone.compact)) if alone else len(lists) + 1
            for lists, alone in zip(postings, ranked, strict=True)
        ],
        shard_size,
        shown,
        [len(as_json(doc)) + 1 for doc in docs],
    )
    texts = add_texts(files, counted.pages, SPLIT_TEXT_FILE_LENGTH)
    firsts = [js_order(terms[first]) for first, _ in ranges]

    def file_of(term: str) -> int:
        """The file of the term's range (before the second file's first term: the first)."""
        return max(0, bisect_right(firsts, js_order(term)) - 1)

    accents: list[dict[str, list[str]]] = [{} for _ in ranges]
    for plain, stems in counted.accents.items():
        accents[file_of(plain)][plain] = stems
    # A whole word with accented spellings whose terms are in several files, or one of them
    # apart: its first results in the file of its stem's range, which the engine loads first.
    spelled: list[dict[str, list]] = [{} for _ in ranges]
    apart_terms = {terms[position] for position in apart}
    for spelling in counted.spellings():
        if len(set(map(file_of, spelling))) == 1 and not apart_terms & set(spelling):
            continue
        answer = counted.spelled_alone(spelling, index_terms)
        if answer is not None:
            spelled[file_of(spelling[0])][" ".join(spelling)] = [
                answer.total,
                [list(pair) for pair in answer.ranked],
            ]
    typed_alone = {}
    # The terms a word searches start with its first letter: their weights a letter at a time.
    to_rank = words_to_rank(counted, index_terms, ranges)
    for letter, words in groupby(sorted(to_rank), key=lambda word: word[:1]):
        weighted = {term: counted.weights(term) for term in index_terms.completions(letter)}
        for word in words:
            typed_alone[word] = counted.typed_alone(to_rank[word], weighted)
    # A word longer than PREFIX_LENGTH letters: named by the file of its stem's range, which the
    # engine loads first for the word's own terms.
    longer: list[dict[str, str]] = [{} for _ in ranges]
    for word, answer in typed_alone.items():
        if len(word) > PREFIX_LENGTH:
            [stem] = counted.analyzer.word_terms(word)
            longer[file_of(stem)][word] = add_file(files, "prefix", answer.content(docs, texts))
    shards = []
    for (first, end), in_range, named, words_spelled in zip(
        ranges, accents, longer, spelled, strict=True
    ):
        spelled_refs = [ref for _, ranked_refs in words_spelled.values() for ref, _ in ranked_refs]
        rest = {
            "accents": dict(sorted(in_range.items())),
            **shown_docs(docs, texts, [*shown[first:end], spelled_refs]),
            "prefixes": named,
            "ranked": {
                term: alone.compact
                for term, alone in zip(terms[first:end], ranked[first:end], strict=True)
                if alone
            },
            "spelled": words_spelled,
            "apart": {
                terms[position]: apart[position]
                for position in range(first, end)
                if position in apart
            },
        }
        content = b'%s,"postings":[%s],%s' % (
            as_json({"first": first, "terms": terms[first:end]})[:-1],
            b",".join(b"null" if at in apart else postings[at] for at in range(first, end)),
            as_json(rest)[1:],
        )
        shards.append([terms[first], add_file(files, "postings", None, content)])
    doc_shards = [
        [
            first,
            add_file(
                files, "docs", {"docs": docs[first:end], "texts": covering(texts, first, end)}
            ),
        ]
        for first, end in cut([len(as_json(doc)) + 1 for doc in docs], DOCS_FILE_LENGTH)
    ]
    return {
        **counted.analysis(),
        "prefixLength": PREFIX_LENGTH,
        "prefixes": add_prefixes(files, typed_alone, docs, texts),
        "documents": len(counted.pages),
        "lengths": [sum(counted.lengths[name]) for name, _ in FIELDS],
        "categories": [ref for ref, page in enumerate(counted.pages) if page.category],
        "shards": shards,
        "docShards": doc_shards,
        "vocabulary": add_file(files, "vocabulary", terms),
    }


def words_to_rank(
    counted: Counted, terms: Terms, ranges: list[tuple[int, int]]
) -> dict[str, dict[str, int]]:
    """The words being typed alone whose first results a split index ranks at build time (see
    `sharded`), with the terms the engine searches for each (`Counted.searched_alone`): the
    starts of the terms (what a reader types on the way to a word) whose terms searched are in
    more than one file, which the engine would otherwise load (those in one file: the file of
    the word's own terms). `ranges`: the files' terms."""
    ends = [end for _, end in ranges]
    words = {term[:length] for term in terms.terms for length in range(1, len(term) + 1)}
    counted.analyzer.learn(words)
    ranked = {}
    for word in sorted(words):
        searched = counted.searched_alone(word, terms)
        if searched:
            in_order = list(searched)
            first, last = terms.position(in_order[0]), terms.position(in_order[-1])
            if bisect_right(ends, first) != bisect_right(ends, last):  # their files
                ranked[word] = searched
    return ranked


def add_prefixes(
    files: FileStore,
    typed_alone: dict[str, TypedAlone],
    docs: list[list],
    texts: list[list],
    start: str = "",
) -> dict[str, str]:
    """Add the files of the prefixes one letter longer than `start`, up to PREFIX_LENGTH letters
    (see `sharded`), to `files`: `{prefix: file}`."""
    named = {}
    if len(start) == PREFIX_LENGTH:
        return named
    longer = sorted(
        {
            prefix[: len(start) + 1]
            for prefix in typed_alone
            if prefix.startswith(start) and len(start) < len(prefix) <= PREFIX_LENGTH
        }
    )
    for prefix in longer:
        answer = typed_alone.get(prefix)
        content = answer.content(docs, texts) if answer else {}
        content["prefixes"] = add_prefixes(files, typed_alone, docs, texts, prefix)
        named[prefix] = add_file(files, "prefix", content)
    return named


def shown_docs(docs: list[list], texts: list[list], shown: list[list[int]]) -> dict:
    """What the first results of a file's terms show (`Counted.best_results`): their `refs`, in
    order, their `docs` entries and the `texts` entries of the files of their texts."""
    refs = sorted({ref for best in shown for ref in best})
    firsts = [first for first, _ in texts]
    holding = sorted({bisect_right(firsts, ref) - 1 for ref in refs})  # the first file is at 0
    return {
        "refs": refs,
        "docs": [docs[ref] for ref in refs],
        "texts": [texts[position] for position in holding],
    }


def add_index(
    files: FileStore,
    name: str,
    language: str,
    pages: list[Page],
    shard_size: int | None,
    **extra,
) -> str:
    """Add an index of `pages`, in one file unless larger than `shard_size`, and its texts'
    files to `files`; its name below `search/`."""
    counted = Counted.of(language, pages)
    terms = counted.terms
    if shard_size is not None and counted.longer_than(terms, shard_size):
        data = sharded(files, counted, terms, shard_size)
    else:
        data = counted.whole(terms)
        data["texts"] = add_texts(files, pages)
    return add_file(files, name, {**data, **extra})
