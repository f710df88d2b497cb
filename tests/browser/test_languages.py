"""A reader lands in their language and keeps their article when switching language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def switch_language(page, locale: str) -> None:
    page.locator(".md-header .md-select").hover()
    page.get_by_test_id(f"language-{locale}").click()


def test_switching_language_keeps_the_article(page, site_url):
    page.goto(f"{site_url}/es/shipping/create-label/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    switch_language(page, "it")
    expect(page).to_have_url(f"{site_url}/it/shipping/create-label/")
    expect(page.locator("html")).to_have_attribute("lang", "it")
    switch_language(page, "fr")
    expect(page).to_have_url(f"{site_url}/fr/shipping/create-label/")


def test_switching_to_a_language_without_the_article_shows_the_original_with_a_notice(
    page, site_url
):
    page.goto(f"{site_url}/fr/shipping/customs/")
    switch_language(page, "es")
    expect(page).to_have_url(f"{site_url}/es/shipping/customs/")
    notice = page.get_by_test_id("translation-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("español")
    expect(page.locator("article [lang=fr] h1")).to_be_visible()


@pytest.mark.parametrize(
    ("browser_locale", "landing"), [("it-IT", "it"), ("es-MX", "es"), ("de-DE", "fr")]
)
def test_the_root_sends_readers_to_their_browser_language(
    browser, site_url, browser_locale, landing
):
    context = browser.new_context(locale=browser_locale)
    page = context.new_page()
    page.goto(f"{site_url}/")
    expect(page).to_have_url(f"{site_url}/{landing}/")
    expect(page.locator("html")).to_have_attribute("lang", landing)
    context.close()


def test_without_javascript_the_root_offers_every_language(browser, site_url):
    context = browser.new_context(java_script_enabled=False, locale="it-IT")
    page = context.new_page()
    page.goto(f"{site_url}/")
    for name, locale in (("Français", "fr"), ("Español", "es"), ("Italiano", "it")):
        page.get_by_role("link", name=re.compile(name)).click()
        expect(page).to_have_url(f"{site_url}/{locale}/")
        page.go_back()
    context.close()


def test_a_missing_page_gets_the_404_page_of_its_language(page, site_url):
    response = page.goto(f"{site_url}/it/no-such-article/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Pagina non trovata")
