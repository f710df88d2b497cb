"""A topic's own questions in the contact form, in Chromium against the real endpoint: with
JavaScript the chosen topic's only, and only they are sent; without it every topic's, each
labelled with its topic, and what was typed comes back with the errors."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_accessibility import WCAG_21_AA
from tests.browser.test_contact import stored_with
from tests.conftest import example_project

pytestmark = pytest.mark.browser

TOPICS_WITH_QUESTIONS = ("tracking", "claim", "billing")
NUMBER = "[name='tracking.tracking_number']"
INVOICE = "[name='billing.invoice_number']"
NUMBER_ERROR = "[data-error-for='tracking.tracking_number']"
HINT = example_project().contact.category("tracking").fields[0].hint


def fill(page, subject: str) -> None:
    page.locator("[name=name]").fill("Lucía Romero")
    page.locator("[name=email]").fill("lucia@example.com")
    page.locator("[name=subject]").fill(subject)
    page.locator("[name=message]").fill("El seguimiento no avanza desde hace cinco días.")


def questions(page, topic: str):
    return page.locator(f"[data-hc-topic-fields='{topic}']")


def send(page) -> None:
    page.locator("form[data-hc-contact-form] button[type=submit]").click()


def assert_no_wcag_violation(page) -> None:
    """axe on the contact form (the rest of the page has tests of its own)."""
    results = Axe().run(page, context="form[data-hc-contact-form]", options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()


def assert_no_wcag_violation_in(browser, html: str) -> None:
    """axe on a page as a browser without JavaScript shows it (axe itself needs JavaScript: the
    page's HTML is shown with its scripts left out)."""
    context = browser.new_context()
    page = context.new_page()
    page.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())
    page.set_content(html)
    assert_no_wcag_violation(page)
    context.close()


def test_with_javascript_the_chosen_topics_questions_show_and_only_they_are_sent(
    page, site_url, database
):
    subject = "Numéro de suivi refusé, puis corrigé"
    page.goto(f"{site_url}/fr/contact/")
    for topic in TOPICS_WITH_QUESTIONS:  # no topic chosen yet
        expect(questions(page, topic)).to_be_hidden()
    category = page.locator("[name=category]")
    category.select_option("claim")
    expect(questions(page, "claim")).to_be_visible()
    expect(page.get_by_label("Que s'est-il passé\u00a0? (facultatif)")).to_be_visible()
    expect(questions(page, "tracking")).to_be_hidden()

    # An answer typed under another topic stays there, and is not sent.
    category.select_option("billing")
    page.locator(INVOICE).fill("F-2026-000123")
    category.select_option("tracking")
    expect(questions(page, "billing")).to_be_hidden()
    expect(questions(page, "tracking")).to_be_visible()
    fill(page, subject)
    number = page.locator(NUMBER)
    number.fill("12345")

    # The draft keeps the answer and the topic, and shows its questions again.
    page.reload()
    expect(questions(page, "tracking")).to_be_visible()
    expect(number).to_have_value("12345")
    send(page)
    error = page.locator(NUMBER_ERROR)
    expect(error).to_contain_text(HINT["fr"])
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_be_focused()
    assert "hc-tracking.tracking_number-help" in number.get_attribute("aria-describedby")
    assert_no_wcag_violation(page)

    number.fill("CP123456789FR")
    with page.expect_request("**/api/tickets") as sent:
        send(page)
    expect(page.get_by_test_id("ticket-confirmation")).to_be_visible()
    assert "billing.invoice_number" not in (sent.value.post_data_buffer or b"").decode()
    assert stored_with(database, subject)["fields"] == {"tracking_number": "CP123456789FR"}


def test_without_javascript_every_topics_questions_show_labelled_and_come_back_typed(
    browser, site_url, database
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    subject = "Número de seguimiento sin JavaScript"
    page.goto(f"{site_url}/es/contact/")
    for topic, label in [
        ("tracking", "Seguimiento de un paquete"),
        ("claim", "Paquete perdido o dañado"),
        ("billing", "Facturación y plan"),
    ]:
        expect(questions(page, topic)).to_be_visible()
        expect(questions(page, topic).locator("legend")).to_have_text(
            f"Solo para el tema «{label}»"
        )
    fill(page, subject)
    page.locator("[name=category]").select_option("tracking")
    page.locator(NUMBER).fill("CP12")
    page.locator(INVOICE).fill("F-2026-000123")  # another topic's: not kept
    send(page)

    error = page.locator(NUMBER_ERROR)
    expect(error).to_contain_text(HINT["es"])
    number = page.locator(NUMBER)
    expect(number).to_have_value("CP12")
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.locator(INVOICE)).to_have_value("F-2026-000123")
    expect(page.locator("[name=message]")).to_have_value(
        "El seguimiento no avanza desde hace cinco días."
    )
    assert_no_wcag_violation_in(browser, page.content())

    number.fill("CP123456789FR")
    send(page)
    expect(page).to_have_url(re.compile(r"/api/tickets/follow/[A-Za-z0-9_-]{32}\?notice=received"))
    answer = page.locator("[data-testid=request-field][data-field=tracking_number]")
    expect(answer).to_have_text("CP123456789FR")
    expect(page.locator("dt", has_text="Número de seguimiento")).to_be_visible()
    assert stored_with(database, subject)["fields"] == {"tracking_number": "CP123456789FR"}
    context.close()
