"""What the JavaScript tests of search (tests/js/) take from the Python side, as one JSON object.

Reads on stdin `{"languages": [...], "indexes": {name: {"language": ..., "pages": [...]}}}`, each
page `{"location", "title", "description", "headings": [[anchor, heading], ...], "body"}`, and
`"language"` for an untranslated article shown in that index's language, and writes
`{"lunr", "lunrLanguages", "stemmerScripts", "stopWords", "indexes", "files"}`: where lunr.js and
the lunr-languages scripts are (the pinned packages' own copies, as the build ships them), each
language's stemmer scripts and stop words, each index file as the build makes it, and the other
files it names (texts, untranslated articles' indexes), by their name beside it.
"""

from __future__ import annotations

import json
import posixpath
import sys

from helpcenter.search.analysis import stop_words
from helpcenter.search.index import Page, SearchFiles
from helpcenter.search.stemmer import LUNR_CORE, LUNR_LANGUAGES_DIR, lunr_language


def page(spec: dict) -> Page:
    return Page(
        spec["location"],
        spec["title"],
        spec.get("description", ""),
        [(anchor, heading) for anchor, heading in spec.get("headings", [])],
        spec.get("body", ""),
        language=spec.get("language"),
    )


def main() -> None:
    request = json.load(sys.stdin)
    languages = request.get("languages", [])
    built = {
        name: SearchFiles.of(spec["language"], [page(item) for item in spec["pages"]])
        for name, spec in request.get("indexes", {}).items()
    }
    files = {
        name: {
            posixpath.basename(path): json.loads(content) for path, content in made.files.items()
        }
        for name, made in built.items()
    }
    answer = {
        "lunr": str(LUNR_CORE),
        "lunrLanguages": str(LUNR_LANGUAGES_DIR),
        "stemmerScripts": {name: lunr_language(name).scripts for name in languages},
        "stopWords": {name: sorted(stop_words(name)) for name in languages},
        "indexes": {
            name: files[name][posixpath.basename(made.path)] for name, made in built.items()
        },
        "files": files,
    }
    json.dump(answer, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
