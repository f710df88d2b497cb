"""What a reader's queries find: articles first, the same with or without accents, and no
completion of a word that is already whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpcenter.search.analysis import Analyzer, fold
from helpcenter.search.index import decode_postings
from tests.browser.test_search import result_links
from tests.conftest import LOCALES

pytestmark = pytest.mark.browser


def found(page, site_url: str, locale: str, query: str) -> list[str]:
    page.goto(f"{site_url}/{locale}/?q={query}")
    return [link.split("#")[0].split("?")[0] for link in result_links(page)]


@pytest.mark.parametrize("word", ["devolución", "reclamación", "envío", "aduanas"])
def test_a_word_typed_without_accents_finds_what_the_accented_word_finds(page, site_url, word):
    accented = set(found(page, site_url, "es", word))
    plain = set(found(page, site_url, "es", fold(word)))
    assert accented == plain


@pytest.mark.parametrize(
    ("locale", "query"),
    [("fr", "colis"), ("fr", "étiquette"), ("es", "plan"), ("it", "assistenza prioritaria")],
)
def test_results_are_articles_with_categories_after_them_and_never_the_home_page(
    page, site_url, locale, query
):
    links = found(page, site_url, locale, query)
    paths = [link.split(f"/{locale}/", 1)[1] for link in links]
    assert "" not in paths
    landing = {"shipping/", "account/", "support/"}
    categories = [position for position, path in enumerate(paths) if path in landing]
    articles = [position for position, path in enumerate(paths) if path not in landing]
    assert articles
    assert not categories or min(categories) > max(articles)


def index_data(site_dir: Path, locale: str) -> dict:
    [path] = (site_dir / locale / "search").glob("index.*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def documents_with(data: dict, term: str) -> set[str]:
    position = data["terms"].index(term)
    refs = set().union(*(decode_postings(field[position]) for field in data["postings"]))
    return {data["docs"][ref][0] for ref in refs}


def test_a_whole_word_is_not_completed_into_another(page, site_dir, site_url):
    """A word of the index typed as the last word finds the pages that have it, not also every
    page with a longer word it starts (`colis` is not `Colisto`)."""
    data = index_data(site_dir, "fr")
    analyzer = Analyzer("fr")
    word = next(
        term
        for term in data["terms"]
        if len(term) >= 5
        and analyzer.word_terms(term) == [term]
        and 0 < len(documents_with(data, term)) <= 5
        and any(
            documents_with(data, longer) - documents_with(data, term)
            for longer in data["terms"]
            if longer != term and longer.startswith(term)
        )
    )
    links = found(page, site_url, "fr", word)
    assert {link.split("/fr/", 1)[1] for link in links} == documents_with(data, word)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_word_being_typed_is_still_completed(page, site_url, locale):
    prefix = {"fr": "étiqu", "es": "etiqu", "it": "etich"}[locale]
    assert any("create-label" in link for link in found(page, site_url, locale, prefix)[:3])
