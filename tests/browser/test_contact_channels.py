"""The contact page's channel status in Chromium, on the reader's clock: a reader in another time
zone, at a fixed moment, reads whether chat and phone callback are open now, and when they open
next, in their own time and the page's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@contextmanager
def reader(browser, timezone_id: str, now: datetime, **options) -> Iterator[Page]:
    """A reader's browser in `timezone_id`, its clock stopped at `now` until the test moves it."""
    context = browser.new_context(timezone_id=timezone_id, **options)
    page = context.new_page()
    if options.get("java_script_enabled", True):
        # Installed a minute early, then moved on to `now` and stopped there: pausing may only
        # go forward, and the fake clock runs from the moment it is installed.
        page.clock.install(time=now - timedelta(minutes=1))
        page.clock.pause_at(now)
    try:
        yield page
    finally:
        context.close()


def states(page: Page):
    return page.get_by_test_id("channel-status").locator(".hc-channels__state")


def test_in_new_york_on_a_weekday_afternoon_in_paris_everything_is_open(browser, site_url):
    # Thursday 3 December 2026, 16:00 in Paris, 10:00 in New York.
    with reader(browser, "America/New_York", datetime(2026, 12, 3, 15, tzinfo=UTC)) as page:
        page.goto(f"{site_url}/fr/contact/")
        expect(states(page)).to_have_text(
            [
                "Chat en direct : ouvert en ce moment, jusqu'à 12:00 UTC−5.",
                "Rappel téléphonique (Business) : ouvert en ce moment, jusqu'à 12:00 UTC−5.",
                "Rappel téléphonique (Enterprise) : ouvert en ce moment, jusqu'à 14:00 UTC−5.",
            ]
        )


def test_in_tokyo_on_a_friday_evening_in_paris_the_next_opening_is_monday_there(browser, site_url):
    # Friday 4 December 2026, 19:00 in Paris, Saturday 03:00 in Tokyo: only Enterprise's
    # callback (until 20:00 in Paris) is still open; chat opens on Monday, 09:00 in Paris.
    with reader(browser, "Asia/Tokyo", datetime(2026, 12, 4, 18, tzinfo=UTC)) as page:
        page.goto(f"{site_url}/es/contact/")
        expect(states(page)).to_have_text(
            [
                "Chat en directo: cerrado ahora; abre el lunes, 7 de diciembre, 17:00 GMT+9.",
                "Devolución de llamada (Business): cerrado ahora; abre el lunes, 7 de "
                "diciembre, 17:00 GMT+9.",
                "Devolución de llamada (Enterprise): abierto ahora (cierra: 4:00 GMT+9).",
            ]
        )


def test_on_a_holiday_everything_stays_closed_until_the_next_working_day(browser, site_url):
    # Friday 25 December 2026 is a closed date: nothing opens before Monday 28.
    with reader(browser, "Europe/Rome", datetime(2026, 12, 25, 10, tzinfo=UTC)) as page:
        page.goto(f"{site_url}/it/contact/")
        expect(states(page)).to_have_text(
            [
                "Chat dal vivo: chiuso ora, apre lunedì 28 dicembre alle ore 09:00 CET.",
                "Richiamata telefonica (Business): chiuso ora, apre lunedì 28 dicembre alle "
                "ore 09:00 CET.",
                "Richiamata telefonica (Enterprise): chiuso ora, apre lunedì 28 dicembre alle "
                "ore 08:00 CET.",
            ]
        )


def test_the_line_changes_as_the_minutes_pass_without_being_announced(browser, site_url):
    # Thursday 3 December 2026, 17:59:30 in Paris: a minute later, chat has closed.
    with reader(browser, "Europe/Paris", datetime(2026, 12, 3, 16, 59, 30, tzinfo=UTC)) as page:
        page.goto(f"{site_url}/fr/contact/")
        chat = states(page).first
        expect(chat).to_have_text("Chat en direct : ouvert en ce moment, jusqu'à 18:00 UTC+1.")
        page.clock.run_for("01:00")
        expect(chat).to_have_text(
            "Chat en direct : fermé en ce moment, ouverture vendredi 4 décembre à 09:00 UTC+1."
        )
        line = page.get_by_test_id("channel-status")
        assert line.get_attribute("aria-live") is None
        assert line.get_attribute("role") is None
        assert line.locator("[aria-live], [role=status], [role=alert]").count() == 0


def test_without_javascript_the_hours_stay_as_text_and_the_line_is_absent(browser, site_url):
    with reader(
        browser, "Asia/Tokyo", datetime(2026, 12, 4, 18, tzinfo=UTC), java_script_enabled=False
    ) as page:
        page.goto(f"{site_url}/it/contact/")
        table = page.get_by_role("table", name="Canali di assistenza per piano")
        expect(table).to_be_visible()
        enterprise = table.get_by_role("row").filter(has_text="Enterprise").get_by_role("cell")
        expect(enterprise).to_have_text(
            ["In qualsiasi momento", "lun – ven 09:00–18:00", "lun – ven 08:00–20:00"]
        )
        expect(page.get_by_text("Fuso orario: Ora dell’Europa centrale (Parigi)")).to_be_visible()
        expect(page.get_by_test_id("channel-status")).to_be_hidden()
