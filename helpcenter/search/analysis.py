"""Text analysis shared by the index (here, at build time) and the query (in the browser).

The browser runs the same steps in `overrides/assets/javascripts/search/analyzer.js`; the two must
give the same terms for every word, which the tests check on the whole vocabulary of the site:

1. lowercase, then fold accents away (`réclamation` -> `reclamation`) and spell out ligatures,
   so a reader who types without accents finds the accented words and the other way round;
2. split on anything that is not a letter or a digit, apostrophes included, so elisions come
   apart (`l'abonnement` -> `l`, `abonnement`; `dell'account` -> `dell`, `account`);
3. drop the language's stop words (elided articles included), shipped in `stopwords/<lang>.txt`;
4. stem with the language's Snowball stemmer (`etiquetas` -> `etiquet`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from nltk.stem.snowball import SnowballStemmer

STOPWORDS_DIR = Path(__file__).parent / "stopwords"
SNOWBALL_LANGUAGES = {"fr": "french", "es": "spanish", "it": "italian"}
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
SEPARATOR = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, without accents or ligatures."""
    decomposed = unicodedata.normalize("NFD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [word for word in SEPARATOR.split(fold(text)) if word]


@cache
def stop_words(language: str) -> frozenset[str]:
    lines = (STOPWORDS_DIR / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(fold(line) for line in lines if line and not line.startswith("#"))


class Analyzer:
    """Turns text into index terms for one language."""

    def __init__(self, language: str) -> None:
        if language not in SNOWBALL_LANGUAGES:
            raise ValueError(
                f"search: no analysis for language {language!r} "
                f"(expected one of: {', '.join(SNOWBALL_LANGUAGES)})"
            )
        self.language = language
        self.stop_words = stop_words(language)
        self._stemmer = SnowballStemmer(SNOWBALL_LANGUAGES[language])
        self.stem = cache(self._stemmer.stem)

    def terms(self, text: str) -> list[str]:
        return [self.stem(word) for word in words(text) if word not in self.stop_words]
