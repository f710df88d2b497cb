"""Property-based fuzzing of POST /api/tickets over HTTP: whatever is sent, no 5xx; nothing is
stored for an invalid request; every stored ticket is valid."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpcenter.contact.settings import TICKET_FIELDS
from helpcenter.tickets.app import build_app
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import EMAIL, TEXT_FIELDS
from tests.conftest import BackgroundServer, ticket_service

pytestmark = pytest.mark.slow  # thousands of generated requests

# The ticket's own fields, but for the files and the request it follows (given apart).
FIELD_NAMES = [name for name in TICKET_FIELDS if name not in ("attachments", "follows")]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "' OR 1=1 --",
            "\x00\x01\x02",
            "é" * 200,
            "a@b.co",
            "fr",
            "shipping",
            "pro",
            "",
        ]
    ),
    st.text(min_size=4990, max_size=5100, alphabet="ab <>&\"'\n"),
)
VALID = {
    "name": "Ana",
    "email": "ana@example.com",
    "subject": "Étiquette",
    "category": "shipping",
    "message": "Un message assez long.",
    "language": "es",
}
# Random fields over nothing, or over a valid ticket (so that some are stored and checked).
fields = st.builds(
    lambda base, changes: {**base, **changes},
    st.sampled_from([{}, VALID]),
    st.dictionaries(st.sampled_from(FIELD_NAMES), hostile_text, max_size=3),
)
files = st.lists(
    st.tuples(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(
                ["../../etc/passwd", "a.png", "b.txt", "<img src=x>.pdf", "x" * 300 + ".txt"]
            ),
        ),
        st.one_of(
            st.binary(max_size=200),
            st.sampled_from([b"%PDF-1.4 x", b"\x89PNG\r\n\x1a\nx", b"plain text", b""]),
        ),
    ),
    max_size=7,
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "tickets.sqlite3"
    service = ticket_service(database, rate_limit_per_minute=1_000_000)
    with BackgroundServer(build_app(service, [])) as server:
        yield server.url, database, service


def count(database) -> int:
    store = TicketStore(database)
    try:
        return len(store.list())
    finally:
        store.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=fields, uploads=files, as_json=st.booleans())
def test_no_input_makes_the_endpoint_fail_or_store_an_invalid_ticket(
    endpoint, data, uploads, as_json
):
    url, database, service = endpoint
    before = count(database)
    if as_json:
        response = httpx.post(f"{url}/api/tickets", json=data, timeout=30)
    else:
        response = httpx.post(
            f"{url}/api/tickets",
            data=data,
            headers={"Accept": "application/json"},
            files=[("attachments", (name, content)) for name, content in uploads] or None,
            timeout=30,
        )
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500, response.text
    stored = count(database) - before
    if response.status_code >= 400 or data.get("website"):
        assert stored == 0
    if stored:
        ticket = TicketStore(database).list()[0]
        for name, (required, minimum, maximum) in TEXT_FIELDS.items():
            assert (minimum if required else 0) <= len(ticket[name]) <= maximum
        assert EMAIL.match(ticket["email"])
        assert ticket["category"] in {c.id for c in service.settings.categories}
        assert ticket["language"] in service.locales
        for attachment in ticket["attachments"]:
            assert "/" not in attachment["filename"] and attachment["size"] > 0


# Any JSON at all, to each endpoint: never a 5xx, always the error shape when refused.
OTHER_FIELDS = ["attachments", "queries", "query", "results", "helpful", "comment", "vote_id"]
OTHER_FIELDS += ["filename", "content_base64"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(["fr", "es", "shipping/", "", "yes", "\ud800", "é", "9" * 30]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*FIELD_NAMES, *OTHER_FIELDS]) | st.text(max_size=5),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["/api/tickets", "/api/feedback", "/api/search-gaps"]),
    body=json_values,
    base=st.sampled_from(
        [
            {},
            VALID,
            {"language": "fr", "page": "", "helpful": "no"},
            {"language": "es", "page": "", "queries": [{"query": "aduanas", "results": 0}]},
        ]
    ),
)
def test_no_json_makes_any_endpoint_fail(endpoint, path, body, base):
    url, _, _ = endpoint
    if isinstance(body, dict):
        body = {**base, **body}
    response = httpx.post(
        f"{url}{path}",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        timeout=30,
    )
    event(f"{path} HTTP {response.status_code}")
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        errors = response.json()["errors"]
        assert all(isinstance(m, str) for messages in errors.values() for m in messages)
