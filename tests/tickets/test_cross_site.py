"""A form on another site cannot make a reader's browser post to the endpoint: a post whose
`Origin` (or `Sec-Fetch-Site: cross-site`) is neither the site's own origin nor one of
`contact.allowed_origins` is refused with 403 before anything is stored. Posts from the site
itself, from the configured origins, and from scripts that send no Origin (curl) still work."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service
from tests.tickets.test_endpoint import VALID

VOTE = {"language": "fr", "page": "shipping/", "helpful": "yes"}
GAPS = {"language": "fr", "page": "", "queries": [{"query": "douane", "results": 0}]}
STATIC_HOST = "https://help.colisto.example"


@pytest.fixture
def endpoint(tmp_path):
    database = tmp_path / "db.sqlite3"
    service = ticket_service(
        database,
        rate_limit_per_minute=1_000_000,
        allowed_origins=[STATIC_HOST],
        site_url="https://www.colisto.example/help/",
    )
    with BackgroundServer(build_app(service, [])) as server:
        yield server.url, database


def counts(database) -> tuple[int, int, int]:
    connection = sqlite3.connect(database)
    try:
        return tuple(
            connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("tickets", "votes", "search_gaps")
        )
    finally:
        connection.close()


def post_all(url: str, headers: dict[str, str]) -> list[httpx.Response]:
    """A ticket, a vote and a batch of searches, as a page would post them."""
    return [
        httpx.post(f"{url}/api/tickets", data=VALID, headers=headers),
        httpx.post(f"{url}/api/feedback", data=VOTE, headers=headers),
        httpx.post(f"{url}/api/search-gaps", json=GAPS, headers=headers),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "https://help.colisto.example.evil.example"},
        {"Origin": "http://help.colisto.example"},  # not the configured scheme
        {"Sec-Fetch-Site": "cross-site"},  # a browser that sent no Origin
    ],
)
def test_a_post_from_another_site_is_refused_before_anything_is_stored(endpoint, headers):
    url, database = endpoint
    for response in post_all(url, {"Accept": "application/json", **headers}):
        assert response.status_code == 403
        assert response.json()["errors"]["origin"]
    assert counts(database) == (0, 0, 0)


def test_a_plain_cross_site_form_post_gets_a_page(endpoint):
    url, database = endpoint
    response = httpx.post(
        f"{url}/api/tickets",
        data={**VALID, "language": "es"},
        files={"none": ("", b"")},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/es/x"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Este formulario se envió desde otro sitio" in response.text
    assert counts(database) == (0, 0, 0)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script: no Origin, no Sec-Fetch-Site
        {"Sec-Fetch-Site": "none"},  # typed in the address bar, a bookmark
        {"Sec-Fetch-Site": "same-origin", "Origin": "SELF"},
        {"Origin": "SELF"},
        {"Origin": "https://www.colisto.example"},  # the site's own origin (site_url)
        {"Origin": STATIC_HOST, "Sec-Fetch-Site": "cross-site"},  # a configured origin
        {"Origin": "https://HELP.colisto.example:443"},
    ],
)
def test_posts_from_the_site_its_origins_and_scripts_still_work(endpoint, headers):
    url, database = endpoint
    headers = {k: url if v == "SELF" else v for k, v in headers.items()}
    statuses = [r.status_code for r in post_all(url, {"Accept": "application/json", **headers})]
    assert statuses == [201, 201, 204]
    assert counts(database) == (1, 1, 1)


def test_a_configured_origin_also_gets_its_cors_headers(endpoint):
    url, _ = endpoint
    response = httpx.post(
        f"{url}/api/feedback",
        json=VOTE,
        headers={"Origin": STATIC_HOST, "Accept": "application/json"},
    )
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == STATIC_HOST
