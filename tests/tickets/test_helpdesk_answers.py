"""How the forwarder reads the helpdesk's answers that are not a success: how long a 429 or a
503 asks it to wait (`Retry-After`, in seconds or as an HTTP date), and which fields a 422
refused, named without what the helpdesk said of them (it may quote what the reader typed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from helpcenter.tickets.helpdesk import (
    MAX_RETRY_AFTER_SECONDS,
    TOKEN_VARIABLE,
    HelpdeskClient,
    Retries,
    UnexpectedAnswer,
    identifier,
    moment_of,
    refused_fields,
    request_state,
    retry_after_seconds,
)

NOW = datetime(2031, 3, 4, 10, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 30 ", 30.0),
        ("0.5", 0.5),
        ("0", 0.0),
        ("-5", 0.0),  # a wait in the past is no wait
        (str(MAX_RETRY_AFTER_SECONDS * 10), MAX_RETRY_AFTER_SECONDS),  # nor for ever
        ("Tue, 04 Mar 2031 10:01:30 GMT", 90.0),
        ("Tue, 04 Mar 2031 10:01:30 -0000", 90.0),  # no zone said: the date is UTC
        ("Tue, 04 Mar 2031 12:01:30 +0200", 90.0),
        ("Tue, 04 Mar 2031 09:59:00 GMT", 0.0),
        ("Tue, 04 Mar 2031 10:00:00 GMT", 0.0),
    ],
)
def test_retry_after_is_a_number_of_seconds_or_a_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.parametrize("header", [None, "", "  ", "soon", "nan", "Tue, 99 Foo 2031"])
def test_a_retry_after_that_says_nothing_is_none(header):
    assert retry_after_seconds(header, now=NOW) is None


def test_a_date_is_counted_from_now_when_no_clock_is_given():
    in_an_hour = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 3600, UTC)
    seconds = retry_after_seconds(in_an_hour.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert 3500 < seconds <= 3600


@pytest.fixture
def tokyo_time(monkeypatch) -> Iterator[None]:
    """The server's clock kept on local time, 9 hours ahead of UTC."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_date_without_a_zone_is_utc_whatever_the_servers_time_zone(tokyo_time):
    """A server kept on local time (Tokyo here) waits what the helpdesk asked, not 9 hours."""
    assert retry_after_seconds("Tue, 04 Mar 2031 10:01:30 -0000", now=NOW) == 90.0


def test_a_helpdesk_asking_to_come_back_at_once_is_not_called_again_at_once():
    """`Retry-After: 0` (or a date already past) is honoured, but a second at least passes:
    a helpdesk that keeps saying so is not hammered in a loop."""
    assert Retries().wait(3, retry_after_seconds("0")) == 1.0
    assert Retries().wait(3, retry_after_seconds("Tue, 04 Mar 2031 09:00:00 GMT", now=NOW)) == 1.0


def test_a_delivery_set_aside_says_how_to_try_it_again_only_when_there_is_a_way(caplog):
    retries = Retries(max_attempts=3)
    retries.log_failure("Ticket HC-1: reply delivery", 3, "HTTP 422", 0, give_up=True)
    retry = "`helpcenter tickets retry HC-2` tries again"
    retries.log_failure("Ticket HC-2: delivery", 3, "HTTP 422", 0, give_up=True, undo=retry)
    retries.log_failure("Ticket HC-3: delivery", 1, "HTTP 503", 59.6, give_up=False, undo=retry)
    assert [record.getMessage() for record in caplog.records] == [
        "Ticket HC-1: reply delivery attempt 3 of 3 failed (HTTP 422); set aside as failed",
        f"Ticket HC-2: delivery attempt 3 of 3 failed (HTTP 422); set aside as failed ({retry})",
        "Ticket HC-3: delivery attempt 1 of 3 failed (HTTP 503); next attempt in 60s",
    ]


UNKNOWN_STATUS = "request: answer without a known request.status"
# An open request of requester 7, and a comment's time.
OPEN = {"status": "open", "requester_id": 7}
CREATED = {"created_at": "2031-03-04T10:00:00Z"}


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ([], UNKNOWN_STATUS),
        ({"status": "archived", "requester_id": 7}, UNKNOWN_STATUS),
        ({"status": "open"}, "request: answer without request.requester_id"),
    ],
)
def test_a_request_the_contract_does_not_describe_is_named_by_what_it_lacks(request_, error):
    with pytest.raises(UnexpectedAnswer) as raised:
        request_state(request_, [{"comments": []}])
    assert str(raised.value) == error


def test_comments_without_their_list_are_named_and_an_agents_private_note_never_shown():
    with pytest.raises(UnexpectedAnswer) as raised:
        request_state(OPEN, [{"comments": []}, {"count": 2}])
    assert str(raised.value) == "comments: answer without a comments list"
    note = {"id": 1, "author_id": 9, "body": "Internal: refund approved?", "public": False}
    answer = {"id": 2, "author_id": 9, "body": "Your refund is on its way.", "public": True}
    state = request_state(OPEN, [{"comments": [{**note, **CREATED}, {**answer, **CREATED}]}])
    assert [comment.body for comment in state.comments] == ["Your refund is on its way."]


def test_a_comment_is_read_with_its_plain_text_and_its_authors_name_or_named_by_what_it_lacks():
    html = {"id": 2, "author_id": 9, "body": "<p>On its <b>way</b>.</p>", **CREATED}
    plain = {"id": 3, "author_id": 8, "body": "Thanks!", **CREATED}
    users = [{"id": 9, "name": "Ines (Colisto)"}, {"id": 8, "name": None}]
    page = {"comments": [{**html, "plain_body": "On its way."}, plain], "users": users}
    comments = request_state(OPEN, [page]).comments
    assert [(c.text, c.author_name) for c in comments] == [
        ("On its way.", "Ines (Colisto)"),
        ("Thanks!", ""),  # no plain text: its body; a name that is not text: none
    ]
    whole = {"id": 4, "author_id": 9, "body": "Sent.", **CREATED}
    for lacking in whole:  # each one alone
        incomplete = {key: value for key, value in whole.items() if key != lacking}
        with pytest.raises(UnexpectedAnswer) as raised:
            request_state(OPEN, [{"comments": [incomplete]}])
        assert str(raised.value) == "comments: a comment without its id, author, time or body"


def test_an_id_is_a_number_or_a_short_text_of_one():
    assert identifier(" 42 ") == "42" and identifier(42) == "42"
    assert identifier("9" * 40) == "9" * 40
    assert identifier("9" * 41) is None and identifier("  ") is None and identifier(True) is None


def test_the_next_page_of_comments_is_read_only_on_the_helpdesks_own_origin():
    client = HelpdeskClient("https://colisto.zendesk.example")
    page = "/api/v2/requests/7/comments.json?page=2"
    assert client.next_page(page) == f"https://colisto.zendesk.example{page}"
    assert client.next_page(None) is None and client.next_page("") is None
    assert client.next_page(2) is None
    # The token goes nowhere else.
    with pytest.raises(UnexpectedAnswer) as raised:
        client.next_page(f"https://colisto.zendesk.example.evil.example{page}")
    assert str(raised.value) == "comments: next_page on another origin"


def test_the_helpdesks_times_keep_their_offset_and_without_one_are_utc(tokyo_time):
    """On a server kept on local time (Tokyo here), as a Retry-After date is."""
    for written in ("2031-03-04T10:00:00Z", "2031-03-04T12:00:00+02:00", "2031-03-04T10:00:00"):
        assert moment_of(written) == NOW, written
    assert moment_of("4 March 2031") is None and moment_of(1931) is None


@pytest.mark.parametrize(
    ("url", "in_clear"),
    [
        ("http://helpdesk.example", True),
        ("http:///api/v2", True),  # no host: nothing says it is this machine
        ("http://localhost:8025", False),
        ("http://127.0.0.2:8025", False),
        ("http://[::1]:8025", False),
        ("https://helpdesk.example", False),
    ],
)
def test_a_token_is_sent_over_plain_http_only_to_this_machine(url, in_clear):
    if in_clear:
        with pytest.raises(ValueError) as refused:
            HelpdeskClient(url, token="secret-token")
        # What is expected, why, and where plain http is allowed.
        assert str(refused.value) == (
            f"expected https://, as {TOKEN_VARIABLE} is set and plain http would carry it in "
            "clear (plain http is for this machine only: 127.0.0.1, ::1, localhost)"
        )
    else:
        assert HelpdeskClient(url, token="secret-token").base_url == url


def answer(body, status: int = 422) -> httpx.Response:
    if isinstance(body, bytes):
        return httpx.Response(status, content=body)
    return httpx.Response(status, json=body)


def test_a_422_names_the_fields_it_refused_and_not_what_it_said_of_them():
    details = {
        "email": [{"description": "Email: ana@example is invalid"}],
        "subject": [{"description": "Subject: too long"}],
    }
    assert refused_fields(answer({"error": "RecordInvalid", "details": details})) == (
        ": email, subject"
    )


def test_at_most_five_fields_of_thirty_characters_each_are_named():
    details = {f"{'f' * 40}{n}": [] for n in range(8)}
    fields = refused_fields(answer({"details": details}))
    assert fields == ": " + ", ".join(["f" * 30] * 5)


@pytest.mark.parametrize(
    "body",
    [{"details": {}}, {"details": ["email"]}, {"error": "RecordInvalid"}, ["details"], b"<html>"],
)
def test_a_422_without_named_fields_adds_nothing(body):
    assert refused_fields(answer(body)) == ""
