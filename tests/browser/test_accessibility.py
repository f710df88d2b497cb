"""WCAG 2.1 A/AA with axe-core on every page type, in every language, and no third-party request."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import LOCALES

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
UNTRANSLATED = {"fr": None, "es": "shipping/customs/", "it": "account/team-members/"}
LABEL = {"fr": "étiq", "es": "etiq", "it": "etich"}


def open_search(page, query: str) -> None:
    page.locator("[data-hc-search-input]").fill(query)
    expect(page.get_by_test_id("search-results").locator("a").first).to_be_visible()


def show_form_errors(page) -> None:
    page.locator("[name=email]").fill("not-an-address")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page.locator("#hc-email-error")).to_be_visible()


def page_types(locale: str) -> list[tuple[str, str, object]]:
    types = [
        ("home", "", None),
        ("category", "shipping/", None),
        ("article with a plans table", "account/compare-plans/", None),
        ("search with results", "", lambda page: open_search(page, LABEL[locale])),
        ("contact form with errors", "contact/", show_form_errors),
        ("thank-you page", "contact/thanks/?ticket=HC-0000-0000-0000", None),
        ("404", "no-such-page/", None),
        ("privacy", "privacy/", None),
    ]
    if UNTRANSLATED[locale]:
        types.append(("untranslated article", UNTRANSLATED[locale], None))
    return types


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_type_has_no_wcag_violation_and_no_third_party_request(
    browser, site_url, locale
):
    axe = Axe()
    origin = urlsplit(site_url).netloc
    failures = []
    for name, path, prepare in page_types(locale):
        context = browser.new_context()
        page = context.new_page()
        requests = []
        page.on("request", lambda request, requests=requests: requests.append(request.url))
        page.goto(f"{site_url}/{locale}/{path}")
        if prepare:
            prepare(page)
        results = axe.run(page, options=WCAG_21_AA)
        if results.violations_count:
            failures.append(f"{locale} {name}: {results.generate_report()}")
        outside = [
            url
            for url in requests
            if urlsplit(url).netloc not in (origin, "") and not url.startswith("data:")
        ]
        if outside:
            failures.append(f"{locale} {name}: third-party requests {outside}")
        context.close()
    assert failures == [], "\n\n".join(failures)
