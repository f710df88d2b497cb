"""What readers type in a search box or a comment is stored with the things that identify them
masked: email addresses, phone numbers (international ones too) and tracking-number-like tokens.
Through the real endpoint, into the real database."""

from __future__ import annotations

import httpx
import pytest

from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service
from tests.databases import rows

# What is typed, and what is kept.
MASKED = [
    ("colis camille.martin@example.fr", "colis [email]"),
    ("mi correo es ana.lopez+pedidos@correo.es gracias", "mi correo es [email] gracias"),
    ("appelez-moi au 06 12 34 56 78", "appelez-moi au [phone]"),
    ("+33 6 12 34 56 78 rappel", "[phone] rappel"),
    ("+33612345678", "[phone]"),
    ("0033 1 23 45 67 89", "[phone]"),
    ("chiamatemi al +39 347 123 4567", "chiamatemi al [phone]"),
    ("+44 20 7946 0958 London", "[phone] London"),
    ("(555) 123-4567", "[phone]"),
    ("+1-202-555-0143", "[phone]"),
    ("+49 (0)30 1234567", "[phone]"),
    ("06.12.34.56.78", "[phone]"),
    ("suivi 1Z999AA10123456784", "suivi [number]"),
    ("CL123456789FR bloqué", "[number] bloqué"),
    ("pedido 6A12345678901 perdido", "pedido [number] perdido"),
    ("IBAN FR7630006000011234567890189", "IBAN [number]"),
    ("commande CMD12345", "commande [number]"),  # eight characters, five digits: the shortest
    # Seven to fifteen digits are a phone number (E.164's longest); more, a card or an account.
    ("au 123 45 67", "au [phone]"),
    ("+123 456 789 012 345", "[phone]"),
    ("carte 1234 5678 9012 3456", "carte [number]"),
]
# What is kept as typed: numbers that identify nobody.
KEPT = [
    "colis de 3 kg à 12,50 €",
    "iPhone15 étiquette",
    "tarif 2026",
    "COVID19 retard",
    "5 colis",
    "code 12 34 56",  # six digits: no phone number
]


@pytest.fixture
def endpoint(db):
    database = db
    service = ticket_service(database, rate_limit_per_minute=10_000)
    with BackgroundServer(build_app(service, [])) as server:
        yield server.url, database


def test_searches_are_stored_with_personal_data_masked(endpoint):
    url, database = endpoint
    typed = [query for query, _ in MASKED] + KEPT
    for start in range(0, len(typed), 10):  # as beacons send them, in batches
        response = httpx.post(
            f"{url}/api/search-gaps",
            json={
                "language": "fr",
                "page": "",
                "queries": [{"query": query, "results": 0} for query in typed[start : start + 10]],
            },
        )
        assert response.status_code == 204
    stored = sorted(query for (query,) in rows(database, "SELECT query FROM search_gaps"))
    assert stored == sorted([masked for _, masked in MASKED] + KEPT)


@pytest.mark.parametrize(("typed", "masked"), MASKED[::3])
def test_comments_are_stored_with_personal_data_masked(endpoint, typed, masked):
    url, database = endpoint
    for send in ("json", "data"):  # with JavaScript, and as a plain form post
        response = httpx.post(
            f"{url}/api/feedback",
            **{send: {"language": "fr", "page": "shipping/", "helpful": "no", "comment": typed}},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201
    assert rows(database, "SELECT comment FROM votes") == [(masked,), (masked,)]
    assert typed not in str(rows(database, "SELECT * FROM votes"))
