"""With forwarding to a Zendesk-compatible helpdesk, the request's page follows the helpdesk and the
reader's replies reach it.

- the helpdesk's status (in the reader's words) and its public comments show on the page (read
  through the real endpoint) after a poll, and at once after a webhook call signed as Zendesk
  signs them; each comment once, however often it is read; the reader's own replies once;
- a reply on the page reaches the helpdesk's request exactly once, also when the helpdesk
  answers 500, 429 with Retry-After, nothing at all, or loses its answer; a reply to a ticket
  not yet forwarded waits for it;
- the helpdesk being down breaks nothing: the page shows what was last known, the outage is
  logged once, without what the reader wrote; an answer about one request that breaks the
  contract, or refuses it (404, 403), holds up that one only, logged once, and after a few such
  looks it is read only when the webhook names it;
- a reply is recognised by what was sent (Zendesk's `body`, not its Markdown rendering), and only
  in what the helpdesk got after it was written;
- without the token nothing is followed, the log says so once, and replies wait here until it is
  set; the token never goes over plain http but to this machine;
- the last activity and the reopen window are the helpdesk's times, not the time of the read;
- a webhook call with a bad or stale signature is refused (401) and changes nothing; the
  webhook has its body limit and its rate limit, and is in the OpenAPI document.

Everything runs on an injected clock: the tests wait for each background loop to have looked at
what is due, never for the wall clock.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from helpcenter.cli import main
from helpcenter.config import ProjectError, load_project
from helpcenter.database import iso
from helpcenter.engines import Target
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.server.app import CannotServe, endpoint_app
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.helpdesk import (
    CLAIM_SECONDS,
    TOKEN_VARIABLE,
    Forwarder,
    HelpdeskClient,
    RequestState,
)
from helpcenter.tickets.store import RequestClosed, TicketStore
from helpcenter.tickets.sync import FAILED_LOOKS, HelpdeskSync, SyncStore
from helpcenter.tickets.validation import Reply
from tests.conftest import BackgroundServer, example_project
from tests.processes import free_port
from tests.tickets.test_endpoint import PNG, VALID
from tests.tickets.test_followup import conversation_on, page, reply, status_on
from tests.tickets.test_forwarding import START, deliveries, forwarding_service, wait_until
from tests.tickets.test_storage import EARLIER_SCHEMA
from tests.tickets.test_store_units import ticket
from tests.tickets.zendesk_standin import Fault, Helpdesk, send_webhook, zendesk_time

FRENCH = Catalogs().gettext("fr")
OPEN, AWAITING, SOLVED = FRENCH("Open"), FRENCH("Awaiting your reply"), FRENCH("Solved")
SECRET = "whsec-7f3a9c1e5b"
TOKEN = "impersonate-token-4d2e"
POLL_SECONDS = 60
JSON = {"Accept": "application/json"}
# What the reader wrote: none of it may be in a log line.
READER_TEXT = [VALID["email"], VALID["message"][:20], "Toujours bloqué"]
# A reply that Zendesk's Markdown rendering changes: its `plain_body` reads "C'est urgent".
MARKDOWN_REPLY = "C'est *urgent* : le colis est toujours bloqué."
DAY = 86400


class Time:
    """The clock every part goes by, moved only by the test, and a sleep for each background
    loop that says when it is idle: two sleeps after the clock moved mean it has looked at
    everything due at the new time."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: dict[str, int] = {}
        self.condition = threading.Condition()

    def clock(self) -> float:
        return self.now

    def sleep_of(self, loop: str):
        async def sleep(seconds: float) -> None:
            with self.condition:
                self.sleeps[loop] = self.sleeps.get(loop, 0) + 1
                self.condition.notify_all()
            await asyncio.sleep(0.002)

        return sleep

    def wait_idle(self, *loops: str) -> None:
        loops = loops or ("forwarder", "sync")
        with self.condition:
            for loop in loops:
                self.sleeps[loop] = 0
            idle = self.condition.wait_for(
                lambda: all(self.sleeps[loop] >= 2 for loop in loops), timeout=20
            )
        assert idle, f"{loops} never went idle"

    def pass_time(self, seconds: float) -> None:
        """Move the clock by `seconds`, and let both loops do what falls due."""
        with self.condition:
            self.now += seconds
        self.wait_idle()

    def stamp(self, offset: float = 0.0) -> str:
        """A webhook's timestamp, `offset` seconds from now."""
        return zendesk_time(self.now + offset)


@dataclass
class Setup:
    """The stand-in, the endpoint forwarding to it and following it, and their time."""

    standin: Helpdesk
    url: str  # the endpoint's
    service: TicketService
    time: Time

    @property
    def webhook(self) -> str:
        return f"{self.url}/api/tickets/helpdesk-webhook"

    def send(self) -> tuple[int, str]:
        """A ticket sent, forwarded and read once: the helpdesk's id and its page's address."""
        answer = httpx.post(f"{self.url}/api/tickets", data=VALID, headers=JSON)
        assert answer.status_code == 201, answer.text
        self.time.wait_idle()
        self.time.wait_idle("sync")
        return self.standin.requests[-1]["id"], answer.json()["follow_url"]

    def page(self, follow_url: str) -> tuple[str, str]:
        """The status and the conversation, as the reader reads them."""
        html = page(self.url, follow_url)
        return status_on(html), conversation_on(html)

    def comments(self) -> list[tuple[str, str, str]]:
        """The stored conversation: author, body, the helpdesk's id."""
        with self.service.store.reading() as db:
            rows = db.execute("SELECT author, body, remote_id FROM comments ORDER BY id")
            return [tuple(row) for row in rows]

    def reply_deliveries(self) -> list[dict]:
        with self.service.store.reading() as db:
            rows = db.execute("SELECT * FROM reply_deliveries ORDER BY comment_id").fetchall()
        return [dict(row) for row in rows]


@contextmanager
def following(
    tmp_path: Path,
    poll_seconds: int = POLL_SECONDS,
    timeout: float = 10.0,
    port: int | None = None,
    database: Target | None = None,
    prepare: Callable[[Helpdesk], None] | None = None,
    **server_settings,
) -> Iterator[Setup]:
    """The endpoint forwarding to a stand-in of Zendesk (given what `prepare` puts in it), and
    following it, its webhook on; with `port`, the helpdesk's address is there, served or not
    (`serve_helpdesk`)."""
    time = Time()
    standin = Helpdesk(token=TOKEN, clock=time.clock)
    if prepare is not None:
        prepare(standin)
    database = database or tmp_path / "tickets.sqlite3"
    with helpdesk_at(standin, port) as helpdesk_url:
        service = forwarding_service(database, time)
        service.server = copy.deepcopy(service.server)
        for name, value in server_settings.items():
            setattr(service.server, name, value)
        client = HelpdeskClient(helpdesk_url, timeout=timeout, token=TOKEN)
        forwarder = Forwarder(
            service.store,
            client,
            poll_seconds=0.01,
            backoff_base=2.0,
            max_backoff=16.0,
            clock=time.clock,
            sleep=time.sleep_of("forwarder"),
        )
        service.helpdesk = HelpdeskSync(
            service.store,
            client,
            retries=forwarder.retries,
            poll_seconds=poll_seconds,
            poll_max_seconds=3600,
            webhook_secret=SECRET,
            tick_seconds=0.01,
            clock=time.clock,
            sleep=time.sleep_of("sync"),
        )
        with BackgroundServer(build_app(service, [], forwarder)) as endpoint:
            yield Setup(standin, endpoint.url, service, time)


@contextmanager
def helpdesk_at(standin: Helpdesk, port: int | None) -> Iterator[str]:
    """The stand-in's address: served here, or at `port` (served by the test, or not)."""
    if port is not None:
        yield f"http://127.0.0.1:{port}"
        return
    with BackgroundServer(standin.app()) as server:
        yield server.url


def serve_helpdesk(standin: Helpdesk, port: int) -> BackgroundServer:
    """The stand-in on a given port (to start, stop and start again there)."""
    server = BackgroundServer(standin.app())
    server.port = port
    server.server.config.port = port
    return server


@pytest.fixture
def followed(tmp_path, db) -> Iterator[Setup]:
    """Following the helpdesk, with the requests in a database of each engine."""
    with following(tmp_path, database=db) as setup:
        yield setup


@pytest.fixture
def sync_log(caplog):
    caplog.set_level(logging.INFO, logger="helpcenter.tickets")
    return caplog


def lines_of(caplog, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def assert_no_reader_text(lines: list[str]) -> None:
    for line in lines:
        for text in READER_TEXT:
            assert text not in line, f"{text!r} in {line!r}"


# The helpdesk's side on the page.


def test_the_teams_replies_and_the_status_reach_the_page_after_a_poll(followed):
    request_id, follow_url = followed.send()
    status, conversation = followed.page(follow_url)
    assert status == OPEN
    assert conversation.count(VALID["message"]) == 1  # the description is the message, once
    followed.standin.reply(request_id, "Bonjour Camille, pouvez-vous réimprimer l'étiquette ?")
    followed.standin.reply(request_id, "Note interne : client pro.", public=False)
    assert followed.page(follow_url)[0] == OPEN  # not read yet
    followed.time.pass_time(POLL_SECONDS)
    status, conversation = followed.page(follow_url)
    assert status == AWAITING
    assert "Bonjour Camille, pouvez-vous réimprimer l'étiquette ?" in conversation
    assert "Ana" in conversation  # the agent's name
    assert "Note interne" not in conversation
    assert conversation.count(VALID["message"]) == 1
    for helpdesk_status, shown in [("hold", OPEN), ("solved", SOLVED)]:
        followed.standin.set_status(request_id, helpdesk_status)
        followed.time.pass_time(POLL_SECONDS)
        assert followed.page(follow_url)[0] == shown


def test_a_request_idle_for_days_is_looked_at_less_often(followed):
    request_id, follow_url = followed.send()
    followed.time.pass_time(3 * 86400)  # three days without activity: read once more
    followed.standin.set_status(request_id, "solved")
    followed.time.pass_time(POLL_SECONDS)
    assert followed.page(follow_url)[0] == OPEN
    followed.time.pass_time(3600)
    assert followed.page(follow_url)[0] == SOLVED


def test_without_polling_the_webhook_alone_brings_the_changes(tmp_path):
    with following(tmp_path, poll_seconds=0) as followed:
        request_id, follow_url = followed.send()
        followed.standin.reply(request_id, "Votre étiquette est réémise.", status="solved")
        followed.time.pass_time(86400)
        assert followed.page(follow_url)[0] == OPEN
        payload = {"ticket_id": str(request_id)}
        assert send_webhook(followed.webhook, SECRET, payload, followed.time.stamp()).is_success
        followed.time.wait_idle("sync")
        assert followed.page(follow_url)[0] == SOLVED


def test_a_signed_webhook_brings_the_change_without_waiting_for_a_poll(followed):
    request_id, follow_url = followed.send()
    followed.standin.reply(request_id, "Votre étiquette est réémise.", status="solved")
    answer = send_webhook(
        followed.webhook, SECRET, {"ticket_id": str(request_id)}, followed.time.stamp()
    )
    assert answer.status_code == 202
    followed.time.wait_idle("sync")  # the clock has not moved: no poll was due
    status, conversation = followed.page(follow_url)
    assert status == SOLVED
    assert "Votre étiquette est réémise." in conversation


def test_each_comment_is_stored_once_however_often_it_is_read(followed):
    request_id, follow_url = followed.send()
    followed.standin.comments_per_page = 2  # several pages of comments
    for number in range(3):
        followed.standin.reply(request_id, f"Réponse {number}")
    for status in ("hold", "solved"):
        followed.time.pass_time(POLL_SECONDS)
        followed.standin.set_status(request_id, status)
        event = {"detail": {"id": str(request_id)}}  # a ticket event names it this way
        answer = send_webhook(followed.webhook, SECRET, event, followed.time.stamp())
        assert answer.status_code == 202
        followed.time.wait_idle("sync")
    status, conversation = followed.page(follow_url)
    assert status == SOLVED  # read again each time, the comments already there skipped
    assert [conversation.count(f"Réponse {number}") for number in range(3)] == [1, 1, 1]
    stored = followed.comments()
    assert [author for author, _, _ in stored] == ["agent"] * 3
    assert len({remote for _, _, remote in stored}) == 3


def test_an_answer_about_one_request_that_breaks_the_contract_holds_up_only_that_one(
    followed, sync_log
):
    first_id, first_url = followed.send()
    second_id, second_url = followed.send()
    broken = followed.standin.reply(first_id, "Réponse à la première.")
    broken["created_at"] = "hier"  # not a time: the first request's comments break the contract
    unrendered = followed.standin.reply(second_id, "Réponse à la seconde.")
    unrendered["plain_body"] = None  # nothing the contract needs: its body is read
    followed.time.pass_time(POLL_SECONDS)
    status, conversation = followed.page(second_url)  # the others are read all the same
    assert status == AWAITING and "Réponse à la seconde." in conversation
    assert followed.page(first_url)[0] == OPEN
    followed.time.pass_time(POLL_SECONDS)
    followed.time.pass_time(3600)  # looked at again after helpdesk_poll_max_seconds: still broken
    assert followed.page(first_url)[0] == OPEN
    broken["created_at"] = zendesk_time(START)
    followed.time.pass_time(3600)
    status, conversation = followed.page(first_url)
    assert status == AWAITING and "Réponse à la première." in conversation
    [line] = lines_of(sync_log, "helpcenter.tickets.sync")  # once, and not as an outage
    assert "comments: a comment without its id, author, time or body" in line
    assert_no_reader_text([line])


def test_a_request_the_helpdesk_refuses_is_looked_at_a_few_times_then_when_the_webhook_says(
    followed, sync_log
):
    request_id, follow_url = followed.send()
    record = followed.standin.request(request_id)
    followed.standin.requests.remove(record)  # deleted in the helpdesk: 404 from now on
    reads = followed.standin.reads(request_id)
    for _ in range(2 * FAILED_LOOKS):
        followed.time.pass_time(3600)
    assert followed.standin.reads(request_id) - reads == FAILED_LOOKS
    [line] = lines_of(sync_log, "helpcenter.tickets.sync")
    assert "HTTP 404" in line and "webhook" in line
    assert_no_reader_text([line])
    followed.standin.requests.append(record)
    followed.standin.reply(request_id, "Retrouvée.")
    call = send_webhook(followed.webhook, SECRET, {"ticket_id": request_id}, followed.time.stamp())
    assert call.status_code == 202
    followed.time.wait_idle("sync")
    assert "Retrouvée." in followed.page(follow_url)[1]


def test_without_polling_a_request_that_cannot_be_read_waits_for_the_webhook(tmp_path):
    with following(tmp_path, poll_seconds=0) as followed:
        request_id, _ = followed.send()
        followed.standin.faults.append(Fault(403))
        call = send_webhook(
            followed.webhook, SECRET, {"ticket_id": request_id}, followed.time.stamp()
        )
        assert call.status_code == 202
        followed.time.wait_idle("sync")
        reads = followed.standin.reads(request_id)
        for _ in range(3):
            followed.time.pass_time(3600)
        assert followed.standin.reads(request_id) == reads


# The reader's replies.


def test_a_reply_on_the_page_reaches_the_helpdesk_once_and_shows_once(followed):
    request_id, follow_url = followed.send()
    followed.standin.reply(request_id, "Quel transporteur ?")
    followed.time.pass_time(POLL_SECONDS)
    assert followed.page(follow_url)[0] == AWAITING
    answer = reply(followed.url, follow_url, "Toujours bloqué avec Colissimo.")
    assert answer.status_code == 201
    assert followed.page(follow_url)[0] == OPEN  # at once, before the helpdesk knows
    followed.time.wait_idle("sync")
    assert followed.standin.requester_comments(request_id) == ["Toujours bloqué avec Colissimo."]
    assert followed.standin.request(request_id)["status"] == "open"
    for _ in range(2):
        followed.time.pass_time(POLL_SECONDS)
    status, conversation = followed.page(follow_url)
    assert status == OPEN
    assert conversation.count("Toujours bloqué avec Colissimo.") == 1
    [(team, _, _), (author, _, remote_id)] = followed.comments()
    assert (team, author) == ("agent", "requester")
    assert remote_id  # the helpdesk's id of the reply, recorded
    [delivery] = followed.reply_deliveries()
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 1)


def test_a_replys_files_reach_the_helpdesk_with_it(followed):
    request_id, follow_url = followed.send()
    photo = [("attachments", ("colis.png", PNG, "image/png"))]
    answer = reply(followed.url, follow_url, "Voici la photo du colis.", files=photo)
    assert answer.status_code == 201
    followed.time.wait_idle("sync")
    [sent] = [c for c in followed.standin.comments[request_id] if c["body"].startswith("Voici")]
    assert sent["attachments"] == [{"file_name": "colis.png"}]
    [upload] = [u for u in followed.standin.uploads.values() if u["filename"] == "colis.png"]
    assert (upload["content"], upload["content_type"]) == (PNG, "image/png")


def test_the_readers_replies_by_other_ways_show_as_theirs(followed):
    """A reply the reader sent the helpdesk by email comes back as theirs, once."""
    request_id, follow_url = followed.send()
    requester = followed.standin.request(request_id)["requester_id"]
    followed.standin.add_comment(request_id, requester, "Réponse envoyée par e-mail.")
    followed.time.pass_time(POLL_SECONDS)
    followed.time.pass_time(POLL_SECONDS)
    assert followed.page(follow_url)[1].count("Réponse envoyée par e-mail.") == 1
    assert [author for author, _, _ in followed.comments()] == ["requester"]


def test_a_reply_in_markdown_is_known_when_it_comes_back_and_shows_once(followed):
    request_id, follow_url = followed.send()
    assert reply(followed.url, follow_url, MARKDOWN_REPLY).status_code == 201
    followed.time.wait_idle("sync")
    followed.time.pass_time(POLL_SECONDS)
    assert followed.standin.requester_comments(request_id) == [MARKDOWN_REPLY]
    assert followed.page(follow_url)[1].count("le colis est toujours bloqué") == 1
    [(author, body, remote_id)] = followed.comments()
    assert (author, body) == ("requester", MARKDOWN_REPLY)
    assert remote_id


def test_a_reply_emailed_earlier_in_the_same_words_does_not_stand_for_the_pages(followed):
    request_id, follow_url = followed.send()
    requester = followed.standin.request(request_id)["requester_id"]
    followed.standin.add_comment(request_id, requester, "Merci beaucoup.")
    followed.time.pass_time(30)  # not read yet: the next look is due in a minute
    assert reply(followed.url, follow_url, "Merci beaucoup.").status_code == 201
    followed.time.wait_idle("sync")
    assert followed.standin.requester_comments(request_id) == ["Merci beaucoup."] * 2
    assert followed.reply_deliveries()[0]["state"] == "delivered"
    assert followed.page(follow_url)[1].count("Merci beaucoup.") == 2


@pytest.mark.parametrize(
    "faults",
    [[Fault(500), Fault(503)], [Fault(502, body="<h1>Bad gateway</h1>", content_type="text/html")]],
    ids=["5xx", "html-502"],
)
def test_a_reply_is_delivered_once_after_server_errors(followed, faults, sync_log):
    request_id, follow_url = followed.send()
    followed.standin.faults.extend(faults)
    assert reply(followed.url, follow_url, "Toujours bloqué, merci.").status_code == 201
    followed.time.wait_idle("sync")
    [delivery] = followed.reply_deliveries()
    assert (delivery["state"], delivery["attempts"]) == ("pending", 1)
    assert delivery["last_error"].startswith("request: HTTP 50")
    for _ in range(10):
        followed.time.pass_time(4)
    assert followed.standin.requester_comments(request_id) == ["Toujours bloqué, merci."]
    assert followed.reply_deliveries()[0]["state"] == "delivered"
    assert followed.page(follow_url)[1].count("Toujours bloqué, merci.") == 1
    outages = [line for line in lines_of(sync_log, "helpcenter.tickets.sync") if "unavail" in line]
    assert len(outages) == 1  # once per outage, however many calls failed
    assert_no_reader_text(lines_of(sync_log, "helpcenter.tickets.sync"))
    assert_no_reader_text(lines_of(sync_log, "helpcenter.tickets.helpdesk"))


def test_every_attempt_at_a_reply_carries_the_same_idempotency_key(followed):
    request_id, follow_url = followed.send()
    followed.standin.faults.extend([None, None, Fault(500)])  # the reads answer, not the update
    assert reply(followed.url, follow_url, "Toujours bloqué.").status_code == 201
    followed.time.wait_idle("sync")
    for _ in range(10):
        followed.time.pass_time(4)
    assert followed.standin.requester_comments(request_id) == ["Toujours bloqué."]
    first, *others = followed.standin.update_keys
    assert others and set(others) == {first} and first


def test_a_refused_reply_is_set_aside_shown_to_the_team_and_sent_once_retried(followed, capsys):
    request_id, follow_url = followed.send()
    followed.standin.faults.append(Fault(422, body='{"error": "RecordInvalid"}'))
    assert reply(followed.url, follow_url, "Une précision refusée.").status_code == 201
    followed.time.wait_idle("sync")
    assert followed.reply_deliveries()[0]["state"] == "failed"
    database = str(followed.service.store.target)
    reference = followed.service.store.list()[0]["reference"]

    def reply_delivery() -> dict:
        assert main(["tickets", "list", "--json", "--db", database]) == 0
        [ticket] = json.loads(capsys.readouterr().out)
        return ticket["comments"][-1]["delivery"]

    assert reply_delivery()["state"] == "failed"
    assert main(["tickets", "show", reference, "--db", database]) == 0
    assert "To the helpdesk: failed after 1 attempt (last error: " in capsys.readouterr().out
    assert followed.standin.requester_comments(request_id) == []

    assert main(["tickets", "retry", reference, "--db", database]) == 0
    assert capsys.readouterr().out.startswith(f"{reference}: back in the queue\n")
    followed.service.helpdesk.wake()
    followed.time.wait_idle("sync")
    assert followed.standin.requester_comments(request_id) == ["Une précision refusée."]
    assert reply_delivery()["state"] == "delivered"


def test_while_a_reply_is_on_its_way_the_page_does_not_say_awaiting_the_reader(followed):
    request_id, follow_url = followed.send()
    followed.standin.reply(request_id, "Quel transporteur ?")
    followed.time.pass_time(POLL_SECONDS)
    # The reads work, the update is refused for now (a conflict: retried, not an outage).
    followed.standin.faults.extend([None, None, Fault(409)])
    assert reply(followed.url, follow_url, "Colissimo.").status_code == 201
    followed.time.wait_idle("sync")
    # Read again meanwhile: still `pending` in the helpdesk, which does not have the reply.
    call = send_webhook(followed.webhook, SECRET, {"ticket_id": request_id}, followed.time.stamp())
    assert call.status_code == 202
    followed.time.wait_idle("sync")
    assert followed.standin.requester_comments(request_id) == []
    assert followed.page(follow_url)[0] == OPEN
    followed.time.pass_time(POLL_SECONDS)
    assert followed.standin.requester_comments(request_id) == ["Colissimo."]
    assert followed.page(follow_url)[0] == OPEN


def test_a_reply_waits_for_the_retry_after_of_a_429(followed, sync_log):
    """A 429 says the helpdesk is busy, not that the reply is wrong: nothing is asked of it
    until it said, and the outage is logged once."""
    request_id, follow_url = followed.send()
    followed.standin.faults.append(Fault(429, retry_after=30))
    assert reply(followed.url, follow_url, "Toujours bloqué.").status_code == 201
    followed.time.wait_idle("sync")
    [delivery] = followed.reply_deliveries()
    assert delivery["last_error"] == "request: rate limited (429)"
    assert delivery["next_attempt_at"] == followed.time.now + 30
    followed.time.pass_time(29)
    assert followed.standin.requester_comments(request_id) == []
    followed.time.pass_time(1)
    assert followed.standin.requester_comments(request_id) == ["Toujours bloqué."]
    outages = [line for line in lines_of(sync_log, "helpcenter.tickets.sync") if "unavail" in line]
    assert len(outages) == 1


@pytest.mark.parametrize("text", ["Toujours bloqué.", MARKDOWN_REPLY], ids=["plain", "markdown"])
def test_a_reply_whose_answer_was_lost_is_not_sent_again(tmp_path, text):
    """The helpdesk adds the comment but answers after the client gave up, and ignores the
    idempotency key (Zendesk documents it for creating requests only): the next attempt finds
    the comment there and only records it."""
    with following(tmp_path, timeout=0.5) as followed:
        request_id, follow_url = followed.send()
        followed.standin.honour_update_keys = False
        # The two reads before the update answer; the update answers too late.
        followed.standin.faults.extend([None, None, Fault(delay=1.0)])
        assert reply(followed.url, follow_url, text).status_code == 201
        followed.time.wait_idle("sync")
        assert followed.reply_deliveries()[0]["last_error"] == "comment: timed out (ReadTimeout)"
        wait_until(lambda: followed.standin.requester_comments(request_id))
        for _ in range(3):
            followed.time.pass_time(4)
        assert followed.standin.requester_comments(request_id) == [text]
        [delivery] = followed.reply_deliveries()
        assert delivery["state"] == "delivered"
        assert followed.page(follow_url)[1].count(text) == 1


def test_a_helpdesk_refusing_connections_then_back_gets_the_reply_once(tmp_path, sync_log):
    port = free_port()
    with following(tmp_path, port=port) as followed:
        with serve_helpdesk(followed.standin, port):
            request_id, follow_url = followed.send()
            followed.standin.reply(request_id, "Quel transporteur ?")
            followed.time.pass_time(POLL_SECONDS)
        assert followed.page(follow_url)[0] == AWAITING
        # Down: the page shows what was last known, and takes the reader's reply.
        followed.standin.set_status(request_id, "solved")
        assert reply(followed.url, follow_url, "Toujours bloqué, Colissimo.").status_code == 201
        for _ in range(6):
            followed.time.pass_time(POLL_SECONDS)
        status, conversation = followed.page(follow_url)
        assert status == OPEN  # the reply opened it here; the helpdesk's solved is not known
        assert "Quel transporteur ?" in conversation
        [delivery] = followed.reply_deliveries()
        assert delivery["state"] == "pending"
        assert delivery["last_error"] == "request: cannot connect (ConnectError)"
        with serve_helpdesk(followed.standin, port):
            for _ in range(10):
                followed.time.pass_time(POLL_SECONDS)
        assert followed.standin.requester_comments(request_id) == ["Toujours bloqué, Colissimo."]
        assert followed.page(follow_url)[1].count("Toujours bloqué, Colissimo.") == 1
    lines = lines_of(sync_log, "helpcenter.tickets.sync")
    assert sum("The helpdesk is unavailable" in line for line in lines) == 1
    assert sum("answers again" in line for line in lines) == 1
    assert_no_reader_text(lines + lines_of(sync_log, "helpcenter.tickets.helpdesk"))


def test_a_reply_to_a_ticket_not_yet_forwarded_waits_for_it(followed):
    followed.standin.faults.extend([Fault(500)] * 3)  # the ticket's delivery fails, for now
    answer = httpx.post(f"{followed.url}/api/tickets", data=VALID, headers=JSON)
    follow_url = answer.json()["follow_url"]
    followed.time.wait_idle()
    assert followed.standin.requests == []
    assert reply(followed.url, follow_url, "Un détail de plus.").status_code == 201
    followed.time.wait_idle()
    assert followed.reply_deliveries()[0]["attempts"] == 0  # not tried before its ticket
    for _ in range(15):
        followed.time.pass_time(4)
    [request] = followed.standin.requests
    assert followed.standin.requester_comments(request["id"]) == ["Un détail de plus."]


def test_without_the_token_nothing_is_read_and_the_log_says_what_to_set(tmp_path, sync_log):
    with following(tmp_path) as followed:
        followed.standin.token = "another-token"  # the helpdesk does not take ours
        answer = httpx.post(f"{followed.url}/api/tickets", data=VALID, headers=JSON)
        followed.time.wait_idle()
        followed.time.pass_time(POLL_SECONDS)
        assert followed.page(answer.json()["follow_url"])[0] == OPEN
    [line] = [line for line in lines_of(sync_log, "helpcenter.tickets.sync") if "unavail" in line]
    assert "HTTP 401" in line and "HELPCENTER_HELPDESK_TOKEN" in line


def test_without_a_token_replies_wait_here_until_one_is_set_and_the_log_says_so(
    tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="helpcenter")
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    project = example_project()
    database = tmp_path / "tickets.sqlite3"
    standin = Helpdesk(token=TOKEN)
    with BackgroundServer(standin.app()) as helpdesk:
        app = endpoint_app(project, database, None, [], helpdesk.url, rate_limit=10_000)
        with BackgroundServer(app) as endpoint:
            answer = httpx.post(f"{endpoint.url}/api/tickets", data=VALID, headers=JSON)
            follow_url = answer.json()["follow_url"]
            wait_until(lambda: deliveries(database)[0]["state"] == "delivered")  # as before
            assert reply(endpoint.url, follow_url, "Toujours bloqué.").status_code == 201
            assert "Toujours bloqué." in conversation_on(page(endpoint.url, follow_url))
        assert standin.calls == []  # nothing asked as the requester, without the token
        [line] = [record.getMessage() for record in caplog.records]
        assert f"{TOKEN_VARIABLE} is not set" in line and "not followed" in line
        monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
        with BackgroundServer(endpoint_app(project, database, None, [], helpdesk.url)):
            request_id = standin.requests[0]["id"]
            wait_until(lambda: standin.requester_comments(request_id) == ["Toujours bloqué."])


@pytest.mark.parametrize("url", ["http://helpdesk.example.com", "http://10.0.0.7:8080"])
def test_the_token_never_goes_over_plain_http_but_to_this_machine(tmp_path, monkeypatch, url):
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    database = tmp_path / "tickets.sqlite3"
    with pytest.raises(CannotServe) as refused:
        endpoint_app(example_project(), database, None, [], url)
    [line] = str(refused.value).splitlines()
    assert line.startswith(f"--helpdesk-url (HELPCENTER_HELPDESK_URL) {url}: expected https://")
    assert TOKEN_VARIABLE in line
    assert not database.exists()  # refused before anything is made
    for taken in ["http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080"]:
        assert HelpdeskClient(taken, token=TOKEN).token == TOKEN
    assert HelpdeskClient(url).token is None  # anonymous forwarding, as before


# Several processes following one helpdesk from one database: each due request is read by one of
# them, each reply sent by one, whatever the helpdesk does with the reply's Idempotency-Key.


@dataclass
class Crowded(HelpdeskClient):
    """The client of one process's sync, whose first read, once read, waits until every sync has
    read once: they all hold what they claimed then."""

    together: threading.Barrier | None = None
    waited: bool = False

    def request_state(self, remote_id: str, requester: str) -> RequestState:
        state = super().request_state(remote_id, requester)
        if not self.waited and self.together is not None:
            self.waited = True
            self.together.wait()
        return state


@dataclass
class Processes:
    """The stores of several processes on one database, and the stand-in they forwarded to."""

    standin: Helpdesk
    url: str
    stores: list[TicketStore]

    def sync(
        self,
        number: int,
        together: threading.Barrier | None = None,
        clock: Callable[[], float] = lambda: START,
        **options,
    ):
        client = Crowded(self.url, token=TOKEN, together=together)
        return HelpdeskSync(self.stores[number], client, clock=clock, **options)

    def by_subject(self) -> dict[str, list[str]]:
        """What the requester wrote on each request after its description, by its subject."""
        return {
            r["subject"]: self.standin.requester_comments(r["id"]) for r in self.standin.requests
        }


@contextmanager
def processes(db: Target, count: int, tickets: int, replies: bool = False) -> Iterator[Processes]:
    """`count` processes' stores on `db`, and `tickets` (`Demande N`) delivered to a stand-in of
    Zendesk that ignores the Idempotency-Key of updates; with `replies`, each has the reader's
    reply (`Précision N`) waiting in the outbox."""
    standin = Helpdesk(token=TOKEN, clock=lambda: START, honour_update_keys=False)
    stores = [TicketStore(db, forward=True, clock=lambda: START) for _ in range(count)]
    try:
        with BackgroundServer(standin.app()) as helpdesk:
            sent = [
                stores[0].add(ticket(attachments=(), subject=f"Demande {n}")).reference
                for n in range(tickets)
            ]
            forwarder = Forwarder(stores[0], HelpdeskClient(helpdesk.url), clock=lambda: START)
            while forwarder.deliver_due():
                pass
            if replies:
                for number, reference in enumerate(sent):
                    stores[0].add_reply(reference, Reply(f"Précision {number}"))
            yield Processes(standin, helpdesk.url, stores)
    finally:
        for store in stores:
            store.close()


def work_side_by_side(syncs: list[HelpdeskSync]) -> None:
    """Each sync in a thread of its own (as in a process of its own), until nothing is due."""

    def drain(sync: HelpdeskSync) -> None:
        while sync.work():
            pass

    with ThreadPoolExecutor(len(syncs)) as pool:
        list(pool.map(drain, syncs))


def test_syncs_in_several_processes_read_each_due_request_once(db):
    """Each sync claims what it looks at: the others skip it, without waiting (PostgreSQL's
    SKIP LOCKED; SQLite claims one after the other)."""
    with processes(db, 3, tickets=21) as crowd:
        together = threading.Barrier(3, timeout=10)
        work_side_by_side([crowd.sync(number, together) for number in range(3)])
        assert [crowd.standin.reads(r["id"]) for r in crowd.standin.requests] == [1] * 21


def test_syncs_in_several_processes_send_each_reply_once(db):
    with processes(db, 3, tickets=21, replies=True) as crowd:
        together = threading.Barrier(3, timeout=10)
        work_side_by_side([crowd.sync(number, together) for number in range(3)])
        assert crowd.by_subject() == {f"Demande {n}": [f"Précision {n}"] for n in range(21)}
        assert {t["comments"][0]["delivery"]["state"] for t in crowd.stores[0].list()} == {
            "delivered"
        }


def test_a_requests_replies_reach_the_helpdesk_in_order_and_a_closed_request_is_left_alone(db):
    """Replies go one after the other, as written; a closed request takes no more changes, and
    looking at it again and again would spend the helpdesk's rate limit for nothing."""
    with processes(db, 1, tickets=2) as crowd:
        store = crowd.stores[0]
        references = {t["subject"]: t["reference"] for t in store.list()}
        for text in ("Un.", "Deux.", "Trois."):
            store.add_reply(references["Demande 0"], Reply(text))
        store.set_status(references["Demande 1"], "closed")
        work_side_by_side([crowd.sync(0)])
        assert crowd.by_subject() == {"Demande 0": ["Un.", "Deux.", "Trois."], "Demande 1": []}
        [closed] = [r for r in crowd.standin.requests if r["subject"] == "Demande 1"]
        assert crowd.standin.reads(closed["id"]) == 0


def test_a_helpdesk_whose_clock_runs_ahead_never_dates_the_activity_here_in_the_future(db):
    """Its times are taken as they come, but never later than now: "last active" and the days
    a solved request may be reopened in count from no later than this machine's time."""
    with processes(db, 1, tickets=1) as crowd:
        crowd.standin.clock = lambda: START + 3600  # an hour ahead
        [request] = crowd.standin.requests
        crowd.standin.reply(request["id"], "Nous regardons.", status="solved")
        work_side_by_side([crowd.sync(0)])
        [ticket] = crowd.stores[0].list()
        assert ticket["status"] == "solved"
        assert datetime.fromisoformat(ticket["updated_at"]).timestamp() == START


def test_a_reply_the_helpdesk_dates_to_the_whole_second_is_known_when_it_comes_back(db):
    """Zendesk gives times to the second: the copy of a reply written at 12:00:00.7 says
    12:00:00, and is still the reader's reply, shown once."""
    with processes(db, 1, tickets=1) as crowd:
        store = crowd.stores[0]
        store.clock = lambda: START + 0.7
        [ticket] = store.list()
        store.add_reply(ticket["reference"], Reply("Précision."))
        work_side_by_side([crowd.sync(0, clock=lambda: START + 1)])
        [request] = crowd.standin.requests
        assert crowd.standin.requester_comments(request["id"]) == ["Précision."]
        [ticket] = store.list()
        assert [comment["body"] for comment in ticket["comments"]] == ["Précision."]


def test_a_claim_ends_when_the_sync_that_held_it_died(db):
    with processes(db, 2, tickets=1, replies=True) as crowd:
        [request] = crowd.standin.requests
        died = SyncStore(crowd.stores[0])  # it claimed the reply and the request, then died
        assert died.due_replies(START, claim_for=CLAIM_SECONDS) != []
        assert died.due_requests(START, claim_for=CLAIM_SECONDS) != []
        now = START + CLAIM_SECONDS - 1
        other = crowd.sync(1, clock=lambda: now)
        assert other.work() == 0
        assert crowd.standin.reads(request["id"]) == 0
        now = START + CLAIM_SECONDS
        assert other.work() == 1
        assert crowd.by_subject() == {"Demande 0": ["Précision 0"]}


def test_a_sync_does_not_wait_for_what_another_is_claiming(postgres_db):
    """PostgreSQL: the rows another process's transaction holds are skipped, not waited for."""
    with processes(postgres_db, 1, tickets=2, replies=True) as crowd:
        store = crowd.stores[0]
        store.set_busy_timeout(0.5)
        mirror = SyncStore(store)
        with psycopg.connect(postgres_db.url) as other, other.transaction():
            other.execute("SELECT 1 FROM deliveries ORDER BY ticket_id LIMIT 1 FOR UPDATE")
            other.execute("SELECT 1 FROM reply_deliveries ORDER BY comment_id LIMIT 1 FOR UPDATE")
            assert len(mirror.due_replies(START, claim_for=CLAIM_SECONDS)) == 1
            assert len(mirror.due_requests(START, claim_for=CLAIM_SECONDS)) == 1


def test_a_sync_that_finds_the_helpdesk_down_lets_go_of_the_replies_it_had_not_tried(db):
    """Another process, which reaches the helpdesk, sends them at once."""
    with processes(db, 2, tickets=3, replies=True) as crowd:
        crowd.standin.faults.append(Fault(503))
        assert crowd.sync(0).work() == 1  # the first reply failed: the helpdesk is down for it
        assert crowd.sync(1).work() == 3  # the two other replies, and the first one's request
        assert sorted(map(len, crowd.by_subject().values())) == [0, 1, 1]


def test_a_sync_that_finds_the_helpdesk_down_lets_go_of_the_requests_it_had_not_read(db):
    with processes(db, 2, tickets=3) as crowd:
        crowd.standin.faults.append(Fault(503))
        assert crowd.sync(0).work() == 1
        assert crowd.sync(1).work() == 3  # the one the first failed to read included
        assert sorted(crowd.standin.reads(r["id"]) for r in crowd.standin.requests) == [1, 1, 2]


# The webhook.


def forged(followed: Setup, request_id: int) -> list[dict]:
    """Calls that are not the helpdesk's, each as sent."""
    body = {"ticket_id": str(request_id)}
    now = followed.time.stamp()
    return [
        {"payload": body, "secret": "not-the-secret", "timestamp": now},
        {"payload": body, "secret": SECRET, "timestamp": followed.time.stamp(-301)},
        {"payload": body, "secret": SECRET, "timestamp": followed.time.stamp(+301)},
        {"payload": body, "secret": SECRET, "timestamp": "yesterday"},
        {"payload": body, "secret": SECRET, "timestamp": now, "signature": "AAAA"},
        {"payload": body, "secret": SECRET, "timestamp": now, "signature": "é".encode()},
    ]


def test_a_webhook_with_a_bad_or_stale_signature_is_refused_and_changes_nothing(followed):
    request_id, follow_url = followed.send()
    followed.standin.reply(request_id, "Votre étiquette est réémise.", status="solved")
    refused = [send_webhook(followed.webhook, **call) for call in forged(followed, request_id)]
    # Signed for another body than the one sent.
    body = b'{"ticket_id": "%d"}' % request_id
    signed = send_webhook(followed.webhook, SECRET, b'{"ticket_id": "1"}', followed.time.stamp())
    tampered = httpx.post(
        followed.webhook,
        content=body,
        headers={
            "X-Zendesk-Webhook-Signature": signed.request.headers["x-zendesk-webhook-signature"],
            "X-Zendesk-Webhook-Signature-Timestamp": followed.time.stamp(),
        },
    )
    unsigned = httpx.post(followed.webhook, content=body)
    for answer in [*refused, tampered, unsigned]:
        assert answer.status_code == 401
        assert answer.json() == {"errors": {"signature": ["Not authenticated."]}}
    followed.time.wait_idle("sync")
    status, conversation = followed.page(follow_url)
    assert status == OPEN
    assert "Votre étiquette est réémise." not in conversation


def test_a_signed_webhook_that_names_no_request_is_refused_and_one_not_ours_is_ignored(followed):
    followed.send()
    for body in [b"{}", b"[1]", b"not json", b"[" * 5000, b'{"ticket_id": true}']:
        answer = send_webhook(followed.webhook, SECRET, body, followed.time.stamp())
        assert answer.status_code == 422, body
    answer = send_webhook(followed.webhook, SECRET, {"ticket_id": 999999}, followed.time.stamp())
    assert answer.status_code == 202


def test_the_webhook_has_its_body_limit_and_rate_limit(tmp_path):
    with following(tmp_path, helpdesk_webhook_body_kb=1, helpdesk_webhook_per_minute=3) as followed:
        big = {"ticket_id": "1", "padding": "x" * 2000}
        assert send_webhook(followed.webhook, SECRET, big, followed.time.stamp()).status_code == 413
        answers = [
            send_webhook(followed.webhook, SECRET, {"ticket_id": 1}, followed.time.stamp())
            for _ in range(3)
        ]
        assert [answer.status_code for answer in answers] == [202, 202, 429]
        assert int(answers[-1].headers["retry-after"]) >= 1


def test_the_openapi_document_describes_the_webhook_when_it_is_on(followed):
    document = httpx.get(f"{followed.url}/api/openapi.json").json()
    operation = document["paths"]["/api/tickets/helpdesk-webhook"]["post"]
    assert {"202", "401", "413", "422", "429", "503"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {
        "X-Zendesk-Webhook-Signature",
        "X-Zendesk-Webhook-Signature-Timestamp",
    }
    assert "65536 bytes" in operation["requestBody"]["description"]


# A database of an earlier version.


EARLIER_REFERENCE = "HC-AAAA-BBBB-CCCC"


def earlier_database(tmp_path: Path, created_at: float | None = None) -> Path:
    """A database of an earlier version, its one ticket delivered as request 1001 (sent at
    `created_at`, else when EARLIER_SCHEMA says)."""
    database = tmp_path / "tickets.sqlite3"
    connection = sqlite3.connect(database)
    connection.executescript(EARLIER_SCHEMA)
    connection.execute("UPDATE deliveries SET state = 'delivered', remote_id = '1001'")
    if created_at is not None:
        connection.execute("UPDATE tickets SET created_at = ?", (iso(created_at),))
    connection.commit()
    connection.close()
    return database


def earlier_request(standin: Helpdesk, answer: str, status: str = "pending") -> None:
    """The request an earlier version forwarded, and the team's answer to it."""
    record = {
        "id": next(standin.ids),
        "subject": "Avant",
        "requester": {"name": "Camille", "email": "camille@example.com"},
        "comment": {"body": "Envoyé avant la mise à jour."},
    }
    standin.requests.append(record)
    standin.opened(record, record["comment"])
    standin.reply(record["id"], answer, status=status)


def test_a_database_of_an_earlier_version_is_followed_once_migrated(tmp_path):
    """A ticket delivered by an earlier version (its delivery without the new columns) is
    followed like the others."""

    def prepare(standin: Helpdesk) -> None:
        earlier_request(standin, "Réponse après la mise à jour.")

    database = earlier_database(tmp_path)
    with following(tmp_path, database=database, prepare=prepare) as followed:
        followed.time.wait_idle("sync")
        ticket = followed.service.store.find(EARLIER_REFERENCE)
    assert ticket["status"] == "pending"
    assert [c["body"] for c in ticket["comments"]] == ["Réponse après la mise à jour."]


def test_a_request_read_for_the_first_time_keeps_the_helpdesks_times(tmp_path):
    """Forwarded by an earlier version and solved in the helpdesk three weeks ago: read for the
    first time today, it was last active three weeks ago, and its reopen window is past."""
    solved_at = START - 21 * DAY

    def solved_long_ago(standin: Helpdesk) -> None:
        clock, standin.clock = standin.clock, lambda: solved_at
        earlier_request(standin, "Réglé : le colis est reparti.", status="solved")
        standin.clock = clock

    database = earlier_database(tmp_path, created_at=solved_at - DAY)
    with following(tmp_path, database=database, prepare=solved_long_ago) as followed:
        followed.time.wait_idle("sync")
        store = followed.service.store
        ticket = store.find(EARLIER_REFERENCE)
        assert ticket["status"] == "solved"
        assert ticket["updated_at"] == ticket["status_changed_at"] == iso(solved_at)
        with pytest.raises(RequestClosed):
            store.add_reply(
                EARLIER_REFERENCE,
                Reply("Finalement, non."),
                reopen_days=followed.service.follow_up.reopen_days,
            )


# The settings.


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("helpdesk_poll_seconds: -5", "expected a number of seconds from 0 to 86400, got -5"),
        ("helpdesk_poll_max_seconds: 0", "expected a number of seconds from 1 to 604800, got 0"),
        ("helpdesk_webhook_body_kb: big", "Expected type: <class 'int'> but received"),
    ],
)
def test_a_bad_setting_is_one_error_naming_the_file_and_the_key(project_copy, setting, expected):
    config_file = project_copy / "mkdocs.yml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace("  - helpcenter:\n", f"  - helpcenter:\n      server: {{{setting}}}\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ProjectError) as refused:
        load_project(config_file)
    [line] = str(refused.value).splitlines()
    key = setting.split(":")[0]
    assert line.startswith(f"{config_file}: plugins.helpcenter.server.{key}: ")
    assert expected in line
