"""The ticket endpoint over real HTTP, storing into a real database: a SQLite file and a
PostgreSQL database (the tests of what is stored run on both)."""

from __future__ import annotations

import base64
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from helpcenter.engines import Target
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import INVALID
from tests.conftest import BackgroundServer, ticket_service

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64

VALID = {
    "name": "Camille Martin",
    "email": "camille@example.com",
    "subject": "Étiquette refusée par le transporteur",
    "category": "shipping",
    "plan": "pro",
    "message": "Le transporteur refuse mon étiquette depuis ce matin, que faire ?",
    "language": "fr",
    "page": "shipping/create-label/",
}

FRENCH = Catalogs().gettext("fr")


def start(database: Target, **settings) -> tuple[BackgroundServer, Target]:
    settings.setdefault("rate_limit_per_minute", 10_000)
    from helpcenter.tickets.app import build_app

    server = BackgroundServer(build_app(ticket_service(database, **settings), []))
    return server, database


@pytest.fixture
def endpoint(db):
    server, database = start(db)
    with server:
        yield server.url, database


def stored(database: Target) -> list[dict]:
    store = TicketStore(database)
    try:
        return store.list()
    finally:
        store.close()


def post(url: str, data=None, files=None, headers=None, **kwargs) -> httpx.Response:
    headers = {"Accept": "application/json", **(headers or {})}
    return httpx.post(
        f"{url}/api/tickets",
        data=data,
        files=files,
        headers=headers,
        follow_redirects=False,
        timeout=30,
        **kwargs,
    )


def test_a_valid_multipart_ticket_is_stored_with_its_attachment(endpoint):
    url, database = endpoint
    response = post(url, VALID, files=[("attachments", ("capture.png", PNG, "image/png"))])
    assert response.status_code == 201
    reference = response.json()["reference"]
    [ticket] = stored(database)
    assert ticket["reference"] == reference
    assert ticket["subject"] == VALID["subject"]
    assert ticket["attachments"] == [
        {"filename": "capture.png", "content_type": "image/png", "size": len(PNG)}
    ]


def test_a_ticket_follows_up_on_a_reference_or_on_nothing(endpoint):
    url, database = endpoint
    refused = post(url, json={**VALID, "follows": "my last request"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"follows": [FRENCH(INVALID)]}
    assert post(url, json=VALID).status_code == 201
    [ticket] = stored(database)
    assert ticket["follows"] == ""  # a new request, following none


def test_only_the_attachments_field_brings_attachments(endpoint):
    """A file sent under another name (a forged form's) is neither read nor kept."""
    url, database = endpoint
    files = [
        ("attachments", ("capture.png", PNG, "image/png")),
        ("photo", ("other.png", PNG, "image/png")),
    ]
    assert post(url, VALID, files=files).status_code == 201
    [ticket] = stored(database)
    assert [file["filename"] for file in ticket["attachments"]] == ["capture.png"]


def test_a_json_ticket_with_a_base64_attachment_is_stored(endpoint):
    url, database = endpoint
    body = {
        **VALID,
        "attachments": [
            {"filename": "facture.pdf", "content_base64": base64.b64encode(PDF).decode()}
        ],
    }
    response = httpx.post(f"{url}/api/tickets", json=body)
    assert response.status_code == 201
    assert stored(database)[0]["attachments"][0]["content_type"] == "application/pdf"


def test_references_are_unique_and_not_sequential(endpoint):
    url, _ = endpoint
    references = {post(url, VALID).json()["reference"] for _ in range(5)}
    assert len(references) == 5
    assert all(len(reference) == len("HC-XXXX-XXXX-XXXX") for reference in references)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "camille@"}, "email", "Saisissez une adresse e-mail valide"),
        ({"email": ""}, "email", "Ce champ est obligatoire."),
        ({"name": ""}, "name", "Ce champ est obligatoire."),
        ({"subject": "ab"}, "subject", "Écrivez au moins 3 caractères."),
        ({"message": "x" * 5001}, "message", "Écrivez au plus 5000 caractères."),
        ({"category": "spam"}, "category", "Choisissez l'un des sujets proposés."),
        ({"plan": "gold"}, "plan", "Choisissez l'une des offres proposées."),
        ({"language": "de"}, "language", "Langue inconnue."),
    ],
)
def test_each_invalid_field_gets_a_message_in_the_tickets_language_and_nothing_is_stored(
    endpoint, change, field, message
):
    url, database = endpoint
    response = post(url, {**VALID, **change})
    assert response.status_code == 422
    assert any(message in text for text in response.json()["errors"][field])
    assert stored(database) == []


def test_errors_speak_the_language_of_the_ticket(endpoint):
    url, _ = endpoint
    for language, message in (
        ("es", "Este campo es obligatorio."),
        ("it", "Questo campo è obbligatorio."),
    ):
        response = post(url, {**VALID, "language": language, "name": ""})
        assert response.json()["errors"]["name"] == [message]


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("photo.png", b"\x89PNX\x00\x01\x02 not a PNG"),
        ("report.pdf", b"\x00\x01\x02\x03 binary"),
        ("notes.txt", "Bonjour".encode("utf-16")),
    ],
)
def test_attachments_are_checked_by_content_not_only_by_name(endpoint, filename, content):
    url, database = endpoint
    response = post(url, VALID, files=[("attachments", (filename, content, "image/png"))])
    assert response.status_code == 422
    assert "attachments" in response.json()["errors"]
    assert stored(database) == []


@pytest.mark.parametrize(
    ("filename", "content", "kept_as", "content_type"),
    [
        ("photo.png", PDF, "photo.pdf", "application/pdf"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "script.txt", "text/plain"),
        ("notes", b"hello", "notes.txt", "text/plain"),
        ("export.csv", "café;1\r\n".encode("cp1252"), "export.csv", "text/csv"),
        ("capture.JPEG", b"\xff\xd8\xff\xe0 jpeg", "capture.JPEG", "image/jpeg"),
    ],
)
def test_an_attachment_is_kept_under_a_name_that_says_what_it_is(
    endpoint, filename, content, kept_as, content_type
):
    url, database = endpoint
    response = post(url, VALID, files=[("attachments", (filename, content, "image/png"))])
    assert response.status_code == 201, response.text
    [attachment] = stored(database)[0]["attachments"]
    assert attachment == {"filename": kept_as, "content_type": content_type, "size": len(content)}


def test_an_empty_file_part_is_no_attachment(endpoint):
    """What a browser sends for a file input left empty: a part with an empty file name and no
    bytes; an empty file with a name is no more."""
    url, database = endpoint
    boundary = "----empty"
    parts = [
        f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'
        for name, value in VALID.items()
    ]
    parts += [
        'Content-Disposition: form-data; name="attachments"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n",
        'Content-Disposition: form-data; name="attachments"; filename="empty.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n",
    ]
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    response = httpx.post(
        f"{url}/api/tickets",
        content=body.encode(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    assert response.status_code == 201, response.text
    assert stored(database)[0]["attachments"] == []


def test_attachment_names_are_sanitized(endpoint):
    url, database = endpoint
    response = post(
        url, VALID, files=[("attachments", ("../../etc/<b>passwd</b>.txt", b"hello", "text/plain"))]
    )
    assert response.status_code == 201
    name = stored(database)[0]["attachments"][0]["filename"]
    assert "/" not in name and "<" not in name and ".." not in name
    assert name.endswith(".txt")


def test_too_many_attachments_are_refused(endpoint):
    url, database = endpoint
    files = [("attachments", (f"note{i}.txt", b"hello", "text/plain")) for i in range(6)]
    response = post(url, VALID, files=files)
    assert response.status_code == 422
    assert stored(database) == []


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(endpoint):
    url, database = endpoint
    huge = b"0" * (60 * 1024 * 1024)
    response = post(url, VALID, files=[("attachments", ("big.txt", huge, "text/plain"))])
    assert response.status_code == 413
    assert stored(database) == []


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(endpoint):
    url, database = endpoint
    response = post(url, {**VALID, "website": "https://spam.example"})
    assert response.status_code == 201
    assert response.json()["reference"].startswith("HC-")
    assert stored(database) == []


def test_an_idempotency_key_makes_retries_return_the_same_ticket(endpoint):
    url, database = endpoint
    headers = {"Idempotency-Key": "retry-test-0001"}
    first = post(url, VALID, headers=headers)
    second = post(url, VALID, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["reference"] == second.json()["reference"]
    assert len(stored(database)) == 1


def test_concurrent_double_submissions_with_one_key_create_one_ticket(endpoint):
    url, database = endpoint
    headers = {"Idempotency-Key": "double-click-0002"}
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post(url, VALID, headers=headers), range(8)))
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["reference"] for r in responses}) == 1
    assert len(stored(database)) == 1


@pytest.mark.slow  # 200 requests at once
def test_200_concurrent_valid_submissions_are_all_stored_once(endpoint):
    url, database = endpoint
    with ThreadPoolExecutor(32) as pool:
        responses = list(
            pool.map(lambda i: post(url, {**VALID, "subject": f"Demande numéro {i}"}), range(200))
        )
    assert all(r.status_code == 201 for r in responses)
    tickets = stored(database)
    assert len(tickets) == 200
    assert sorted(t["subject"] for t in tickets) == sorted(
        f"Demande numéro {i}" for i in range(200)
    )


def test_the_rate_limit_answers_429_with_retry_after(tmp_path):
    server, database = start(tmp_path / "tickets.sqlite3", rate_limit_per_minute=3)
    with server:
        statuses = [post(server.url, VALID).status_code for _ in range(5)]
        limited = post(server.url, VALID)
    assert statuses[:3] == [201, 201, 201]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert len(stored(database)) == 3


def test_cors_allows_only_configured_origins(tmp_path):
    server, _ = start(
        tmp_path / "tickets.sqlite3", allowed_origins=["https://help.colisto.example"]
    )
    with server:
        # What forms.js sends from a site on another origin: JSON and an Idempotency-Key.
        allowed = httpx.options(
            f"{server.url}/api/tickets",
            headers={
                "Origin": "https://help.colisto.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, accept, idempotency-key",
            },
        )
        refused = httpx.options(
            f"{server.url}/api/tickets",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        answer = post(
            server.url,
            json={**VALID, "email": "not an address"},
            headers={"Origin": "https://help.colisto.example"},
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://help.colisto.example"
    assert "access-control-allow-origin" not in refused.headers
    # The page reads the answer, and how long to wait when it says so.
    assert answer.status_code == 422
    assert answer.headers["access-control-allow-origin"] == "https://help.colisto.example"
    assert answer.headers["access-control-expose-headers"] == "Retry-After"


def test_a_form_post_without_javascript_is_redirected_to_the_requests_private_page(endpoint):
    url, database = endpoint
    response = httpx.post(
        f"{url}/api/tickets", data={**VALID, "language": "it"}, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/api/tickets/follow/[A-Za-z0-9_-]{32}\?notice=received", location)
    reference = stored(database)[0]["reference"]
    assert reference in httpx.get(f"{url}{location}").text


def test_a_form_post_with_errors_shows_the_form_again_with_what_was_typed(endpoint):
    url, database = endpoint
    response = httpx.post(f"{url}/api/tickets", data={**VALID, "email": "nope"})
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]
    assert "Saisissez une adresse e-mail valide" in response.text
    assert VALID["message"].replace("'", "&#39;") in response.text
    assert 'aria-invalid="true"' in response.text
    assert stored(database) == []


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"hello", {"Content-Type": "text/plain"}),
        (b"--x\r\nbroken", {"Content-Type": "multipart/form-data; boundary=x"}),
    ],
)
def test_unreadable_bodies_are_client_errors_never_500(endpoint, content, headers):
    url, database = endpoint
    response = httpx.post(f"{url}/api/tickets", content=content, headers=headers)
    assert 400 <= response.status_code < 500
    assert stored(database) == []


def test_health_and_openapi(endpoint):
    url, _ = endpoint
    assert httpx.get(f"{url}/api/health").json()["status"] == "ok"
    document = httpx.get(f"{url}/api/openapi.json").json()
    assert set(document["paths"]) == {
        "/api/tickets",
        "/api/tickets/follow/{token}",
        "/api/tickets/follow/{token}/new",
        "/api/feedback",
        "/api/search-gaps",
        "/api/health",
        "/api/openapi.json",
    }
    form = document["components"]["schemas"]["TicketForm"]
    assert "shipping" in form["properties"]["category"]["enum"]


def test_a_sqlite_database_is_in_wal_mode_with_full_sync(tmp_path):
    """(SQLite's journal: PostgreSQL's durability is checked in test_store_units.)"""
    server, database = start(tmp_path / "tickets.sqlite3")
    with server:
        post(server.url, VALID)
    connection = sqlite3.connect(database)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
