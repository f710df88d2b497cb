"""The server on the internet, over real sockets: slow and oversized request heads, the
connection cap, forwarded addresses, redirects, paths that reach outside the site, files not
meant for readers, and pages no cache keeps. Each behaviour is checked against a running
server set up by `uvicorn_config`, as `helpcenter serve` runs it."""

from __future__ import annotations

import contextlib
import selectors
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpcenter.config import ServerConfig
from helpcenter.server.app import RelativeRedirects, site_routes
from helpcenter.tickets.app import build_app
from helpcenter.tickets.store import new_reference
from tests.conftest import BackgroundServer, example_project, ticket_service

BAIT = "BAIT: a file outside the site"
HEADER_TIMEOUT = 1.5


def server_settings(**overrides) -> ServerConfig:
    """The project's `server` settings with `overrides`, validated as mkdocs.yml's would be."""
    settings = ServerConfig()
    settings.load_dict({**dict(example_project().settings.server), **overrides})
    failed, warnings = settings.validate()
    assert not failed and not warnings, (failed, warnings)
    return settings


def open_connections(server: BackgroundServer) -> int:
    return len(server.server.server_state.connections)


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def connect(server: BackgroundServer, head: bytes = b"") -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if head:
        connection.sendall(head)
    return connection


def read_to_end(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    answer = b""
    with contextlib.closing(connection):
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def exchange(server: BackgroundServer, target: str, host: str = "help.example") -> bytes:
    """One request, sent as is (no client normalises its path), and the whole answer."""
    head = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return read_to_end(connect(server, head.encode("latin-1")))


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def header(answer: bytes, name: str) -> str | None:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def health(server: BackgroundServer, **headers) -> httpx.Response:
    return httpx.get(f"{server.url}/api/health", headers=headers, timeout=2)


@pytest.fixture(scope="module")
def public(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built site in public/site/, with bait around it: files a path escaping
    the site would reach (the thank-you page and 404 page of a language `..`, /etc/passwd)."""
    public = tmp_path_factory.mktemp("public")
    site = public / "site"
    shutil.copytree(site_dir, site)
    for hidden in (".env", ".git/config", "fr/.drafts/notes.md"):  # a folder's files too
        (site / hidden).parent.mkdir(parents=True, exist_ok=True)
        (site / hidden).write_text(BAIT)
    for bait in ("secret.txt", "404.html", "contact/thanks/index.html", "../etc/passwd"):
        (public / bait).parent.mkdir(parents=True, exist_ok=True)
        (public / bait).write_text(BAIT)
    return site


@pytest.fixture(scope="module")
def site_server(public: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The site and the endpoint on one origin, as `helpcenter serve` runs them."""
    database = tmp_path_factory.mktemp("tickets") / "tickets.sqlite3"
    service = ticket_service(database, public, rate_limit_per_minute=10_000)
    routes = site_routes(public, example_project().locales)
    settings = server_settings(header_timeout=HEADER_TIMEOUT)
    with BackgroundServer(build_app(service, routes), settings) as server:
        yield server


@contextlib.contextmanager
def endpoint_alone(tmp_path: Path, rate_limit: int = 10_000, **settings) -> Iterator:
    """The endpoint alone (`helpcenter tickets serve`), with these `server` settings."""
    service = ticket_service(tmp_path / "tickets.sqlite3", rate_limit_per_minute=rate_limit)
    with BackgroundServer(build_app(service, []), server_settings(**settings)) as server:
        yield server


# 1. Request heads: in time, and within their sizes.


def test_connections_stuck_in_their_headers_are_answered_408_and_closed(site_server):
    started = time.monotonic()
    opened: dict[socket.socket, float] = {}
    for _ in range(300):
        opened[connect(site_server, b"GET / HTTP/1.1\r\n")] = time.monotonic()
    opened[connect(site_server)] = time.monotonic()  # connected, never a byte
    answers = dict.fromkeys(opened, b"")
    closed: dict[socket.socket, float] = {}
    try:
        wait_for(lambda: open_connections(site_server) >= len(opened))
        # Meanwhile, everyone else is served.
        asked = time.monotonic()
        assert health(site_server).status_code == 200
        assert time.monotonic() - asked < 2

        with selectors.DefaultSelector() as selector:
            for connection in opened:
                selector.register(connection, selectors.EVENT_READ)
            while len(closed) < len(opened):
                remaining = started + HEADER_TIMEOUT + 3 - time.monotonic()
                assert remaining > 0, f"{len(opened) - len(closed)} connections still open"
                for key, _ in selector.select(timeout=remaining):
                    chunk = key.fileobj.recv(4096)
                    answers[key.fileobj] += chunk
                    if not chunk:
                        closed[key.fileobj] = time.monotonic()
                        selector.unregister(key.fileobj)
    finally:
        for connection in opened:
            connection.close()
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers.values())
    assert all(b"connection: close" in answer.lower() for answer in answers.values())
    # Closed by the deadline, not before it.
    assert all(closed[c] - opened[c] > HEADER_TIMEOUT - 0.1 for c in opened)


def test_the_deadline_is_armed_again_after_each_response(site_server):
    connection = connect(site_server, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    with contextlib.closing(connection):
        first = connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        # Kept alive; the next request starts, and stalls.
        connection.sendall(b"GET /api/health HTTP/1.1\r\n")
        started = time.monotonic()
        second = read_to_end(connection)
    assert second.startswith(b"HTTP/1.1 408 ")
    assert HEADER_TIMEOUT - 0.2 < time.monotonic() - started < HEADER_TIMEOUT + 2


def test_a_kept_alive_connection_left_idle_is_closed_without_an_answer(site_server):
    connection = connect(site_server, b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    first = connection.recv(65536)
    assert first.startswith(b"HTTP/1.1 200 ")
    started = time.monotonic()
    assert read_to_end(connection) == b""
    assert time.monotonic() - started < HEADER_TIMEOUT + 2


def test_a_head_sent_in_pieces_within_the_time_is_answered(site_server):
    connection = connect(site_server, b"GET /api/health HTTP/1.1\r\n")
    for piece in (b"Host: x\r\n", b"Connection: close\r\n", b"\r\n"):
        time.sleep(0.3)  # the point: slow, but within the header timeout
        connection.sendall(piece)
    assert read_to_end(connection).startswith(b"HTTP/1.1 200 ")


def test_the_deadline_ends_once_the_headers_are_in(site_server):
    """A body (or an answer) may take longer than the header timeout: the body has its own."""
    connection = connect(
        site_server,
        b"POST /api/tickets HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
    )
    time.sleep(HEADER_TIMEOUT + 0.5)  # the point: past the header timeout
    connection.sendall(b"{}")
    assert read_to_end(connection).startswith(b"HTTP/1.1 422 ")


def test_headers_over_max_header_kb_are_refused_with_431(site_server):
    big = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 64 * 1024 + b"\r\n\r\n"
    answer = read_to_end(connect(site_server, big))
    assert answer.startswith(b"HTTP/1.1 431 ")
    # Just under the limit (32 KB in mkdocs.yml), the same request is answered.
    fits = b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
    fits += b"a" * 30 * 1024 + b"\r\n\r\n"
    assert read_to_end(connect(site_server, fits)).startswith(b"HTTP/1.1 200 ")


def test_the_header_limit_is_the_setting(tmp_path):
    with endpoint_alone(tmp_path, max_header_kb=4) as server:
        head = b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        fits = read_to_end(connect(server, head + b"X: " + b"a" * 3000 + b"\r\n\r\n"))
        over = read_to_end(connect(server, head + b"X: " + b"a" * 5000 + b"\r\n\r\n"))
        many = read_to_end(connect(server, head + b"X: a\r\n" * 1000 + b"\r\n"))
    assert fits.startswith(b"HTTP/1.1 200 ")
    assert over.startswith(b"HTTP/1.1 431 ")
    assert many.startswith(b"HTTP/1.1 431 ")


def test_a_request_line_over_max_url_kb_is_refused_with_414(site_server):
    # 8 KB in mkdocs.yml: a 7 KB address is looked up (404), a 9 KB one refused.
    for length, expected in ((7 * 1024, 404), (9 * 1024, 414)):
        answer = exchange(site_server, "/" + "a" * length)
        assert status(answer) == expected


def test_a_48_megabyte_address_is_refused_before_it_has_arrived(site_server):
    """The server stops reading at the limit: the refusal comes while most of the address is
    still on its way (only what the sockets' buffers hold has left), and others are answered."""
    total = 48 * 1024 * 1024
    chunk = b"a" * 64 * 1024
    sent = 0
    connection = connect(site_server)

    def send() -> None:
        nonlocal sent
        with contextlib.suppress(OSError):
            connection.sendall(b"GET /")
            while sent < total:
                sent += connection.send(chunk)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        answer = connection.recv(4096)
        sent_when_refused = sent
        assert health(site_server).status_code == 200
    finally:
        connection.shutdown(socket.SHUT_RDWR)
        connection.close()
        sender.join(timeout=10)
    assert answer.startswith(b"HTTP/1.1 414 ")
    assert sent_when_refused < total // 3


# 2. One configuration: the connection cap, forwarded addresses, headers.


def test_connections_beyond_max_connections_are_answered_503(tmp_path):
    with endpoint_alone(tmp_path, max_connections=20) as server:
        stuck = [connect(server, b"GET / HTTP/1.1\r\n") for _ in range(25)]
        try:
            wait_for(lambda: open_connections(server) >= 25)
            assert health(server).status_code == 503
        finally:
            for connection in stuck:
                connection.close()
        wait_for(lambda: open_connections(server) == 0)
        assert health(server).status_code == 200


def test_x_forwarded_for_is_believed_from_trusted_proxies_only(tmp_path):
    """A client choosing its address in X-Forwarded-For would never be rate-limited."""

    def statuses(server: BackgroundServer) -> list[int]:
        return [
            httpx.post(
                f"{server.url}/api/tickets",
                json={},
                headers={"Accept": "application/json", "X-Forwarded-For": f"203.0.113.{i}"},
                timeout=5,
            ).status_code
            for i in range(3)
        ]

    with endpoint_alone(tmp_path / "direct", rate_limit=2) as server:
        assert statuses(server)[-1] == 429
    # A proxy elsewhere is trusted; this client, on the same machine, is not.
    elsewhere = endpoint_alone(tmp_path / "elsewhere", rate_limit=2, trusted_proxies=["192.0.2.1"])
    with elsewhere as server:
        assert statuses(server)[-1] == 429
    proxied = endpoint_alone(tmp_path / "proxied", rate_limit=2, trusted_proxies=["127.0.0.1"])
    with proxied as server:
        assert 429 not in statuses(server)


def test_answers_name_no_server_software(site_server):
    response = health(site_server)
    assert "server" not in response.headers
    assert "date" in response.headers
    refused = read_to_end(connect(site_server, b"GET /" + b"a" * 20_000))
    assert header(refused, "server") is None


# 3. Redirects go to paths, whatever Host a request names.


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/fr", "/fr/"),
        ("/es/contact", "/es/contact/"),
        ("/it/contact/thanks?ticket=x", "/it/contact/thanks/?ticket=x"),
        ("//fr", "/fr/"),
        ("///es/contact", "/es/contact/"),
    ],
)
def test_the_sites_redirects_are_paths(site_server, target, location):
    answer = exchange(site_server, target, host="evil.example")
    assert 300 <= status(answer) < 400
    assert header(answer, "location") == location


def test_a_redirect_a_browser_would_read_as_to_another_host_stays_a_path_here():
    """`/\\evil.example/` is a path to the server, and to a browser a host, as `//evil.example/`
    is: a redirect there from any part of the app (Starlette's own escape the backslash) keeps
    its backslash escaped."""

    async def moved(scope, receive, send) -> None:
        host = dict(scope["headers"])[b"host"]
        location = b"http://" + host + b"/\\evil.example/contact/"
        await send(
            {"type": "http.response.start", "status": 302, "headers": [(b"location", location)]}
        )
        await send({"type": "http.response.body", "body": b""})

    with BackgroundServer(RelativeRedirects(moved)) as server:
        answer = httpx.get(f"{server.url}/", follow_redirects=False)
    assert answer.headers["location"] == "/%5Cevil.example/contact/"


def test_the_endpoints_own_redirects_are_paths(tmp_path):
    with endpoint_alone(tmp_path) as server:
        answer = exchange(server, "/api/health/", host="evil.example")
    assert 300 <= status(answer) < 400
    assert header(answer, "location") == "/api/health"


def test_the_redirect_after_a_form_post_ignores_the_host(site_server):
    from tests.tickets.test_endpoint import VALID

    response = httpx.post(
        f"{site_server.url}/api/tickets",
        data=VALID,
        headers={"Host": "evil.example"},
        follow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303
    assert "evil.example" not in response.headers["location"]


# 4. A language segment is one of the project's; nothing outside the site is read.


@pytest.mark.parametrize(
    "target",
    [
        "/%2e%2e/contact/thanks/",
        "/%2E%2E/contact/thanks/?ticket=HC-AAAA-BBBB-CCCC",
        "/../contact/thanks/",
        "/zz/contact/thanks/",
        "/..%2f..%2fetc/passwd",
        "/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/fr/..%2f..%2fsecret.txt",
        "/..%2fmissing",
        "/%2e%2e/missing",
        "/../../etc/passwd",
    ],
)
def test_no_path_reaches_outside_the_site(site_server, target):
    answer = exchange(site_server, target)
    assert status(answer) in (400, 404)
    assert BAIT.encode() not in answer


def test_a_missing_page_gets_the_404_page_of_its_language_only_for_a_language(site_server):
    spanish = exchange(site_server, "/es/no-such-page/")
    assert status(spanish) == 404
    assert b'lang="es"' in spanish.split(b"\r\n\r\n", 1)[1][:200]
    other = exchange(site_server, "/zz/no-such-page/")
    assert status(other) == 404
    assert b"Page introuvable" in other and b"Pagina non trovata" in other  # the site's own


def test_the_thank_you_page_of_each_language_is_served(site_server):
    for language in example_project().locales:
        assert status(exchange(site_server, f"/{language}/contact/thanks/")) == 200


# 5. Build artefacts not meant for readers.


@pytest.mark.parametrize(
    "target",
    [
        *("/_headers", "/%5Fheaders", "/_headers/", "/fr/../_headers", "/fr/%2e%2e/_headers"),
        *("/.env", "/.git/config", "/fr/.drafts/notes.md"),
    ],
)
def test_files_not_meant_for_readers_are_not_found(site_server, public, target):
    assert (public / "_headers").is_file()
    answer = exchange(site_server, target)
    assert status(answer) == 404
    assert b"Content-Security-Policy:" not in answer
    assert BAIT.encode() not in answer


# 6. Pages echoing what a reader typed are kept by no cache.


def test_the_thank_you_page_shows_a_reference_only(site_server):
    """A link cannot put its own words on the site's page as if they were a reference."""
    words = "HC-0000 call 555-0100 to claim your refund"
    response = httpx.get(f"{site_server.url}/fr/contact/thanks/", params={"ticket": words})
    assert response.status_code == 200
    assert "555-0100" not in response.text
    assert "<strong data-ticket-reference></strong>" in response.text  # left empty


def test_the_thank_you_page_is_kept_by_no_cache(site_server):
    reference = new_reference()
    response = httpx.get(f"{site_server.url}/fr/contact/thanks/", params={"ticket": reference})
    assert response.status_code == 200
    assert reference in response.text
    assert response.headers["cache-control"] == "no-store"
