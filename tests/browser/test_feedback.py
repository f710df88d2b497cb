"""Reader feedback in a real browser: article votes and unanswered searches reach the writers."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from helpcenter.feedback.reports import search_gaps_report
from helpcenter.feedback.store import FeedbackStore
from tests.conftest import LOCALES

pytestmark = pytest.mark.browser


def votes_for(database, language: str, page: str) -> list[dict]:
    store = FeedbackStore(database)
    try:
        return [v for v in store.votes(language) if v["page"] == page]
    finally:
        store.close()


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_a_no_vote_with_a_comment_is_thanked_and_stored_once(page, site_url, database):
    page.goto(f"{site_url}/it/shipping/returns/")
    widget = page.get_by_test_id("article-feedback")
    widget.get_by_role("button", name="No", exact=True).click()
    widget.get_by_label("Cosa mancava?").fill("Manca un esempio di reso parziale.")
    widget.get_by_role("button", name="Invia").click()
    expect(widget.locator("#feedback-thanks")).to_be_visible()
    stored = eventually(
        lambda: [v for v in votes_for(database, "it", "shipping/returns/") if v["comment"]]
    )
    assert len(votes_for(database, "it", "shipping/returns/")) == 1
    assert stored[0]["comment"] == "Manca un esempio di reso parziale."
    assert stored[0]["helpful"] == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_changing_ones_mind_replaces_the_vote(page, site_url, database, locale):
    page.goto(f"{site_url}/{locale}/shipping/tracking/")
    widget = page.get_by_test_id("article-feedback")
    widget.locator("button[value=yes]").click()
    expect(widget.locator("#feedback-thanks")).to_be_visible()
    page.reload()
    expect(widget.locator("button[value=yes]")).to_have_attribute("aria-pressed", "true")
    widget.locator("button[value=no]").first.click()
    assert eventually(
        lambda: [v["helpful"] for v in votes_for(database, locale, "shipping/tracking/")] == [0]
    )


def test_voting_works_without_javascript(browser, site_url, database):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site_url}/es/shipping/carriers/")
    page.get_by_test_id("article-feedback").locator("button[value=yes]").click()
    expect(page).to_have_url(f"{site_url}/es/shipping/carriers/#feedback-thanks")
    expect(page.locator("#feedback-thanks")).to_be_visible()
    # Nothing left to turn the yes into a no: the comment went with the buttons.
    feedback = page.get_by_test_id("article-feedback")
    expect(feedback.get_by_role("button")).to_have_count(0)
    expect(feedback.get_by_role("textbox")).to_have_count(0)
    assert [v["helpful"] for v in votes_for(database, "es", "shipping/carriers/")] == [1]
    context.close()


def test_a_search_without_results_is_reported_when_the_page_is_left(page, site_url, database):
    page.goto(f"{site_url}/es/shipping/")
    page.locator("[data-hc-search-input]").fill("zqxwv kjhgf")
    expect(page.locator("[data-hc-search-meta]")).to_contain_text("No se encontraron")
    page.goto(f"{site_url}/es/")

    def reported():
        store = FeedbackStore(database)
        try:
            return [
                row
                for row in search_gaps_report(store, LOCALES, "es")
                if row["query"] == "zqxwv kjhgf"
            ]
        finally:
            store.close()

    [row] = eventually(reported)
    assert row["no_results"] == 1


def stored_queries(database, language: str) -> list[str]:
    store = FeedbackStore(database)
    try:
        return [row["query"] for row in store.search_gaps(language)]
    finally:
        store.close()


def search_and_leave(browser, site_url: str, query: str, init_script: str | None = None) -> None:
    """A search that finds nothing, then another page: the moment the beacon goes, if it goes."""
    context = browser.new_context()
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(f"{site_url}/it/")
    page.locator("[data-hc-search-input]").fill(query)
    expect(page.locator("[data-hc-search-meta]")).to_contain_text("Nessun")
    page.goto(f"{site_url}/it/shipping/")
    context.close()


# What the page's script reads: the HTTP DNT header alone leaves navigator.doNotTrack null in
# Chromium, so each signal is set where a browser that sends it sets it.
PRIVACY_SIGNALS = {
    "dnt": "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})",
    "wdnt": "Object.defineProperty(window, 'doNotTrack', {get: () => '1'})",
    "gpc": "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})",
}


@pytest.mark.parametrize("signal", PRIVACY_SIGNALS)
def test_do_not_track_or_global_privacy_control_turns_search_reporting_off(
    browser, site_url, database, signal
):
    """What reaches the endpoint's store: nothing from a reader who sends the signal, while the
    same search without it, sent after, is stored (so the beacon did work here)."""
    private = f"zqxwv {signal} pvqzt"  # words that find nothing
    control = f"zqxwv {signal} ctqzl"
    search_and_leave(browser, site_url, private, PRIVACY_SIGNALS[signal])
    search_and_leave(browser, site_url, control)
    assert eventually(lambda: control in stored_queries(database, "it"))
    assert private not in stored_queries(database, "it")
