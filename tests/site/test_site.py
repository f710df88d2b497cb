"""The built site, read as files: languages, alternates, fallbacks, and no third parties."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import LOCALES

SITE_URL = "https://help.colisto.example/"


class PageParser(HTMLParser):
    """What the tests need from a page: its lang, its links and what it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.alternates: dict[str, str] = {}
        self.canonical: str | None = None
        self.resources: list[str] = []
        self.testids: list[str] = []
        self.lang_attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif "lang" in attributes:
            self.lang_attributes.append(attributes["lang"] or "")
        if "data-testid" in attributes:
            self.testids.append(attributes["data-testid"] or "")
        rel = attributes.get("rel") or ""
        if tag == "link" and rel == "alternate" and "hreflang" in attributes:
            self.alternates[attributes["hreflang"] or ""] = attributes["href"] or ""
        if tag == "link" and rel == "canonical":
            self.canonical = attributes["href"]
        if tag == "link" and rel in (
            "stylesheet",
            "icon",
            "preload",
            "preconnect",
            "modulepreload",
        ):
            self.resources.append(attributes.get("href") or "")
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and (
            attributes.get("src")
        ):
            self.resources.append(attributes["src"] or "")


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def article_pages(site_dir: Path, locale: str) -> list[Path]:
    """Built articles: pages two levels below the language root (category/article/)."""
    return sorted(site_dir.glob(f"{locale}/*/*/index.html"))


def site_path(site_dir: Path, url: str) -> Path:
    assert url.startswith(SITE_URL), url
    return site_dir / url.removeprefix(SITE_URL) / "index.html"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_language_has_at_least_ten_articles_in_its_language(site_dir, locale):
    articles = article_pages(site_dir, locale)
    assert len(articles) >= 10
    for article in articles:
        assert parse(article).html_lang == locale, article


@pytest.mark.parametrize("locale", LOCALES)
def test_hreflang_alternates_resolve_to_built_pages_of_their_language(site_dir, locale):
    pages = sorted((site_dir / locale).rglob("index.html"))
    assert pages
    for page in pages:
        parsed = parse(page)
        assert parsed.canonical and parsed.canonical.startswith(SITE_URL), page
        for hreflang, href in parsed.alternates.items():
            target = site_path(site_dir, href)
            assert target.is_file(), f"{page}: hreflang {hreflang} -> {href}"
            if hreflang != "x-default":
                assert parse(target).html_lang == hreflang
                # An alternate is a real translation, never another language's fallback page.
                assert "translation-notice" not in parse(target).testids


def test_untranslated_articles_are_shown_with_a_notice_and_the_language_they_are_in(site_dir):
    fallbacks = {
        locale: [
            page
            for page in article_pages(site_dir, locale)
            if "translation-notice" in parse(page).testids
        ]
        for locale in LOCALES
    }
    assert fallbacks["fr"] == []
    assert fallbacks["es"] and fallbacks["it"]
    for page in fallbacks["es"] + fallbacks["it"]:
        parsed = parse(page)
        assert "fr" in parsed.lang_attributes  # the content says it is French
        assert parsed.canonical.startswith(f"{SITE_URL}fr/")
        assert set(parsed.alternates) - {"x-default"} <= {"fr", "es", "it"}


def test_sitemaps_list_every_translated_page_with_its_alternates(site_dir):
    namespaces = {
        "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "xhtml": "http://www.w3.org/1999/xhtml",
    }
    index = ElementTree.parse(site_dir / "sitemap.xml")
    listed = [loc.text for loc in index.findall("sm:sitemap/sm:loc", namespaces)]
    assert listed == [f"{SITE_URL}{locale}/sitemap.xml" for locale in LOCALES]
    for locale in LOCALES:
        urls = ElementTree.parse(site_dir / locale / "sitemap.xml").findall("sm:url", namespaces)
        assert len(urls) >= 10
        for url in urls:
            loc = url.find("sm:loc", namespaces).text
            assert loc.startswith(f"{SITE_URL}{locale}/")
            assert "translation-notice" not in parse(site_path(site_dir, loc)).testids
            alternates = url.findall("xhtml:link", namespaces)
            assert any(link.get("href") == loc for link in alternates)
            for link in alternates:
                assert site_path(site_dir, link.get("href")).is_file()


def test_every_language_has_its_own_404_page(site_dir):
    titles = {"fr": "Page introuvable", "es": "Página no encontrada", "it": "Pagina non trovata"}
    for locale, title in titles.items():
        page = site_dir / locale / "404.html"
        assert parse(page).html_lang == locale
        assert title in page.read_text(encoding="utf-8")
    root = (site_dir / "404.html").read_text(encoding="utf-8")
    assert all(title in root for title in titles.values())


def test_the_root_page_links_to_every_language(site_dir):
    root = (site_dir / "index.html").read_text(encoding="utf-8")
    for locale in LOCALES:
        assert f'href="{locale}/"' in root


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def css_urls(css: str) -> list[str]:
    return [url or imported for url, imported in CSS_URL.findall(css)]


def third_party(url: str) -> bool:
    """Loaded from another origin: anything with a host or a scheme other than data:."""
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def test_no_page_or_stylesheet_loads_anything_from_a_third_party(site_dir):
    loaded: list[tuple[Path, str]] = []
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        loaded += [(page, url) for url in parse(page).resources]
        for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
            loaded += [(page, url) for url in css_urls(css)]
    for stylesheet in site_dir.rglob("*.css"):
        loaded += [(stylesheet, url) for url in css_urls(stylesheet.read_text(encoding="utf-8"))]
    assert len(loaded) > 100  # the scan did see the pages' scripts, styles and images
    assert [f"{path}: {url}" for path, url in loaded if third_party(url)] == []
