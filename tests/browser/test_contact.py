"""The contact form in a real browser, with and without JavaScript, against the real endpoint."""

from __future__ import annotations

import copy
import re

import pytest
from playwright.sync_api import expect

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.server.app import site_routes
from helpcenter.tickets.app import build_app
from helpcenter.tickets.store import TicketStore
from tests.conftest import LOCALES, BackgroundServer, ticket_service

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
    # The request's private page, which says it was received and gives its address to keep.
    expect(page).to_have_url(re.compile(r"/api/tickets/follow/[A-Za-z0-9_-]{32}\?notice=received"))
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    ticket = stored_with(database, subject)
    expect(confirmation).to_contain_text(ticket["reference"])
    expect(page.get_by_test_id("follow-link")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", locale)
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


def test_after_errors_the_focus_goes_to_the_first_invalid_field_from_the_top(page, site_url):
    """The reader is taken to the first field to correct in the form, whatever the order of the
    endpoint's answer (it checks the topic after the message, which is below it)."""
    page.goto(f"{site_url}/fr/contact/")
    fill(page, "ab", email="lucia@")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page.locator("#hc-subject-error")).to_be_visible()
    expect(page.locator("#hc-email-error")).to_be_visible()
    expect(page.locator("[name=email]")).to_be_focused()

    # The email and subject corrected; no topic chosen and a message too short: the topic
    # comes first in the form.
    page.locator("[name=email]").fill("lucia@example.com")
    page.locator("[name=subject]").fill("Étiquette illisible")
    page.locator("[name=category]").select_option("")
    page.locator("[name=message]").fill("Court.")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page.locator("#hc-message-error")).to_be_visible()
    expect(page.locator("#hc-category-error")).to_be_visible()
    expect(page.locator("#hc-email-error")).to_be_hidden()
    expect(page.locator("[name=category]")).to_be_focused()


def test_attachments_beyond_the_daily_quota_are_explained_and_the_ticket_goes_without(
    page, site_dir, tmp_path
):
    """The endpoint refuses today's attachments (429, Retry-After: hours until the next day):
    the reader reads why and what to do in their language, by the attachments, not a wait in
    seconds; without the attachments, the ticket is taken."""
    database = tmp_path / "tickets.sqlite3"
    service = ticket_service(database, site_dir, rate_limit_per_minute=10_000)
    service.server = copy.deepcopy(service.server)
    service.server.daily_attachment_mb = 0  # any attachment is beyond today's quota
    subject = "Cuota de adjuntos alcanzada"
    with BackgroundServer(build_app(service, site_routes(site_dir))) as server:
        page.goto(f"{server.url}/es/contact/")
        fill(page, subject)
        with page.expect_response("**/api/tickets") as refused:
            page.locator("form[data-hc-contact-form] button[type=submit]").click()
        assert refused.value.status == 429
        assert int(refused.value.headers["retry-after"]) > 0
        quota = Catalogs().gettext("es")(
            "You have reached today's limit for attachments. Send your request without "
            "attachments, or try again tomorrow."
        )
        expect(page.locator("#hc-attachments-error")).to_have_text(quota)
        attachments = page.locator("[name=attachments]")
        expect(attachments).to_have_attribute("aria-invalid", "true")
        expect(attachments).to_be_focused()
        expect(page.locator("[data-hc-form-status]")).to_have_text("")
        expect(page.locator("form[data-hc-contact-form]")).not_to_contain_text("segundos")
        assert tickets(database) == []

        attachments.set_input_files([])
        page.locator("form[data-hc-contact-form] button[type=submit]").click()
        expect(page.get_by_test_id("ticket-confirmation")).to_be_visible()
    ticket = stored_with(database, subject)
    assert ticket["attachments"] == []


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
