"""A request's private follow-up page, over real HTTP into a real database (a SQLite file and a
PostgreSQL database, each test on both), and the commands
that answer requests without a helpdesk (`helpcenter tickets reply|status|show|list`).

- every accepted ticket gets an address holding an unguessable token, of which only a hash is
  kept; a wrong, changed or expired token is a plain 404;
- the page, in the ticket's language, shows the request, its status in the reader's words and
  the conversation; it is never cached, indexed nor given as a referrer;
- the reader replies on the page (with or without JavaScript), through the same validation,
  limits, rate limit, cross-site guard and idempotency as tickets; a reply reopens a request
  awaiting the reader, a solved one within `follow_up.reopen_days`; a closed one offers a new
  request that links to it;
- the team replies and sets the status from the command line; what readers typed is shown
  escaped there.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import sqlite3
import time
from datetime import UTC, datetime
from html import escape, unescape
from pathlib import Path

import httpx
import pytest
from babel.dates import format_date

from helpcenter.cli import main
from helpcenter.engines import Target
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.app import build_app
from helpcenter.tickets.store import TicketStore
from tests.conftest import BackgroundServer, ticket_service
from tests.databases import dump, execute, rows
from tests.tickets.earlier_schemas import KEYED_TABLES
from tests.tickets.test_endpoint import PDF, PNG, VALID
from tests.tickets.test_storage import EARLIER_SCHEMA, attachment, bound_to

FRENCH = Catalogs().gettext("fr")
ITALIAN = Catalogs().gettext("it")
FOLLOW_URL = re.compile(r"^/api/tickets/follow/([A-Za-z0-9_-]{32})$")
JSON = {"Accept": "application/json"}
CONTROL = "Please remove the invisible control characters."
DAY = 86400


class Clock:
    """The store's time, moved by the test; it starts now, the time of the command line's."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def endpoint(database: Target, site_dir: Path | None = None, **settings) -> tuple:
    settings.setdefault("rate_limit_per_minute", 10_000)
    service = ticket_service(database, site_dir, **settings)
    service.follow_up = copy.deepcopy(service.follow_up)
    clock = Clock()
    service.store.clock = clock
    return BackgroundServer(build_app(service, [])), service, clock


@pytest.fixture
def served(db):
    server, service, clock = endpoint(db)
    with server:
        yield server.url, service, clock


def send(url: str, fields: dict | None = None, files=None) -> tuple[str, str]:
    """A ticket sent as a script sends it: its reference and its follow-up address."""
    answer = httpx.post(f"{url}/api/tickets", data=fields or VALID, files=files, headers=JSON)
    assert answer.status_code == 201, answer.text
    return answer.json()["reference"], answer.json()["follow_url"]


def page(url: str, follow_url: str) -> str:
    answer = httpx.get(f"{url}{follow_url}")
    assert answer.status_code == 200, answer.text[:500]
    return unescape(answer.text)


def status_on(html: str) -> str:
    found = re.search(r'data-testid="request-status">([^<]*)<', html)
    assert found, "no status on the page"
    return found.group(1)


def conversation_on(html: str) -> str:
    found = re.search(r'data-testid="request-conversation".*?</section>', html, re.DOTALL)
    assert found, "no conversation on the page"
    return found.group(0)


def reply(url: str, follow_url: str, message: str, key: str | None = None, **kwargs):
    headers = {**JSON, **({"Idempotency-Key": key} if key else {}), **kwargs.pop("headers", {})}
    return httpx.post(f"{url}{follow_url}", data={"message": message}, headers=headers, **kwargs)


def cli(database: Target, *args: str) -> int:
    return main(["tickets", *args, "--db", str(database)])


def listed(database: Target, capsys) -> dict[str, dict]:
    assert cli(database, "list", "--json") == 0
    return {ticket["reference"]: ticket for ticket in json.loads(capsys.readouterr().out)}


# The address.


def test_each_ticket_gets_an_unguessable_address_of_which_only_a_hash_is_kept(served):
    url, service, _ = served
    reference, follow_url = send(url)
    _, other_url = send(url)
    token = FOLLOW_URL.match(follow_url).group(1)
    assert FOLLOW_URL.match(other_url).group(1) != token
    assert reference not in follow_url
    assert len(token) * 6 >= 128  # base64url: 6 bits a character
    kept = [row[0] for row in rows(service.store.target, "SELECT token_hash FROM follow_up_tokens")]
    assert token not in dump(service.store.target)
    assert hashlib.sha256(token.encode()).hexdigest() in kept
    assert len(kept) == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        lambda token: token[:-1],  # one character short
        lambda token: token.swapcase(),
        lambda token: "x" * 32,
        lambda token: "HC-AAAA-BBBB-CCCC",
    ],
)
def test_a_changed_token_is_a_plain_404_that_shows_nothing_of_the_request(served, change):
    url, _, _ = served
    reference, follow_url = send(url)
    token = FOLLOW_URL.match(follow_url).group(1)
    wrong = f"/api/tickets/follow/{change(token)}"
    for answer in (
        httpx.get(f"{url}{wrong}"),
        httpx.get(f"{url}{wrong}/new"),
        reply(url, wrong, "Je réponds à une demande qui n'est pas la mienne."),
    ):
        assert answer.status_code == 404
        assert reference not in answer.text and VALID["email"] not in answer.text
        assert answer.headers["cache-control"] == "no-store"
    assert page(url, follow_url)  # the right one still works


def test_an_address_idle_for_link_days_expires_like_a_wrong_one(served):
    url, service, clock = served
    service.follow_up.link_days = 30
    _, follow_url = send(url)
    clock.now += 29 * DAY
    assert httpx.get(f"{url}{follow_url}").status_code == 200
    assert reply(url, follow_url, "Toujours là ?").status_code == 201  # activity: 30 days more
    clock.now += 29 * DAY
    assert httpx.get(f"{url}{follow_url}").status_code == 200
    clock.now += 2 * DAY
    expired = httpx.get(f"{url}{follow_url}")
    unknown = httpx.get(f"{url}/api/tickets/follow/{'y' * 32}")
    assert expired.status_code == unknown.status_code == 404
    assert expired.text == unknown.text
    assert reply(url, follow_url, "Et maintenant ?").status_code == 404


def test_a_retry_with_the_idempotency_key_gets_an_address_of_its_own_to_the_same_request(served):
    """The reader who never saw the first answer needs an address: the retry gets one."""
    url, _, _ = served
    headers = {**JSON, "Idempotency-Key": "retry-key-0001"}
    first = httpx.post(f"{url}/api/tickets", data=VALID, headers=headers)
    retry = httpx.post(f"{url}/api/tickets", data=VALID, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["reference"] == retry.json()["reference"]
    assert first.json()["follow_url"] != retry.json()["follow_url"]
    for follow_url in (first.json()["follow_url"], retry.json()["follow_url"]):
        assert first.json()["reference"] in page(url, follow_url)


def test_a_bot_caught_by_the_honeypot_gets_an_address_that_leads_nowhere(served):
    url, service, _ = served
    answer = httpx.post(f"{url}/api/tickets", data={**VALID, "website": "spam"}, headers=JSON)
    assert answer.status_code == 201
    assert FOLLOW_URL.match(answer.json()["follow_url"])
    assert httpx.get(f"{url}{answer.json()['follow_url']}").status_code == 404
    assert service.store.list() == []


# The page.


def test_the_page_shows_the_request_in_its_language_and_leaks_its_address_nowhere(served):
    url, _, clock = served
    italian = {**VALID, "language": "it", "subject": "Etichetta rifiutata", "category": "claim"}
    files = [
        ("attachments", ("etichetta.pdf", PDF, "application/pdf")),
        ("attachments", ("foto.png", PNG, "image/png")),
    ]
    reference, follow_url = send(url, italian, files)
    answer = httpx.get(f"{url}{follow_url}")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-robots-tag"] == "noindex, nofollow"
    assert answer.headers["referrer-policy"] == "no-referrer"
    html = unescape(answer.text)
    assert '<html lang="it"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert '<meta name="referrer" content="no-referrer">' in html
    assert reference in html and "Etichetta rifiutata" in html
    assert "Pacco smarrito o danneggiato" in html  # the topic, in Italian
    created = format_date(datetime.fromtimestamp(clock.now, UTC), "long", locale="it")
    assert re.fullmatch(r"\d{1,2} [a-z]+ 20\d\d", created)  # `1 marzo 2030`
    assert html.count(created) >= 3  # sent, last active, and the message
    assert status_on(html) == ITALIAN("Open") == "Aperta"
    conversation = conversation_on(html)
    assert VALID["message"] in conversation
    assert "etichetta.pdf" in conversation and "foto.png" in conversation
    assert 'data-testid="request-reply"' in html
    assert ITALIAN("Send my reply") in html


def test_with_the_built_site_the_page_has_the_sites_look_from_any_address(tmp_path, site_dir):
    # (The site's look: one engine is enough.)
    server, _, _ = endpoint(tmp_path / "tickets.sqlite3", site_dir)
    with server:
        _, follow_url = send(server.url)
        html = page(server.url, follow_url)
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert "/fr/assets/stylesheets/helpcenter.css" in stylesheets
        assert all(href.startswith("/fr/assets/") for href in stylesheets)
        scripts = re.findall(r'<script src="/fr/assets/javascripts/([^"]+)" defer>', html)
        # followup.js after the site's scripts, forms.js among them, which it uses.
        assert scripts[-1] == "followup.js" and "forms.js" in scripts
        assert 'href="../' not in html and 'src="../' not in html
        # Described to no search engine as the thank-you page it is made from, and kept out
        # of their indexes and of the Referer of the links it has, in the page too.
        assert 'rel="canonical"' not in html and "og:url" not in html
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert '<meta name="referrer" content="no-referrer">' in html
        assert f"<title>{FRENCH('Your request %(reference)s') % {'reference': ''}}" in html


def test_a_plain_form_post_goes_to_the_private_page_which_says_received(served):
    url, service, _ = served
    answer = httpx.post(f"{url}/api/tickets", data=VALID, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.endswith("?notice=received")
    follow_url = location.removesuffix("?notice=received")
    assert FOLLOW_URL.match(follow_url)
    html = page(url, location)
    [ticket] = service.store.list()
    assert ticket["reference"] in html
    assert FRENCH("Thank you, your request was received") in html
    link = re.search(r'<a href="([^"]+)" data-testid="follow-link"', html)
    assert link and link.group(1) == follow_url
    assert FRENCH("Follow your request and answer us on its private page:") in html
    # The notice is said once: the address to keep shows none.
    assert FRENCH("Thank you, your request was received") not in page(url, follow_url)


# The team's answers, from the command line.


def test_the_teams_reply_and_status_show_on_the_page_and_in_show(served, capsys):
    url, service, _ = served
    reference, follow_url = send(url)
    database = service.store.target
    answer = "Bonjour,\nréimprimez l'étiquette depuis votre espace."
    assert cli(database, "reply", reference, "--message", answer) == 0
    assert capsys.readouterr().out == (
        f"{reference}: reply added; status: pending (the reader reads: Awaiting your reply)\n"
    )
    html = page(url, follow_url)
    assert status_on(html) == FRENCH("Awaiting your reply") == "En attente de votre réponse"
    conversation = conversation_on(html)
    assert answer in conversation
    assert FRENCH("Support team") in conversation
    assert conversation.index(VALID["message"]) < conversation.index(answer)

    assert cli(database, "status", reference, "solved") == 0
    assert capsys.readouterr().out == (
        f"{reference}: pending -> solved (the reader reads: Solved)\n"
    )
    assert status_on(page(url, follow_url)) == "Résolue"

    assert cli(database, "show", reference) == 0
    shown = capsys.readouterr().out
    assert "  Status:        solved (the reader reads: Solved)\n" in shown
    assert "  Last activity: " in shown
    conversation = shown.split("  Message:\n", 1)[1].split(
        "  Conversation (after the message, oldest first):\n", 1
    )[1]
    assert re.fullmatch(
        r"    \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, support team:\n"
        r"      Bonjour,\n"
        r"      réimprimez l'étiquette depuis votre espace\.\n",
        conversation,
    )


def test_the_command_line_says_what_it_cannot_do(served, capsys):
    url, service, _ = served
    reference, _ = send(url)
    database = service.store.target
    assert cli(database, "status", reference, "closed") == 0
    capsys.readouterr()
    assert cli(database, "status", reference, "open") == 1
    assert "closed, and a closed request stays closed" in capsys.readouterr().err
    assert cli(database, "reply", reference, "--message", "Encore une chose.") == 1
    assert "closed, so it takes no more replies" in capsys.readouterr().err
    assert cli(database, "reply", "HC-0000-0000-0000", "--message", "Bonjour.") == 1
    assert "HC-0000-0000-0000: no ticket with this reference" in capsys.readouterr().err
    assert cli(database, "reply", "HC-\x1b[2J", "--message", "Bonjour.") == 2
    assert "HC-\\x1b[2J: not a ticket reference" in capsys.readouterr().err
    assert cli(database, "reply", reference, "--message", "  ") == 2
    assert cli(Path("/nonexistent/db.sqlite3"), "status", reference, "open") == 1
    with pytest.raises(SystemExit):
        cli(database, "status", reference, "hold")  # Zendesk's, not one to set by hand
    capsys.readouterr()
    assert service.store.find(reference)["status"] == "closed"
    assert service.store.find(reference)["comments"] == []


def test_the_team_lists_the_requests_with_a_status_as_their_readers_see_it(served, capsys):
    url, service, _ = served
    waiting, _ = send(url)
    answered, _ = send(url)
    database = service.store.target
    assert cli(database, "reply", answered, "--message", "Quel transporteur ?") == 0
    capsys.readouterr()

    def references(*options: str) -> list[str]:
        assert cli(database, "list", "--json", *options) == 0
        return [ticket["reference"] for ticket in json.loads(capsys.readouterr().out)]

    assert waiting in references("--status", "open") and answered not in references(
        "--status", "open"
    )
    assert answered in references("--status", "pending") and waiting not in references(
        "--status", "pending"
    )
    # Zendesk's "new" and "on hold" are open to the reader.
    execute(database, "UPDATE tickets SET status = 'hold' WHERE reference = ?", (waiting,))
    assert waiting in references("--status", "open")
    assert cli(database, "list", "--status", "closed") == 0
    assert capsys.readouterr().out == "No tickets with the status closed.\n"
    assert cli(database, "list", "--status", "solved", "--state", "failed") == 0
    assert capsys.readouterr().out == ("No tickets in the state failed with the status solved.\n")


# The reader's replies.


def test_a_reader_reply_reopens_a_request_awaiting_them_and_is_listed_under_it(served, capsys):
    url, service, _ = served
    reference, follow_url = send(url)
    database = service.store.target
    assert cli(database, "reply", reference, "--message", "Quel transporteur ?") == 0
    answer = httpx.post(
        f"{url}{follow_url}",
        data={"message": "Colissimo, depuis ce matin."},
        files=[("attachments", ("refus.png", PNG, "image/png"))],
        headers=JSON,
    )
    assert answer.status_code == 201
    assert answer.json() == {"reference": reference, "status": "received"}
    html = page(url, follow_url)
    assert status_on(html) == "Ouverte"
    assert "Colissimo, depuis ce matin." in conversation_on(html)
    assert "refus.png" in conversation_on(html)
    capsys.readouterr()
    ticket = listed(database, capsys)[reference]
    assert ticket["status"] == "open"
    assert [(c["author"], c["body"]) for c in ticket["comments"]] == [
        ("agent", "Quel transporteur ?"),
        ("requester", "Colissimo, depuis ce matin."),
    ]
    assert ticket["comments"][1]["attachments"] == [
        {"filename": "refus.png", "content_type": "image/png", "size": len(PNG)}
    ]
    assert ticket["attachments"] == []  # the request's own files, not the reply's


def test_a_reply_posted_without_javascript_goes_back_to_the_page_and_is_listed(served, capsys):
    url, service, _ = served
    reference, follow_url = send(url)
    answer = httpx.post(
        f"{url}{follow_url}",
        data={"message": "Je précise : étiquette A4."},
        files={"attachments": ("", b"")},  # what a browser sends with no file chosen
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{follow_url}?notice=replied"
    html = page(url, answer.headers["location"])
    assert FRENCH("Your reply was sent. Our answer will appear on this page.") in html
    comments = listed(service.store.target, capsys)[reference]["comments"]
    assert [(c["author"], c["body"], c["attachments"]) for c in comments] == [
        ("requester", "Je précise : étiquette A4.", [])
    ]


@pytest.mark.parametrize(
    ("fields", "files", "field", "message"),
    [
        ({"message": "   "}, None, "message", "This field is required."),
        ({"note": "no message"}, None, "message", "This field is required."),
        ({"message": "x" * 5001}, None, "message", "Please write at most %(count)d characters."),
        ({"message": "Voici\x1b[2J."}, None, "message", CONTROL),
        (
            {"message": "Voici le fichier."},
            [("attachments", ("virus.exe", b"MZ\x90\x00", "application/octet-stream"))],
            "attachments",
            "%(file)s is not an accepted file type (%(types)s).",
        ),
        (
            {"message": "Voici les fichiers."},
            [("attachments", (f"{n}.png", PNG, "image/png")) for n in range(6)],
            "attachments",
            "Please attach at most %(count)d files.",
        ),
    ],
)  # fmt: skip
def test_an_invalid_reply_is_refused_in_the_tickets_language_and_nothing_is_kept(
    served, fields, files, field, message
):
    url, service, _ = served
    italian = {**VALID, "language": "it"}
    reference, follow_url = send(url, italian)
    answer = httpx.post(f"{url}{follow_url}", data=fields, files=files, headers=JSON)
    assert answer.status_code == 422
    expected = ITALIAN(message).split("%(")[0]
    assert any(text.startswith(expected) for text in answer.json()["errors"][field])
    # Without JavaScript: the page again, with the error by its field and what was typed.
    plain = httpx.post(f"{url}{follow_url}", data=fields, files=files)
    assert plain.status_code == 422
    assert plain.headers["cache-control"] == "no-store"
    html = unescape(plain.text)
    assert f'data-error-for="{field}">{expected}' in html
    typed = fields.get("message", "")
    # (A form with too many files is not read past them: what was typed is lost, not the rule.)
    if typed.strip() and "\x1b" not in typed and len(files or []) <= 5:
        assert f">{typed}</textarea>" in html
    assert service.store.find(reference)["comments"] == []


def test_a_reply_is_added_once_per_idempotency_key(served):
    url, service, _ = served
    reference, follow_url = send(url)
    first = reply(url, follow_url, "Une précision.", key="reply-key-0001")
    again = reply(url, follow_url, "Une précision.", key="reply-key-0001")
    other = reply(url, follow_url, "Une autre précision.", key="reply-key-0001")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert other.json()["errors"]["idempotency_key"]
    # A ticket's key is not a reply's.
    ticket_key = {**JSON, "Idempotency-Key": "ticket-key-0001"}
    assert httpx.post(f"{url}/api/tickets", data=VALID, headers=ticket_key).status_code == 201
    assert reply(url, follow_url, "Une précision.", key="ticket-key-0001").status_code == 409
    assert [c["body"] for c in service.store.find(reference)["comments"]] == ["Une précision."]


def test_a_reply_from_another_site_is_refused_with_a_page_that_leads_back(served):
    url, service, _ = served
    reference, follow_url = send(url, {**VALID, "language": "es"})
    refused = reply(
        url, follow_url, "Desde otro sitio.", headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    plain = httpx.post(
        f"{url}{follow_url}",
        data={"message": "Desde otro sitio."},
        files={"none": ("", b"")},
        headers={"Origin": "https://evil.example"},
    )
    assert plain.status_code == 403
    assert plain.headers["referrer-policy"] == "no-referrer"
    spanish = Catalogs().gettext("es")
    html = unescape(plain.text)
    assert '<html lang="es"' in html and spanish("Your reply was not sent") in html
    assert f'<a href="{follow_url}">{spanish("Back to your request")}</a>' in html
    assert service.store.find(reference)["comments"] == []


def test_a_reply_from_the_page_itself_is_taken_though_the_page_hides_its_origin(served):
    """The page sends no referrer, so a browser posts its form with `Origin: null`: taken when
    the browser says the post is from the same origin, as only it can."""
    url, service, _ = served
    reference, follow_url = send(url)
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert reply(url, follow_url, "Depuis la page.", headers=same).status_code == 201
    for headers in (
        {"Origin": "null"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null", "Sec-Fetch-Site": "same-site"},
    ):
        assert reply(url, follow_url, "D'ailleurs.", headers=headers).status_code == 403
    assert [c["body"] for c in service.store.find(reference)["comments"]] == ["Depuis la page."]


def test_replies_are_rate_limited_together_whatever_the_request(db):
    server, service, _ = endpoint(db, rate_limit_per_minute=2)
    with server:
        _, first = send(server.url)
        _, second = send(server.url)
        assert reply(server.url, first, "Une.").status_code == 201
        assert reply(server.url, second, "Deux.").status_code == 201
        limited = reply(server.url, first, "Trois.")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
    assert sum(len(t["comments"]) for t in service.store.list()) == 2


def test_reply_attachments_count_against_the_daily_quota(db):
    server, service, _ = endpoint(db)
    service.server = copy.deepcopy(service.server)
    service.server.daily_attachment_mb = 0
    with server:
        _, follow_url = send(server.url)
        answer = httpx.post(
            f"{server.url}{follow_url}",
            data={"message": "La photo."},
            files=[("attachments", ("photo.png", PNG, "image/png"))],
            headers=JSON,
        )
    assert answer.status_code == 429
    assert answer.json()["errors"]["attachments"] == [
        FRENCH(
            "You have reached today's limit for attachments. Send your reply without "
            "attachments, or try again tomorrow."
        )
    ]


def test_a_json_reply_is_held_to_the_tickets_limits_and_key_format(served):
    """What a script sends has the page's limits: as many files as a ticket, a key of the
    Idempotency-Key's form."""
    url, service, _ = served
    _, follow_url = send(url)
    photo = {"filename": "photo.png", "content_base64": base64.b64encode(PNG).decode()}
    max_files = service.settings.attachments.max_files
    for body, field in [
        ({"message": "Les photos.", "attachments": [photo] * (max_files + 1)}, "attachments"),
        ({"message": "La suite.", "idempotency_key": "no"}, "idempotency_key"),
    ]:
        answer = httpx.post(f"{url}{follow_url}", json=body, headers=JSON)
        assert answer.status_code == 422, body
        assert list(answer.json()["errors"]) == [field]
    assert [len(t["comments"]) for t in service.store.list()] == [0]
    taken = {"message": "Les photos.", "attachments": [photo] * max_files}
    assert httpx.post(f"{url}{follow_url}", json=taken, headers=JSON).status_code == 201


def test_each_readers_reply_attachments_count_against_their_own_daily_quota(db):
    """The quota is a reader's (their address's), not everyone's: one who used it all does not
    stop another's reply with a photo."""
    server, service, _ = endpoint(db)
    service.server = copy.deepcopy(service.server)
    service.server.daily_attachment_mb = 1
    with server:
        _, follow_url = send(server.url)

        def reply_with_photo(client: httpx.Client) -> httpx.Response:
            data = {"message": "La photo."}
            files = attachment(600_000)
            return client.post(f"{server.url}{follow_url}", data=data, files=files, headers=JSON)

        with httpx.Client() as first, httpx.Client(transport=bound_to("127.0.0.2")) as other:
            assert reply_with_photo(first).status_code == 201
            assert reply_with_photo(first).status_code == 429  # 1.2 MB today
            assert reply_with_photo(other).status_code == 201


# Solved, reopened, closed.


def test_a_solved_request_is_reopened_by_a_reply_within_reopen_days_only(served, capsys):
    url, service, clock = served
    service.follow_up.reopen_days = 7
    reference, follow_url = send(url)
    database = service.store.target
    assert service.store.set_status(reference, "solved") == ("new", "solved")
    clock.now += 6 * DAY
    html = page(url, follow_url)
    deadline = format_date(datetime.fromtimestamp(clock.now + DAY, UTC), "long", locale="fr")
    assert deadline in html and FRENCH("Replying reopens your request.") in html
    assert reply(url, follow_url, "Finalement, non.").status_code == 201
    assert status_on(page(url, follow_url)) == "Ouverte"

    service.store.set_status(reference, "solved")
    clock.now += 8 * DAY
    html = page(url, follow_url)
    assert 'data-testid="request-reply"' not in html
    assert 'data-testid="request-new"' in html
    late = reply(url, follow_url, "Encore moi.")
    assert late.status_code == 409
    assert late.json()["errors"]["request"] == [
        FRENCH("This request no longer takes replies. To follow up on it, send a new request.")
    ]
    capsys.readouterr()
    assert listed(database, capsys)[reference]["status"] == "solved"
    # 0: a solved request is never reopened by a reply.
    service.follow_up.reopen_days = 0
    service.store.set_status(reference, "open")
    service.store.set_status(reference, "solved")
    assert reply(url, follow_url, "Tout de suite ?").status_code == 409


def test_a_closed_request_offers_a_new_request_that_links_to_it(served, capsys):
    url, service, _ = served
    reference, follow_url = send(url)
    service.store.set_status(reference, "closed")
    html = page(url, follow_url)
    assert status_on(html) == "Fermée"
    assert 'data-testid="request-reply"' not in html
    new = re.search(r'href="([^"]+)" data-testid="request-new"', html).group(1)
    assert new == f"{follow_url}/new"
    # Without JavaScript too: the plain post is refused with the page, which says why.
    refused = httpx.post(f"{url}{follow_url}", data={"message": "Encore moi."})
    assert refused.status_code == 409
    assert FRENCH(
        "This request no longer takes replies. To follow up on it, send a new request."
    ) in unescape(refused.text)

    form = httpx.get(f"{url}{new}")
    assert form.status_code == 200
    assert form.headers["x-robots-tag"] == "noindex, nofollow"
    assert f'<input type="hidden" name="follows" value="{reference}">' in form.text
    assert f'value="{VALID["email"]}"' in form.text
    fields = dict(re.findall(r'<input[^>]* name="(\w+)"[^>]* value="([^"]*)"', form.text))
    fields.update(category=VALID["category"], message="Suite de ma demande précédente.")
    fields.pop("website", None)
    new_reference, new_url = send(url, {k: unescape(v) for k, v in fields.items()})
    html = page(url, new_url)
    assert FRENCH("Follows up on") in html and reference in html
    capsys.readouterr()
    assert listed(service.store.target, capsys)[new_reference]["follows"] == reference


# What readers typed, in the terminal.


def test_what_a_reader_replied_cannot_drive_the_terminal(served, capsys):
    url, service, _ = served
    reference, follow_url = send(url)
    hostile = "Regardez \u202egnp.exe\u202c\nligne 2\r\n  Status:        solved"
    answer = httpx.post(
        f"{url}{follow_url}",
        data={"message": hostile.replace("\u202e", "").replace("\u202c", "")},
        files=[("attachments", ("a\u202eb.png", PNG, "image/png"))],
        headers=JSON,
    )
    assert answer.status_code == 201
    database = service.store.target
    assert cli(database, "show", reference) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\r" not in out
    assert "      ligne 2\n" in out
    assert "        Status:        solved\n" in out  # indented under its comment
    assert [line for line in out.splitlines() if line.startswith("  Status:")] == [
        "  Status:        new (the reader reads: Open)"  # a reply keeps a new request new
    ]
    for options in ([], ["--json"]):
        assert cli(database, "list", *options) == 0
        assert "\u202e" not in capsys.readouterr().out
    assert cli(database, "reply", reference, "--message", "Réponse \x1b[2J") == 0
    assert cli(database, "show", reference) == 0
    assert "\x1b" not in capsys.readouterr().out


# Databases of earlier versions, and the document.


PREVIOUS_SCHEMA = (
    KEYED_TABLES
    + """
INSERT INTO tickets VALUES (1, 'HC-AAAA-BBBB-CCCC', NULL, '2030-01-01T11:00:00+00:00',
    'Camille', 'camille@example.com', 'Avant', 'shipping', '', 'Envoyé avant la mise à jour.',
    'fr', '');
INSERT INTO attachments VALUES (1, 1, 'a.txt', 'text/plain', 5, X'68656C6C6F', '');
"""
)


@pytest.mark.parametrize("schema", [EARLIER_SCHEMA, PREVIOUS_SCHEMA])
def test_a_database_of_an_earlier_version_is_migrated_and_its_tickets_answered(
    tmp_path, capsys, schema
):
    """(SQLite files: the versions before PostgreSQL made only those.)"""
    database = tmp_path / "tickets.sqlite3"
    connection = sqlite3.connect(database)
    connection.executescript(schema)
    connection.close()
    assert (
        cli(database, "reply", "HC-AAAA-BBBB-CCCC", "--message", "Réponse après la mise à jour")
        == 0
    )
    capsys.readouterr()
    [ticket] = listed(database, capsys).values()
    assert ticket["status"] == "pending"
    assert ticket["created_at"] == "2030-01-01T11:00:00+00:00"
    assert ticket["updated_at"] == ticket["status_changed_at"] != ticket["created_at"]
    assert [c["body"] for c in ticket["comments"]] == ["Réponse après la mise à jour"]
    assert ticket["attachments"] == [{"filename": "a.txt", "content_type": "text/plain", "size": 5}]
    store = TicketStore(database)
    try:
        new = store.add(copy.copy(store_ticket()))
        assert store.follow_up(new.token, 365)["reference"] == new.reference
    finally:
        store.close()


def store_ticket():
    from helpcenter.tickets.validation import Ticket

    return Ticket(**{k: v for k, v in VALID.items()})


def test_the_openapi_document_has_the_follow_up_operations(served):
    url, _, _ = served
    document = httpx.get(f"{url}/api/openapi.json").json()
    page_path = "/api/tickets/follow/{token}"
    assert {"get", "post"} == set(document["paths"][page_path])
    for operation in (
        *document["paths"][page_path].values(),
        document["paths"][f"{page_path}/new"]["get"],
    ):
        [token] = [p for p in operation["parameters"] if p["in"] == "path"]
        assert token["schema"]["pattern"] == "^[A-Za-z0-9_-]{32}$"
    post = document["paths"][page_path]["post"]
    assert set(post["responses"]) >= {"201", "200", "303", "404", "409", "413", "422", "429"}
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Reply"
    }
    schemas = document["components"]["schemas"]
    assert schemas["ReplyForm"]["properties"]["attachments"]["items"]["format"] == "binary"
    created = document["paths"]["/api/tickets"]["post"]["responses"]["201"]
    assert "follow_url" in created["content"]["application/json"]["schema"]["required"]
    assert "get" in document["paths"][f"{page_path}/new"]


def test_the_page_escapes_what_was_typed(served):
    url, _, _ = served
    _, follow_url = send(url, {**VALID, "subject": "<script>alert(1)</script>"})
    assert reply(url, follow_url, "<img src=x onerror=alert(1)>").status_code == 201
    raw = httpx.get(f"{url}{follow_url}").text
    assert "<script>alert(1)" not in raw and "<img src=x" not in raw
    assert escape("<img src=x onerror=alert(1)>", quote=False) in raw
