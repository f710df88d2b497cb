"""The OpenAPI document is the endpoint's contract: Schemathesis, with all its checks, finds
nothing against the running endpoint.

It draws requests from the document (schema-valid ones, which must be taken, and schema-breaking
ones, which must be refused), sends methods the document does not list (405 with an `Allow` that
agrees with it), checks every answer's status, content type, headers and body against the
document, and that nothing answers 5xx. Bounded (examples per operation, a fixed seed) to stay
under a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from helpcenter.tickets.app import build_app
from helpcenter.tickets.validation import Ticket
from tests.conftest import PROJECT_ROOT, BackgroundServer, ticket_service
from tests.tickets.test_endpoint import VALID

pytestmark = pytest.mark.slow  # thousands of generated requests

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 15
SEED = 20260101


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """The endpoint, and the follow-up token of a request stored in it (replies need one)."""
    database = tmp_path_factory.mktemp("contract") / "tickets.sqlite3"
    service = ticket_service(database, rate_limit_per_minute=1_000_000)
    token = service.store.add(Ticket(**VALID)).token
    with BackgroundServer(build_app(service, [])) as server:
        yield server.url, token


@pytest.fixture(scope="module")
def endpoint(running):
    return running[0]


def test_the_document_covers_every_route_at_the_configured_paths(endpoint):
    document = httpx.get(f"{endpoint}/api/openapi.json").json()
    assert set(document["paths"]) == {
        "/api/tickets",
        "/api/tickets/follow/{token}",
        "/api/tickets/follow/{token}/new",
        "/api/feedback",
        "/api/search-gaps",
        "/api/health",
        "/api/openapi.json",
    }
    ticket = document["paths"]["/api/tickets"]["post"]
    assert set(ticket["responses"]) >= {
        "201", "200", "400", "409", "413", "415", "422", "429", "503",
    }  # fmt: skip
    [key] = ticket["parameters"]
    assert key["name"] == "Idempotency-Key"
    assert key["schema"]["pattern"] == "^[A-Za-z0-9_-]{8,100}$"
    body = ticket["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/Ticket"}
    schemas = document["components"]["schemas"]
    assert schemas["Ticket"]["properties"]["idempotency_key"]["pattern"] == key["schema"]["pattern"]
    assert "shipping" in schemas["Ticket"]["properties"]["category"]["enum"]
    # The form's schema is the same ticket; only how attachments travel differs.
    form = schemas["TicketForm"]
    assert {k: v for k, v in form["properties"].items() if k != "attachments"} == {
        k: v for k, v in schemas["Ticket"]["properties"].items() if k != "attachments"
    }
    assert form["properties"]["attachments"]["items"]["format"] == "binary"
    for path in ("/api/feedback", "/api/search-gaps"):
        assert "413" in document["paths"][path]["post"]["responses"]


def test_methods_the_document_does_not_list_get_405_with_an_allow_that_agrees(endpoint):
    document = httpx.get(f"{endpoint}/api/openapi.json").json()
    for path, operations in document["paths"].items():
        documented = {method.upper() for method in operations}
        answer = httpx.request("DELETE", f"{endpoint}{path}")
        assert answer.status_code == 405
        allowed = {method.strip() for method in answer.headers["allow"].split(",")}
        assert allowed - {"HEAD"} == documented


def test_schemathesis_with_all_its_checks_finds_nothing(running):
    endpoint, token = running
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.tickets.schemathesis_hooks",
        "PYTHONPATH": str(PROJECT_ROOT),
        "HELPCENTER_FOLLOW_UP_TOKEN": token,
    }
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{endpoint}/api/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            # One worker: CPython 3.11's `ast.parse`, which Hypothesis calls to describe its
            # strategies, is not safe to run in two threads at once.
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert "No issues found" in run.stdout
