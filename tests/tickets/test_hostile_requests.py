"""Hostile requests at the socket level: huge declared bodies, a byte a second, a thousand files.
Each is refused, and the server keeps answering everyone else meanwhile."""

from __future__ import annotations

import contextlib
import socket
import time

import httpx
import pytest

from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service
from tests.tickets.test_endpoint import VALID, stored


@pytest.fixture
def endpoint(tmp_path):
    database = tmp_path / "tickets.sqlite3"
    app = build_app(ticket_service(database, rate_limit_per_minute=1_000_000), [])
    with BackgroundServer(app) as server:
        yield server, database


def raw_request(port: int, head: str) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    connection.sendall(head.encode())
    return connection


def test_a_100_megabyte_body_is_refused_before_it_is_sent(endpoint):
    server, database = endpoint
    connection = raw_request(
        server.port,
        "POST /api/tickets HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n",
    )
    answer = connection.recv(4096).decode()
    connection.close()
    assert answer.startswith("HTTP/1.1 413")
    assert stored(database) == []


def test_a_thousand_attachments_are_refused(endpoint):
    server, database = endpoint
    files = [("attachments", (f"n{i}.txt", b"x", "text/plain")) for i in range(1000)]
    response = httpx.post(
        f"{server.url}/api/tickets",
        data=VALID,
        files=files,
        headers={"Accept": "application/json"},
        timeout=60,
    )
    assert response.status_code in (413, 422)
    assert stored(database) == []


def test_a_client_sending_a_byte_a_second_is_cut_off_while_others_are_served(tmp_path):
    database = tmp_path / "tickets.sqlite3"
    # A short time for the body, so the test stays short.
    app = build_app(ticket_service(database, rate_limit_per_minute=1_000_000), [], body_timeout=3.0)
    with BackgroundServer(app) as server:
        slow = raw_request(
            server.port,
            "POST /api/tickets HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 1000\r\n\r\n",
        )
        started = time.monotonic()
        answer = b""
        slow.settimeout(1.0)
        while time.monotonic() - started < 15 and not answer:
            try:
                slow.sendall(b"{")
            except OSError:
                break
            other = httpx.get(f"{server.url}/api/health", timeout=2)
            assert other.status_code == 200
            with contextlib.suppress(TimeoutError):
                answer = slow.recv(4096)
        slow.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 10
    assert stored(database) == []
