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

import json
import math
import posixpath
import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from html import unescape

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
# lunr.Builder's BM25 parameters (index.js reads them from lunr.js itself).
BM25_K1, BM25_B = 1.2, 0.75
WHITESPACE = re.compile(r"\s+")


def js_order(term: str) -> bytes:
    """A term's place in JavaScript's order of strings, which the browser bisects: by UTF-16
    code units, which puts characters beyond U+FFFF (surrogates) before U+E000 to U+FFFF."""
    return term.encode("utf-16-be", "surrogatepass")


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
    words = {word for kept in fields.values() for word in kept}
    analyzer.learn(words)
    return Analysed(
        {word for word in words if fold(word) != word},
        {name: Counter(analyzer.terms_of(kept)) for name, kept in fields.items()},
    )


def analyse_now(page: Page, language: str) -> None:
    """The page's words analysed as it is converted rather than when an index is built: the
    preview, which converts pages behind the writer, then builds an index again after a save
    by analysing the saved page alone. `language`: the build's."""
    page.analysed = analyse(shared_analyzer(page.language or language), page)


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
        for ref, page in enumerate(pages):
            analysed = page.analysed or analyse(analyzer, page)  # kept by the preview only
            accented |= analysed.accented
            for name, terms in analysed.terms.items():
                lengths[name].append(terms.total())
                for term, frequency in terms.items():
                    postings[name].setdefault(term, array("i")).extend((ref, frequency))
        accents = dict(sorted(accent_stems(analyzer, accented).items()))
        return cls(analyzer, pages, postings, lengths, accents)

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

    def best_results(self, terms: list[str], count: int = FIRST_RESULTS) -> list[int]:
        """The documents a search for `terms` (a word's: its stem and its accented spellings')
        shows first, as index.js ranks them (lunr's BM25 weights summed over the fields and the
        terms; articles first, then categories' pages), with those tied with the last: the first
        page of a word's results, whatever order breaks the tie."""
        documents = len(self.pages)
        scores: dict[int, float] = {}
        for term in terms:
            by_field = [self.documents(name, term) for name, _ in FIELDS]
            having = sum(map(len, by_field))
            idf = math.log(1 + abs((documents - having + 0.5) / (having + 0.5)))
            for (name, boost), postings, average in zip(
                FIELDS, by_field, self.averages, strict=True
            ):
                lengths = self.lengths[name]
                for ref, tf in postings.items():
                    weight = (
                        idf
                        * ((BM25_K1 + 1) * tf)
                        / (BM25_K1 * (1 - BM25_B + BM25_B * (lengths[ref] / average)) + tf)
                    )
                    scores[ref] = scores.get(ref, 0) + round(weight * boost * 1000) / 1000
        shown: list[int] = []
        for category in (False, True):
            kept = sorted(
                (ref for ref in scores if self.pages[ref].category == category),
                key=lambda ref: -scores[ref],
            )
            wanted = count - len(shown)
            if wanted <= 0:
                break
            last = scores[kept[wanted - 1]] if len(kept) >= wanted else None
            tied = [ref for ref in kept[wanted:] if last is not None and scores[ref] >= last - 1e-9]
            shown += kept[:wanted] + tied[:count]
        return sorted(shown)

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


def add_file(files: dict[str, bytes], name: str, data: object, content: bytes = b"") -> str:
    """Add a JSON file named after its content to `files`; its name below `search/`.
    `content`: `data` already written (`as_json`)."""
    content = content or as_json(data)
    path = named_after_content(name, content, "json")
    files[path] = content
    return posixpath.basename(path)


def add_texts(
    files: dict[str, bytes], pages: list[Page], length: int = TEXT_FILE_LENGTH
) -> list[list]:
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
        """`pages`: the language's, and the untranslated articles it shows (`Page.language`).
        `shard_size`: an index whose file would be larger (in bytes) is split (see `sharded`)."""
        files: dict[str, bytes] = {}
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
        return cls(f"{SEARCH_DIR}/{path}", files)


def sharded(files: dict[str, bytes], counted: Counted, terms: list[str], shard_size: int) -> dict:
    """An index too large for one file, as a first file that names the others and holds no term
    (a large site has tens of thousands, and its first search should download little more than
    the files of its words and of the results it shows): what a query's analysis needs, each
    field's total length and the number of documents (so that the shards' documents score as in
    the whole index), the category pages, then
    - `shards`: `[[first term, file], ...]`, the terms in files of about `shard_size` bytes, by
      term in JavaScript's order: a word's file, and the consecutive files of the terms a prefix
      completes to, are known from the first terms alone. Each file:
      `{"first": the position of its first term among all terms, "terms": [...], "postings":
      [...], "accents": {...}, "refs": [...], "docs": [...], "texts": [...]}`, each term's
      postings in each field (each document followed by its length), the `accents` entries
      whose spelling without accents falls in the file's range of terms (before the second
      file's first term: the first file), and what the first results of its terms show (see
      `shown_docs`): a word's first page of results loads one file, not one per result. The
      terms are cut into files by the size of both;
    - `docShards`: `[[first document, file], ...]`, what results show, in files of about
      `DOCS_FILE_LENGTH` bytes: `{"docs": [...], "texts": [[first document, file], ...]}`, the
      whole index's `docs` and the files that hold their texts (of about
      `SPLIT_TEXT_FILE_LENGTH` characters);
    - `vocabulary`: the file of every term (a JSON list), loaded only by a search that found
      nothing, for its typo guesses."""
    # Each term's postings written at once: a large site has tens of thousands, which as lists
    # of numbers would take several times the memory.
    postings = [as_json(counted.term_postings(term)) for term in terms]
    docs = counted.docs()
    shown = [counted.best_results([term]) for term in terms]
    # A word typed with or without its accents searches its stem and its accented spellings':
    # their first results go with the file of the stem's range (which has its `accents`).
    orders = [js_order(term) for term in terms]
    for plain, others in counted.accents.items():
        at = max(0, bisect_right(orders, js_order(plain)) - 1)
        shown[at] = shown[at] + counted.best_results([plain, *others])
    ranges = cut(
        [len(lists) + 1 for lists in postings],
        shard_size,
        shown,
        [len(as_json(doc)) + 1 for doc in docs],
    )
    texts = add_texts(files, counted.pages, SPLIT_TEXT_FILE_LENGTH)
    firsts = [js_order(terms[first]) for first, _ in ranges]
    accents: list[dict[str, list[str]]] = [{} for _ in ranges]
    for plain, stems in counted.accents.items():
        accents[max(0, bisect_right(firsts, js_order(plain)) - 1)][plain] = stems
    shards = []
    for (first, end), in_range in zip(ranges, accents, strict=True):
        rest = {
            "accents": dict(sorted(in_range.items())),
            **shown_docs(docs, texts, shown[first:end]),
        }
        content = b'%s,"postings":[%s],%s' % (
            as_json({"first": first, "terms": terms[first:end]})[:-1],
            b",".join(postings[first:end]),
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
        "documents": len(counted.pages),
        "lengths": [sum(counted.lengths[name]) for name, _ in FIELDS],
        "categories": [ref for ref, page in enumerate(counted.pages) if page.category],
        "shards": shards,
        "docShards": doc_shards,
        "vocabulary": add_file(files, "vocabulary", terms),
    }


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
    files: dict[str, bytes],
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
