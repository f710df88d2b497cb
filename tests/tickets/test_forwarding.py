"""Forwarding to the helpdesk: every stored ticket delivered exactly once, whatever it answers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from helpcenter.tickets.app import build_app
from helpcenter.tickets.helpdesk import Forwarder, HelpdeskClient
from helpcenter.tickets.store import TicketStore
from tests.conftest import BackgroundServer, free_port, ticket_service
from tests.tickets.test_endpoint import PNG, VALID
from tests.tickets.zendesk_standin import Fault, Helpdesk


def endpoint_forwarding_to(database: Path, helpdesk_url: str) -> BackgroundServer:
    service = ticket_service(database, rate_limit_per_minute=10_000)
    service.store.forward = True
    forwarder = Forwarder(
        service.store,
        HelpdeskClient(helpdesk_url, timeout=1.0),
        poll_seconds=0.05,
        backoff_base=0.2,
        max_backoff=3.0,
    )
    return BackgroundServer(build_app(service, [], forwarder))


def deliveries(database: Path) -> list[dict]:
    store = TicketStore(database)
    try:
        return [ticket["delivery"] for ticket in store.list()]
    finally:
        store.close()


def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


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


@pytest.fixture
def helpdesk():
    standin = Helpdesk()
    with BackgroundServer(standin.app()) as server:
        yield standin, server.url


def test_a_ticket_reaches_the_helpdesk_with_its_attachment(tmp_path, helpdesk):
    standin, helpdesk_url = helpdesk
    database = tmp_path / "tickets.sqlite3"
    with endpoint_forwarding_to(database, helpdesk_url) as endpoint:
        submit(endpoint.url)
        wait_until(lambda: deliveries(database)[0]["state"] == "delivered")
    [request] = standin.requests
    assert request["requester"]["email"] == VALID["email"]
    [token] = request["comment"]["uploads"]
    assert standin.uploads[token]["content"] == PNG
    assert deliveries(database)[0]["helpdesk_id"] == str(request["id"])


@pytest.mark.parametrize(
    "faults",
    [
        [Fault(500), Fault(503)],
        [Fault(429, retry_after=1)],
        [Fault(delay=2.0)],  # the helpdesk answers after the client gave up
    ],
    ids=["server-errors", "rate-limited", "timeout"],
)
def test_faults_are_retried_and_each_ticket_delivered_exactly_once(tmp_path, helpdesk, faults):
    standin, helpdesk_url = helpdesk
    standin.faults.extend(faults)
    database = tmp_path / "tickets.sqlite3"
    with endpoint_forwarding_to(database, helpdesk_url) as endpoint:
        submit(endpoint.url, count=3)
        wait_until(lambda: all(d["state"] == "delivered" for d in deliveries(database)))
    assert sorted(r["subject"] for r in standin.requests) == ["Demande 0", "Demande 1", "Demande 2"]
    assert max(d["attempts"] for d in deliveries(database)) >= 2


OUTAGE_SECONDS = 60


def test_a_minute_long_outage_loses_nothing_and_each_ticket_is_delivered_once_it_is_back(tmp_path):
    """Readers keep sending tickets while the helpdesk is down for a minute."""
    port = free_port()
    database = tmp_path / "tickets.sqlite3"
    standin = Helpdesk()
    with endpoint_forwarding_to(database, f"http://127.0.0.1:{port}") as endpoint:
        down_until = time.monotonic() + OUTAGE_SECONDS
        sent = 0
        while time.monotonic() < down_until:
            submit(endpoint.url, first=sent)
            sent += 1
            time.sleep(min(10, max(0, down_until - time.monotonic())))
        states = deliveries(database)
        assert len(states) == sent >= 6
        assert all(d["state"] == "pending" and d["attempts"] >= 1 for d in states)
        assert max(d["attempts"] for d in states) >= 5, "the endpoint kept retrying"
        server = BackgroundServer(standin.app())
        server.port = port
        server.server.config.port = port
        with server:
            wait_until(
                lambda: all(d["state"] == "delivered" for d in deliveries(database)), timeout=30
            )
    # Each ticket exactly once: no subject missing, none twice.
    assert sorted(r["subject"] for r in standin.requests) == sorted(
        f"Demande {number}" for number in range(sent)
    )


def test_content_the_helpdesk_refuses_is_marked_failed_and_not_retried(tmp_path, helpdesk):
    standin, helpdesk_url = helpdesk
    standin.faults.append(Fault(422))
    database = tmp_path / "tickets.sqlite3"
    with endpoint_forwarding_to(database, helpdesk_url) as endpoint:
        submit(endpoint.url)
        wait_until(lambda: deliveries(database)[0]["state"] == "failed")
    assert deliveries(database)[0]["attempts"] == 1
    assert "422" in deliveries(database)[0]["error"]
