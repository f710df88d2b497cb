"""nginx in front, as `helpcenter nginx-config` sets it up: Debian's nginx on the built site and
the real endpoint on loopback. Pages get the answers `helpcenter serve` gives and the headers of
`site/_headers`, assets their build-time gzip copies; the endpoint's limits are nginx's, so an
oversized body or a slow head never reaches it; the endpoint sees each reader's own address."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from helpcenter.cli import main
from helpcenter.config import Project, load_project
from helpcenter.server.nginx import nginx_config
from helpcenter.site.headers import read_headers_file
from helpcenter.site.precompress import write_gzip_copies
from helpcenter.tickets.app import build_app
from tests.conftest import PROJECT_ROOT, BackgroundServer, ticket_service
from tests.processes import free_port, nginx_command, nginx_main_config
from tests.server.test_http_layer import server_settings
from tests.tickets.test_endpoint import VALID

HEADER_TIMEOUT = 1.5
# Posts a minute from one address to one path: the address test spends them (one more is 429).
RATE_LIMIT = 2
BAIT = "BAIT: not for readers"
JSON = {"Accept": "application/json"}


@dataclass
class Nginx:
    port: int
    site: Path
    project: Project

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def public(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site as `helpcenter build --precompress` leaves it, with files no reader may
    get: a hidden file at its root and in a language's folder."""
    site = tmp_path_factory.mktemp("public") / "site"
    shutil.copytree(site_dir, site)
    write_gzip_copies(site)
    for bait in (".env", "fr/.secret"):
        (site / bait).write_text(BAIT)
    return site


@pytest.fixture(scope="module")
def project() -> Project:
    """The example project as an operator sets it for nginx in front: nginx's address among
    the trusted proxies, and a short `header_timeout` (the test waits for it)."""
    project = load_project(PROJECT_ROOT / "mkdocs.yml")
    project.settings["server"] = server_settings(
        header_timeout=HEADER_TIMEOUT, trusted_proxies=["127.0.0.1"]
    )
    return project


@pytest.fixture(scope="module")
def nginx(
    public: Path, project: Project, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Nginx]:
    """`helpcenter tickets serve` on loopback and Debian's nginx in front of it and the site."""
    database = tmp_path_factory.mktemp("tickets") / "tickets.sqlite3"
    service = ticket_service(database, public, rate_limit_per_minute=RATE_LIMIT)
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    with BackgroundServer(build_app(service, []), project.settings.server) as endpoint:
        site_config = prefix / "helpcenter.conf"
        site_config.write_text(
            nginx_config(project, public, [f"127.0.0.1:{endpoint.port}"], [f"127.0.0.1:{port}"])
        )
        command = nginx_command(prefix, nginx_main_config(prefix, site_config))
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_for_port(process, port, prefix / "error.log")
            yield Nginx(port, public, project)
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for_port(process: subprocess.Popen, port: int, error_log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            log = error_log.read_text() if error_log.is_file() else ""
            pytest.fail(f"nginx stopped at start:\n{output}{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        assert time.monotonic() < deadline, "nginx did not listen within 10 seconds"
        time.sleep(0.02)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def fetch(
    url: str,
    target: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str = "127.0.0.1",
) -> Answer:
    """One request with its path sent as is (no client tidies `//fr` or `%5F`), from `source`."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Length", str(len(body)))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


# The generated file.


def test_the_command_writes_a_configuration_nginx_accepts(public, tmp_path, capsys):
    site_config = tmp_path / "helpcenter.conf"
    arguments = [
        "nginx-config",
        *("-f", str(PROJECT_ROOT / "mkdocs.yml"), "--site-dir", str(public)),
        *("--upstream", "127.0.0.1:8001", "--upstream", "127.0.0.1:8002"),
        *("--listen", "127.0.0.1:8080"),
    ]
    assert main([*arguments, "-o", str(site_config)]) == 0
    capsys.readouterr()
    assert main(arguments) == 0
    assert capsys.readouterr().out == site_config.read_text()
    checked = subprocess.run(
        [*nginx_command(tmp_path, nginx_main_config(tmp_path, site_config)), "-t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_command_says_what_is_wrong(public, tmp_path, capsys):
    config = ("-f", str(PROJECT_ROOT / "mkdocs.yml"))
    assert main(["nginx-config", *config, "--site-dir", str(tmp_path)]) == 2
    assert "holds no built site" in capsys.readouterr().err
    assert main(["nginx-config", *config, "--site-dir", str(public), "--upstream", "8001"]) == 2
    assert "--upstream '8001': expected HOST:PORT" in capsys.readouterr().err


# The site: the answers of `helpcenter serve`, with the headers of site/_headers.


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/fr/",
        "/fr/index.html",
        "/fr",
        "//fr",
        "/es/contact",
        "/es/contact?from=search",
        "/es/no-such-page/",
        "/it/missing.css",
        "/zz/no-such-page/",
        "/fr/assets/",
        "/_headers",
        "/%5Fheaders",
        "/_HEADERS",
        "/_headers/",
        "/it/_headers",
        "/.env",
        "/fr/.secret",
        "/.well-known/nothing",
        "/robots.txt",
        "/sitemap.xml",
    ],
)
def test_the_site_answers_as_helpcenter_serve_does(nginx, site_url, target):
    expected = fetch(site_url, target)
    answer = fetch(nginx.url, target)
    assert answer.status // 100 == expected.status // 100
    if expected.status // 100 == 3:
        assert answer.headers["location"] == expected.headers["location"]
    else:
        assert answer.status == expected.status
        assert answer.body == expected.body
        if expected.headers["content-type"].startswith("text/html"):  # other types: mime.types
            assert answer.headers["content-type"] == expected.headers["content-type"]
    assert BAIT.encode() not in answer.body


def test_every_answer_of_the_site_carries_the_headers_of_the_headers_file(nginx):
    headers = read_headers_file(nginx.site)
    assert "script-src 'self' 'sha256-" in headers["Content-Security-Policy"]
    stylesheet = next((nginx.site / "fr" / "assets" / "stylesheets").glob("*.css"))
    targets = ["/", "/fr/", f"/fr/assets/stylesheets/{stylesheet.name}", "/es/nowhere/", "/fr"]
    for target in targets:
        answer = fetch(nginx.url, target)
        for name, value in headers.items():
            assert answer.headers.get_all(name) == [value], (target, name)


def test_the_endpoints_answers_keep_its_own_headers(nginx):
    answer = fetch(nginx.url, "/api/health")
    assert answer.status == 200
    assert answer.headers.get_all("x-content-type-options") == ["nosniff"]
    assert "content-security-policy" not in answer.headers


def test_a_browser_that_takes_gzip_gets_the_copy_the_build_compressed(nginx):
    script = next((nginx.site / "fr" / "assets" / "javascripts").glob("*.js"))
    for target, file in [
        ("/fr/", nginx.site / "fr" / "index.html"),
        (f"/fr/assets/javascripts/{script.name}", script),
    ]:
        compressed = fetch(nginx.url, target, headers={"Accept-Encoding": "gzip, br"})
        assert compressed.headers["content-encoding"] == "gzip"
        assert compressed.headers["vary"] == "Accept-Encoding"
        assert compressed.body == file.with_name(file.name + ".gz").read_bytes()
        assert gzip.decompress(compressed.body) == file.read_bytes()
        plain = fetch(nginx.url, target)
        assert "content-encoding" not in plain.headers
        assert plain.body == file.read_bytes()
        # One version of the file for caches, compressed or not.
        assert compressed.headers["last-modified"] == plain.headers["last-modified"]


def test_answers_name_no_server_version(nginx):
    assert fetch(nginx.url, "/fr/").headers["server"] == "nginx"


# The endpoint behind nginx.


def test_a_ticket_posted_through_nginx_is_stored_and_its_page_shown(nginx):
    """From the site's own origin, as the contact page posts it (the endpoint sees the Host and
    scheme the reader used, so the post is not taken for another site's)."""
    response = httpx.post(
        f"{nginx.url}/api/tickets",
        data=VALID,
        headers={**JSON, "Origin": nginx.url},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    page = fetch(nginx.url, response.json()["follow_url"])
    assert page.status == 200
    assert reference in page.body.decode()
    assert len(page.headers.get_all("content-security-policy")) == 1
    assert page.headers["cache-control"] == "no-store"


def test_the_endpoint_sees_each_readers_own_address(nginx):
    """The rate limit counts each reader apart (nginx passes the address it saw), and a reader
    naming addresses of its own in X-Forwarded-For is still one reader."""

    def post(source: str, claimed: str) -> int:
        headers = {**JSON, "Content-Type": "application/json", "X-Forwarded-For": claimed}
        return fetch(nginx.url, "/api/tickets", "POST", headers, b"{}", source).status

    first = [post("127.0.0.2", f"203.0.113.{i}") for i in range(RATE_LIMIT + 1)]
    assert first[:-1] == [422] * RATE_LIMIT
    assert first[-1] == 429
    assert post("127.0.0.3", "203.0.113.1") == 422


def test_a_body_over_its_paths_limit_is_refused_by_nginx_before_the_endpoint(nginx):
    attachments = nginx.project.contact.attachments.max_body_bytes
    ticket = fetch(
        nginx.url,
        "/api/tickets",
        "POST",
        {**JSON, "Content-Type": "application/json", "Content-Length": str(attachments + 1)},
    )
    assert ticket.status == 413
    # nginx's page, not the endpoint's JSON refusal: the request went no further.
    assert ticket.headers["content-type"].startswith("text/html")
    assert b"413 Request Entity Too Large" in ticket.body

    limit = nginx.project.settings.server.feedback_body_kb * 1024
    for size, refused in ((limit, False), (limit + 1, True)):
        body = b'{"pad": "' + b"x" * (size - 11) + b'"}'
        assert len(body) == size
        headers = {**JSON, "Content-Type": "application/json"}
        answer = fetch(nginx.url, "/api/feedback", "POST", headers, body)
        assert (answer.status == 413) is refused, size
        assert answer.headers["content-type"].startswith(
            "text/html" if refused else "application/json"
        )


def test_a_request_line_over_max_url_kb_is_refused_with_414(nginx):
    longest = nginx.project.settings.server.max_url_kb * 1024
    assert fetch(nginx.url, "/fr/" + "a" * (longest - 100)).status == 404
    assert fetch(nginx.url, "/fr/" + "a" * longest).status == 414


def test_a_request_whose_head_trickles_in_is_cut_off_after_header_timeout(nginx):
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=HEADER_TIMEOUT + 5) as sock:
        sock.sendall(b"GET /fr/ HTTP/1.1\r\nHost: help.example\r\n")
        answer = sock.recv(65536)
    waited = time.monotonic() - started
    assert b"200 OK" not in answer
    assert HEADER_TIMEOUT - 0.2 < waited < HEADER_TIMEOUT + 3
