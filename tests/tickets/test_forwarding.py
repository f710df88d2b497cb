"""Forwarding to the helpdesk: every stored ticket delivered exactly once, whatever it answers.

The forwarder goes by a clock the tests move (`FakeTime`): hours of backoff pass in a moment, and
the tests wait for the forwarder to have looked at the outbox, never for the wall clock.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from helpcenter.engines import Target
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.helpdesk import Forwarder, HelpdeskClient
from helpcenter.tickets.store import TicketStore
from tests.conftest import BackgroundServer, ticket_service
from tests.processes import free_port
from tests.tickets.test_endpoint import PNG, VALID
from tests.tickets.zendesk_standin import Fault, Helpdesk

# 2030-01-01T12:00:00Z: far from midnight, so no daily quota turns over by surprise.
START = 1893499200.0


class FakeTime:
    """A clock that moves only when told, and the forwarder's sleep, which says when it is idle.

    The forwarder sleeps when nothing is due (or the outbox is unavailable): two sleeps after the
    clock moved mean it has looked at the outbox at the new time and tried what was due.
    """

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps = 0
        self.condition = threading.Condition()

    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self.condition:
            self.now += seconds
            self.sleeps = 0

    async def sleep(self, seconds: float) -> None:
        with self.condition:
            self.sleeps += 1
            self.condition.notify_all()
        await asyncio.sleep(0.002)

    def wait_idle(self, timeout: float = 20.0) -> None:
        """Until the forwarder has tried everything due at the current time."""
        with self.condition:
            self.sleeps = 0
            if not self.condition.wait_for(lambda: self.sleeps >= 2, timeout):
                raise AssertionError("the forwarder never went idle")

    def pass_time(self, seconds: float, step: float = 1.0) -> None:
        """Let `seconds` pass, `step` at a time, the forwarder trying what falls due."""
        for _ in range(round(seconds / step)):
            self.advance(step)
            self.wait_idle()


def forwarding_service(database: Target, fake: FakeTime) -> TicketService:
    service = ticket_service(database, rate_limit_per_minute=10_000)
    service.store.forward = True
    service.store.clock = fake.clock
    service.feedback.clock = fake.clock
    return service


def endpoint_forwarding_to(
    database: Target,
    helpdesk_url: str,
    fake: FakeTime,
    client: HelpdeskClient | None = None,
    **options,
) -> BackgroundServer:
    """The endpoint, storing with `fake`'s clock and forwarding by it to `helpdesk_url`."""
    service = forwarding_service(database, fake)
    options = {"backoff_base": 2.0, "max_backoff": 16.0, "max_attempts": 12, **options}
    forwarder = Forwarder(
        service.store,
        # Long enough for a machine under load: the faults that time out have their own client.
        client or HelpdeskClient(helpdesk_url, timeout=10.0),
        poll_seconds=0.01,
        clock=fake.clock,
        sleep=fake.sleep,
        **options,
    )
    return BackgroundServer(build_app(service, [], forwarder))


def deliveries(database: Target) -> list[dict]:
    """Each ticket's delivery, oldest ticket first."""
    store = TicketStore(database, writable=False)
    try:
        return [ticket["delivery"] for ticket in reversed(store.list())]
    finally:
        store.close()


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def submit(url: str, count: int = 1, first: int = 0) -> None:
    """`count` tickets, their subjects numbered from `first`."""
    for number in range(first, first + count):
        response = httpx.post(
            f"{url}/api/tickets",
            data={**VALID, "subject": f"Demande {number}"},
            files=[("attachments", ("capture.png", PNG, "image/png"))],
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201


def all_delivered(database: Path) -> bool:
    return all(d["state"] == "delivered" for d in deliveries(database))


def deliver_all(database: Path, fake: FakeTime, seconds: float = 120.0, step: float = 2.0) -> None:
    """Let time pass until every ticket is delivered (at most `seconds` of it)."""
    for _ in range(round(seconds / step)):
        if all_delivered(database):
            return
        fake.advance(step)
        fake.wait_idle()
    assert all_delivered(database), deliveries(database)


@pytest.fixture
def helpdesk():
    standin = Helpdesk()
    with BackgroundServer(standin.app()) as server:
        yield standin, server.url


def test_a_ticket_reaches_the_helpdesk_with_its_attachment(db, helpdesk):
    standin, helpdesk_url = helpdesk
    database = db
    fake = FakeTime()
    with endpoint_forwarding_to(database, helpdesk_url, fake) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
    [request] = standin.requests
    assert request["requester"]["email"] == VALID["email"]
    [token] = request["comment"]["uploads"]
    assert standin.uploads[token]["content"] == PNG
    [delivery] = deliveries(database)
    assert delivery["state"] == "delivered"
    assert delivery["helpdesk_id"] == str(request["id"])
    assert delivery["attempts"] == 1


@pytest.mark.parametrize(
    "faults",
    [
        [Fault(500), Fault(503)],
        [Fault(429, retry_after=1)],
        [Fault(delay=0.5)],  # the helpdesk answers after the client gave up
    ],
    ids=["server-errors", "rate-limited", "timeout"],
)
def test_faults_are_retried_and_each_ticket_delivered_exactly_once(db, helpdesk, faults):
    standin, helpdesk_url = helpdesk
    standin.faults.extend(faults)
    database = db
    fake = FakeTime()
    client = HelpdeskClient(helpdesk_url, timeout=0.2)
    with endpoint_forwarding_to(database, helpdesk_url, fake, client) as endpoint:
        submit(endpoint.url, count=3)
        deliver_all(database, fake)
    assert sorted(r["subject"] for r in standin.requests) == ["Demande 0", "Demande 1", "Demande 2"]
    assert max(d["attempts"] for d in deliveries(database)) >= 2


def test_a_ticket_whose_answer_was_lost_is_created_once(db, helpdesk):
    """The helpdesk creates the request but answers after the client gave up: the next attempt
    carries the same Idempotency-Key and gets the same request, not a second one."""
    standin, helpdesk_url = helpdesk
    standin.faults.extend([None, Fault(delay=0.5)])  # the upload answers, the request too late
    fake = FakeTime()
    client = HelpdeskClient(helpdesk_url, timeout=0.2)
    with endpoint_forwarding_to(db, helpdesk_url, fake, client) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        assert deliveries(db)[0]["error"] == "request: timed out (ReadTimeout)"
        wait_until(lambda: standin.requests)  # created meanwhile
        deliver_all(db, fake)
    assert [r["subject"] for r in standin.requests] == ["Demande 0"]
    assert deliveries(db)[0]["helpdesk_id"] == str(standin.requests[0]["id"])


OUTAGE_SECONDS = 60


@pytest.mark.slow  # a minute of outage on the injected clock, many attempts
def test_a_minute_long_outage_loses_nothing_and_each_ticket_is_delivered_once_it_is_back(db):
    """Readers keep sending tickets while the helpdesk is down for a minute (of the fake clock:
    the forwarder retries as it would over a real minute)."""
    port = free_port()
    database = db
    standin = Helpdesk()
    fake = FakeTime()
    with endpoint_forwarding_to(database, f"http://127.0.0.1:{port}", fake) as endpoint:
        sent = 0
        for _ in range(OUTAGE_SECONDS // 10):
            submit(endpoint.url, first=sent)
            sent += 1
            fake.pass_time(10)
        states = deliveries(database)
        assert len(states) == sent == 6
        assert all(d["state"] == "pending" and d["attempts"] >= 1 for d in states)
        assert all(d["error"] == "upload: cannot connect (ConnectError)" for d in states)
        assert max(d["attempts"] for d in states) >= 5, "the endpoint kept retrying"
        server = BackgroundServer(standin.app())
        server.port = port
        server.server.config.port = port
        with server:
            deliver_all(database, fake)
    # Each ticket exactly once: no subject missing, none twice.
    assert sorted(r["subject"] for r in standin.requests) == sorted(
        f"Demande {number}" for number in range(sent)
    )


def test_content_the_helpdesk_refuses_is_marked_failed_and_not_retried(db, helpdesk):
    standin, helpdesk_url = helpdesk
    details = '{"error": "RecordInvalid", "details": {"email": [{"description": "invalid"}]}}'
    standin.faults.append(Fault(422, body=details))
    database = db
    fake = FakeTime()
    with endpoint_forwarding_to(database, helpdesk_url, fake) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        fake.pass_time(600, step=60)
    [delivery] = deliveries(database)
    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 1
    # The team reads which field the helpdesk refused, not what it said of it.
    assert delivery["error"] == "upload: refused (422): email"
    assert standin.requests == []
