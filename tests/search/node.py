"""The browser's side of search, run in Node: the engine script the site ships, in a worker."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import material
import pytest

import helpcenter
from helpcenter.search.browser import SearchEngineFile
from helpcenter.search.index import SearchFiles
from helpcenter.search.stemmer import LUNR_LANGUAGES_DIR

THEME_DIRS = (
    Path(helpcenter.__file__).parent / "theme",  # the project's theme, over Material's
    Path(material.__file__).parent / "templates",
)
WORKER_IN_NODE = Path(__file__).with_name("worker_in_node.js")


@dataclass
class ThemeFile:
    abs_src_path: str


class ThemeFiles:
    """What `SearchEngineFile.of` asks of a build's files, without a build: a theme's file."""

    def get_file_from_path(self, path: str) -> ThemeFile:
        for theme in THEME_DIRS:
            if (theme / path).is_file():
                return ThemeFile(str(theme / path))
        raise FileNotFoundError(path)


def engine_script(language: str) -> str:
    return SearchEngineFile.of(language, ThemeFiles()).content.decode()


def run_engine(
    language: str,
    index: dict,
    texts: list[str] = (),
    queries: list[tuple[str, int] | tuple[str, int, dict]] = (),
    files: dict[str, object] | None = None,
    failing: list[str] = (),
    rankings: list[str] = (),
) -> dict:
    """`{stems, terms, results, answers, loaded, rankings}`: what the engine's analyzer gives for
    each text, whether it stems, the locations each query finds, its last answer and what the
    worker had loaded by then, and every result of each of `rankings` (see worker_in_node.js).
    `files`: the files the index names, by name; `failing`: names whose download fails."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the browser's side of search runs in it.")
    request = {
        "engine": engine_script(language),
        "index": index,
        "files": files or {},
        "failing": list(failing),
        "lunrLanguages": str(LUNR_LANGUAGES_DIR),
        "texts": list(texts),
        "queries": [list(query) for query in queries],
        "rankings": list(rankings),
    }
    result = subprocess.run(
        [node, str(WORKER_IN_NODE)],
        input=json.dumps(request, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def search_files(language: str, pages) -> tuple[dict, dict[str, object]]:
    """A language's index as the build writes it, and the other files, by name beside it."""
    made = SearchFiles.of(language, list(pages))
    files = {Path(path).name: json.loads(content) for path, content in made.files.items()}
    return files.pop(Path(made.path).name), files
