"""Readers' searches on the example site, run by the engine the site ships (in Node, on the index
the build wrote): each finds the article that answers it among the first three. A change to the
analysis or the ranking that loses one of them fails here, whatever its own tests say."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.conftest import LOCALES
from tests.search.node import run_engine

QUERIES = tomllib.loads(Path(__file__).with_name("reader_queries.toml").read_text("utf-8"))
FIRST = 3

pytestmark = pytest.mark.slow  # reads the built site


def built_search(site_dir: Path, locale: str) -> tuple[dict, dict[str, object]]:
    """A language's index as the build wrote it, and the files beside it, by name."""
    folder = site_dir / locale / "search"
    files = {path.name: json.loads(path.read_text("utf-8")) for path in folder.glob("*.json")}
    [index_name] = [name for name in files if name.startswith("index.")]
    return files.pop(index_name), files


@pytest.mark.parametrize("locale", LOCALES)
def test_readers_searches_find_their_article_among_the_first_three(site_dir, locale):
    queries = QUERIES[locale]
    index, files = built_search(site_dir, locale)
    found = run_engine(
        locale, index, queries=[(f"{query} ", FIRST) for query in queries], files=files
    )
    missed = {
        query: results
        for (query, article), results in zip(queries.items(), found["results"], strict=True)
        if article not in results
    }
    assert missed == {}
