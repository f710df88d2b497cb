"""A request's private follow-up page in a real browser: the whole loop in French (a ticket sent
from the form, its private address, the team's answers from the command line, the reader's
replies with and without JavaScript, solved and reopened, closed; and a changed address), and
the same loop, the other way round for JavaScript, in Spanish and Italian."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from helpcenter.cli import main
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.server.app import site_routes
from helpcenter.tickets.app import build_app
from tests.browser.test_accessibility import WCAG_21_AA
from tests.conftest import BackgroundServer, ticket_service

pytestmark = pytest.mark.browser

FRENCH = Catalogs().gettext("fr")
PDF = b"%PDF-1.4\n% a tiny test document\n"
FOLLOW_PATH = re.compile(r"/api/tickets/follow/([A-Za-z0-9_-]{32})$")


def fill_contact_form(page, subject: str) -> None:
    page.locator("[name=name]").fill("Camille Martin")
    page.locator("[name=email]").fill("camille@example.com")
    page.locator("[name=subject]").fill(subject)
    page.locator("[name=category]").select_option("shipping")
    page.locator("[name=message]").fill("Le transporteur refuse mon étiquette depuis ce matin.")
    page.locator("[name=attachments]").set_input_files(
        files=[{"name": "etiquette.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )


def listed(database, capsys) -> dict[str, dict]:
    """`helpcenter tickets list --json`, by reference."""
    capsys.readouterr()
    assert main(["tickets", "list", "--json", "--db", str(database)]) == 0
    return {ticket["reference"]: ticket for ticket in json.loads(capsys.readouterr().out)}


def team(database, *args: str) -> None:
    """What the support team runs, without a helpdesk."""
    assert main(["tickets", *args, "--db", str(database)]) == 0


def reply_with(page, message: str, files: list | None = None) -> None:
    form = page.get_by_test_id("request-reply")
    form.locator("[name=message]").fill(message)
    if files:
        form.locator("[name=attachments]").set_input_files(files=files)
    form.locator("button[type=submit]").click()


def test_a_request_is_followed_and_answered_on_its_private_page(
    browser, page, site_url, database, capsys
):
    # Sent from the French form, with JavaScript: the confirmation gives the private address.
    subject = "Suivi : étiquette refusée"
    page.goto(f"{site_url}/fr/contact/")
    fill_contact_form(page, subject)
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    confirmation = page.get_by_test_id("ticket-confirmation")
    expect(confirmation).to_be_visible()
    link = page.get_by_test_id("follow-link")
    expect(link).to_be_visible()
    expect(confirmation).to_contain_text(
        FRENCH("Follow your request and answer us on its private page:")
    )
    address = link.get_attribute("href")
    assert FOLLOW_PATH.search(address) and address.startswith(site_url)
    expect(link).to_have_text(address)  # the whole address, to keep
    reference = confirmation.locator("[data-ticket-reference]").inner_text()
    token = FOLLOW_PATH.search(address).group(1)
    assert reference not in address

    # The page, in French, with the site's look; it sends its address to nobody.
    referers = []
    page.on("request", lambda request: referers.append(request.headers.get("referer")))
    link.click()
    expect(page).to_have_url(address)
    status = page.get_by_test_id("request-status")
    expect(status).to_have_text(FRENCH("Open"))
    expect(status).to_have_text("Ouverte")
    conversation = page.get_by_test_id("request-conversation")
    expect(conversation).to_contain_text("Le transporteur refuse mon étiquette depuis ce matin.")
    expect(conversation).to_contain_text("etiquette.pdf")
    expect(page.locator("h1")).to_have_text(subject)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("meta[name=robots]")).to_have_attribute("content", "noindex, nofollow")
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in (
        "sticky",
        "fixed",
    )  # Material's stylesheet is there
    assert referers and not [r for r in referers if r and token in r]
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()

    # The team answers from the command line: after a reload, the reader reads it.
    team(database, "reply", reference, "--message", "Bonjour, quel transporteur ?")
    page.reload()
    expect(status).to_have_text("En attente de votre réponse")
    expect(conversation).to_contain_text("Bonjour, quel transporteur ?")
    expect(conversation).to_contain_text(FRENCH("Support team"))

    # The reader replies, with JavaScript: the reply shows, the request is open again.
    reply_with(
        page,
        "Colissimo, avec JavaScript.",
        [
            {
                "name": "refus.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64),
            }
        ],
    )
    expect(
        page.locator("[role=status]").filter(
            has_text=FRENCH("Your reply was sent. Our answer will appear on this page.")
        )
    ).to_be_visible()
    expect(conversation).to_contain_text("Colissimo, avec JavaScript.")
    expect(conversation).to_contain_text("refus.png")
    expect(status).to_have_text("Ouverte")
    expect(page).to_have_url(address)  # what a bookmark keeps: the address alone
    comments = listed(database, capsys)[reference]["comments"]
    assert [(c["author"], c["body"]) for c in comments] == [
        ("agent", "Bonjour, quel transporteur ?"),
        ("requester", "Colissimo, avec JavaScript."),
    ]
    assert comments[1]["attachments"][0]["filename"] == "refus.png"

    # With JavaScript, errors show by their field, in French, and nothing is sent.
    reply_with(page, "   ")
    error = page.locator("#hc-reply-message-error")
    expect(error).to_have_text(FRENCH("This field is required."))
    expect(page.get_by_test_id("request-reply").locator("[name=message]")).to_be_focused()
    assert len(listed(database, capsys)[reference]["comments"]) == 2

    # Its times in the reader's own zone (the page says UTC without JavaScript).
    tokyo = browser.new_context(timezone_id="Asia/Tokyo")
    away = tokyo.new_page()
    away.goto(address)
    sent = away.locator("time").first
    expect(sent).not_to_contain_text("UTC")
    local = datetime.fromisoformat(sent.get_attribute("datetime")).astimezone(
        ZoneInfo("Asia/Tokyo")
    )
    expect(sent).to_contain_text(local.strftime("%H:%M"))
    assert sent.get_attribute("title").endswith(" UTC")
    tokyo.close()

    # Without JavaScript: the same page, the reply posted by the browser itself.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(address)
    expect(plain.get_by_test_id("request-status")).to_have_text("Ouverte")
    reply_with(
        plain,
        "Sans JavaScript, une précision.",
        [{"name": "precision.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    expect(plain).to_have_url(f"{address}?notice=replied")
    expect(
        plain.get_by_text(FRENCH("Your reply was sent. Our answer will appear on this page."))
    ).to_be_visible()
    expect(plain.get_by_test_id("request-conversation")).to_contain_text(
        "Sans JavaScript, une précision."
    )
    ticket = listed(database, capsys)[reference]
    assert ticket["comments"][-1]["body"] == "Sans JavaScript, une précision."
    assert ticket["comments"][-1]["attachments"][0]["filename"] == "precision.pdf"

    # Solved, then reopened by a reply (within the reopen window).
    team(database, "status", reference, "solved")
    page.reload()
    expect(status).to_have_text("Résolue")
    expect(page.get_by_test_id("request-reply")).to_contain_text(FRENCH("Send my reply"))
    reply_with(page, "Finalement, ce n'est pas réglé.")
    expect(conversation).to_contain_text("Finalement, ce n'est pas réglé.")
    expect(status).to_have_text("Ouverte")

    # Closed while the reader writes: the summary says why, in French, and takes the focus.
    team(database, "status", reference, "closed")
    reply_with(page, "Encore une précision.")
    summary = page.get_by_test_id("request-reply").locator("[data-hc-form-summary]")
    expect(summary).to_have_text(
        FRENCH("This request no longer takes replies. To follow up on it, send a new request.")
    )
    expect(summary).to_be_focused()

    # Closed: no reply form, a new request that links to it instead, without JavaScript too.
    plain.goto(address)
    expect(plain.get_by_test_id("request-status")).to_have_text("Fermée")
    expect(plain.get_by_test_id("request-reply")).to_have_count(0)
    plain.get_by_test_id("request-new").click()
    expect(plain.locator("[name=email]")).to_have_value("camille@example.com")
    expect(plain.locator("[name=follows]")).to_have_value(reference)
    plain.locator("[name=message]").fill("Suite de ma demande précédente, sans JavaScript.")
    plain.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(plain.get_by_test_id("follow-link")).to_be_visible()
    expect(plain.get_by_test_id("follow-up")).to_contain_text(reference)
    new_reference = (
        plain.get_by_test_id("ticket-confirmation").locator("[data-ticket-reference]").inner_text()
    )
    assert listed(database, capsys)[new_reference]["follows"] == reference
    context.close()

    # A changed address is a plain 404.
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = page.goto(address.replace(token, changed))
    assert answer.status == 404
    expect(page.get_by_test_id("request-status")).to_have_count(0)


def test_a_reply_over_the_per_minute_limit_says_the_wait_in_the_readers_language(
    page, site_dir, tmp_path
):
    """The endpoint's per-minute limit (a 429 whose words are English): the reader reads in the
    page's language how long to wait, as on the contact form, and keeps what they typed."""
    service = ticket_service(tmp_path / "tickets.sqlite3", site_dir, rate_limit_per_minute=1)
    with BackgroundServer(build_app(service, site_routes(site_dir))) as server:
        page.goto(f"{server.url}/fr/contact/")
        fill_contact_form(page, "Deux réponses coup sur coup")
        page.locator("form[data-hc-contact-form] button[type=submit]").click()
        page.get_by_test_id("follow-link").click()
        reply_with(page, "Une première précision.")
        expect(page.get_by_test_id("request-conversation")).to_contain_text(
            "Une première précision."
        )
        with page.expect_response(lambda response: response.request.method == "POST") as refused:
            reply_with(page, "Une seconde, aussitôt.")
        assert refused.value.status == 429
        wait = int(refused.value.headers["retry-after"])
        status = page.get_by_test_id("request-reply").locator("[data-hc-form-status]")
        expect(status).to_have_text(
            FRENCH(
                "Too many requests from your connection. Please try again in %(seconds)s seconds."
            )
            % {"seconds": wait}
        )
        expect(page.get_by_test_id("request-reply")).not_to_contain_text("Too many requests")
        expect(page.locator("[name=message]")).to_have_value("Une seconde, aussitôt.")


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        (
            "es",
            {
                "message": "La etiqueta no se imprime desde esta mañana.",
                "open": "Abierta",
                "awaiting": "Pendiente de su respuesta",
                "solved": "Resuelta",
                "team": "Equipo de soporte",
            },
        ),
        (
            "it",
            {
                "message": "L'etichetta non si stampa da stamattina.",
                "open": "Aperta",
                "awaiting": "In attesa di una tua risposta",
                "solved": "Risolta",
                "team": "Team di assistenza",
            },
        ),
    ],
)
def test_the_loop_in_spanish_and_italian_sent_without_javascript_answered_with_it(
    browser, page, site_url, database, capsys, locale, words
):
    # Sent without JavaScript: the browser lands on the private page, in the form's language.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{site_url}/{locale}/contact/")
    fill_contact_form(plain, f"Etiqueta / etichetta ({locale})")
    plain.locator("[name=message]").fill(words["message"])
    plain.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(plain.get_by_test_id("request-status")).to_have_text(words["open"])
    expect(plain.locator("html")).to_have_attribute("lang", locale)
    address = plain.url.split("?")[0]
    assert FOLLOW_PATH.search(address)
    context.close()
    tickets = listed(database, capsys)
    (reference,) = [ref for ref, ticket in tickets.items() if ticket["message"] == words["message"]]

    # The team answers and waits for the reader; the reader answers with JavaScript.
    team(database, "reply", reference, "--message", f"Reply to {locale}")
    page.goto(address)
    status = page.get_by_test_id("request-status")
    expect(status).to_have_text(words["awaiting"])
    conversation = page.get_by_test_id("request-conversation")
    expect(conversation).to_contain_text(f"Reply to {locale}")
    expect(conversation).to_contain_text(words["team"])
    reply_with(page, f"Answer in {locale}")
    expect(conversation).to_contain_text(f"Answer in {locale}")
    expect(status).to_have_text(words["open"])

    # Solved, then reopened by the reader's reply.
    team(database, "status", reference, "solved")
    page.reload()
    expect(status).to_have_text(words["solved"])
    reply_with(page, f"Not solved after all ({locale})")
    expect(status).to_have_text(words["open"])
    assert [c["body"] for c in listed(database, capsys)[reference]["comments"]] == [
        f"Reply to {locale}",
        f"Answer in {locale}",
        f"Not solved after all ({locale})",
    ]
