"""Text analysis shared by the index (here, at build time) and the query (in the browser).

The browser runs the same steps in `helpcenter/theme/assets/javascripts/search/analyzer.js`; the
two must give the same terms for every word, which the tests check on vocabularies of several
languages and on the whole vocabulary of the site. Any language works; `stemmer.py` says which
stemmer and stop words lunr has for it:

1. lowercase, spell out ligatures, and split on anything that is not a letter, a combining mark
   or a digit, apostrophes included, so elisions come apart (`l'abonnement` -> `l`,
   `abonnement`; `dell'account` -> `dell`, `account`). Marks stay in their word: Arabic harakat,
   Devanagari vowel signs;
2. drop the language's stop words, compared without accents: lunr's own list for the language
   (lunr.js's for English, lunr-languages' for the others), the elided articles `ELISIONS` and
   the question words lunr's list lacks (`QUESTION_WORDS`);
3. stem with the language's lunr stemmer, the one the browser runs (see `stemmer.py`), or not at
   all when lunr has none, and fold accents and other combining marks away: a word gives the
   stem of its folded spelling and, when that differs, the folded stem of the word as written.

Why two stems: a reader may type with or without accents, and Snowball's suffixes carry accents
(Spanish `-ación`, `-ución`). `reclamacion` (typed without accent) gives `reclamacion`, which the
index has for `reclamación`; `reclamación` also gives `reclam`, which finds `reclamaciones`.
Arabic is written with or without harakat; folding drops them (`الْكِتَابُ` -> `الكتاب`) and
lunr.ar's stemmer takes its prefixes and suffixes off (`الكتاب` -> `كتاب`).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache, lru_cache

from helpcenter.search.stemmer import BrowserStemmer, lunr_language

LIGATURES = {"œ": "oe", "æ": "ae"}
SPELLING = {**LIGATURES, "_": " "}  # `\w` has `_`, which separates words


def replaced(text: str, replacements: dict[str, str]) -> str:
    """`text` with each key of `replacements` replaced (many times faster than `translate`)."""
    for written, replacement in replacements.items():
        text = text.replace(written, replacement)
    return text


def mark_ranges(first: int, last: int) -> str:
    """The combining marks (Unicode's M categories) from `first` to `last`, as a regular
    expression's set of ranges."""
    ranges: list[list[int]] = []
    for code in range(first, min(last, sys.maxunicode) + 1):
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges
    )


# What separates words: anything but a letter, a digit (`\w`, underscores already spaces) or a
# combining mark, the browser's `[^\p{L}\p{M}\p{N}]`. `re` looks a character up in one table
# within the BMP but tries ranges beyond it one by one, so the marks beyond the BMP (historic
# scripts, variation selectors: Unicode has them in planes 1 and 14 only) have a pattern of their
# own, for text that has such characters (emoji too).
BMP_MARKS = mark_ranges(0, 0xFFFF)
SEPARATOR = re.compile(f"[^\\w{BMP_MARKS}]+")
BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
SEPARATOR_BEYOND_BMP = re.compile(
    f"[^\\w{BMP_MARKS}\U00010000-\U0010ffff]+"
    f"|(?:(?![\\w{mark_ranges(0x10000, 0x1FFFF)}{mark_ranges(0xE0000, 0xE0FFF)}])"
    "[\U00010000-\U0010ffff])+"
)

# Elided articles and prepositions: splitting on apostrophes leaves them as words of their own,
# which lunr's lists, made for lunr's tokenizer (which keeps `jusqu'à` whole), mostly lack. These
# are the articles Lucene's ElisionFilter removes for French and Italian (FrenchAnalyzer's and
# ItalianAnalyzer's DEFAULT_ARTICLES), and Italian's elided demonstratives (`quest'anno`,
# `quell'ordine`: lunr's list has `questo`, `quello`). By lunr code; compared folded.
ELISIONS = {
    "fr": ("c", "d", "j", "l", "m", "n", "qu", "s", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"),
    "it": (
        *("c", "d", "l", "m", "s", "t", "v", "un", "gl", "all", "dall", "dell", "nell", "sull"),
        *("coll", "pell", "agl", "dagl", "degl", "negl", "sugl", "quell", "quest"),
    ),
}
# Readers start a question with them (`comment suivre mon colis`); lunr's lists drop them in
# English, Spanish and Italian (how, cómo, come) but not in French, where `comment` then ranked
# any page that says it above the articles matching the rest of the question.
QUESTION_WORDS = {"fr": ("comment", "pourquoi", "quand", "combien")}


def words(text: str) -> list[str]:
    """The words of a text, lowercase, in order (accents kept)."""
    normalized = unicodedata.normalize("NFC", replaced(text.lower(), SPELLING))
    separator = SEPARATOR_BEYOND_BMP if BEYOND_BMP.search(normalized) else SEPARATOR
    return [word for word in separator.split(normalized) if word]


@lru_cache(maxsize=500_000)  # called once per word of the site: words repeat a lot
def fold(text: str) -> str:
    """Lowercase, without accents, other nonspacing marks (harakat) or ligatures, and composed
    again (Hangul syllables, which decompose into letters, not marks)."""
    decomposed = unicodedata.normalize("NFD", replaced(text.lower(), LIGATURES))
    bare = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return unicodedata.normalize("NFC", bare)


def stemmer_name(language: str) -> str | None:
    """The lunr stemmer the analysis of a locale uses: a lunr-languages code (`lunr.<code>`),
    `en` for lunr.js's own, or None: words are then indexed as written (accents folded)."""
    return lunr_language(language).stemmer


def stemmer_available(language: str) -> bool:
    """Whether search in this locale stems words (`Rechnungen` finds `Rechnung`)."""
    return stemmer_name(language) is not None


def stop_words(language: str) -> frozenset[str]:
    """The words a locale's search leaves out, folded: lunr's list, the elided articles and the
    question words."""
    lunr = lunr_language(language)
    extra = ELISIONS.get(lunr.code, ()) + QUESTION_WORDS.get(lunr.code, ())
    return frozenset(fold(word) for word in lunr.stop_words + extra) - {""}


class Analyzer:
    """Turns text into index terms for one language (a locale: `de`, `pt_BR`, `pl`...)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.stemmer_name = stemmer_name(language)
        self.stop_words = stop_words(language)
        self.stem = BrowserStemmer(language)

    @property
    def stems(self) -> bool:
        return self.stemmer_name is not None

    def kept_words(self, text: str) -> list[str]:
        return [word for word in words(text) if fold(word) not in self.stop_words]

    def word_terms(self, word: str) -> list[str]:
        folded = fold(word)
        plain = self.stem(folded)
        if folded == word:
            return [plain]
        accented = fold(self.stem(word))
        return [plain] if accented == plain else [plain, accented]

    def terms_of(self, words: list[str]) -> list[str]:
        return [term for word in words for term in self.word_terms(word)]

    def terms(self, text: str) -> list[str]:
        return self.terms_of(self.kept_words(text))

    def learn(self, words: set[str]) -> None:
        """Stem these words at once (much faster than word by word)."""
        self.stem.learn(words | {fold(word) for word in words})


@cache
def shared_analyzer(language: str) -> Analyzer:
    """The process's analyzer of a language: each word is stemmed once, however many indexes
    are built (the search index and related articles, again after each save in the preview)."""
    return Analyzer(language)
