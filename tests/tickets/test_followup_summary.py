"""A request's follow-up address, asked by a script (`Accept: application/json`): the summary the
reader's browser keeps to list its requests on the contact page (my-requests.js), over real
HTTP into a real SQLite file.

- the request's reference, subject, topic, language, status (the reader's words for it, in the
  request's language) and when it was sent and last active; never the message nor the email;
- kept by no cache; a wrong or expired token is the same 404 as for the page;
- described by the OpenAPI document.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.tickets.test_endpoint import VALID
from tests.tickets.test_followup import DAY, JSON, cli, endpoint, reply, send

SUMMARY_FIELDS = {
    "reference",
    "subject",
    "category",
    "language",
    "status",
    "status_label",
    "created",
    "updated",
}


@pytest.fixture
def served(db):
    server, service, clock = endpoint(db)
    with server:
        yield server.url, service, clock


def summary(url: str, follow_url: str) -> dict:
    answer = httpx.get(f"{url}{follow_url}", headers=JSON)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    assert "accept" in answer.headers["vary"].lower()
    return answer.json()


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).isoformat()


@pytest.mark.parametrize(
    ("language", "category", "words"),
    [
        ("fr", "shipping", ("Ouverte", "En attente de votre réponse", "Résolue", "Fermée")),
        ("it", "claim", ("Aperta", "In attesa di una tua risposta", "Risolta", "Chiusa")),
    ],
)
def test_a_script_gets_the_requests_summary_in_its_language_and_never_its_message(
    served, capsys, language, category, words
):
    url, service, clock = served
    sent_at = clock.now
    fields = {**VALID, "language": language, "category": category, "subject": "Colis bloqué"}
    reference, follow_url = send(url, fields)

    first = summary(url, follow_url)
    assert first == {
        "reference": reference,
        "subject": "Colis bloqué",
        "category": category,
        "language": language,
        "status": "open",
        "status_label": words[0],
        "created": iso(sent_at),
        "updated": iso(sent_at),
    }
    raw = httpx.get(f"{url}{follow_url}", headers=JSON).text
    assert VALID["message"] not in raw and VALID["email"] not in raw and VALID["name"] not in raw

    # The reader's reply is activity; the team's answers move the status.
    clock.now += 3 * DAY
    assert reply(url, follow_url, "Toujours bloqué.").status_code == 201
    assert summary(url, follow_url)["updated"] == iso(clock.now)
    database = service.store.target
    assert cli(database, "reply", reference, "--message", "Quel numéro de suivi ?") == 0
    now = summary(url, follow_url)
    assert (now["status"], now["status_label"]) == ("pending", words[1])
    assert now["created"] == iso(sent_at)
    for status, label in (("solved", words[2]), ("closed", words[3])):
        assert cli(database, "status", reference, status) == 0
        assert summary(url, follow_url)["status_label"] == label
    capsys.readouterr()

    # A browser still gets the page.
    page = httpx.get(f"{url}{follow_url}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "accept" in page.headers["vary"].lower()


def test_a_wrong_or_expired_address_is_the_pages_404_for_a_script_too(served):
    url, service, clock = served
    service.follow_up.link_days = 30
    reference, follow_url = send(url)
    clock.now += 31 * DAY
    expired = httpx.get(f"{url}{follow_url}", headers=JSON)
    unknown = httpx.get(f"{url}/api/tickets/follow/{'y' * 32}", headers=JSON)
    page = httpx.get(f"{url}/api/tickets/follow/{'y' * 32}")
    assert expired.status_code == unknown.status_code == page.status_code == 404
    assert expired.text == unknown.text == page.text
    assert reference not in expired.text
    assert expired.headers["cache-control"] == "no-store"


def test_the_openapi_document_describes_the_summary(served):
    url, _, _ = served
    _, follow_url = send(url)
    document = httpx.get(f"{url}/api/openapi.json").json()
    answer = document["paths"]["/api/tickets/follow/{token}"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {"text/html", "application/json"}
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RequestSummary"
    }
    schema = document["components"]["schemas"]["RequestSummary"]
    assert set(schema["required"]) == set(schema["properties"]) == SUMMARY_FIELDS
    given = summary(url, follow_url)
    assert set(given) == SUMMARY_FIELDS
    assert given["status"] in schema["properties"]["status"]["enum"]
    assert schema["properties"]["status"]["enum"] == ["open", "pending", "solved", "closed"]
    assert given["language"] in schema["properties"]["language"]["enum"]
