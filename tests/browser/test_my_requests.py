""" "Your requests" in a real browser: the French contact page lists the requests this browser sent
(with JavaScript) or whose private page it opened (a request sent without JavaScript), each with
its status as the endpoint says it now; picking the topic of an open one offers to continue it;
"Forget" removes one from this browser; an address the endpoint no longer knows says so; and
without JavaScript the page shows no list."""

from __future__ import annotations

import copy
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.server.app import site_routes
from helpcenter.tickets.app import build_app
from tests.browser.test_accessibility import WCAG_21_AA
from tests.browser.test_followup import FOLLOW_PATH, fill_contact_form, team
from tests.conftest import BackgroundServer, ticket_service
from tests.tickets.test_followup import DAY, Clock

pytestmark = pytest.mark.browser

FRENCH = Catalogs().gettext("fr")
SPANISH = Catalogs().gettext("es")


@pytest.fixture
def served(tmp_path, site_dir):
    """The site and the endpoint on one origin, on a database and a clock of this test's."""
    service = ticket_service(tmp_path / "tickets.sqlite3", site_dir, rate_limit_per_minute=10_000)
    service.follow_up = copy.deepcopy(service.follow_up)
    clock = Clock()
    service.store.clock = clock
    with BackgroundServer(build_app(service, site_routes(site_dir))) as server:
        yield server.url, service, clock


def send(page, subject: str) -> None:
    fill_contact_form(page, subject)
    page.locator("form[data-hc-contact-form] button[type=submit]").click()


def listed(page, reference: str):
    return page.get_by_test_id("my-requests").locator("li", has_text=reference)


def test_the_contact_page_lists_this_browsers_requests_and_offers_to_continue_one(
    browser, page, served
):
    url, service, clock = served
    database = service.store.target
    contact = f"{url}/fr/contact/"
    requests = page.get_by_test_id("my-requests")
    offer = page.get_by_test_id("continue-request")

    # Nothing kept yet: no list, no offer.
    page.goto(contact)
    page.locator("[name=category]").select_option("shipping")
    expect(offer).to_have_text("")
    expect(requests).to_be_hidden()

    # Sent with JavaScript; back to the contact page: listed, open.
    subject = "Mes demandes : étiquette refusée"
    send(page, subject)
    expect(page.get_by_test_id("follow-link")).to_be_visible()
    first = page.get_by_test_id("ticket-confirmation").locator("[data-ticket-reference]")
    reference = first.inner_text()
    address = page.get_by_test_id("follow-link").get_attribute("href")
    page.goto(contact)
    expect(requests).to_be_visible()
    expect(requests.get_by_role("heading")).to_have_text(FRENCH("Your requests"))
    expect(requests.get_by_role("heading")).to_have_text("Vos demandes")
    item = listed(page, reference)
    expect(item.get_by_role("link")).to_have_text(f"{reference} — {subject}")
    expect(item.get_by_role("link")).to_have_attribute("href", address)
    expect(item).to_contain_text("Ouverte")
    when = item.locator("time")
    expect(when).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(when).to_contain_text(re.compile(r"\d{4}"))  # the date, in French: `3 mars 2026 à…`
    expect(item).to_contain_text(FRENCH("Last activity"))

    # The team answers from the command line: on reload, the list says what the page says.
    team(database, "reply", reference, "--message", "Bonjour, quel transporteur ?")
    page.reload()
    expect(item).to_contain_text("En attente de votre réponse")

    # The same topic again: an offer to continue, said politely; another topic, none.
    category = page.locator("[name=category]")
    category.select_option("shipping")
    expect(offer).to_have_attribute("role", "status")
    expect(offer).to_have_text(
        FRENCH("You already have an open request about this: %(reference)s — %(subject)s.")
        % {"reference": reference, "subject": subject}
        + " "
        + FRENCH("Continue it")
    )
    expect(offer.get_by_role("link", name="La poursuivre")).to_have_attribute("href", address)
    expect(page.locator("form[data-hc-contact-form] button[type=submit]")).to_be_enabled()
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
    category.select_option("account")
    expect(offer).to_have_text("")

    # Sent without JavaScript, then its private page opened with it: listed too.
    plain_context = browser.new_context(java_script_enabled=False)
    plain = plain_context.new_page()
    plain.goto(contact)
    send(plain, "Sans JavaScript : colis bloqué")
    expect(plain.get_by_test_id("request-status")).to_have_text("Ouverte")
    second_address = plain.url.split("?")[0]
    assert FOLLOW_PATH.search(second_address)
    second = plain.get_by_test_id("follow-up").get_attribute("data-reference")
    plain_context.close()
    page.goto(second_address)
    expect(page.get_by_test_id("request-status")).to_have_text("Ouverte")
    page.goto(contact)
    expect(listed(page, second)).to_contain_text("Sans JavaScript : colis bloqué")
    expect(listed(page, second)).to_contain_text("Ouverte")
    expect(listed(page, second).get_by_role("link")).to_have_attribute("href", second_address)
    expect(requests.locator("li")).to_have_count(2)

    # The Spanish contact page lists them too, their status in Spanish.
    page.goto(f"{url}/es/contact/")
    expect(listed(page, reference)).to_contain_text(SPANISH("Awaiting your reply"))
    expect(listed(page, second)).to_contain_text(SPANISH("Open"))
    assert SPANISH("Open") != FRENCH("Open")
    page.goto(contact)

    # Without JavaScript, the same browser's data shows nothing.
    kept = page.context.storage_state()
    assert second_address in str(kept)
    assert "camille@example.com" not in str(kept)  # nor the message: only what is listed
    assert "Le transporteur refuse" not in str(kept)
    no_script = browser.new_context(java_script_enabled=False, storage_state=kept)
    unscripted = no_script.new_page()
    unscripted.goto(contact)
    expect(unscripted.get_by_test_id("my-requests")).to_be_hidden()
    expect(unscripted.get_by_test_id("continue-request")).to_have_count(0)
    expect(unscripted.locator("form[data-hc-contact-form]")).to_be_visible()
    no_script.close()

    # Forget: gone from this browser, said so; the focus on the other request's button.
    forget = listed(page, second).get_by_role("button", name=f"Oublier {second} dans ce navigateur")
    expect(forget).to_have_text(FRENCH("Forget"))
    forget.click()
    expect(listed(page, second)).to_have_count(0)
    expect(requests.get_by_role("status")).to_have_text(
        FRENCH(
            "%(reference)s is no longer listed in this browser. The request itself is not deleted."
        )
        % {"reference": second}
    )
    expect(
        item.get_by_role("button", name=f"Oublier {reference} dans ce navigateur")
    ).to_be_focused()
    page.reload()
    expect(requests.locator("li")).to_have_count(1)
    expect(item).to_be_visible()

    # An address idle too long answers 404: no longer available, no more offered.
    clock.now += (service.follow_up.link_days + 1) * DAY
    page.reload()
    expect(item).to_contain_text(FRENCH("This request is no longer available."))
    expect(item.get_by_role("link")).to_have_count(0)
    category.select_option("shipping")
    expect(offer).to_have_text("")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()

    # Forgetting the last one leaves the focus on the heading.
    item.get_by_role("button", name=f"Oublier {reference} dans ce navigateur").click()
    expect(requests.locator("li")).to_have_count(0)
    expect(requests.get_by_role("heading")).to_be_focused()
    page.reload()
    expect(requests).to_be_hidden()
