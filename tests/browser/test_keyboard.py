"""A reader with only a keyboard: search, open a result, reach the contact form, send it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOCUS_VISIBLE = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
        || style.boxShadow !== "none";
}"""


def tab_to(page, selector: str, limit: int = 250) -> None:
    """Press Tab until `selector` has the focus; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {selector}"
            return
        tag = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {tag}"
    raise AssertionError(f"{selector} never got the focus")


def test_search_read_and_file_a_ticket_with_the_keyboard_only(page, site_url, database):
    page.goto(f"{site_url}/fr/")
    page.keyboard.press("/")
    page.keyboard.type("transporteur")
    expect(page.get_by_test_id("search-results").locator("a").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fr/shipping/.+"))

    tab_to(page, ".hc-contact-cta a")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fr/contact/"))

    tab_to(page, "[name=name]")
    page.keyboard.type("Inès Lambert")
    tab_to(page, "[name=email]")
    page.keyboard.type("ines@example.com")
    tab_to(page, "[name=subject]")
    page.keyboard.type("Clavier seulement")
    tab_to(page, "[name=category]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "[name=message]")
    page.keyboard.type("Je navigue au clavier et tout fonctionne jusqu'ici.")
    tab_to(page, "form[data-hc-contact-form] button[type=submit]")
    page.keyboard.press("Enter")
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_be_focused()
