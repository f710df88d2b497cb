"""A topic's own questions (mkdocs.yml's `fields` of a category): configured with clear errors,
asked, checked, stored, shown and forwarded to the helpdesk.

The Colisto example asks a tracking number for `tracking` (required) and `claim` (optional, with a
choice of what happened), and an invoice number for `billing` (optional). Everything runs against
the real endpoint on loopback and a real SQLite file; only the helpdesk is the Zendesk stand-in.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import jsonschema_rs
import pytest

from helpcenter.cli import main
from helpcenter.config import Project, ProjectError, load_project
from helpcenter.contact.settings import TICKET_FIELDS
from helpcenter.scaffold.project import init_project
from helpcenter.server.app import endpoint_app
from helpcenter.tickets.app import build_app
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import Ticket, TicketRequests
from tests.conftest import PROJECT_ROOT, BackgroundServer, example_project, ticket_service
from tests.tickets.test_endpoint import stored
from tests.tickets.zendesk_standin import Helpdesk

PROJECT = example_project()
CATALOGS = PROJECT.catalogs
FRENCH, SPANISH = CATALOGS.gettext("fr"), CATALOGS.gettext("es")
BASE = {
    "name": "Camille Martin",
    "email": "camille@example.com",
    "subject": "Mon colis n'avance plus",
    "message": "Le suivi n'a pas bougé depuis cinq jours, pouvez-vous vérifier ?",
    "language": "fr",
}
TRACKING = {**BASE, "category": "tracking", "tracking.tracking_number": "CP123456789FR"}
HINT = PROJECT.contact.category("tracking").fields[0].hint
JSON = {"Accept": "application/json"}


def requests(project: Project = PROJECT) -> TicketRequests:
    """The endpoint's checks of `project`'s tickets."""
    return TicketRequests(
        project.contact, project.locales, tuple(p.id for p in project.plans.plans), project.catalogs
    )


# The configuration: one clear error naming mkdocs.yml, the key and what was expected.

BILLING = "          - id: billing\n"
LABEL = "label: {fr: Numéro, es: Número, it: Numero}"
HINTED = f"{LABEL}, hint: {{fr: F, es: F, it: F}}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The example's mkdocs.yml and plans, with its docs and theme where they are (read only)."""
    (tmp_path / "mkdocs.yml").write_text((PROJECT_ROOT / "mkdocs.yml").read_text("utf-8"), "utf-8")
    for part in ("docs", "data", "overrides"):
        (tmp_path / part).symlink_to(PROJECT_ROOT / part)
    return tmp_path


def billing_asks(project: Path, *fields: str) -> Path:
    """The project's mkdocs.yml, its `billing` topic asking `fields` (YAML flow mappings)."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    listed = "".join(f"              - {field}\n" for field in fields)
    start = text.index(BILLING) + len(BILLING)
    end = text.index("          - id: account\n")
    billing = "            label: {fr: Facturation, es: Facturación, it: Fatturazione}\n"
    config.write_text(text[:start] + billing + "            fields:\n" + listed + text[end:])
    return config


def configure(project: Path, *fields: str) -> str:
    """The one error `helpcenter` reports for `billing` asking `fields`."""
    with pytest.raises(ProjectError) as refused:
        load_project(billing_asks(project, *fields))
    [error] = str(refused.value).splitlines()
    return error


@pytest.mark.parametrize(
    ("fields", "key", "expected"),
    [
        (
            ["{id: invoice, label: {fr: Numéro, es: Número}}"],
            "fields[0].label.it",
            "missing translation (expected a text in each of: fr, es, it)",
        ),
        (
            [f"{{id: invoice, {LABEL}, hint: {{fr: Sur la facture, it: Sulla fattura}}}}"],
            "fields[0].hint.es",
            "missing translation",
        ),
        (
            [f"{{id: kind, type: choice, {LABEL}, options: [{{id: a, label: {{fr: A, es: A}}}}]}}"],
            "fields[0].options[0].label.it",
            "missing translation",
        ),
        (
            [f"{{id: invoice, type: date, {LABEL}}}"],
            "fields[0].type",
            "Input should be 'text' or 'choice'",
        ),
        (
            [f"{{id: invoice, {HINTED}, pattern: 'F-[0-9'}}"],
            "fields[0].pattern",
            "not a regular expression",
        ),
        (
            [f"{{id: invoice, {HINTED}, pattern: '(?P<year>[0-9]+)'}}"],
            "fields[0].pattern",
            "uses Python's own syntax",
        ),
        (
            [f"{{id: invoice, {HINTED}, pattern: 'F-\\d{{4}}'}}"],
            "fields[0].pattern",
            "uses \\d, \\w, \\s or \\b, whose letters and digits differ",
        ),
        (
            [f"{{id: invoice, {LABEL}, pattern: 'F-[0-9]+'}}"],
            "fields[0]",
            "`hint` missing: a field with a `pattern` needs one that tells readers the format",
        ),
        (
            [f"{{id: invoice, {LABEL}}}", f"{{id: invoice, {LABEL}}}"],
            "fields",
            "duplicate field id 'invoice'",
        ),
        (
            [f"{{id: email, {LABEL}}}"],
            "fields[0].id",
            "'email' is one of the form's own fields; choose another id",
        ),
        (
            [f"{{id: kind, type: choice, {LABEL}}}"],
            "fields[0]",
            "`options` missing: a choice field needs its answers",
        ),
        (
            [f"{{id: invoice, {LABEL}, options: [{{id: a, label: {{fr: A, es: A, it: A}}}}]}}"],
            "fields[0]",
            "`options` are for choice fields",
        ),
    ],
    ids=[
        "label-translation",
        "hint-translation",
        "option-translation",
        "unknown-type",
        "bad-pattern",
        "python-only-pattern",
        "script-dependent-class",
        "pattern-without-hint",
        "duplicate-id",
        "built-in-id",
        "choice-without-options",
        "options-on-text",
    ],
)
def test_a_mistake_in_a_topics_questions_is_one_error_naming_the_file_and_key(
    project, fields, key, expected
):
    error = configure(project, *fields)
    assert error.startswith(("mkdocs.yml: ", f"{project / 'mkdocs.yml'}: "))
    key_path = f"plugins.helpcenter.contact.categories[3].{key}: "
    assert key_path in error.replace("contact: ", "contact."), error
    assert expected in error


def test_a_contact_section_left_empty_names_what_it_needs(project):
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    start = text.index("      contact:\n") + len("      contact:\n")
    end = start + re.search(r"^ {0,6}\S", text[start:], re.MULTILINE).start()
    config.write_text(text[:start] + text[end:], "utf-8")
    with pytest.raises(ProjectError) as refused:
        load_project(config)
    assert str(refused.value) == (
        f"{config}: plugins.helpcenter.contact: categories: required, but missing"
    )


def test_no_question_may_be_named_like_one_of_the_tickets_own_fields():
    assert set(requests().model.model_fields) == set(TICKET_FIELDS)


# The endpoint: checked in the reader's language, only the posted topic's kept.


def start(tmp_path: Path) -> tuple[BackgroundServer, Path]:
    database = tmp_path / "tickets.sqlite3"
    service = ticket_service(database, rate_limit_per_minute=10_000)
    return BackgroundServer(build_app(service, [])), database


@pytest.fixture
def endpoint(tmp_path):
    server, database = start(tmp_path)
    with server:
        yield server.url, database


def post_json(url: str, body: dict) -> httpx.Response:
    return httpx.post(f"{url}/api/tickets", json=body, timeout=30)


def test_the_topics_answers_are_stored_trimmed_and_the_other_topics_ignored(endpoint):
    url, database = endpoint
    sent = {
        **TRACKING,
        "tracking.tracking_number": "  cp123456789fr ",
        # Another topic's question, as a form without JavaScript sends it: not kept.
        "billing.invoice_number": "whatever",
    }
    assert post_json(url, sent).status_code == 201
    claim = {**BASE, "category": "claim", "claim.problem": "damaged", "claim.tracking_number": ""}
    assert post_json(url, claim).status_code == 201
    claimed, tracked = stored(database)  # newest first
    assert tracked["fields"] == {"tracking_number": "cp123456789fr"}
    assert claimed["fields"] == {"problem": "damaged"}  # the unanswered question left out


@pytest.mark.parametrize(
    ("change", "language", "message"),
    [
        ({"tracking.tracking_number": None}, "fr", FRENCH("This field is required.")),
        ({"tracking.tracking_number": "   "}, "fr", FRENCH("This field is required.")),
        (
            {"tracking.tracking_number": "12345"},
            "es",
            SPANISH("This is not in the expected format. %(hint)s") % {"hint": HINT["es"]},
        ),
        ({"tracking.tracking_number": "CP123456789FR" * 2}, "fr", "au plus 20 caractères"),
        ({"tracking.tracking_number": "CP12345\x1b6789FR"}, "fr", "caractères de contrôle"),
        ({"tracking.tracking_number": 123456789}, "fr", FRENCH("Please enter a valid value.")),
    ],
    ids=["missing", "blank", "format", "too-long", "control", "not-text"],
)
def test_a_wrong_answer_is_refused_by_its_field_in_the_readers_language(
    endpoint, change, language, message
):
    url, database = endpoint
    body = {**TRACKING, "language": language, **change}
    body = {name: value for name, value in body.items() if value is not None}
    answer = post_json(url, body)
    assert answer.status_code == 422
    assert message in " ".join(answer.json()["errors"]["tracking.tracking_number"])
    assert stored(database) == []


def test_a_choice_takes_only_its_options_and_the_other_errors_come_with_it(endpoint):
    url, database = endpoint
    body = {**BASE, "category": "claim", "claim.problem": "stolen", "email": "camille@"}
    errors = post_json(url, body).json()["errors"]
    assert errors["claim.problem"] == [FRENCH("Please choose one of the listed answers.")]
    assert "email" in errors
    assert stored(database) == []


class Controls(HTMLParser):
    """The form's controls by name: their attributes, a select's chosen option, and the text of
    each element by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: dict[str, dict] = {}
        self.texts: dict[str, str] = {}
        self.open: list[str] = []
        self.select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and "name" in attributes:
            self.controls[attributes["name"]] = attributes
            self.select = attributes["name"] if tag == "select" else None
        if tag == "option" and self.select and "selected" in attributes:
            self.controls[self.select]["value"] = attributes.get("value", "")
        if "id" in attributes and tag not in ("input", "select", "textarea", "option"):
            self.open.append(attributes["id"])
            self.texts[attributes["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "p" and self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.texts[self.open[-1]] += data


def test_a_plain_form_post_comes_back_with_the_answers_typed_and_the_error_at_its_field(endpoint):
    url, database = endpoint
    form = {
        **BASE,
        "category": "tracking",
        "tracking.tracking_number": "CP 12 <b>",
        "claim.problem": "lost",
        "billing.invoice_number": "F-2026-000123",
    }
    answer = httpx.post(f"{url}/api/tickets", data=form, files={"none": ("", b"")})
    assert answer.status_code == 422
    page = Controls(answer.text)
    number = page.controls["tracking.tracking_number"]
    assert number["value"] == "CP 12 <b>"
    assert number["aria-invalid"] == "true"
    error_id = "hc-tracking.tracking_number-error"
    assert number["aria-describedby"].split() == ["hc-tracking.tracking_number-help", error_id]
    assert HINT["fr"] in page.texts[error_id]
    # What was typed for the other topics comes back too, untouched and not at fault.
    assert page.controls["claim.problem"]["value"] == "lost"
    assert page.controls["billing.invoice_number"]["value"] == "F-2026-000123"
    assert "aria-invalid" not in page.controls["billing.invoice_number"]
    assert stored(database) == []


# Stored with the ticket: in an existing database too, shown by the CLI, on the request's page.


def test_a_database_of_an_earlier_version_takes_the_answers(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    store = TicketStore(database)
    earlier = store.add(Ticket(**BASE, category="shipping", plan="", page="")).reference
    store.close()
    with sqlite3.connect(database) as db:  # as the file was before tickets had answers
        db.execute("ALTER TABLE tickets DROP COLUMN fields")
        db.execute("DROP TABLE schema_migrations")  # (and before the schema's steps were numbered)
    store = TicketStore(database)
    fields = {"tracking_number": "CP123456789FR\x1b[2J"}
    later = store.add(Ticket(**BASE, category="tracking", plan="", page="", fields=fields))
    store.close()

    assert main(["tickets", "list", "--db", str(database), "--json"]) == 0
    listed = {t["reference"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed[earlier]["fields"] == {}
    assert listed[later.reference]["fields"] == fields
    assert main(["tickets", "show", later.reference, "--db", str(database)]) == 0
    shown = capsys.readouterr().out
    assert "  Category:      tracking\n    tracking_number: CP123456789FR\\x1b[2J\n" in shown
    assert "\x1b" not in shown


def test_the_requests_page_shows_the_answers_with_their_labels_in_its_language(endpoint):
    url, _ = endpoint
    body = {
        **BASE,
        "language": "it",
        "category": "claim",
        "claim.tracking_number": "CP123456789FR",
        "claim.problem": "damaged",
    }
    answer = httpx.post(f"{url}/api/tickets", data=body, headers=JSON)
    html = httpx.get(f"{url}{answer.json()['follow_url']}").text
    assert "<dt>Numero di tracciamento</dt>" in html
    assert "<dt>Che cosa è successo?</dt>" in html
    assert ">Il pacco è arrivato danneggiato</dd>" in html  # the option's label, not its id


def test_a_new_request_following_a_closed_one_starts_with_its_answers(endpoint):
    url, database = endpoint
    answer = post_json(url, TRACKING).json()
    store = TicketStore(database)
    try:
        store.set_status(answer["reference"], "closed")
    finally:
        store.close()
    form = Controls(httpx.get(f"{url}{answer['follow_url']}/new").text).controls
    assert form["category"]["value"] == "tracking"
    assert form["tracking.tracking_number"]["value"] == "CP123456789FR"


# The OpenAPI document says what the endpoint takes.


def test_the_document_asks_the_posted_topics_questions_as_the_endpoint_does():
    checks = requests()
    schema = jsonschema_rs.validator_for(checks.model.model_json_schema())
    number = "tracking.tracking_number"
    without_number = {key: value for key, value in TRACKING.items() if key != number}
    claim, billing = {**BASE, "category": "claim"}, {**BASE, "category": "billing"}
    shipping = {**BASE, "category": "shipping"}
    for case, taken in [
        (TRACKING, True),
        ({**TRACKING, number: " CP123456789FR\n"}, True),  # blanks around it are trimmed
        ({**TRACKING, number: "CP1234"}, False),
        ({**TRACKING, number: "CP\x01123456789FR"}, False),
        (without_number, False),
        (claim, True),
        ({**claim, "claim.problem": ""}, True),
        ({**claim, "claim.problem": "stolen"}, False),
        ({**billing, "billing.invoice_number": "F-2026-000123"}, True),
        ({**billing, "billing.invoice_number": "2026-123"}, False),
        # Another topic's answer is not kept: only held to its length, as a string.
        ({**shipping, "billing.invoice_number": "2026-123"}, True),
        ({**shipping, "billing.invoice_number": "2" * 21}, False),
        ({**shipping, number: 7}, False),
    ]:
        assert (not checks.validate(case).errors) == taken, case
        assert schema.is_valid(case) is taken, case


def test_a_required_choice_takes_one_of_its_options_and_nothing_else(project):
    options = (
        "[{id: refund, label: {fr: R, es: R, it: R}}, {id: copy, label: {fr: C, es: C, it: C}}]"
    )
    config = billing_asks(
        project, f"{{id: reason, type: choice, required: true, {LABEL}, options: {options}}}"
    )
    checks = requests(load_project(config))
    schema = jsonschema_rs.validator_for(checks.model.model_json_schema())
    billing = {**BASE, "category": "billing"}
    required, choose = (
        FRENCH("This field is required."),
        FRENCH("Please choose one of the listed answers."),
    )
    for answer, errors in [
        ("refund", None),
        ("copy", None),
        ("", [required]),  # unlike an optional choice's, the empty answer is not one
        ("stolen", [choose]),
    ]:
        case = {**billing, "billing.reason": answer}
        assert checks.validate(case).errors.get("billing.reason") == errors, answer
        assert schema.is_valid(case) is (errors is None), answer
    assert checks.validate({**billing, "billing.reason": "copy"}).ticket.fields == {
        "reason": "copy"
    }


def test_a_question_without_a_pattern_takes_any_line_of_text_up_to_its_limit(project):
    config = billing_asks(project, f"{{id: order, required: true, max_length: 12, {LABEL}}}")
    checks = requests(load_project(config))
    schema = jsonschema_rs.validator_for(checks.model.model_json_schema())
    billing = {**BASE, "category": "billing"}
    for answer, errors in [
        ("Commande 42", None),
        ("  12345 ", None),  # blanks around it are trimmed
        ("x" * 12, None),  # as long as it may be
        ("x" * 13, [FRENCH("Please write at most %(count)d characters.") % {"count": 12}]),
        ("   ", [FRENCH("This field is required.")]),
        ("12\n45", [FRENCH("Please remove the invisible control characters.")]),
    ]:
        case = {**billing, "billing.order": answer}
        assert checks.validate(case).errors.get("billing.order") == errors, answer
        assert schema.is_valid(case) is (errors is None), answer
    taken = checks.validate({**billing, "billing.order": "  12345 "}).ticket
    assert taken.fields == {"order": "12345"}


def test_each_wrong_answer_of_a_topic_gets_its_error_at_once(project):
    """Not only the first: the reader mends them all in one go."""
    config = billing_asks(
        project,
        f"{{id: order, required: true, max_length: 12, {LABEL}}}",
        f"{{id: reference, required: true, max_length: 12, {LABEL}}}",
    )
    checks = requests(load_project(config))
    case = {**BASE, "category": "billing", "billing.order": "x" * 13, "billing.reference": ""}
    assert checks.validate(case).errors == {
        "billing.order": [FRENCH("Please write at most %(count)d characters.") % {"count": 12}],
        "billing.reference": [FRENCH("This field is required.")],
    }


def test_the_served_document_lists_each_question_under_its_topic(endpoint):
    url, _ = endpoint
    document = httpx.get(f"{url}/api/openapi.json").json()
    ticket = document["components"]["schemas"]["Ticket"]
    invoice_number = ticket["properties"]["billing.invoice_number"]
    assert invoice_number["maxLength"] == 20
    # An integrator reading the document learns which topic asks it.
    assert "`invoice_number`" in invoice_number["description"]
    assert "`billing`" in invoice_number["description"]
    tracking = next(
        rule["then"]
        for rule in ticket["allOf"]
        if rule["if"]["properties"]["category"]["const"] == "tracking"
    )
    assert tracking["required"] == ["tracking.tracking_number"]
    assert document["components"]["schemas"]["TicketForm"]["allOf"] == ticket["allOf"]


# Forwarded: the helpdesk's custom fields, or lines of the description.


def test_answers_reach_the_helpdesk_as_custom_fields_or_description_lines(tmp_path):
    helpdesk = Helpdesk()
    database = tmp_path / "tickets.sqlite3"
    with BackgroundServer(helpdesk.app()) as zendesk:
        app = endpoint_app(PROJECT, database, None, [], zendesk.url, rate_limit=10_000)
        with BackgroundServer(app) as server:
            assert post_json(server.url, TRACKING).status_code == 201
            billing = {
                **BASE,
                "category": "billing",
                "billing.invoice_number": "F-2026-000123",
                "page": "billing/invoices/",
            }
            assert post_json(server.url, billing).status_code == 201
            deadline = time.monotonic() + 30
            while len(helpdesk.requests) < 2:  # the forwarder polls the outbox every second
                assert time.monotonic() < deadline, "the tickets were never forwarded"
                time.sleep(0.05)
    tracking, invoice = sorted(helpdesk.requests, key=lambda request: request["id"])
    assert tracking["custom_fields"] == [{"id": 360001234567, "value": "CP123456789FR"}]
    assert "CP123456789FR" not in tracking["comment"]["body"]
    assert invoice["custom_fields"] == []
    assert invoice["comment"]["body"] == (  # one line each, after the message
        f"{BASE['message']}\n\n---\nNuméro de facture: F-2026-000123\nPage: billing/invoices/"
    )


def test_a_new_project_asks_an_invoice_number_in_each_of_its_languages(tmp_path):
    init_project(tmp_path / "shop", "Shop", ["de", "en", "ja"])
    [question] = load_project(tmp_path / "shop" / "mkdocs.yml").contact.category("billing").fields
    assert (question.id, question.required) == ("invoice_number", False)
    assert question.label == {
        "de": "Rechnungsnummer",
        "en": "Invoice number",
        "ja": "Invoice number",
    }
    assert set(question.hint) == {"de", "en", "ja"}
