"""What an article tells readers, previews and search engines, read in the built files: page
titles, Open Graph, schema.org JSON-LD, reading time, related articles; and the pieces behind
them (related articles, Open Graph locales, the dark scheme's brand colours, the policy's
script hashes)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpcenter.config import contrast_ratio
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.site.articles import RelatedArticles, open_graph_locale, reading_minutes
from helpcenter.site.headers import inline_script_hashes, read_headers_file
from helpcenter.site.theme import SLATE_BACKGROUND, SLATE_LIGHTEST_SURFACE, Brand
from tests.conftest import LOCALES

SITE_URL = "https://help.colisto.example/"
SITE_NAMES = {
    "fr": "Centre d'aide Colisto",
    "es": "Centro de ayuda de Colisto",
    "it": "Centro assistenza Colisto",
}
OG_LOCALES = {"fr": "fr_FR", "es": "es_ES", "it": "it_IT"}
READING_TIME = {
    "fr": re.compile(r"^\d+ min de lecture$"),
    "es": re.compile(r"^\d+ min de lectura$"),
    "it": re.compile(r"^\d+ min di lettura$"),
}
# Untranslated articles: shown in French, at the language's address.
FALLBACKS = {"es": "shipping/customs/", "it": "account/team-members/"}


class Head(HTMLParser):
    """A page's title, meta tags, canonical link, JSON-LD, reading time and related links."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.properties: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}
        self.canonical: str | None = None
        self.json_ld: list[object] = []
        self.reading_time: str | None = None
        self.related: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []
        self._related_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._start("title")
        elif tag == "meta" and "property" in attributes:
            self.properties.setdefault(attributes["property"], []).append(attributes["content"])
        elif tag == "meta" and "name" in attributes:
            self.names[attributes["name"]] = attributes.get("content", "")
        elif tag == "link" and attributes.get("rel") == "canonical":
            self.canonical = attributes["href"]
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._start("json-ld")
        elif attributes.get("data-testid") == "reading-time":
            self._start("reading-time")
        if attributes.get("data-testid") == "related-articles":
            self._related_depth = 1
        elif self._related_depth and tag == "section":
            self._related_depth += 1
        if self._related_depth and tag == "a":
            self.related.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if self._in and tag in ("title", "script", "p"):
            text = "".join(self._text)
            if self._in == "title":
                self.title = text
            elif self._in == "json-ld":
                self.json_ld.append(json.loads(text))
            else:
                self.reading_time = text.strip()
            self._in = None
        if self._related_depth and tag == "section":
            self._related_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def _start(self, what: str) -> None:
        self._in = what
        self._text = []

    def one(self, name: str) -> str:
        [value] = self.properties[name]
        return value


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def articles(site_dir: Path, locale: str) -> list[Path]:
    return sorted(site_dir.glob(f"{locale}/*/*/index.html"))


def is_article(path: Path) -> bool:
    return path.parent.parent.name not in ("contact",)


@pytest.mark.parametrize("locale", LOCALES)
def test_titles_name_the_site_once(site_dir, locale):
    site_name = SITE_NAMES[locale]
    assert head(site_dir / locale / "index.html").title == site_name
    not_found = Catalogs().gettext(locale)("Page not found")
    assert not_found != "Page not found"
    assert head(site_dir / locale / "404.html").title == f"{not_found} - {site_name}"
    for page in [site_dir / locale / "shipping" / "index.html", *articles(site_dir, locale)]:
        title = head(page).title
        assert title.endswith(f" - {site_name}"), page
        assert title.count(site_name) == 1, page
        assert title.removesuffix(f" - {site_name}").strip(), page


def test_the_sites_own_404_page_is_titled_in_the_default_language(site_dir):
    not_found = Catalogs().gettext(LOCALES[0])("Page not found")
    assert head(site_dir / "404.html").title == f"{not_found} - {SITE_NAMES[LOCALES[0]]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_articles_have_open_graph_tags_in_the_language_they_are_written_in(site_dir, locale):
    for page in filter(is_article, articles(site_dir, locale)):
        tags = head(page)
        path = page.parent.relative_to(site_dir / locale).as_posix() + "/"
        written_in = "fr" if FALLBACKS.get(locale) == path else locale
        assert tags.one("og:type") == "article", page
        assert tags.one("og:title") == tags.title.removesuffix(f" - {SITE_NAMES[locale]}")
        assert tags.one("og:description") == tags.names["description"]
        assert tags.one("og:url") == tags.canonical == f"{SITE_URL}{written_in}/{path}"
        assert tags.one("og:locale") == OG_LOCALES[written_in], page
        assert OG_LOCALES[written_in] not in tags.properties.get("og:locale:alternate", [])
        assert tags.one("og:site_name") == SITE_NAMES[locale]
    home = head(site_dir / locale / "index.html")
    assert home.one("og:type") == "website"
    assert home.one("og:title") == SITE_NAMES[locale]
    assert home.one("og:url") == f"{SITE_URL}{locale}/"


@pytest.mark.parametrize("locale", LOCALES)
def test_articles_describe_themselves_and_their_place_in_json_ld(site_dir, locale):
    category_names = {}
    for landing in sorted(site_dir.glob(f"{locale}/*/index.html")):
        category_names[landing.parent.name] = head(landing).title.split(" - ")[0]
    for page in filter(is_article, articles(site_dir, locale)):
        tags = head(page)
        path = page.parent.relative_to(site_dir / locale).as_posix() + "/"
        written_in = "fr" if FALLBACKS.get(locale) == path else locale
        article, breadcrumbs = tags.json_ld
        assert article["@context"] == "https://schema.org"
        assert article["@type"] == "Article"
        assert article["headline"] == tags.one("og:title")
        assert article["description"] == tags.names["description"]
        assert article["inLanguage"] == written_in
        assert article["publisher"] == {"@type": "Organization", "name": "Colisto"}
        modified = datetime.fromisoformat(article["dateModified"])
        assert modified.tzinfo is not None
        assert tags.one("article:modified_time") == article["dateModified"]
        assert breadcrumbs["@type"] == "BreadcrumbList"
        trail = breadcrumbs["itemListElement"]
        assert [step["position"] for step in trail] == [1, 2, 3]
        assert all(step["@type"] == "ListItem" for step in trail)
        category = path.split("/")[0]
        assert [(step["name"], step["item"]) for step in trail] == [
            (SITE_NAMES[locale], f"{SITE_URL}{locale}/"),
            (category_names[category], f"{SITE_URL}{locale}/{category}/"),
            (article["headline"], f"{SITE_URL}{locale}/{path}"),
        ]
    # Only articles carry them.
    assert head(site_dir / locale / "index.html").json_ld == []
    assert head(site_dir / locale / "shipping" / "index.html").json_ld == []


def test_json_ld_is_data_the_policy_does_not_allow_as_script(site_dir):
    policy = read_headers_file(site_dir)["Content-Security-Policy"]
    page = (site_dir / "fr" / "shipping" / "returns" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 2
    for block in blocks:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" not in policy
    # The palette's script, which runs before the page shows, is allowed.
    palette = re.search(r"<script>(var palette=.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(palette.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy


def test_only_scripts_that_run_get_a_hash(tmp_path):
    runs = ["alert(1)", "alert(2)", "alert(3)", "alert(4)"]
    data = ['{"@type": "Article"}', '{"a": 1}', "<p>template</p>", '{"b": 2}']
    (tmp_path / "page.html").write_text(
        f"<script>{runs[0]}</script>"
        f'<script type="text/javascript">{runs[1]}</script>'
        f"<script type=module>{runs[2]}</script>"
        f"<script TYPE='Text/JavaScript'>{runs[3]}</script>"
        f'<script type="application/ld+json">{data[0]}</script>'
        f'<script id="x" type="application/json">{data[1]}</script>'
        f'<script type="text/template">{data[2]}</script>'
        f'<script type="APPLICATION/LD+JSON">{data[3]}</script>'
        '<script src="app.js"></script>',
        encoding="utf-8",
    )

    def hashed(code: str) -> str:
        return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"

    assert inline_script_hashes(tmp_path) == set(map(hashed, runs))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_article_says_how_long_it_takes_to_read(site_dir, locale):
    minutes = []
    for page in filter(is_article, articles(site_dir, locale)):
        reading_time = head(page).reading_time
        assert reading_time and READING_TIME[locale].match(reading_time), (page, reading_time)
        minutes.append(int(reading_time.split()[0]))
    assert min(minutes) >= 1
    assert head(site_dir / locale / "index.html").reading_time is None
    assert head(site_dir / locale / "shipping" / "index.html").reading_time is None


def test_reading_time_is_the_word_count_at_two_hundred_words_a_minute():
    assert reading_minutes(0) == 1
    assert reading_minutes(150) == 1
    assert reading_minutes(800) == 4
    assert reading_minutes(2000) == 10


@pytest.mark.parametrize("locale", LOCALES)
def test_related_articles_are_articles_written_in_the_language(site_dir, locale):
    for page in filter(is_article, articles(site_dir, locale)):
        related = head(page).related
        assert 3 <= len(related) <= 5, page
        for link in related:
            target = (page.parent / link / "index.html").resolve()
            assert target.is_relative_to(site_dir / locale), (page, link)
            assert target != page.resolve()
            assert 'data-testid="translation-notice"' not in target.read_text(encoding="utf-8")


def test_related_articles_by_shared_terms_then_category():
    related = RelatedArticles("en", limit=3)
    related.add("labels/print", "labels", "Print a shipping label", "Print labels at home.")
    related.add("labels/formats", "labels", "Label formats", "Sizes of labels and printers.")
    related.add("labels/pickup", "labels", "Book a pickup", "A courier comes to your door.")
    related.add("billing/invoices", "billing", "Invoices", "Download invoices for labels.")
    related.add("billing/refund", "billing", "Refunds for unused labels", "Unused shipping labels.")
    related.add("billing/card", "billing", "Change your card", "Update the card you pay with.")
    related.add(
        "labels/untranslated", "labels", "Print shipping labels", "Labels.", candidate=False
    )
    related.compute()
    refund = related.of("billing/refund")
    # The most shared terms first; never itself, never a fallback.
    assert refund[0] == "labels/print"
    assert "billing/refund" not in refund and "labels/untranslated" not in refund
    assert len(refund) == 3
    # A fallback gets related articles of the language, but is never one.
    assert related.of("labels/untranslated")[0] == "labels/print"
    assert all("labels/untranslated" not in related.of(a.key) for a in related.articles.values())
    # Without a shared term, the same category comes first.
    assert related.of("labels/pickup")[:2] == ["labels/print", "labels/formats"]


def test_related_articles_on_a_large_site_share_their_rarest_term():
    related = RelatedArticles("en")
    for number in range(2000):
        related.add(
            f"a/{number}", number % 20, f"Article {number} about topic{number % 50}", "Words."
        )
    related.compute()
    assert len(related.of("a/7")) == 5
    # Its topic is its rarest shared term: articles of topic 7 first.
    assert all(int(key.split("/")[1]) % 50 == 7 for key in related.of("a/7"))


def test_open_graph_locales_name_the_likely_territory():
    assert open_graph_locale("fr") == "fr_FR"
    assert open_graph_locale("en") == "en_US"
    assert open_graph_locale("pt") == "pt_BR"
    assert open_graph_locale("ar") == "ar_EG"
    assert open_graph_locale("de") == "de_DE"
    assert open_graph_locale("pt_PT") == "pt_PT"
    assert open_graph_locale("pt-PT") == "pt_PT"


@pytest.mark.parametrize("primary", ["#0b5560", "#1f5f8b", "#a6420f", "#000000", "#6a1b9a"])
def test_brand_colours_as_text_on_the_dark_scheme_have_aa_contrast(primary):
    brand = Brand("Brand", primary, primary, "logo.svg")
    for shade in (brand.primary_on_slate, brand.accent_on_slate):
        for surface in (SLATE_BACKGROUND, SLATE_LIGHTEST_SURFACE):
            assert contrast_ratio(shade, surface) >= 4.5
    css = brand.css
    slate = css[css.index('[data-md-color-scheme="slate"]') :]
    assert f"--md-typeset-a-color: {brand.primary_on_slate};" in slate
    assert f"--md-accent-fg-color: {brand.accent_on_slate};" in slate
    # The header keeps the brand colour, with white text.
    assert f"--md-primary-fg-color: {primary};" in slate


@pytest.mark.parametrize(
    ("locale", "labels"),
    [
        ("fr", ["Passer en mode clair", "Passer en mode sombre", "Suivre le réglage clair"]),
        ("es", ["Cambiar al modo claro", "Cambiar al modo oscuro", "Seguir el ajuste claro"]),
        ("it", ["Passa alla modalità chiara", "Passa alla modalità scura", "Segui l"]),
    ],
)
def test_the_scheme_toggle_follows_the_device_and_speaks_the_language(site_dir, locale, labels):
    page = (site_dir / locale / "shipping" / "returns" / "index.html").read_text(encoding="utf-8")
    palette = re.search(
        r'<form class="md-header__option" data-md-component="palette">.*?</form>', page, re.S
    ).group(0)
    media = re.findall(r'data-md-color-media="([^"]*)"', palette)
    assert media == [
        "(prefers-color-scheme)",
        "(prefers-color-scheme: light)",
        "(prefers-color-scheme: dark)",
    ]
    schemes = re.findall(r'data-md-color-scheme="([^"]*)"', palette)
    assert schemes[1:] == ["default", "slate"]
    titles = re.findall(r'<label [^>]*title="([^"]*)"', palette)
    assert len(titles) == 3
    for title, label in zip(titles, labels, strict=True):
        assert title.replace("&#39;", "'").startswith(label)
