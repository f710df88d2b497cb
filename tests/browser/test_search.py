"""Search in the browser, on the real built site, in each language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lunr.builder import Builder
from playwright.sync_api import expect

from helpcenter.search.analysis import Analyzer, fold, words
from helpcenter.search.browser import engine_scripts
from helpcenter.search.index import FIELDS, Page, build_index, page_fields
from tests.conftest import LOCALES, PROJECT_ROOT

pytestmark = pytest.mark.browser


class TextParser(HTMLParser):
    """Every piece of text a page shows (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def vocabulary(site_dir: Path, locale: str) -> list[str]:
    """Every distinct word the built site shows in a language, as written (case, accents)."""
    found = set()
    for page in (site_dir / locale).rglob("*.html"):
        parser = TextParser()
        parser.feed(page.read_text(encoding="utf-8"))
        found.update(re.findall(r"[\w'’-]+", " ".join(parser.parts)))
    return sorted(found)


LOAD_SEARCH_SCRIPTS = """async (scripts) => {
    for (const path of scripts) {
        await new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = new URL(path, document.baseURI).href;
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
        });
    }
}"""


def browser_terms(page, site_url: str, locale: str, texts: list[str]) -> list[list[str]]:
    """The terms the browser's own search scripts give for each text."""
    page.goto(f"{site_url}/{locale}/")
    page.evaluate(LOAD_SEARCH_SCRIPTS, engine_scripts(locale))
    return page.evaluate(
        """async (texts) => {
            const config = JSON.parse(document.getElementById("hc-search-config").textContent);
            const data = await (await fetch(new URL(config.index, document.baseURI))).json();
            const analyzer = window.searchAnalysis.createAnalyzer(
                window.lunr, data.language, data.stopWords);
            return texts.map((text) => analyzer.terms(text));
        }""",
        texts,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_browser_and_build_analyse_every_word_of_the_site_identically(
    page, site_dir, site_url, locale
):
    vocabulary_words = vocabulary(site_dir, locale)
    assert len(vocabulary_words) > 500
    # Each word as written, and without its accents, as a reader may type it.
    texts = sorted(set(vocabulary_words) | {fold(word) for word in vocabulary_words})
    analyzer = Analyzer(locale)
    expected = [analyzer.terms(text) for text in texts]
    actual = browser_terms(page, site_url, locale, texts)
    differences = [
        (text, python, browser)
        for text, python, browser in zip(texts, expected, actual, strict=True)
        if python != browser
    ]
    assert differences == []


def page_titles(site_dir: Path, locale: str) -> dict[str, tuple[str, bool]]:
    """Each page's title, and whether it is a translated article (it has the feedback widget)."""
    titles = {}
    for page in sorted((site_dir / locale).rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        if not heading or 'data-testid="translation-notice"' in html:
            continue
        path = page.parent.relative_to(site_dir / locale).as_posix() + "/"
        title = re.sub(r"<[^>]+>|&[#\w]+;", "", heading.group(1)).strip()
        titles[path] = (title, 'data-testid="article-feedback"' in html)
    return titles


def article_titles(site_dir: Path, locale: str) -> dict[str, str]:
    return {
        path: title for path, (title, article) in page_titles(site_dir, locale).items() if article
    }


def distinctive_word(title: str, titles: list[str], locale: str) -> str | None:
    """The longest word of a title whose terms no other page's title has."""
    analyzer = Analyzer(locale)
    others = {term for other in titles if other != title for term in analyzer.terms(other)}
    candidates = [
        word
        for word in words(title)
        if len(word) >= 5 and analyzer.terms(word) and analyzer.terms(word)[0] not in others
    ]
    return max(candidates, key=len, default=None)


def result_links(page) -> list[str]:
    """The results' links, once search has answered for good (no passage or untranslated
    article still to come)."""
    results = page.get_by_test_id("search-results")
    expect(results).to_have_attribute("aria-busy", "false")
    expect(results.locator("a").first).to_be_visible()
    return [link.get_attribute("href") for link in results.locator("a").all()]


def typo(word: str) -> str:
    """The word with one letter in its middle replaced."""
    middle = len(word) // 2
    replacement = "x" if word[middle] != "x" else "z"
    return word[:middle] + replacement + word[middle + 1 :]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_title_word_finds_its_article_first_with_or_without_accents_with_a_typo_and_as_a_prefix(
    browser, site_dir, site_url, locale
):
    titles = article_titles(site_dir, locale)
    every_title = [title for title, _ in page_titles(site_dir, locale).values()]
    assert len(titles) >= 10
    context = browser.new_context()
    page = context.new_page()
    checked = 0
    for path, title in titles.items():
        word = distinctive_word(title, every_title, locale)
        if word is None:
            continue
        for query in {word, fold(word), typo(fold(word)), fold(word)[: max(4, len(word) - 2)]}:
            page.goto(f"{site_url}/{locale}/?q={query}")
            links = result_links(page)
            assert any(
                link.split("?")[0].split("#")[0].endswith(f"/{locale}/{path}") for link in links[:3]
            ), (query, path, links[:3])
            assert all(f"/{locale}/" in link for link in links)
        checked += 1
    assert checked >= 8
    context.close()


def test_elided_articles_still_find_the_word(page, site_url):
    for locale, query, expected in (
        ("fr", "l'étiquette", "shipping/create-label/"),
        ("it", "un'etichetta", "shipping/create-label/"),
        ("fr", "d'abonnement", "account/plans/"),
    ):
        page.goto(f"{site_url}/{locale}/?q={query}")
        assert any(expected in link for link in result_links(page)[:3]), (locale, query)


def test_a_word_no_article_has_finds_nothing_and_offers_the_contact_form(page, site_url):
    # Not even in French, the language of the untranslated articles Spanish readers are shown.
    page.goto(f"{site_url}/es/?q=zqxwvy")
    meta = page.locator("[data-hc-search-meta]")
    expect(meta).to_contain_text("No se encontraron")
    expect(page.get_by_test_id("search-results").locator("a")).to_have_count(0)
    contact = meta.get_by_role("link")
    expect(contact).to_have_attribute("href", re.compile(r"/es/contact/$"))


def test_a_shared_link_loads_search_without_waiting_for_the_pages_scripts(page, site_url):
    # The box's script never runs: the worker the page started as it loaded fetches the index,
    # and the files the words need, on its own.
    page.route("**/search/search.js", lambda route: route.abort())
    with page.expect_request(re.compile(r"/fr/search/index\.[0-9a-f]+\.json$")):
        page.goto(f"{site_url}/fr/shipping/tracking/?q=pochette", wait_until="commit")


def test_a_shared_links_results_come_from_the_search_its_worker_starts_as_the_page_loads(
    page, site_url
):
    # The page's own scripts ask the worker nothing here (every message to it is dropped): what
    # the list shows is what the worker found for the link's words on its own, started with
    # them at the top of the page, whether its answer came before search.js ran or after.
    page.add_init_script("Worker.prototype.postMessage = function () {};")
    page.goto(f"{site_url}/fr/shipping/tracking/?q=pochette")
    assert any("shipping/" in link for link in result_links(page)[:3])
    expect(page.locator("[data-hc-search-meta]")).not_to_contain_text("indisponible")


def test_the_index_is_fetched_only_once_the_reader_uses_search(page, site_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site_url}/it/shipping/tracking/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requested if re.search(r"/search/(index|engine)\.|/lunr/", url)]
    page.locator("[data-hc-search-input]").focus()
    for query in ["spedizione", "spedizione reso", "fattura"]:
        page.locator("[data-hc-search-input]").fill(query)
        expect(page.get_by_test_id("search-results").locator("li").first).to_be_visible()
    index_requests = [url for url in requested if re.search(r"/it/search/index\.\w+\.json$", url)]
    assert len(index_requests) == 1
    assert len([url for url in requested if re.search(r"/it/search/engine\.\w+\.js$", url)]) == 1


def test_a_search_that_cannot_load_says_so_and_the_next_one_tries_again(page, site_url):
    index = re.compile(r"/it/search/index\.\w+\.json$")
    page.context.route(index, lambda route: route.abort())
    page.goto(f"{site_url}/it/shipping/tracking/")
    search = page.locator("[data-hc-search-input]")
    search.fill("spedizione")
    meta = page.locator("[data-hc-search-meta]")
    expect(meta).to_have_text("La ricerca non è disponibile al momento. Riprova più tardi.")
    page.context.unroute(index)
    search.fill("spedizioni")
    expect(page.get_by_test_id("search-results").locator("li").first).to_be_visible()


def test_search_opens_at_once_without_an_animation_to_wait_for(page, site_url):
    page.goto(f"{site_url}/es/")
    page.keyboard.press("/")
    animated = page.evaluate(
        """() => [...document.querySelectorAll(".md-search, .md-search *")]
            .filter((node) => getComputedStyle(node).transitionDuration
                .split(",").some((duration) => parseFloat(duration) > 0))
            .map((node) => node.className.baseVal ?? node.className)"""
    )
    assert animated == []


def test_keyboard_results_and_landing_highlight(page, site_url):
    page.goto(f"{site_url}/fr/")
    page.keyboard.press("/")
    page.keyboard.type("transporteur")
    links = result_links(page)
    assert links
    page.keyboard.press("ArrowDown")
    first = page.get_by_test_id("search-results").locator("a").first
    expect(first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("[data-hc-search-input]")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fr/.+\?h="))
    expect(page.locator(".md-content mark").first).to_be_visible()


SCORE_BOTH = """([serialized, data, queries]) => {
    const lunr = window.lunr, searchIndex = window.searchIndex;
    const theirs = lunr.Index.load(serialized);
    const source = searchIndex.open(lunr, data);
    return queries.map((clauses) => {
        const expected = theirs.query((q) => clauses.forEach(([term, boost, wildcard]) => {
            q.term(term, {usePipeline: false, boost: boost,
                          wildcard: wildcard ? lunr.Query.wildcard.TRAILING : undefined});
        })).map((r) => [r.ref, r.score, Object.keys(r.matchData.metadata).sort()]);
        const ours = searchIndex.query(clauses.map(([term, boost, wildcard]) => ({
            entries: (wildcard ? source.completions(term) : [term]).map(source.term)
                .filter(Boolean),
            boost: boost
        })), source.documents, data.fields.length);
        const actual = ours.refs.map((ref) => [
            String(ref), ours.scores[ref], ours.terms(ref).sort()]);
        return {expected, actual};
    });
}"""


def test_the_browser_scores_as_lunr_js_does_with_the_index_lunr_py_builds_from_the_same_pages(
    page, site_url
):
    """The compact file, scored by our engine, ranks as lunr.js ranks with lunr.py's own index:
    the same documents, the same terms matched, the same scores."""
    pages = []
    for number, path in enumerate(sorted((PROJECT_ROOT / "docs" / "fr").rglob("*.md"))):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^title:\s*(.+)$", text, re.M).group(1).strip("\"'")
        body = text.split("\n---\n", 1)[-1]
        headings = [(f"h{i}", h) for i, h in enumerate(re.findall(r"^#+ (.+)$", body, re.M))]
        pages.append(Page(f"page-{number}/", title, "", headings, body))
    data = build_index("fr", pages)
    assert any(
        entry < 0 for by_term in data["postings"] for entries in by_term for entry in entries
    )
    builder = Builder()
    builder.ref("ref")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    analyzer = Analyzer("fr")
    for ref, searchable in enumerate(pages):
        builder.add({"ref": ref, **page_fields(analyzer, searchable)})
    serialized = builder.build().serialize()
    terms = data["terms"][:: max(1, len(data["terms"]) // 40)]
    queries = [[[term, 10, False]] for term in terms]  # one term each, in any field
    queries += [[[term[:3], 10, False], [term[:3], 1, True]] for term in terms]  # completions
    queries += [
        [[a, 10, False], [b, 10, False], [a, 5, True]]
        for a, b in zip(terms[:-3], terms[3:], strict=True)
    ]

    page.goto(f"{site_url}/fr/")
    page.evaluate(LOAD_SEARCH_SCRIPTS, engine_scripts("fr"))
    compared = page.evaluate(SCORE_BOTH, [serialized, data, queries])

    assert sum(bool(c["expected"]) for c in compared) > len(queries) * 0.9
    for clauses, both in zip(queries, compared, strict=True):
        expected = {ref: (score, terms) for ref, score, terms in both["expected"]}
        actual = {ref: (score, terms) for ref, score, terms in both["actual"]}
        assert actual.keys() == expected.keys(), clauses
        for ref, (score, matched) in expected.items():
            assert actual[ref][1] == matched, (clauses, ref)
            # lunr.js rounds weights half up, lunr.py half to even: a thousandth apart at most.
            assert abs(actual[ref][0] - score) <= 0.002 * max(1, score), (clauses, ref)
