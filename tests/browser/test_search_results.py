"""What a reader's queries find and see: articles first, the same with or without accents, no
completion of a word that is already whole, every result ten at a time, the passage that
matched, the closest word to a typo, and the untranslated articles a language shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from helpcenter.feedback.reports import search_gaps_report
from helpcenter.feedback.store import FeedbackStore
from helpcenter.search.analysis import Analyzer, fold
from helpcenter.search.index import decode_postings
from tests.browser.test_accessibility import WCAG_21_AA
from tests.browser.test_feedback import eventually
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


@pytest.mark.parametrize(
    ("locale", "question", "words"),
    [
        ("fr", "comment", "suivre mon colis"),
        ("fr", "pourquoi", "mon colis est bloqué"),
        ("es", "cómo", "seguir mi paquete"),
        ("it", "come", "tracciare la spedizione"),
    ],
)
def test_a_question_word_changes_nothing_in_what_a_question_finds(
    page, site_url, locale, question, words
):
    """`comment suivre mon colis` ranked the contact page, which says `comment`, second."""
    assert found(page, site_url, locale, f"{question} {words} ") == found(
        page, site_url, locale, f"{words} "
    )


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


def results_of(page):
    """The result list, once search has answered for good."""
    results = page.get_by_test_id("search-results")
    expect(results).to_have_attribute("aria-busy", "false")
    return results


def paths(links: list[str], locale: str) -> list[str]:
    return [link.split(f"/{locale}/", 1)[1] for link in links]


def test_every_result_can_be_reached_ten_at_a_time_with_the_keyboard(page, site_dir, site_url):
    data = index_data(site_dir, "fr")
    expected = documents_with(data, "expedit")  # `expédition`, a whole word of the index
    assert len(expected) > 10
    page.goto(f"{site_url}/fr/?q=expédition")
    results = results_of(page)
    meta = page.locator("[data-hc-search-meta]")
    expect(meta).to_have_text(re.compile(rf"^{len(expected)} "))  # all of them, not the shown
    links = results.locator("a")
    expect(links).to_have_count(10)
    more = page.get_by_role("button", name="Afficher plus de résultats")
    # From the box, the arrow keys go through the ten results to the button.
    page.locator("[data-hc-search-input]").focus()
    for _ in range(11):
        page.keyboard.press("ArrowDown")
    expect(more).to_be_focused()
    page.keyboard.press("Enter")
    expect(links).to_have_count(len(expected))
    # The reader goes on from the first new result; nothing more to show, no button.
    expect(links.nth(10)).to_be_focused()
    expect(more).to_be_hidden()
    expect(meta).to_have_text(re.compile(rf"^{len(expected)} "))
    shown = paths(found_links(page), "fr")
    assert len(shown) == len(set(shown)) and set(shown) == expected


def found_links(page) -> list[str]:
    return [link.split("#")[0].split("?")[0] for link in result_links(page)]


def test_fewer_results_than_a_page_have_no_more_button(page, site_url):
    page.goto(f"{site_url}/fr/?q=pochette")
    expect(results_of(page).locator("a")).to_have_count(2)
    expect(page.locator("[data-hc-search-more]")).to_be_hidden()
    expect(page.locator("[data-hc-search-meta]")).to_have_text(re.compile(r"^2 "))


def test_a_result_that_matched_only_in_its_text_shows_the_passage_with_the_words(page, site_url):
    # `pochette` is in the text of two articles, in neither's title, headings or description.
    page.goto(f"{site_url}/fr/?q=pochette")
    items = results_of(page).locator("li")
    expect(items).to_have_count(2)
    for item in items.all():
        passage = item.locator(".hc-search-result__text")
        expect(passage.locator("mark")).to_have_text(["pochette"])
        expect(passage).to_have_text(re.compile(r"^… .*\bpochette\b.* …$"))


def test_a_quoted_passage_is_text_never_markup(page, site_url):
    """What an article says, and what the reader types, are shown as written."""
    markup = '<img src="x" onerror="document.title = \'injected\'">'

    def with_markup(route):
        response = route.fetch()
        texts = [text.replace("pochette", f"pochette {markup}") for text in response.json()]
        route.fulfill(response=response, json=texts)

    page.route(re.compile(r"/fr/search/text\.\w+\.json$"), with_markup)
    page.goto(f"{site_url}/fr/?q=" + quote("<pochette>"))
    results = results_of(page)
    expect(results.locator("li")).to_have_count(2)
    expect(results.locator(".hc-search-result__text").first).to_contain_text(markup)
    expect(results.locator("mark").first).to_have_text("pochette")
    expect(page.locator("img[onerror], pochette")).to_have_count(0)
    expect(page).not_to_have_title("injected")


def test_a_typo_in_the_middle_of_a_word_finds_its_article_first(page, site_url):
    """`expédxtion` is closest to `expédition` (a title's word), not to `expédier`."""
    typed = found_links(page_at(page, site_url, "fr", "expédxtion"))
    assert paths(typed, "fr")[0] == "shipping/create-label/"
    assert typed == found_links(page_at(page, site_url, "fr", "expédition"))


def page_at(page, site_url: str, locale: str, query: str):
    page.goto(f"{site_url}/{locale}/?q={quote(query)}")
    return page


@pytest.mark.parametrize(
    ("locale", "query", "article", "label"),
    [
        ("es", "EORI", "shipping/customs/", "En francés"),  # in a heading
        ("es", "douane", "shipping/customs/", "En francés"),  # in its description
        ("it", "propriétaire", "account/team-members/", "In francese"),
    ],
)
def test_an_untranslated_article_is_found_in_the_language_that_shows_it(
    page, site_url, locale, query, article, label
):
    """Written in French only: found as French words, shown in the reader's language's copy,
    labelled with its language, its text marked as French."""
    page.goto(f"{site_url}/{locale}/?q={quote(query)}")
    results = results_of(page)
    item = results.locator("li")
    expect(item).to_have_count(1)
    assert paths(found_links(page), locale) == [article]
    expect(item.locator(".hc-search-result__language")).to_have_text(label)
    expect(item.locator(".hc-search-result__title")).to_have_attribute("lang", "fr")
    expect(item.locator(".hc-search-result__text")).to_have_attribute("lang", "fr")
    expect(item.locator("mark").first).to_be_visible()
    expect(page.locator("[data-hc-search-meta]")).to_have_text(re.compile(r"^1 "))
    item.locator("a").click()
    page.wait_for_url(re.compile(rf"/{locale}/{article}\?h="))
    expect(page.get_by_test_id("translation-notice")).to_be_visible()


def test_untranslated_articles_come_after_the_readers_language_s(page, site_url):
    page.goto(f"{site_url}/es/?q=transparente")
    results = results_of(page)
    assert paths(found_links(page), "es") == ["shipping/label-formats/", "shipping/customs/"]
    expect(results.locator(".hc-search-result__language")).to_have_count(1)
    expect(results.locator("li").nth(1).locator(".hc-search-result__language")).to_have_text(
        "En francés"
    )
    expect(results.locator("li").first.locator("[lang]")).to_have_count(0)


def test_the_untranslated_articles_index_loads_only_when_needed(page, site_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    search = page.locator("[data-hc-search-input]")
    page.goto(f"{site_url}/es/")
    search.fill("paquete")  # many Spanish articles: enough
    results_of(page)
    expect(page.locator("[data-hc-search-meta]")).to_have_text(re.compile(r"^\d\d "))
    fallback = re.compile(r"/es/search/fallback\.\w+\.json$|/lunr\.fr\.min\.js$")
    assert not [url for url in requested if fallback.search(url)]
    search.fill("EORI")
    expect(results_of(page).locator(".hc-search-result__language")).to_have_count(1)
    search.fill("douane")
    expect(results_of(page).locator(".hc-search-result__title")).to_have_attribute("lang", "fr")
    assert len([url for url in requested if fallback.search(url)]) == 2  # once each


def gaps_for(database, query: str) -> list[dict]:
    """The report's rows for an unanswered Spanish search."""
    store = FeedbackStore(database)
    try:
        return [row for row in search_gaps_report(store, LOCALES, "es") if row["query"] == query]
    finally:
        store.close()


def test_a_search_only_untranslated_articles_answer_is_not_reported_as_finding_nothing(
    page, site_url, database
):
    """Not followed, it is a search whose results were not followed, like any other; never one
    that found nothing."""
    page.goto(f"{site_url}/es/")
    page.locator("[data-hc-search-input]").fill("eori dap")
    expect(results_of(page).locator(".hc-search-result__language")).to_have_count(1)
    page.goto(f"{site_url}/es/shipping/")
    [row] = eventually(lambda: gaps_for(database, "eori dap"))
    assert (row["no_results"], row["no_click"]) == (0, 1)


def test_a_followed_untranslated_article_answered_the_search(browser, site_url, database):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site_url}/es/")
    page.locator("[data-hc-search-input]").fill("eori ddp")
    results_of(page).locator("a").first.click()
    page.wait_for_url(re.compile(r"/es/shipping/customs/"))
    # A search that finds nothing, sent after: once it is in, so would the first have been.
    page.locator("[data-hc-search-input]").fill("zqxwv fjkdq")
    expect(page.locator("[data-hc-search-meta]")).to_contain_text("No se encontraron")
    page.goto(f"{site_url}/es/")
    assert eventually(lambda: gaps_for(database, "zqxwv fjkdq"))
    assert gaps_for(database, "eori ddp") == []
    context.close()


def test_no_search_is_reported_as_finding_nothing_before_untranslated_articles_answer(
    browser, site_url, database
):
    """A reader who leaves while the untranslated articles are still being searched."""
    context = browser.new_context()
    page = context.new_page()
    held = []
    page.route(
        re.compile(r"/es/search/fallback\.\w+\.json$"), lambda route: held.append(route)
    )  # never answered
    page.goto(f"{site_url}/es/")
    with page.expect_request(re.compile(r"/es/search/fallback\.")):
        page.locator("[data-hc-search-input]").fill("eori cn23")
    expect(page.locator("[data-hc-search-meta]")).not_to_contain_text("No se encontraron")
    page.goto(f"{site_url}/es/shipping/")
    page.unroute_all()
    page.locator("[data-hc-search-input]").fill("zqxwv plmqa")  # the control
    expect(page.locator("[data-hc-search-meta]")).to_contain_text("No se encontraron")
    page.goto(f"{site_url}/es/")
    assert eventually(lambda: gaps_for(database, "zqxwv plmqa"))
    assert gaps_for(database, "eori cn23") == []
    context.close()


@pytest.mark.parametrize(
    ("locale", "query", "shown"),
    [
        ("fr", "expédition", "[data-hc-search-more]"),  # more results than a page
        ("es", "transparente", ".hc-search-result__language"),  # an untranslated article
    ],
)
def test_the_results_pages_and_labels_meet_wcag_21_aa(page, site_url, locale, query, shown):
    page.goto(f"{site_url}/{locale}/?q={quote(query)}")
    results_of(page)
    expect(page.locator(shown)).to_be_visible()
    page.locator(shown).scroll_into_view_if_needed()  # axe checks the colours of what is seen
    results = Axe().run(page, context=".md-search", options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
