"""Readers without JavaScript: their browser posts the form and shows whatever comes back. Every
refusal is a page in their language (the contact page again with what they typed when it was
read, else a small page with a link back), never raw JSON; and no answer that may echo what they
typed is kept by a cache."""

from __future__ import annotations

import socket
from html import escape

import httpx
import pytest

from helpcenter.config import EndpointPaths
from helpcenter.database import StorageUnavailable
from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service
from tests.tickets.test_endpoint import VALID, stored


def start(tmp_path, paths: EndpointPaths | None = None, **settings):
    settings.setdefault("rate_limit_per_minute", 1_000_000)
    database = tmp_path / "db.sqlite3"
    service = ticket_service(database, **settings)
    if paths is not None:
        service.paths = paths
    return BackgroundServer(build_app(service, [])), database, service


@pytest.fixture
def endpoint(tmp_path):
    server, database, service = start(tmp_path)
    with server:
        yield server.url, database, service


def from_page(url: str, language: str) -> dict[str, str]:
    """What a browser sends with a form posted from a page of the site: no JSON asked for."""
    return {"Referer": f"{url}/{language}/contact/", "Accept": "text/html,*/*;q=0.8"}


def assert_page(response: httpx.Response, status: int, language: str, *texts: str) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert f'<html lang="{language}"' in response.text
    for text in texts:
        assert escape(text) in response.text, text
    return response.text


def test_a_form_with_errors_comes_back_filled_in_the_readers_language_and_not_cached(endpoint):
    url, database, _ = endpoint
    typed = {**VALID, "language": "es", "email": "ana@", "message": "Mi paquete <b>no llega</b>."}
    response = httpx.post(f"{url}/api/tickets", data=typed, files={"none": ("", b"")})
    assert_page(response, 422, "es", "Introduzca una dirección", typed["message"])
    assert stored(database) == []


def test_a_body_over_the_limit_gets_a_page_in_the_language_of_the_page_it_came_from(endpoint):
    url, _, service = endpoint
    port = int(url.rsplit(":", 1)[1])
    limit = service.settings.attachments.max_body_bytes
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            (
                "POST /api/tickets HTTP/1.1\r\nHost: x\r\n"
                f"Referer: {url}/it/contact/\r\nAccept: text/html\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\n"
                f"Content-Length: {limit + 1}\r\n\r\n"
            ).encode()
        )
        answer = b""
        while b"</html>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413")
    assert "cache-control: no-store" in head.lower()
    assert "text/html" in head
    assert '<html lang="it"' in body
    assert escape("I tuoi allegati sono troppo grandi.") in body
    assert 'href="/it/contact/"' in body and "Torna al modulo di contatto" in body


def test_an_unreadable_form_gets_a_page_with_a_link_back(endpoint):
    url, database, _ = endpoint
    # A field larger than any a ticket takes cannot be read as a form.
    fields = {**VALID, "message": "x" * (70 * 1024)}
    response = httpx.post(
        f"{url}/api/tickets", data=fields, files={"none": ("", b"")}, headers=from_page(url, "es")
    )
    html = assert_page(response, 400, "es", "Su navegador ha enviado algo que no hemos podido leer")
    assert 'href="/es/contact/"' in html
    assert stored(database) == []


def test_a_form_sent_as_text_plain_gets_a_415_page(endpoint):
    url, database, _ = endpoint
    response = httpx.post(
        f"{url}/api/tickets",
        content=b"name=Ana\r\nemail=ana@example.com\r\n",
        headers={**from_page(url, "it"), "Content-Type": "text/plain"},
    )
    assert_page(
        response, 415, "it", "Il tuo browser ha inviato dati che non siamo riusciti a leggere"
    )
    assert stored(database) == []


def test_too_many_posts_get_a_429_page_that_says_how_long_to_wait(tmp_path):
    server, database, _ = start(tmp_path, rate_limit_per_minute=1)
    with server:
        first = httpx.post(f"{server.url}/api/tickets", data={**VALID, "language": "it"})
        refused = httpx.post(
            f"{server.url}/api/tickets",
            data={**VALID, "language": "it"},
            headers=from_page(server.url, "it"),
        )
    assert first.status_code == 303
    wait = int(refused.headers["retry-after"])
    assert_page(
        refused, 429, "it", f"Troppe richieste dalla tua connessione. Riprova tra {wait} secondi."
    )
    assert len(stored(database)) == 1


def test_the_language_can_come_from_the_endpoints_address(tmp_path):
    paths = EndpointPaths("/es/api/tickets", "/api/feedback", "/api/search-gaps")
    server, _, _ = start(tmp_path, paths=paths)
    with server:
        response = httpx.post(
            f"{server.url}/es/api/tickets",
            content=b"hello",
            headers={"Content-Type": "text/plain"},
        )
    assert_page(response, 415, "es", "Volver al formulario de contacto")


def test_storage_out_of_service_is_a_503_page_in_the_tickets_language(endpoint):
    url, database, service = endpoint

    def unavailable(*args, **kwargs):
        raise StorageUnavailable("the disk is full", retry_after=120)

    service.store.add = unavailable
    response = httpx.post(f"{url}/api/tickets", data={**VALID, "language": "it"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "120"
    assert_page(response, 503, "it")
    assert stored(database) == []


def test_a_vote_with_errors_gets_a_page_with_a_link_back_to_the_article(tmp_path, site_dir):
    server, _, service = start(tmp_path)
    service.site_dir = site_dir  # the site's pages are known: a vote names one of them
    with server:
        response = httpx.post(
            f"{server.url}/api/feedback",
            data={"language": "es", "page": "shipping/returns/", "helpful": "quizás"},
        )
    html = assert_page(response, 422, "es", "Su opinión no se ha enviado", "Volver al artículo")
    assert 'href="/es/shipping/returns/"' in html


def test_json_clients_keep_getting_json(endpoint):
    url, _, _ = endpoint
    response = httpx.post(
        f"{url}/api/tickets",
        content=b"hello",
        headers={"Content-Type": "text/plain", "Accept": "application/json"},
    )
    assert response.status_code == 415
    assert response.json()["errors"]["body"]
    assert response.headers["cache-control"] == "no-store"
