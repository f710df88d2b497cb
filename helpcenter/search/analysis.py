"""Text analysis shared by the index (here, at build time) and the query (in the browser).

The browser runs the same steps in `overrides/assets/javascripts/search/analyzer.js`; the two must
give the same terms for every word, which the tests check on the whole vocabulary of the site:

1. lowercase, spell out ligatures, and split on anything that is not a letter or a digit,
   apostrophes included, so elisions come apart (`l'abonnement` -> `l`, `abonnement`;
   `dell'account` -> `dell`, `account`);
2. drop the language's stop words (elided articles included, `stopwords/<lang>.txt`), compared
   without accents;
3. stem with the language's Snowball stemmer, lunr-languages' own, the one the browser runs (see
   `stemmer.py`), and fold accents away: a word gives the stem of its accent-free spelling and,
   when it has accents and that differs, the accent-free stem of the word as written.

Why two stems: a reader may type with or without accents, and Snowball's suffixes carry accents
(Spanish `-ación`, `-ución`). `reclamacion` (typed without accent) gives `reclamacion`, which the
index has for `reclamación`; `reclamación` also gives `reclam`, which finds `reclamaciones`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from helpcenter.search.stemmer import BrowserStemmer

STOPWORDS_DIR = Path(__file__).parent / "stopwords"
LANGUAGES = ("fr", "es", "it")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
SEPARATOR = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """The words of a text, lowercase, in order (accents kept)."""
    normalized = unicodedata.normalize("NFC", text.lower().translate(LIGATURES))
    return [word for word in SEPARATOR.split(normalized) if word]


@lru_cache(maxsize=500_000)  # called once per word of the site: words repeat a lot
def fold(text: str) -> str:
    """Lowercase, without accents or ligatures."""
    decomposed = unicodedata.normalize("NFD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


@cache
def stop_words(language: str) -> frozenset[str]:
    lines = (STOPWORDS_DIR / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line) for line in lines if line and not line.startswith("#"))


class Analyzer:
    """Turns text into index terms for one language."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(
                f"search: no analysis for language {language!r} "
                f"(expected one of: {', '.join(LANGUAGES)})"
            )
        self.language = language
        self.stop_words = stop_words(language)
        self.stem = BrowserStemmer(language)

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
