"""The outbox never stops: whatever a delivery runs into is recorded on the ticket, logged once
per attempt without what the reader wrote, retried with backoff, and after
`server.forward_attempts` attempts set aside as `failed`, which `helpcenter tickets retry` undoes.
"""

from __future__ import annotations

import itertools
import json
import logging

import pytest

from helpcenter.cli import main
from helpcenter.tickets.app import build_app
from helpcenter.tickets.helpdesk import Forwarder, HelpdeskClient
from tests.conftest import BackgroundServer
from tests.databases import write_lock
from tests.processes import free_port
from tests.tickets.test_endpoint import VALID
from tests.tickets.test_forwarding import (
    FakeTime,
    deliver_all,
    deliveries,
    endpoint_forwarding_to,
    forwarding_service,
    submit,
)
from tests.tickets.zendesk_standin import Fault, Helpdesk

# What the reader wrote: none of it may be in an error or a log line.
READER_TEXT = [VALID["name"], VALID["email"], VALID["subject"][:10], VALID["message"][:20]]
READER_TEXT += ["capture.png", "Demande"]


@pytest.fixture
def helpdesk():
    standin = Helpdesk()
    with BackgroundServer(standin.app()) as server:
        yield standin, server.url


@pytest.fixture
def forwarder_log(caplog):
    caplog.set_level(logging.WARNING, logger="helpcenter.tickets.helpdesk")
    return caplog


def failure_lines(caplog) -> list[str]:
    """Everything the forwarder logged (warnings and errors)."""
    return [r.getMessage() for r in caplog.records if r.name == "helpcenter.tickets.helpdesk"]


def assert_no_reader_text(*texts: str) -> None:
    for text in texts:
        for secret in READER_TEXT:
            assert secret not in text, f"{secret!r} in {text!r}"


def test_a_helpdesk_answering_html_with_200_then_recovering_gets_both_tickets_exactly_once(
    db, helpdesk, forwarder_log
):
    """A proxy's HTML page with 200 instead of the JSON: the forwarder used to die on it."""
    standin, helpdesk_url = helpdesk
    page = "<!doctype html><title>Maintenance</title><p>Back soon</p>"
    standin.faults.extend([Fault(200, body=page, content_type="text/html")] * 2)
    database = db
    fake = FakeTime()
    with endpoint_forwarding_to(database, helpdesk_url, fake) as endpoint:
        submit(endpoint.url, count=2)
        fake.wait_idle()
        first = deliveries(database)
        assert [d["state"] for d in first] == ["pending", "pending"]
        assert all(d["attempts"] == 1 for d in first)
        assert all("without a JSON object (text/html)" in d["error"] for d in first)
        deliver_all(database, fake)
    assert sorted(r["subject"] for r in standin.requests) == ["Demande 0", "Demande 1"]
    assert [d["attempts"] for d in deliveries(database)] == [2, 2]
    lines = failure_lines(forwarder_log)
    assert len(lines) == 2  # one per failed attempt
    assert_no_reader_text(*lines)


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        ([Fault(201, body='{"upload": {}}')], "upload: answer without upload.token"),
        ([Fault(201, body='{"upload": {"token": 42}}')], "upload: answer without upload.token"),
        ([Fault(201, body="[1, 2]")], "upload: HTTP 201 without a JSON object"),
        ([Fault(200, body="", content_type="")], "upload: HTTP 200 without a JSON object"),
        ([Fault(502, body="<h1>Bad gateway</h1>", content_type="text/html")], "upload: HTTP 502"),
        ([Fault(400)], "upload: HTTP 400"),
        ([Fault(401)], "upload: HTTP 401"),
        ([Fault(404)], "upload: HTTP 404"),
        ([Fault(delay=0.5)], "upload: timed out"),
    ],
    ids=[
        "no-token",
        "token-not-text",
        "json-not-object",
        "empty-200",
        "html-502",
        "400",
        "401",
        "404",
        "timeout",
    ],
)
def test_every_kind_of_failure_is_recorded_retried_and_logged_once(
    db, helpdesk, forwarder_log, faults, error
):
    standin, helpdesk_url = helpdesk
    standin.faults.extend(faults)
    database = db
    fake = FakeTime()
    client = HelpdeskClient(helpdesk_url, timeout=0.2)
    with endpoint_forwarding_to(database, helpdesk_url, fake, client) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        [delivery] = deliveries(database)
        assert delivery["state"] == "pending"
        assert delivery["attempts"] == 1
        assert delivery["error"].startswith(error)
        deliver_all(database, fake)
    [request] = standin.requests
    assert request["subject"] == "Demande 0"
    [line] = failure_lines(forwarder_log)
    assert "attempt 1 of 12" in line and error in line
    assert_no_reader_text(line, delivery["error"])


def test_a_request_answer_without_an_id_is_retried_and_creates_one_request(db, helpdesk):
    """The request was created, but its answer is unusable: the retry, with the same
    Idempotency-Key, gets the first request back rather than making a second."""
    standin, helpdesk_url = helpdesk
    database = db
    fake = FakeTime()

    class NoIdOnce(HelpdeskClient):
        broken = True

        def check(self, response, what):
            data = super().check(response, what)
            if what == "request" and self.broken:
                self.broken = False
                return {"request": {"status": "new"}}
            return data

    client = NoIdOnce(helpdesk_url, timeout=10.0)
    with endpoint_forwarding_to(database, helpdesk_url, fake, client) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        assert deliveries(database)[0]["error"] == "request: answer without request.id"
        deliver_all(database, fake)
    assert len(standin.requests) == 1
    assert deliveries(database)[0]["helpdesk_id"] == str(standin.requests[0]["id"])


def test_a_bug_in_reading_an_answer_is_recorded_and_the_forwarder_goes_on(
    db, helpdesk, forwarder_log
):
    standin, helpdesk_url = helpdesk
    database = db
    fake = FakeTime()

    class BuggyOnce(HelpdeskClient):
        calls = 0

        def deliver(self, ticket, attachments):
            self.calls += 1
            if self.calls == 1:  # a bug whose message quotes what it was reading
                raise KeyError(f"{ticket['name']} {ticket['email']} {ticket['message']}")
            return super().deliver(ticket, attachments)

    client = BuggyOnce(helpdesk_url, timeout=10.0)
    with endpoint_forwarding_to(database, helpdesk_url, fake, client) as endpoint:
        submit(endpoint.url, count=2)
        fake.wait_idle()
        first, second = deliveries(database)
        assert first["state"] == "pending" and first["error"].startswith("unexpected KeyError at")
        assert second["state"] == "delivered"  # the forwarder went on to the next ticket
        deliver_all(database, fake)
    assert sorted(r["subject"] for r in standin.requests) == ["Demande 0", "Demande 1"]
    [line] = failure_lines(forwarder_log)
    assert_no_reader_text(line, first["error"])


def test_retry_after_is_honoured(db, helpdesk):
    standin, helpdesk_url = helpdesk
    standin.faults.append(Fault(503, retry_after=120))
    database = db
    fake = FakeTime()
    with endpoint_forwarding_to(database, helpdesk_url, fake) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        [delivery] = deliveries(database)
        assert delivery["attempts"] == 1
        assert delivery["next_attempt_at"] == "2030-01-01T12:02:00+00:00"  # not the 2 s backoff
        fake.pass_time(110, step=10)
        assert deliveries(database)[0]["attempts"] == 1
        fake.pass_time(10)
        assert deliveries(database)[0]["state"] == "delivered"
    assert len(standin.requests) == 1


def test_backoff_doubles_between_attempts(db, forwarder_log):
    database = db
    fake = FakeTime()
    down = f"http://127.0.0.1:{free_port()}"
    with endpoint_forwarding_to(database, down, fake, backoff_base=2.0, max_backoff=16.0) as end:
        submit(end.url)
        fake.wait_idle()
        attempts_at = [0]
        for second in range(1, 61):
            fake.advance(1)
            fake.wait_idle()
            if deliveries(database)[0]["attempts"] > len(attempts_at):
                attempts_at.append(second)
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts_at)]
    assert gaps[:5] == [2, 4, 8, 16, 16]


def test_after_forward_attempts_a_ticket_is_set_aside_as_failed_and_retry_puts_it_back(
    db, forwarder_log, capsys
):
    port = free_port()
    database = db
    fake = FakeTime()
    standin = Helpdesk()
    with endpoint_forwarding_to(database, f"http://127.0.0.1:{port}", fake, max_attempts=4) as end:
        submit(end.url, count=2)
        fake.wait_idle()
        fake.pass_time(120, step=4)
        states = deliveries(database)
        assert [d["state"] for d in states] == ["failed", "failed"]
        assert [d["attempts"] for d in states] == [4, 4]
        assert states[0]["error"] == "upload: cannot connect (ConnectError)"
        lines = failure_lines(forwarder_log)
        assert len(lines) == 8  # once per attempt, no more once set aside
        assert sum("set aside as failed" in line for line in lines) == 2

        assert main(["tickets", "list", "--db", str(database)]) == 0
        listing = capsys.readouterr().out
        failed = "delivery: failed after 4 attempts (last error: upload: cannot connect"
        assert listing.count(failed) == 2
        assert main(["tickets", "list", "--db", str(database), "--json"]) == 0
        [listed, _] = json.loads(capsys.readouterr().out)
        assert listed["delivery"]["state"] == "failed"
        assert listed["delivery"]["attempts"] == 4

        server = BackgroundServer(standin.app())
        server.port = port
        server.server.config.port = port
        with server:
            reference = listed["reference"]
            assert main(["tickets", "retry", reference, "--db", str(database)]) == 0
            assert capsys.readouterr().out.startswith(f"{reference}: back in the queue")
            fake.wait_idle()
            states = {t["reference"]: t["delivery"] for t in json_list(database, capsys)}
            assert states[reference]["state"] == "delivered"
            assert [d["state"] for d in states.values()].count("failed") == 1
            assert main(["tickets", "retry", "--failed", "--db", str(database)]) == 0
            fake.wait_idle()
            assert [d["state"] for d in deliveries(database)] == ["delivered", "delivered"]
            assert main(["tickets", "retry", "HC-0000-0000-0000", "--db", str(database)]) == 1
    assert len(standin.requests) == 2


def json_list(database, capsys) -> list[dict]:
    assert main(["tickets", "list", "--db", str(database), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_tickets_list_shows_pending_attempts_and_the_last_error(db, capsys):
    database = db
    fake = FakeTime()
    down = f"http://127.0.0.1:{free_port()}"
    with endpoint_forwarding_to(database, down, fake) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        fake.pass_time(6, step=2)
    assert main(["tickets", "list", "--db", str(database)]) == 0
    line = capsys.readouterr().out
    assert "delivery: pending (3 attempts, next at 2030-01-01T12:00:14" in line
    assert "last error: upload: cannot connect (ConnectError)" in line
    assert main(["tickets", "list", "--db", str(database), "--state", "delivered"]) == 0
    assert capsys.readouterr().out.strip() == "No tickets in the state delivered."


def test_the_forwarder_outlives_a_locked_database(db, helpdesk, forwarder_log):
    """The store itself failing (locked beyond its busy timeout when the delivery is recorded)
    stops nothing: the forwarder waits, then records it; the helpdesk has one request."""
    standin, helpdesk_url = helpdesk
    standin.faults.append(Fault(500))
    database = db
    fake = FakeTime()
    service = forwarding_service(database, fake)
    # Beyond it, a write fails as locked. PostgreSQL's pool waits as long to lend a connection,
    # which a busy machine took over 0.05 s to make ready ("no connection ... in time").
    service.store.set_busy_timeout(0.5)
    forwarder = Forwarder(
        service.store,
        HelpdeskClient(helpdesk_url, timeout=10.0),
        poll_seconds=0.01,
        backoff_base=2.0,
        clock=fake.clock,
        sleep=fake.sleep,
    )
    with BackgroundServer(build_app(service, [], forwarder)) as endpoint:
        submit(endpoint.url)
        fake.wait_idle()
        assert deliveries(database)[0]["attempts"] == 1
        with write_lock(database):  # another writer, for longer than the busy timeout
            fake.advance(2)
            fake.wait_idle()
            fake.wait_idle()
        fake.wait_idle()
    [delivery] = deliveries(database)
    assert delivery["state"] == "delivered"
    assert len(standin.requests) == 1
    outages = [r.getMessage() for r in forwarder_log.records if "Outbox" in r.getMessage()]
    assert outages and all("the database is locked" in line for line in outages)
