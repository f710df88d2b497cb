"""The contact form in a real browser, with and without JavaScript, against the real endpoint."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpcenter.tickets.store import TicketStore
from tests.conftest import LOCALES

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n% a tiny test document\n"


def tickets(database) -> list[dict]:
    store = TicketStore(database)
    try:
        return store.list()
    finally:
        store.close()


def fill(page, subject: str, email: str = "lucia@example.com") -> None:
    page.locator("[name=name]").fill("Lucía Romero")
    page.locator("[name=email]").fill(email)
    page.locator("[name=subject]").fill(subject)
    page.locator("[name=category]").select_option("shipping")
    page.locator("[name=plan]").select_option("business")
    page.locator("[name=message]").fill("Mi etiqueta no se imprime bien desde esta mañana.")
    page.locator("[name=attachments]").set_input_files(
        files=[{"name": "etiqueta.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )


def stored_with(database, subject: str) -> dict:
    [ticket] = [t for t in tickets(database) if t["subject"] == subject]
    return ticket


@pytest.mark.parametrize("locale", LOCALES)
def test_a_reader_files_a_ticket_with_an_attachment(page, site_url, database, locale):
    subject = f"Problema de impresión ({locale}, con JavaScript)"
    page.goto(f"{site_url}/{locale}/contact/")
    fill(page, subject)
    page.get_by_role("button", name=re.compile(".")).filter(
        has_text=re.compile("Envoyer|Enviar|Invia")
    ).click()
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    reference = confirmation.locator("[data-ticket-reference]").inner_text()
    ticket = stored_with(database, subject)
    assert ticket["reference"] == reference
    assert ticket["language"] == locale
    assert ticket["attachments"][0]["filename"] == "etiqueta.pdf"


@pytest.mark.parametrize("locale", LOCALES)
def test_without_javascript_the_form_still_files_the_ticket(browser, site_url, database, locale):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    subject = f"Problema de impresión ({locale}, sin JavaScript)"
    page.goto(f"{site_url}/{locale}/contact/")
    fill(page, subject)
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{locale}/contact/thanks/\?ticket=HC-"))
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    ticket = stored_with(database, subject)
    expect(confirmation).to_contain_text(ticket["reference"])
    assert ticket["attachments"][0]["content_type"] == "application/pdf"
    context.close()


def test_an_invalid_email_shows_a_localized_error_and_keeps_the_message(page, site_url, database):
    subject = "Adresse invalide, message conservé"
    page.goto(f"{site_url}/fr/contact/")
    fill(page, subject, email="lucia@")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    email = page.locator("[name=email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    error = page.locator("#hc-email-error")
    expect(error).to_contain_text("Saisissez une adresse e-mail valide")
    assert "hc-email-error" in email.get_attribute("aria-describedby")
    expect(page.locator("[name=message]")).to_have_value(
        "Mi etiqueta no se imprime bien desde esta mañana."
    )
    assert not [t for t in tickets(database) if t["subject"] == subject]


def test_what_was_typed_survives_a_reload(page, site_url):
    page.goto(f"{site_url}/it/contact/")
    page.locator("[name=message]").fill("Il pacco è arrivato danneggiato, cosa devo fare?")
    page.reload()
    expect(page.locator("[name=message]")).to_have_value(
        "Il pacco è arrivato danneggiato, cosa devo fare?"
    )


def test_an_answer_lost_on_the_way_back_loses_nothing_and_the_retry_is_the_same_ticket(
    page, site_url, database
):
    """The endpoint stores the ticket but its answer never arrives: the reader sees a network
    error, keeps what they typed, and sends again; the retry carries the same idempotency key,
    so the endpoint answers with the ticket it stored instead of storing a second one."""
    subject = "Reintento tras una respuesta perdida"
    page.goto(f"{site_url}/es/contact/")
    fill(page, subject)
    keys = []

    def answer_lost(route):
        keys.append(route.request.headers["idempotency-key"])
        route.fetch()  # the request reaches the endpoint, which stores the ticket...
        route.abort()  # ...and the answer is lost on the way back

    page.route("**/api/tickets", answer_lost)
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page.locator("[data-hc-form-status]")).to_contain_text("servidor")
    expect(page.locator("[name=subject]")).to_have_value(subject)
    assert len([t for t in tickets(database) if t["subject"] == subject]) == 1
    page.unroute("**/api/tickets")

    def sent(route):
        keys.append(route.request.headers["idempotency-key"])
        route.continue_()

    page.route("**/api/tickets", sent)
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    [ticket] = [t for t in tickets(database) if t["subject"] == subject]
    expect(confirmation.locator("[data-ticket-reference]")).to_have_text(ticket["reference"])
    assert len(keys) == 2 and keys[0] == keys[1]
    # Confirmed: the draft is gone, and the next ticket will have a key of its own.
    assert page.evaluate("localStorage.getItem('helpcenter.contact.es')") is None


def test_subject_suggests_articles_of_the_readers_language(page, site_url):
    page.goto(f"{site_url}/es/contact/")
    page.locator("[name=subject]").fill("etiqueta de envío")
    suggestions = page.get_by_test_id("contact-suggestions")
    expect(suggestions).to_be_visible()
    links = suggestions.locator("a")
    expect(links.first).to_be_visible()
    assert 1 <= links.count() <= 5
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        assert "/es/" in href
