"""Malformed and oversized requests to every endpoint, over HTTP: each is refused with 400, 413
or 422 in the endpoints' error shape `{"errors": {field: [messages]}}`, nothing is stored, never a
500; every answer, 5xx included, carries the security headers."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import time
from html import escape

import httpx
import pytest

from helpcenter.tickets import answers
from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service
from tests.tickets.test_endpoint import VALID, stored

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
JSON = {"Accept": "application/json"}
VOTE = {"language": "fr", "page": "shipping/", "helpful": "no"}
GAPS = {"language": "es", "page": "", "queries": [{"query": "aduanas", "results": 0}]}


def start(tmp_path, **settings):
    settings.setdefault("rate_limit_per_minute", 1_000_000)
    database = tmp_path / "db.sqlite3"
    service = ticket_service(database, **settings)
    return BackgroundServer(build_app(service, [])), database, service


@pytest.fixture
def endpoint(tmp_path):
    server, database, service = start(tmp_path)
    with server:
        yield server.url, database, service


def nothing_stored(database) -> bool:
    connection = sqlite3.connect(database)
    try:
        counts = [
            connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("tickets", "votes", "search_gaps")
        ]
    finally:
        connection.close()
    return counts == [0, 0, 0]


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)


def assert_refused(response: httpx.Response, *statuses: int) -> dict[str, list[str]]:
    assert response.status_code in (statuses or (400, 422)), (response.status_code, response.text)
    assert_secured(response)
    errors = response.json()["errors"]
    assert errors and all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in errors.values()
    ), errors
    return errors


def post_json(url: str, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{url}{path}", content=json.dumps(body), headers=JSON | {
        "Content-Type": "application/json"
    })  # fmt: skip


def raw_answer(port: int, head: str, wait: float = 5.0) -> bytes:
    """Send only a request's head, and read the answer that comes back before any body is sent:
    its head, then its body as long as the head says (they may come apart; the server keeps the
    connection, waiting for the body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        connection.sendall(head.encode())
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
        length = re.search(rb"(?im)^content-length:\s*(\d+)", answer.partition(b"\r\n\r\n")[0])
        while length and len(answer.partition(b"\r\n\r\n")[2]) < int(length[1]):
            if not (chunk := connection.recv(65536)):
                break
            answer += chunk
        return answer


# Body limits: the small endpoints a few KB, tickets the attachments' limit.


def test_a_2_megabyte_body_to_the_search_gaps_is_refused_before_it_is_read(tmp_path):
    server, database, _ = start(tmp_path)
    with server:
        started = time.monotonic()
        answer = raw_answer(
            server.port,
            "POST /api/search-gaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {2 * 1024 * 1024}\r\n\r\n",
        )
        assert time.monotonic() - started < 2
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"x-content-type-options: nosniff" in head.lower()
    assert json.loads(body)["errors"]["body"]
    assert nothing_stored(database)


@pytest.mark.parametrize(
    ("path", "limit_kb"),
    [("/api/feedback", "feedback_body_kb"), ("/api/search-gaps", "search_gaps_body_kb")],
)
def test_each_small_endpoint_has_its_own_limit(endpoint, path, limit_kb):
    url, database, service = endpoint
    limit = getattr(service.server, limit_kb) * 1024
    declared = raw_answer(
        int(url.rsplit(":", 1)[1]),
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {limit + 1}\r\n\r\n",
    )
    assert declared.startswith(b"HTTP/1.1 413")

    def chunks():  # no Content-Length: the body is counted as it arrives
        for _ in range(limit // 1024 + 2):
            yield b" " * 1024

    chunked = httpx.post(f"{url}{path}", content=chunks(), headers=JSON)
    assert_refused(chunked, 413)
    assert nothing_stored(database)
    # Just under the limit, the same endpoint reads the body, and takes it.
    padded = json.dumps(VOTE if path == "/api/feedback" else GAPS).ljust(limit - 10)
    taken = httpx.post(f"{url}{path}", content=padded, headers=JSON)
    assert taken.status_code in (201, 204), taken.text


def test_tickets_keep_the_attachments_limit(endpoint):
    url, database, _ = endpoint
    attachment = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    response = httpx.post(
        f"{url}/api/tickets",
        data=VALID,
        files=[("attachments", ("scan.pdf", attachment, "application/pdf"))],
        headers=JSON,
        timeout=30,
    )
    assert response.status_code == 201
    assert stored(database)[0]["attachments"][0]["size"] == len(attachment)


def test_json_is_parsed_off_the_event_loop_and_only_after_the_size_check(tmp_path, monkeypatch):
    parsed_in = []
    parse = answers.parse_json

    def watched(body: bytes):
        parsed_in.append(threading.current_thread())
        return parse(body)

    monkeypatch.setattr(answers, "parse_json", watched)
    server, _, _ = start(tmp_path)
    with server:
        assert raw_answer(
            server.port,
            "POST /api/search-gaps HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n",
        ).startswith(b"HTTP/1.1 413")
        assert parsed_in == []
        assert httpx.post(f"{server.url}/api/search-gaps", json=GAPS).status_code == 204
        assert httpx.post(f"{server.url}/api/tickets", json=VALID).status_code == 201
    assert len(parsed_in) == 2
    assert all(thread is not server.thread for thread in parsed_in)


# Malformed input: 400 when it cannot be read, 422 when it is not what the field takes.

DEEP = "[" * 100_000


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/tickets", DEEP, 400),
        ("/api/search-gaps", "[" * 10_000, 400),
        ("/api/feedback", "[" * 5_000, 400),
        ("/api/feedback", DEEP, 413),
        ("/api/tickets", '{"name": ' + "9" * 5000 + "}", 400),
        ("/api/tickets", b"\xff\xfe{", 400),
        ("/api/search-gaps", "{not json", 400),
    ],
)
def test_json_that_cannot_be_read_is_a_client_error(endpoint, path, body, status):
    url, database, _ = endpoint
    content = body if isinstance(body, bytes) else body.encode()
    response = httpx.post(
        f"{url}{path}", content=content, headers=JSON | {"Content-Type": "application/json"}
    )
    assert_refused(response, status)
    assert nothing_stored(database)


ATTACHMENT = {"filename": "a.txt", "content_base64": "aGVsbG8="}
SURROGATE = "\ud800"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # Not base64, once as a non-ASCII character.
        ("/api/tickets", {**VALID, "attachments": [{**ATTACHMENT, "content_base64": "é"}]}, None),
        (
            "/api/tickets",
            {**VALID, "attachments": [{**ATTACHMENT, "content_base64": "a==="}]},
            None,
        ),
        ("/api/tickets", {**VALID, "attachments": "a.txt"}, "attachments"),
        ("/api/tickets", {**VALID, "attachments": [5]}, "attachments"),
        ("/api/tickets", {**VALID, "attachments": [{"filename": "a.txt"}]}, "attachments"),
        ("/api/tickets", {**VALID, "name": 5}, "name"),
        ("/api/tickets", {**VALID, "message": None}, "message"),
        ("/api/tickets", {**VALID, "category": ["shipping"]}, "category"),
        ("/api/tickets", {**VALID, "idempotency_key": 12345678}, "idempotency_key"),
        ("/api/tickets", [VALID], "body"),
        ("/api/tickets", "a ticket", "body"),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": "a", "results": 10**20}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": "a", "results": -1}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": "a", "results": True}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": "a", "results": "3"}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": "a", "results": 2.5}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": [{"query": 7, "results": 0}]}, None),
        ("/api/search-gaps", {**GAPS, "queries": "aduanas"}, "queries"),
        ("/api/search-gaps", {**GAPS, "language": None}, "language"),
        ("/api/feedback", {**VOTE, "helpful": True}, "helpful"),
        ("/api/feedback", {**VOTE, "comment": ["x"]}, "comment"),
        ("/api/feedback", {**VOTE, "vote_id": 12345678}, "vote_id"),
        ("/api/feedback", {**VOTE, "page": {"path": "shipping/"}}, "page"),
        ("/api/feedback", 42, "body"),
    ],
)
def test_wrong_values_and_types_are_refused_by_field(endpoint, path, body, field):
    url, database, _ = endpoint
    errors = assert_refused(post_json(url, path, body), 422)
    if field:
        assert field in errors, errors
    assert nothing_stored(database)


def test_a_huge_number_of_results_is_refused(endpoint):
    url, database, _ = endpoint
    body = json.dumps(GAPS).replace('"results": 0', '"results": 99999999999999999999')
    errors = assert_refused(httpx.post(f"{url}/api/search-gaps", content=body, headers=JSON), 422)
    assert "queries[0].results" in errors
    assert nothing_stored(database)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/search-gaps", {**GAPS, "queries": [{"query": SURROGATE, "results": 0}]}, None),
        ("/api/search-gaps", {**GAPS, "page": SURROGATE}, "page"),
        ("/api/feedback", {**VOTE, "comment": f"utile {SURROGATE}"}, "comment"),
        ("/api/feedback", {**VOTE, "vote_id": SURROGATE * 8}, "vote_id"),
        *[
            ("/api/tickets", {**VALID, name: f"{VALID.get(name, 'x')}{SURROGATE}"}, name)
            for name in (*VALID, "website", "idempotency_key")
        ],
        (
            "/api/tickets",
            {**VALID, "attachments": [{**ATTACHMENT, "filename": f"a{SURROGATE}.txt"}]},
            "attachments",
        ),
    ],
)
def test_a_lone_surrogate_in_any_field_is_refused(endpoint, path, body, field):
    url, database, _ = endpoint
    errors = assert_refused(post_json(url, path, body), 422)
    if field:
        assert field in errors, errors
    assert nothing_stored(database)


def test_unreadable_forms_and_other_content_types(endpoint):
    url, database, _ = endpoint
    for content_type in ("multipart/form-data; boundary=x", "multipart/form-data"):
        for path in ("/api/tickets", "/api/feedback"):
            broken = JSON | {"Content-Type": content_type}
            response = httpx.post(f"{url}{path}", content=b"--x\r\nbroken", headers=broken)
            assert_refused(response, 400, 422)
    xml = JSON | {"Content-Type": "application/xml"}
    for path in ("/api/tickets", "/api/feedback", "/api/search-gaps"):
        assert_refused(httpx.post(f"{url}{path}", content=b"<vote/>", headers=xml), 415)
    fields = [("name", (None, "A")), ("name", (None, "B"))]
    fields += [(name, (None, value)) for name, value in VALID.items() if name != "name"]
    twice = httpx.post(f"{url}/api/tickets", files=fields, headers=JSON)
    assert "name" in assert_refused(twice, 422)
    assert nothing_stored(database)


# Security headers on every answer, an unexpected error's 500 included.


def test_an_unexpected_error_is_a_generic_500_with_the_security_headers(endpoint):
    url, _, service = endpoint

    def broken(*args, **kwargs):
        raise RuntimeError("the secret path /srv/db and a stack trace")

    service.feedback.add_vote = broken
    for headers in (JSON, {}):
        response = httpx.post(f"{url}/api/feedback", data=VOTE, headers=headers)
        assert response.status_code == 500
        assert_secured(response)
        assert response.headers["cache-control"] == "no-store"
        assert "secret" not in response.text and "Traceback" not in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert escape("Une erreur s'est produite de notre côté.") in response.text
    json_answer = httpx.post(f"{url}/api/feedback", json=VOTE, headers=JSON)
    assert list(json_answer.json()["errors"]) == ["server"]


def test_every_answer_carries_the_security_headers(tmp_path):
    server, _, _ = start(tmp_path, rate_limit_per_minute=1)
    with server:
        url = server.url
        answers_ = [
            httpx.get(f"{url}/api/health"),
            httpx.get(f"{url}/no/such/page"),
            httpx.get(f"{url}/api/tickets"),
            httpx.put(f"{url}/api/feedback", json=VOTE),
            httpx.post(
                f"{url}/api/feedback", content=b"<x/>", headers={"Content-Type": "text/xml"}
            ),
            httpx.post(f"{url}/api/feedback", json={**VOTE, "helpful": "maybe"}),
            httpx.post(f"{url}/api/feedback", json=VOTE),  # over the limit of 1 a minute
        ]
    assert [a.status_code for a in answers_] == [200, 404, 405, 405, 415, 429, 429]
    for answer in answers_:
        assert_secured(answer)
