"""The search index of one language, prebuilt for lunr.js 2.3.9 and shipped in compact form.

One document per page, with three fields: its title, its headings (h2/h3) and its text (the
description included). Results are articles, as in the best help centers; a result links to the
section whose heading matched, and the reader lands with the matched words highlighted.

Everything costly happens here, at build time: cutting pages, analysing words (`analysis.py`),
counting terms. The file holds the counted postings, not lunr's serialized vectors, which are
several times larger: `search/index.js` makes lunr's BM25 field vectors from them when the index
loads, with lunr.Builder's own formula, so the browser holds exactly the index lunr.js would
build from the same terms (a test compares it with lunr.py's). The file, one JSON object:

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
- `terms`: every index term, in JavaScript's order (lunr's token set needs it);
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

Files are named relative to the index that names them (`scripts` too), all below `search/`.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from html import unescape

from helpcenter.search.analysis import Analyzer, shared_analyzer
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
# A match in a page's title says more than one in its headings, which says more than its text.
FIELDS = (("title", 10), ("headings", 4), ("text", 1))
WHITESPACE = re.compile(r"\s+")


def js_order(term: str) -> bytes:
    """A term's place in JavaScript's order of strings, which lunr's token set needs: by UTF-16
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


def encode_postings(documents: dict[int, int]) -> list[int]:
    """`{document: frequency}` (in document order) as gaps, a frequency above 1 before its gap."""
    encoded = []
    previous = -1
    for document, frequency in documents.items():
        if frequency > 1:
            encoded.append(-frequency)
        encoded.append(document - previous - 1)
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
    words: set[str]
    terms: dict[str, Counter[str]]  # by field


def analyse(analyzer: Analyzer, page: Page) -> Analysed:
    fields = page_words(analyzer, page)
    words = {word for kept in fields.values() for word in kept}
    analyzer.learn(words)
    return Analysed(
        words, {name: Counter(analyzer.terms_of(kept)) for name, kept in fields.items()}
    )


def analyse_now(page: Page, language: str) -> None:
    """The page's words analysed as it is converted rather than when an index is built: the
    preview, which converts pages behind the writer, then builds an index again after a save
    by analysing the saved page alone. `language`: the build's."""
    page.analysed = analyse(shared_analyzer(page.language or language), page)


def build_index(language: str, pages: list[Page]) -> dict:
    analyzer = shared_analyzer(language)
    names = [name for name, _ in FIELDS]
    postings: dict[str, dict[str, dict[int, int]]] = {name: {} for name in names}
    lengths: dict[str, list[int]] = {name: [] for name in names}
    vocabulary: set[str] = set()
    for ref, page in enumerate(pages):
        if page.analysed is None:
            page.analysed = analyse(analyzer, page)
        vocabulary |= page.analysed.words
        for name, terms in page.analysed.terms.items():
            lengths[name].append(terms.total())
            for term, frequency in terms.items():
                postings[name].setdefault(term, {})[ref] = frequency
    terms = sorted({term for by_term in postings.values() for term in by_term}, key=js_order)
    return {
        "language": language,
        "stopWords": sorted(analyzer.stop_words),
        "stemmer": analyzer.stemmer_name,
        "fields": [list(pair) for pair in FIELDS],
        "docs": [
            [page.location, page.title, page.summary, [list(pair) for pair in page.headings]]
            + ([1] if page.category else [])
            for page in pages
        ],
        "accents": dict(sorted(accent_stems(analyzer, vocabulary).items())),
        "terms": terms,
        "postings": [
            [encode_postings(postings[name].get(term, {})) for term in terms] for name in names
        ],
        "lengths": [lengths[name] for name in names],
    }


def text_files(pages: list[Page]) -> list[tuple[int, list[str]]]:
    """The pages' texts in files of about `TEXT_FILE_LENGTH` characters: `(first page, texts)`."""
    files: list[tuple[int, list[str]]] = []
    length = TEXT_FILE_LENGTH
    for ref, page in enumerate(pages):
        if length >= TEXT_FILE_LENGTH:
            files.append((ref, []))
            length = 0
        files[-1][1].append(page.body)
        length += len(page.body)
    return files


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
    def of(cls, language: str, pages: list[Page]) -> SearchFiles:
        """`pages`: the language's, and the untranslated articles it shows (`Page.language`)."""
        files: dict[str, bytes] = {}
        written_in: dict[str, list[Page]] = {}
        for page in pages:
            written_in.setdefault(page.language or language, []).append(page)
        fallbacks = [
            {
                "language": source,
                "index": add_index(files, "fallback", source, written_in[source]),
                "scripts": [
                    posixpath.relpath(script, SEARCH_DIR)
                    for script in fallback_scripts(language, source)
                ],
            }
            for source in sorted(written_in.keys() - {language})
        ]
        own = written_in.get(language, [])
        path = add_index(files, "index", language, own, fallbacks=fallbacks)
        return cls(f"{SEARCH_DIR}/{path}", files)


def add_index(files: dict[str, bytes], name: str, language: str, pages: list[Page], **extra) -> str:
    """Add an index of `pages` and its texts' files to `files`; its name below `search/`."""
    data = build_index(language, pages)
    data["texts"] = []
    for first, texts in text_files(pages):
        content = as_json(texts)
        path = named_after_content("text", content, "json")
        files[path] = content
        data["texts"].append([first, posixpath.basename(path)])
    content = as_json({**data, **extra})
    path = named_after_content(name, content, "json")
    files[path] = content
    return posixpath.basename(path)
