"""Where the browser's search code comes from, so no third-party code is copied into the project.

lunr.js 2.3.9 ships unminified inside the installed `mkdocs` package; the lunr-languages stemmers
ship minified inside `mkdocs-material`, whose theme already copies them into every site.
The versions follow the pinned packages.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.structure.files import Files

from helpcenter.search.stemmer import LUNR_CORE, LUNR_LANGUAGES_DIR, lunr_language

__all__ = [
    "LUNR_CORE",
    "LUNR_CORE_SITE_PATH",
    "LUNR_LANGUAGES_DIR",
    "SearchEngineFile",
    "engine_scripts",
    "fallback_scripts",
    "named_after_content",
]

SEARCH_DIR = "search"  # below a language's site root: the engine and the index's files
LUNR_CORE_SITE_PATH = "assets/javascripts/lunr/lunr.js"
LUNR_LANGUAGES_SITE_DIR = "assets/javascripts/lunr/min"
# lunr.js's documentation comments (each `/** ... */` starting a line) and comment lines: half of
# its bytes, gzipped, in every first search. Its first comment, its licence, stays.
LUNR_COMMENTS = re.compile(r"^[ \t]*/\*\*(?s:.*?)\*/[ \t]*\n|^[ \t]*//[^\n]*\n", re.MULTILINE)
WORKER_SITE_PATH = "assets/javascripts/search/worker.js"


def named_after_content(name: str, content: bytes, extension: str) -> str:
    """A site path under `search/` that changes with the content: browsers may cache it for good."""
    return f"{SEARCH_DIR}/{name}.{hashlib.sha256(content).hexdigest()[:10]}.{extension}"


def engine_scripts(language: str) -> list[str]:
    """What the search worker runs after its own code, below a language's site root, in order:
    lunr.js, the lunr-languages files of the language's stemmer if it has one there (English's
    is lunr.js's own; a language without a stemmer needs none), then our analysis and engine."""
    return [
        LUNR_CORE_SITE_PATH,
        *(f"{LUNR_LANGUAGES_SITE_DIR}/{name}" for name in lunr_language(language).scripts),
        "assets/javascripts/search/analyzer.js",
        "assets/javascripts/search/index.js",
        "assets/javascripts/search/engine.js",
    ]


def fallback_scripts(language: str, source: str) -> list[str]:
    """What the search worker of `language` loads, below the language's site root, before it
    searches the untranslated articles it shows in `source`, the language they are written in:
    the lunr-languages files of `source`'s stemmer that its engine script lacks."""
    have = lunr_language(language).scripts
    return [
        f"{LUNR_LANGUAGES_SITE_DIR}/{name}"
        for name in lunr_language(source).scripts
        if name not in have
    ]


@dataclass(frozen=True)
class SearchEngineFile:
    """The search worker's one script: its own code, then `engine_scripts`. One download, not
    seven one after another, before the worker asks for the index."""

    content: bytes

    @classmethod
    def of(cls, language: str, files: Files) -> SearchEngineFile:
        """`files`: the build's, which know where the theme's scripts come from."""
        return cls(
            b"\n;\n".join(
                lunr_core()
                if path == LUNR_CORE_SITE_PATH
                else Path(files.get_file_from_path(path).abs_src_path).read_bytes()
                for path in [WORKER_SITE_PATH, *engine_scripts(language)]
            )
        )

    @property
    def path(self) -> str:
        return named_after_content("engine", self.content, "js")


def lunr_core() -> bytes:
    """lunr.js as the search worker's script holds it: without its comments but the licence."""
    text = LUNR_CORE.read_text(encoding="utf-8")
    licence = text.index("*/") + 2
    return (text[:licence] + LUNR_COMMENTS.sub("", text[licence:])).encode()
