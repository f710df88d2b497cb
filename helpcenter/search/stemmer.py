"""The browser's own stemmers, run at build time.

The browser stems queries with lunr-languages (shipped in mkdocs-material). Python's Snowball
ports differ from it on some words (Spanish `-acion`, Italian `-enza`...), and any difference
means a query that cannot find its word. So the index is stemmed by the very same lunr-languages
code, run in an embedded JavaScript interpreter (Duktape, through dukpy): both sides agree by
construction, on any vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable

import dukpy

from helpcenter.search.browser import LUNR_CORE, language_stemmer_scripts


class BrowserStemmer:
    """lunr.<language>.stemmer, with a cache: each distinct word crosses into JavaScript once."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.interpreter = dukpy.JSInterpreter()
        self.interpreter.evaljs("var window = this, self = this; null;")
        self.interpreter.evaljs(
            LUNR_CORE.read_text(encoding="utf-8") + "\n;this.lunr = lunr; null;"
        )
        for script in language_stemmer_scripts(language):
            self.interpreter.evaljs(script.read_text(encoding="utf-8") + "\n;null;")
        self.stems: dict[str, str] = {}

    def learn(self, words: Iterable[str]) -> None:
        """Stem every new word of `words` in one call."""
        new = sorted(set(words) - self.stems.keys())
        if not new:
            return
        stems = self.interpreter.evaljs(
            "dukpy.words.map(function (word) {"
            f"  return lunr.{self.language}.stemmer(new lunr.Token(word)).toString();"
            "})",
            words=new,
        )
        self.stems.update(zip(new, stems, strict=True))

    def __call__(self, word: str) -> str:
        if word not in self.stems:
            self.learn([word])
        return self.stems[word]
