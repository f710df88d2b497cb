"""The browser's own stemmers and stop words, run at build time.

The browser stems queries with lunr-languages (shipped in mkdocs-material) or, for English, with
lunr.js's own stemmer. Python's Snowball ports differ from them on some words (Spanish `-acion`,
Italian `-enza`...), and any difference means a query that cannot find its word. So the index is
stemmed by the very same code, run in an embedded JavaScript interpreter (Duktape, through
dukpy): both sides agree by construction, on any vocabulary.

Which stemmer a language gets (`LunrLanguage.stemmer`, which the index file tells the browser):

- its lunr code is Babel's language part of its locale (`pt_BR`, `pt-BR` -> `pt`), Norwegian
  under the macrolanguage code lunr-languages uses (`nb`, `nn` -> `no`);
- `en`: lunr.js's `lunr.stemmer` (Porter's English stemmer), with `lunr.stopWordFilter`;
- a code with a `lunr.<code>.min.js` in Material's copy of lunr-languages: `lunr.<code>.stemmer`,
  provided that (1) the script runs here without error: those that need a word segmenter the site
  does not load (ja, th, hi, ta, te, kn, sa) throw, as they would in the browser; (2) the
  language's own lunr pipeline uses the stemmer (ko, hy and vi have none); (3) the stemmer
  rewrites tokens (zh's hands them back untouched: its segmenter does the work);
- anything else (`pl`, `cs`...): no stemmer; words are indexed as written, accents folded.

Stop words are lunr's own lists, for every language that has one (a stemmer or not): each script
makes its filter with `lunr.generateStopWordFilter([...])`, which keeps the list to itself, so the
interpreter records the list on the filter it returns (`RECORD_STOP_WORDS`), lunr.js's English one
included. A script that throws after making its filter (hi, ta...) still gives its list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import dukpy
import material
import mkdocs.contrib.search
from babel.core import parse_locale

LUNR_CORE = Path(mkdocs.contrib.search.__file__).parent / "templates" / "search" / "lunr.js"
LUNR_LANGUAGES_DIR = Path(material.__file__).parent / "templates/assets/javascripts/lunr/min"
STEMMER_SUPPORT = "lunr.stemmer.support.min.js"
ENGLISH = "en"  # lunr.js's own stemmer and stop words: lunr-languages has no lunr.en
# lunr-languages names Norwegian by its macrolanguage; its Snowball stemmer is Bokmål's.
MACROLANGUAGES = {"nb": "no", "nn": "no"}
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

# lunr.js assigns `lunr.generateStopWordFilter` (`lunr` is a function) and calls it at once for
# English: a setter on Function.prototype catches the assignment and puts in its place a wrapper
# that records each list on the filter it makes (`filter.stopWords`). lunr-languages' scripts
# then call the wrapper. The setter goes once lunr.js has run.
RECORD_STOP_WORDS = """
var window = this, self = this;
Object.defineProperty(Function.prototype, "generateStopWordFilter", {
  configurable: true,
  set: function (generate) {
    Object.defineProperty(this, "generateStopWordFilter", {
      configurable: true, enumerable: true, writable: true,
      value: function (stopWords) {
        var filter = generate.apply(this, arguments);
        filter.stopWords = Array.prototype.slice.call(stopWords);
        return filter;
      }
    });
  }
});
null;
"""
LOADED_CORE = "\n;this.lunr = lunr; delete Function.prototype.generateStopWordFilter; null;"

# The stemmer of lunr-languages' `lunr[code]` as the browser would use it, or null (see above).
STEMMER_OF = """(function (code) {
  var language = lunr[code];
  if (typeof language !== "function" || typeof language.stemmer !== "function") return null;
  var builder = { pipeline: new lunr.Pipeline(), searchPipeline: new lunr.Pipeline() };
  language.call(builder);
  if (builder.pipeline._stack.indexOf(language.stemmer) < 0) return null;
  var token = new lunr.Token("stemmer"), update = token.update, rewrites = false;
  token.update = function () { rewrites = true; return update.apply(this, arguments); };
  language.stemmer(token);
  return rewrites ? code : null;
})(dukpy.language)"""

STOP_WORDS_OF = """(function (code) {
  var filter = code === "en" ? lunr.stopWordFilter : lunr[code] && lunr[code].stopWordFilter;
  return filter && filter.stopWords ? filter.stopWords : [];
})(dukpy.language)"""


def lunr_code(language: str) -> str:
    """lunr's name for a locale's language: `pt_BR`, `pt-BR` -> `pt`; `nb`, `nn` -> `no`."""
    try:
        code = parse_locale(language.replace("-", "_"))[0]
    except ValueError:  # not a locale Babel can read: its first part, for what it is worth
        code = re.split(r"[-_.@]", language, maxsplit=1)[0]
    code = code.lower()
    return MACROLANGUAGES.get(code, code)


def interpreter(scripts: Iterable[Path]) -> dukpy.JSInterpreter:
    """Duktape with lunr.js, then `scripts` (lunr-languages' files), stop-word lists recorded.
    Raises when a script throws (everything before it has run)."""
    js = dukpy.JSInterpreter()
    js.evaljs(RECORD_STOP_WORDS)
    js.evaljs(LUNR_CORE.read_text(encoding="utf-8") + LOADED_CORE)
    for script in scripts:
        js.evaljs(script.read_text(encoding="utf-8") + "\n;null;")
    return js


@dataclass(frozen=True)
class LunrLanguage:
    """What lunr and lunr-languages have for one language."""

    code: str
    stemmer: str | None  # `en`: lunr.stemmer; another code: lunr.<code>.stemmer; None: none
    stop_words: tuple[str, ...]  # lunr's list, as written there

    @property
    def scripts(self) -> list[str]:
        """lunr-languages' files (in `LUNR_LANGUAGES_DIR`) that define the stemmer, in load
        order, for the browser to run after lunr.js."""
        if self.stemmer is None or self.stemmer == ENGLISH:
            return []
        return [STEMMER_SUPPORT, f"lunr.{self.stemmer}.min.js"]


def lunr_language(language: str) -> LunrLanguage:
    """lunr's stemmer and stop words for a locale (see the module's docstring)."""
    return lunr_language_of_code(lunr_code(language))


@cache
def lunr_language_of_code(code: str) -> LunrLanguage:
    if code == ENGLISH:
        js = interpreter([])
        return LunrLanguage(code, ENGLISH, tuple(js.evaljs(STOP_WORDS_OF, language=code)))
    script = LUNR_LANGUAGES_DIR / f"lunr.{code}.min.js"
    if not LANGUAGE_CODE.fullmatch(code) or not script.is_file():
        return LunrLanguage(code, None, ())
    js = interpreter([])
    stemmer = None
    try:
        js.evaljs((LUNR_LANGUAGES_DIR / STEMMER_SUPPORT).read_text(encoding="utf-8") + "\n;null;")
        js.evaljs(script.read_text(encoding="utf-8") + "\n;null;")
        stemmer = js.evaljs(STEMMER_OF, language=code)
    except dukpy.JSRuntimeError:
        pass  # a segmenter missing (see above): no stemmer, and the stop words made so far
    return LunrLanguage(code, stemmer, tuple(js.evaljs(STOP_WORDS_OF, language=code)))


class BrowserStemmer:
    """The language's lunr stemmer, with a cache: each distinct word crosses into JavaScript
    once. Without a stemmer, words are their own stems."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.stemmer = lunr_language(language).stemmer
        self.stems: dict[str, str] = {}
        self.interpreter = None
        if self.stemmer is not None:
            scripts = lunr_language(language).scripts
            self.interpreter = interpreter(LUNR_LANGUAGES_DIR / name for name in scripts)

    def learn(self, words: Iterable[str]) -> None:
        """Stem every new word of `words` in one call."""
        if self.interpreter is None:
            return
        new = sorted(set(words) - self.stems.keys())
        if not new:
            return
        stems = self.interpreter.evaljs(
            "(function (stemmer) {"
            "  return dukpy.words.map(function (word) {"
            "    return stemmer(new lunr.Token(word)).toString();"
            "  });"
            f"}})({'lunr.stemmer' if self.stemmer == ENGLISH else 'lunr[dukpy.stemmer].stemmer'})",
            words=new,
            stemmer=self.stemmer,
        )
        self.stems.update(zip(new, stems, strict=True))

    def __call__(self, word: str) -> str:
        if self.interpreter is None:
            return word
        if word not in self.stems:
            self.learn([word])
        return self.stems[word]
