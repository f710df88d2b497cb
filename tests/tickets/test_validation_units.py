"""What the endpoint takes, up close: a file is taken for what its bytes are, under a name that is
only a name; every refusal names its field (and its file) in the reader's language; and the
OpenAPI document, generated from the same models, says exactly what the endpoint takes: a client
that follows it is never refused, one that breaks it never accepted.

The document is made afresh in each test: a schema cached by another test would say nothing of
the code under test."""

from __future__ import annotations

import base64
import json
import re
from typing import Annotated

import jsonschema_rs
import pytest
from pydantic import ValidationError, create_model

from helpcenter.contact.settings import Attachments
from helpcenter.feedback.api import FeedbackRequests
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.validation import (
    STRICT,
    Content,
    Raw,
    Text,
    TicketRequests,
    attachment_kinds,
    base64_pattern_of_bytes,
    base64_prefix_pattern,
    error_messages,
    kind_of,
    safe_filename,
)
from tests.conftest import example_project
from tests.tickets.test_validation_patterns import VALID

PROJECT = example_project()
PLAN_IDS = tuple(plan.id for plan in PROJECT.plans.plans)
CATALOGS = Catalogs()
BINARY = ["pdf", "png", "jpg", "jpeg", "gif", "webp"]
TEXT = ["txt", "csv", "log"]
# 0.001 MB: files of at most 1048 bytes, to try the limit without megabytes of base64.
SMALL_MB = 0.001
LARGEST = 1048
# What each type of file starts with (None: any byte), as the formats define them.
MAGIC = {
    "pdf": [b"%PDF-"],
    "png": [b"\x89PNG\r\n\x1a\n"],
    "jpg": [b"\xff\xd8\xff"],
    "gif": [b"GIF87a", b"GIF89a"],
    "webp": [(*b"RIFF", None, None, None, None, *b"WEBP")],
}
# Bytes no text file holds; tab, line feed, form feed, carriage return and escape are text.
CONTROL = [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)]


def settings(types=None, max_file_mb: float = SMALL_MB, max_files: int = 3):
    attachments = Attachments(
        max_files=max_files, max_file_mb=max_file_mb, types=types or BINARY + TEXT
    )
    return PROJECT.contact.model_copy(update={"attachments": attachments})


class Contract:
    """The ticket endpoint's model and its OpenAPI schema, both made now from `settings`."""

    def __init__(self, types=None, max_file_mb: float = SMALL_MB) -> None:
        self.requests = TicketRequests(
            settings(types, max_file_mb), PROJECT.locales, PLAN_IDS, CATALOGS
        )
        self.document = self.requests.model.model_json_schema()
        self.schema = jsonschema_rs.validator_for(self.document)

    def taken(self, data: dict) -> bool:
        """Whether the endpoint takes `data`; the document must say the same."""
        endpoint = not self.requests.validate(data).errors
        assert self.schema.is_valid(data) == endpoint, (endpoint, json.dumps(data)[:300])
        return endpoint

    def file_taken(self, content: bytes, filename: str = "file") -> bool:
        encoded = base64.b64encode(content).decode()
        return self.taken(
            {**VALID, "attachments": [{"filename": filename, "content_base64": encoded}]}
        )

    def attachment_schema(self) -> dict:
        return self.document["$defs"]["Attachment"]["properties"]["content_base64"]


def heads(prefix) -> list[bytes]:
    """`prefix` with its free bytes filled in two ways."""
    return [bytes(fill if b is None else b for b in prefix) for fill in (0x00, 0xAB)]


# Files are taken for what their bytes are.


def test_a_file_of_each_type_is_taken_whatever_follows_its_first_bytes():
    contract = Contract(BINARY)
    tails = [b"", b"\x00", b"\xff\xfe", b"abc", b"\x00\x01\x02\x03", b"\xff" * 5]
    for prefixes in MAGIC.values():
        for prefix in prefixes:
            for head in heads(prefix):
                for tail in tails:
                    assert contract.file_taken(head + tail), head + tail


def test_a_file_whose_first_bytes_differ_anywhere_or_stop_short_is_refused():
    contract = Contract(BINARY)
    for prefixes in MAGIC.values():
        for prefix in prefixes:
            head = heads(prefix)[0]
            for place, byte in enumerate(prefix):
                if byte is None:
                    continue
                for flip in (0x01, 0x08, 0x20, 0x80):
                    changed = head[:place] + bytes([byte ^ flip]) + head[place + 1 :]
                    for tail in (b"", b"\x00\x00"):
                        assert not contract.file_taken(changed + tail), changed + tail
            for length in range(1, len(head)):
                assert not contract.file_taken(head[:length]), head[:length]


def test_text_is_any_bytes_but_the_control_bytes_binary_files_are_full_of():
    contract = Contract(TEXT)
    for content in [
        b"a",
        b"ab",
        b"abc",
        b"abcd",
        b"line one\r\nline two\n\tindented\x0cpage\x1b[31m red",
        "é ü ß 中".encode(),
        "é ü ß".encode("cp1252"),
        bytes(range(0x20, 0x7F)),
        bytes(range(0x80, 0x100)),
    ]:
        assert contract.file_taken(content, "notes.txt"), content
    for control in CONTROL:
        for before in (b"", b"a", b"ab"):
            for after in (b"", b"c", b"cd"):
                content = before + bytes([control]) + after
                assert not contract.file_taken(content, "notes.txt"), content


def test_an_empty_file_is_refused_whatever_it_is_named():
    for types in (BINARY, TEXT, BINARY + TEXT):
        contract = Contract(types)
        for name in ("empty.txt", "empty.pdf", "empty"):
            assert not contract.file_taken(b"", name)


def test_files_up_to_the_limit_are_taken_and_larger_ones_refused():
    contract = Contract()
    assert contract.file_taken(b"%PDF-" + b"\x00" * (LARGEST - 5))
    assert contract.file_taken(b"t" * LARGEST, "notes.txt")
    # A file a few bytes larger is refused by the endpoint and by the document.
    assert not contract.file_taken(b"%PDF-" + b"\x00" * (LARGEST - 2))
    assert not contract.file_taken(b"t" * (LARGEST + 3), "notes.txt")
    # One byte larger: the endpoint counts bytes (base64 counts three at a time).
    assert contract.requests.validate(
        {
            **VALID,
            "attachments": [
                {
                    "filename": "x.txt",
                    "content_base64": base64.b64encode(b"t" * (LARGEST + 1)).decode(),
                }
            ],
        }
    ).errors


def test_the_document_says_what_each_attachment_may_be():
    contract = Contract(["pdf", "jpg", "jpeg", "txt", "log", "csv"])
    described = [kind["description"] for kind in contract.attachment_schema()["anyOf"]]
    assert described == [
        "application/pdf (pdf), base64",
        "image/jpeg (jpg, jpeg), base64",
        "text (txt, log): bytes of an ASCII-compatible encoding without control bytes (tab, "
        "line breaks, form feed and escape allowed), base64",
        "text (csv): bytes of an ASCII-compatible encoding without control bytes (tab, "
        "line breaks, form feed and escape allowed), base64",
    ]
    for kind in contract.attachment_schema()["anyOf"]:
        assert kind["type"] == "string"
        assert kind["maxLength"] == 1400  # 1048 bytes, as base64


def test_a_text_file_is_named_by_its_extension_when_several_types_fit():
    kinds = attachment_kinds(BINARY + TEXT)
    assert kind_of(b"a,b\n1,2\n", kinds, "table.csv").content_type == "text/csv"
    assert kind_of(b"a,b\n1,2\n", kinds, "TABLE.CSV").content_type == "text/csv"
    assert kind_of(b"a,b\n1,2\n", kinds, "table.log").content_type == "text/plain"
    assert kind_of(b"a,b\n1,2\n", kinds, "table").content_type == "text/plain"
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x00\x01stream"  # not text: control bytes
    assert kind_of(pdf, kinds, "table.csv").content_type == "application/pdf"
    assert kind_of(b"\x00\x01", kinds, "x.txt") is None


@pytest.mark.parametrize(
    ("sent", "content", "kept"),
    [
        ("../../etc/passwd", b"root:x:0:0", "passwd.txt"),
        ("C:\\Users\\ana\\photo.png", b"\x89PNG\r\n\x1a\n..", "photo.png"),
        ("re\u202eport.pdf", b"%PDF-1.4", "report.pdf"),
        ("a;b|c$`.pdf", b"%PDF-1.4", "a_b_c_.pdf"),
        ("  .hidden.pdf", b"%PDF-1.4", "hidden.pdf"),
        ("", b"%PDF-1.4", "attachment.pdf"),
        ("...", b"plain", "attachment.txt"),
        ("photo.png", b"%PDF-1.4", "photo.pdf"),
        ("notes", b"plain", "notes.txt"),
        ("data.csv", b"a,b", "data.csv"),
        ("journal.LOG", b"plain", "journal.LOG"),
        ("scan.jpeg", b"\xff\xd8\xff..", "scan.jpeg"),
        ("scan.jpg.exe", b"\xff\xd8\xff..", "scan.jpg.exe.jpg"),
        ("archive.tar.gz", b"%PDF-1.4", "archive.tar.gz.pdf"),
        ("été.txt", b"plain", "été.txt"),
        ("x" * 150 + ".pdf", b"%PDF-1.4", "x" * 96 + ".pdf"),
        ("y" * 150, b"%PDF-1.4", "y" * 96 + ".pdf"),
    ],
)
def test_a_file_is_kept_under_a_name_that_is_only_a_name_and_says_what_it_is(sent, content, kept):
    requests = Contract().requests
    encoded = base64.b64encode(content).decode()
    validation = requests.validate(
        {**VALID, "attachments": [{"filename": sent, "content_base64": encoded}]}
    )
    [attachment] = validation.ticket.attachments
    assert attachment.filename == kept
    assert attachment.content == content


def test_a_name_alone_is_cut_to_a_hundred_characters():
    assert safe_filename("y" * 150) == "y" * 100
    assert safe_filename("z" * 150 + "." + "e" * 120) == ("z" * 150 + "." + "e" * 120)[:100]


# Refusals name their field, and their file, in the reader's language.


def attachment_errors(contract: Contract, attachments: list) -> list[str]:
    return contract.requests.validate({**VALID, "attachments": attachments}).errors["attachments"]


def names(message: str, filename: str) -> bool:
    """Whether `message` names the file `filename`, as a word of its own."""
    return f" {filename} " in f" {message} "


def test_a_refused_file_is_named_in_its_message():
    contract = Contract(BINARY)
    for content in (b"", b"MZ\x90\x00", b"%PDF-" + b"\x00" * LARGEST):
        encoded = base64.b64encode(content).decode()
        [message] = attachment_errors(
            contract, [{"filename": "../Rapport final.pdf", "content_base64": encoded}]
        )
        assert names(message, "Rapport final.pdf"), message
    [message] = attachment_errors(
        contract,
        [
            {"filename": "ok.pdf", "content_base64": base64.b64encode(b"%PDF-1").decode()},
            {"filename": "virus.exe", "content_base64": base64.b64encode(b"MZ").decode()},
        ],
    )
    assert names(message, "virus.exe")
    assert "pdf, png, jpg" in message  # the types that would be taken


@pytest.mark.parametrize(
    "attachment", [{"filename": 42, "content_base64": ""}, {"content_base64": ""}]
)
def test_a_file_sent_without_a_usable_name_is_called_attachment(attachment):
    messages = attachment_errors(Contract(BINARY), [attachment])
    assert any(names(message, "attachment") for message in messages), messages


def test_messages_never_show_an_unfilled_placeholder_nor_lose_their_field():
    model = create_model(
        "Probe",
        __config__=STRICT,
        subject=(Annotated[str, Text(3, 10)], ...),
        file=(Annotated[bytes, Content(attachment_kinds(BINARY), 10)], ...),
    )
    for data, field in [
        ({"subject": "ab", "file": "JVBERi0x"}, "subject"),
        ({"subject": "abc", "file": ""}, "file"),
        ({"subject": "abc", "file": base64.b64encode(b"MZ\x00").decode()}, "file"),
        ({"subject": "abc", "file": base64.b64encode(b"%PDF-" * 4).decode()}, "file"),
        ({"subject": "abc"}, "file"),
        ([], "body"),
    ]:
        with pytest.raises(ValidationError) as refused:
            model.model_validate(data)
        errors = error_messages(refused.value, lambda message: message)
        assert list(errors) == [field], errors
        assert all("%(" not in message for message in errors[field]), errors
    with pytest.raises(ValidationError) as refused:
        model.model_validate({"subject": "ab", "file": "JVBERi0x"})
    assert error_messages(refused.value, lambda message: message) == {
        "subject": ["Please write at least 3 characters."]
    }


# The OpenAPI document states every field's limits.

# Each text field's limits: the contact form's.
LIMITS = {
    "name": (1, 100),
    "email": (3, 254),
    "subject": (3, 150),
    "message": (10, 5000),
    "page": (0, 500),
}
EMAIL_254 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
EMAIL_255 = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".com"


def test_the_document_states_each_text_fields_limits_and_they_hold():
    contract = Contract()
    properties = contract.document["properties"]
    for name, (shortest, longest) in LIMITS.items():
        described = properties[name]
        assert (described["type"], described["minLength"], described["maxLength"]) == (
            "string",
            shortest,
            longest,
        )
        assert described["pattern"].startswith("^") and described["pattern"].endswith("$")
    assert (len(EMAIL_254), len(EMAIL_255)) == (254, 255)
    assert contract.taken({**VALID, "email": EMAIL_254})
    assert not contract.taken({**VALID, "email": EMAIL_255})
    for name, longest in [("subject", "s" * 150), ("message", "m" * 5000)]:
        assert contract.taken({**VALID, name: longest})
        assert not contract.taken({**VALID, name: longest + longest[:1]})
    assert contract.taken({**VALID, "name": "n" * 100, "page": "p" * 500})
    assert not contract.taken({**VALID, "name": "n" * 101})
    assert not contract.taken({**VALID, "page": "p" * 501})
    assert not contract.taken({**VALID, "message": "m" * 9})
    for name in LIMITS:
        assert not contract.taken({**VALID, name: 12345678901})


def test_an_idempotency_key_is_what_the_document_says():
    contract = Contract()
    described = contract.document["properties"]["idempotency_key"]
    assert described["type"] == "string"
    for key, taken in [
        ("abcdefgh", True),
        ("A-b_9" * 20, True),
        ("abcdefg", False),
        ("a" * 101, False),
        ("abc defgh", False),
        ("ключ-ключ-ключ", False),
        (123456789, False),
    ]:
        assert contract.taken({**VALID, "idempotency_key": key}) is taken, key


def feedback_models():
    requests = FeedbackRequests(PROJECT.locales, CATALOGS)
    return requests.vote, requests.search_gaps


def agree(model, data) -> bool:
    try:
        model.model_validate(data)
        endpoint = True
    except ValidationError:
        endpoint = False
    assert jsonschema_rs.validator_for(model.model_json_schema()).is_valid(data) == endpoint, data
    return endpoint


def test_a_search_counts_results_with_a_whole_number_the_document_bounds():
    _, search_gaps = feedback_models()
    results = search_gaps.model_json_schema()["$defs"]["SearchGap"]["properties"]["results"]
    assert (results["type"], results["minimum"], results["maximum"]) == ("integer", 0, 100_000)
    for value, taken in [
        (0, True),
        (100_000, True),
        (3.0, True),
        (100_001, False),
        (-1, False),
        (2.5, False),
        (True, False),
        ("3", False),
        (None, False),
    ]:
        data = {"language": "fr", "page": "", "queries": [{"query": "douane", "results": value}]}
        assert agree(search_gaps, data) is taken, value


def test_a_page_is_a_path_of_at_most_300_characters_as_the_document_says():
    vote, _ = feedback_models()
    page = vote.model_json_schema()["properties"]["page"]
    assert (page["type"], page["maxLength"]) == ("string", 300)
    for value, taken in [
        ("", True),
        ("shipping/customs/", True),
        ("a/" * 150, True),
        ("a/" * 151, False),
        ("Shipping/", False),
        ("../", False),
        (7, False),
    ]:
        assert agree(vote, {"language": "fr", "page": value, "helpful": "yes"}) is taken, value


# Each text field says why it refused a value, in the reader's language.

SPANISH = CATALOGS.gettext("es")
REQUIRED = SPANISH("This field is required.")
CONTROLS = SPANISH("Please remove the invisible control characters.")
INVALID = SPANISH("Please enter a valid value.")


def at_least(count: int) -> str:
    return SPANISH("Please write at least %(count)d characters.") % {"count": count}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", REQUIRED),
        ("name", "\t\n", REQUIRED),
        ("name", "Ana\x00", CONTROLS),
        ("name", "Ana\u202eBel", CONTROLS),
        ("name", "Ana\nBelén", CONTROLS),
        ("subject", "Colis\tperdu", CONTROLS),
        ("message", "Bonjour\x07 tout le monde", CONTROLS),
        ("subject", "ab", at_least(3)),
        ("message", "  bref, ok  ", at_least(10)),
        (
            "email",
            "pas-une-adresse",
            SPANISH("Please enter a valid email address, like name@example.com."),
        ),
        (
            "email",
            "ana@\nexample.com",
            SPANISH("Please enter a valid email address, like name@example.com."),
        ),
        ("email", "", REQUIRED),
        ("page", "p" * 501, SPANISH("Please write at most %(count)d characters.") % {"count": 500}),
        ("name", "Ana\ud800", INVALID),
    ],
)
def test_each_refused_text_field_says_why_in_the_readers_language(field, value, message):
    validation = Contract().requests.validate({**VALID, field: value})
    assert validation.errors == {field: [message]}


def test_text_is_kept_trimmed_with_the_line_breaks_of_a_message_inside():
    contract = Contract()
    data = {
        **VALID,
        "name": "  Ana Belén\u3000",
        "email": " ana@example.com\n",
        "message": "\n  Bonjour,\n\n\tmon colis n'est pas arrivé.  \n",
    }
    assert contract.taken(data)
    ticket = contract.requests.validate(data).ticket
    assert (ticket.name, ticket.email) == ("Ana Belén", "ana@example.com")
    assert ticket.message == "Bonjour,\n\n\tmon colis n'est pas arrivé."
    for field in ("name", "subject", "page"):
        assert not contract.taken({**VALID, field: "Colis\nperdu"})
        assert not contract.taken({**VALID, field: "Colis\tperdu"})
        assert contract.taken({**VALID, field: " Colis perdu\t"})


def test_a_lone_surrogate_anywhere_is_refused_by_its_field():
    requests = Contract().requests
    pdf = base64.b64encode(b"%PDF-1.4").decode()
    attachment = {"filename": "rapport\ud800.pdf", "content_base64": pdf}
    assert list(requests.validate({**VALID, "attachments": [attachment]}).errors) == ["attachments"]
    assert requests.validate({**VALID, "website": "\ud800"}).errors == {"website": [INVALID]}
    # A text field: what a command line's argument holds for bytes that are not UTF-8.
    assert requests.validate({**VALID, "subject": "Colis \udcff"}).errors == {"subject": [INVALID]}


# The base64 pattern of a file that starts with some bytes, for any such bytes.

PREFIXES = [
    b"A",
    b"\xff",
    b"%!",
    b"\x00\x01\x02\x03",
    b"\xfe\xed\xfa\xce\xbe",
    b"\x1f\x8b\x08",
    b"II*\x00",
    (0x52, None, 0x46),
    (None, 0x41),
    (0x00, None, None, 0xFF),
    (*b"RIFF", None, None, None, None, *b"WAVE"),
]


def starts(content: bytes, prefix) -> bool:
    return len(content) >= len(prefix) and all(
        byte is None or content[place] == byte for place, byte in enumerate(prefix)
    )


@pytest.mark.parametrize("prefix", PREFIXES, ids=lambda prefix: bytes(b or 0 for b in prefix).hex())
def test_the_base64_pattern_of_a_prefix_takes_exactly_the_files_that_start_with_it(prefix):
    pattern = base64_prefix_pattern(tuple(prefix))
    python = re.compile(pattern)
    ecma = jsonschema_rs.validator_for({"type": "string", "pattern": f"^{pattern}$"})
    contents = []
    for head in heads(prefix):
        contents += [
            head + tail for tail in (b"", b"\x00", b"\x10\x20", b"abc", b"\xff\xfe\xfd\xfc")
        ]
        contents += [head[:length] for length in range(len(head))]
        for place in range(len(head)):
            for flip in (0x01, 0x04, 0x10, 0x40, 0x80):
                changed = head[:place] + bytes([head[place] ^ flip]) + head[place + 1 :]
                contents += [changed, changed + b"\x00", changed + b"\x10\x20"]
    for content in contents:
        text = base64.b64encode(content).decode()
        expected = starts(content, prefix)
        assert (python.fullmatch(text) is not None) == expected, (prefix, content)
        assert ecma.is_valid(text) == expected, (prefix, content)


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def every_one_character_change(content: bytes):
    """The base64 text of `content` with one of its characters changed, every way, and the bytes
    each such text stands for (as a lenient decoder reads it)."""
    text = base64.b64encode(content).decode()
    for place, character in enumerate(text):
        if character == "=":
            continue
        for other in ALPHABET:
            changed = text[:place] + other + text[place + 1 :]
            yield changed, base64.b64decode(changed)


@pytest.mark.parametrize(
    "prefix",
    PREFIXES + [p for prefixes in MAGIC.values() for p in prefixes],
    ids=lambda prefix: bytes(b or 0 for b in prefix).hex(),
)
def test_no_single_character_slips_past_the_pattern_of_a_prefix(prefix):
    python = re.compile(base64_prefix_pattern(tuple(prefix)))
    head = heads(prefix)[0]
    for extra in range(4):
        for text, content in every_one_character_change(head + b"\x00" * extra):
            assert (python.fullmatch(text) is not None) == starts(content, prefix), (prefix, text)


def test_the_pattern_of_text_bytes_takes_exactly_the_texts_without_control_bytes():
    allowed = frozenset(range(256)) - frozenset(CONTROL)
    python = re.compile(base64_pattern_of_bytes(allowed))
    samples = [bytes([byte]) for byte in range(256)]
    samples += [b"ab", b"abc", b"a\tb\nc\x0cd\x1be\r", "é中🙂".encode(), bytes(range(0x80, 0x86))]
    for control in map(lambda byte: bytes([byte]), CONTROL):  # in every place of a group
        samples += [b"a" + control, control + b"a", b"ab" + control, b"a" + control + b"b"]
        samples += [control + b"ab", b"\n\t" + control, b"\x1b" + control + b"\r"]
    for content in samples:
        text = base64.b64encode(content).decode()
        assert (python.fullmatch(text) is not None) == (set(content) <= allowed), content
    for content in (b"abc", b"text", b"hello", b"\xe9t\xe9!"):
        for text, changed in every_one_character_change(content):
            assert (python.fullmatch(text) is not None) == (set(changed) <= allowed), text


# A whole request: what the ticket keeps, and what each refusal says.

FRENCH, ITALIAN = CATALOGS.gettext("fr"), CATALOGS.gettext("it")
KEY_RULE = "8 to 100 letters, digits, '-' or '_'."
DROP = object()  # a field not sent at all


def encoded(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_a_valid_request_is_kept_as_sent_trimmed_with_its_files_named_by_what_they_are():
    requests = Contract().requests
    data = {
        **VALID,
        "category": "billing",
        "plan": "pro",
        "language": "it",
        "page": "billing/invoices/",
        "idempotency_key": "body-key-0001",
        "attachments": [
            {"filename": "scan.png", "content_base64": Raw(PNG_FILE)},
            {"filename": "facture", "content_base64": encoded(b"%PDF-1.7 x")},
        ],
    }
    validation = requests.validate(data)
    assert (validation.errors, validation.honeypot) == ({}, False)
    assert validation.idempotency_key == "body-key-0001"
    ticket = validation.ticket
    assert (ticket.name, ticket.email, ticket.subject) == ("Ana", "ana@example.com", "Etiqueta")
    assert (ticket.category, ticket.plan, ticket.language, ticket.page) == (
        "billing",
        "pro",
        "it",
        "billing/invoices/",
    )
    assert ticket.message == "Un mensaje bastante largo."
    assert [(a.filename, a.content_type, a.content) for a in ticket.attachments] == [
        ("scan.png", "image/png", PNG_FILE),
        ("facture.pdf", "application/pdf", b"%PDF-1.7 x"),
    ]
    assert requests.validate(data, "header-key-01").idempotency_key == "header-key-01"
    plain = requests.validate(VALID)
    assert (plain.ticket.plan, plain.ticket.page, plain.ticket.attachments) == ("", "", ())
    assert plain.idempotency_key is None
    assert requests.validate({**VALID, "plan": ""}).ticket.plan == ""


PNG_FILE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def test_an_idempotency_key_that_is_not_one_is_refused_wherever_it_is_sent():
    requests = Contract().requests
    assert requests.validate(VALID, "short").errors == {"idempotency_key": [KEY_RULE]}
    assert requests.validate(VALID, "a" * 101).errors == {"idempotency_key": [KEY_RULE]}
    assert requests.validate({**VALID, "idempotency_key": "no spaces ok"}).errors == {
        "idempotency_key": [KEY_RULE]
    }
    both = requests.validate({**VALID, "subject": "ab"}, "bad key")
    assert both.errors == {"idempotency_key": [KEY_RULE], "subject": [at_least(3)]}
    assert both.ticket is None
    assert requests.validate(VALID, "Good_key-123").errors == {}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"category": DROP}, {"category": [SPANISH("Please choose what your request is about.")]}),
        ({"category": ""}, {"category": [SPANISH("Please choose what your request is about.")]}),
        ({"category": "gifts"}, {"category": [SPANISH("Please choose one of the listed topics.")]}),
        ({"plan": "gold"}, {"plan": [SPANISH("Please choose one of the listed plans.")]}),
        ({"plan": None}, {"plan": [SPANISH("Please choose one of the listed plans.")]}),
        ({"name": DROP}, {"name": [REQUIRED]}),
        (
            {"website": "x" * 1001},
            {"website": [SPANISH("Please write at most %(count)d characters.") % {"count": 1000}]},
        ),
        ({"attachments": "scan.png"}, {"attachments": [INVALID]}),
        (
            {"attachments": [{"filename": "a.pdf", "content_base64": "not base64!"}]},
            {"attachments": [INVALID]},
        ),
        (
            {"attachments": [{"filename": "a.pdf", "content_base64": 12345}]},
            {"attachments": [INVALID]},
        ),
        (
            {"attachments": [{"filename": "a.pdf", "content_base64": "JVBER"}]},
            {"attachments": [INVALID]},
        ),
    ],
)
def test_each_refusal_names_its_field_in_the_readers_language(changes, errors):
    data = {**VALID, **changes}
    data = {name: value for name, value in data.items() if value is not DROP}
    assert Contract().requests.validate(data).errors == errors


@pytest.mark.parametrize("language", ["de", None, 5, ["es"]])
def test_a_request_in_no_known_language_is_answered_in_the_sites_first(language):
    data = {**VALID, "language": language, "subject": "ab"}
    if language is None:
        del data["language"]
    errors = Contract().requests.validate(data).errors
    assert errors == {
        "language": [FRENCH("Unknown language.")],
        "subject": [FRENCH("Please write at least %(count)d characters.") % {"count": 3}],
    }


def test_a_request_in_another_of_the_sites_languages_is_answered_in_it():
    errors = Contract().requests.validate({**VALID, "language": "it", "subject": "ab"}).errors
    assert errors == {
        "subject": [ITALIAN("Please write at least %(count)d characters.") % {"count": 3}]
    }


def test_too_many_files_and_each_refused_file_say_so_with_the_limits():
    requests = Contract(BINARY).requests
    pdf = {"filename": "a.pdf", "content_base64": encoded(b"%PDF-1.4")}
    assert requests.validate({**VALID, "attachments": [pdf] * 4}).errors == {
        "attachments": [SPANISH("Please attach at most %(count)d files.") % {"count": 3}]
    }
    assert not requests.validate({**VALID, "attachments": [pdf] * 3}).errors
    large = {"filename": "big.pdf", "content_base64": encoded(b"%PDF-" + b"\x00" * LARGEST)}
    wrong = {"filename": "tool.exe", "content_base64": encoded(b"MZ\x90\x00")}
    empty = {"filename": "void.pdf", "content_base64": ""}
    errors = requests.validate({**VALID, "attachments": [large, wrong, empty]}).errors
    assert errors == {
        "attachments": [
            SPANISH("%(file)s is larger than %(size)s MB.") % {"file": "big.pdf", "size": "0.001"},
            SPANISH("%(file)s is not an accepted file type (%(types)s).")
            % {"file": "tool.exe", "types": "pdf, png, jpg, jpeg, gif, webp"},
            SPANISH("%(file)s is empty.") % {"file": "void.pdf"},
        ]
    }


def test_a_filled_trap_field_is_a_bot_answered_as_if_received_with_nothing_kept():
    validation = Contract().requests.validate(
        {**VALID, "website": "http://spam.example", "idempotency_key": "bot-key-0001"}
    )
    assert (validation.honeypot, validation.ticket, validation.errors) == (True, None, {})
    assert validation.idempotency_key == "bot-key-0001"


def test_a_file_name_may_be_sent_with_up_to_255_characters():
    contract = Contract()
    name = "n" * 251 + ".pdf"
    pdf = encoded(b"%PDF-1.4")
    assert contract.taken({**VALID, "attachments": [{"filename": name, "content_base64": pdf}]})
    too_long = {"filename": "n" + name, "content_base64": pdf}
    assert not contract.taken({**VALID, "attachments": [too_long]})
    [kept] = contract.requests.validate(
        {**VALID, "attachments": [{"filename": name, "content_base64": pdf}]}
    ).ticket.attachments
    assert kept.filename == "n" * 96 + ".pdf"


def test_the_document_describes_the_request_the_file_and_the_trap():
    document = Contract().document
    assert document["title"] == "Ticket"
    assert document["description"] == (
        "A support request. Text is trimmed; control characters are refused."
    )
    assert document["$defs"]["Attachment"]["description"] == (
        "A file: in JSON its name and its bytes in base64; in multipart a file part."
    )
    assert document["properties"]["website"]["description"] == "Leave empty (a trap for bots)."


@pytest.mark.parametrize(
    ("sent", "content", "kept"),
    [
        ("Xmas card.pdf", b"%PDF-1.4", "Xmas card.pdf"),
        ("photo.final.png", b"%PDF-1.4", "photo.final.pdf"),
        ("report.v2.pdf", b"%PDF-1.4", "report.v2.pdf"),
        ("rap\x07port.pdf", b"%PDF-1.4", "rapport.pdf"),
        ("rap\ue000port.pdf", b"%PDF-1.4", "rapport.pdf"),
        ("tab\there.pdf", b"%PDF-1.4", "tab_here.pdf"),
        ("x" * 150 + ".v2.pdf", b"%PDF-1.4", "x" * 96 + ".pdf"),
    ],
)
def test_more_names_that_are_only_names(sent, content, kept):
    validation = Contract().requests.validate(
        {**VALID, "attachments": [{"filename": sent, "content_base64": encoded(content)}]}
    )
    assert validation.ticket.attachments[0].filename == kept


def test_a_long_name_keeps_its_extension_only_when_something_of_the_name_is_left():
    assert safe_filename("a." + "e" * 99) == ("a." + "e" * 99)[:100]
    assert safe_filename("ab." + "e" * 98) == "a." + "e" * 98
    assert safe_filename("n" * 100) == "n" * 100
    assert safe_filename("n" * 95 + ".pdf") == "n" * 95 + ".pdf"


def test_only_a_real_extension_names_the_kind_of_a_text_file():
    kinds = attachment_kinds(TEXT)
    assert kind_of(b"a,b\n", kinds, "csv").content_type == "text/plain"
    assert kind_of(b"a,b\n", kinds, "table.2024.csv").content_type == "text/csv"
    assert kind_of(b"a,b\n", kinds, "table.csv.log").content_type == "text/plain"


def test_a_reply_is_refused_in_the_readers_language_or_the_sites_first():
    requests = Contract().requests
    assert requests.validate_reply({"message": ""}, header_key="no", language="it").errors == {
        "idempotency_key": ["8 to 100 letters, digits, '-' or '_'."],
        "message": ["Questo campo è obbligatorio."],
    }
    refused = requests.validate_reply({"message": ""}, language="de")
    assert refused.errors == {"message": ["Ce champ est obligatoire."]}
    # A good message with a bad key is refused too, for its key alone: nothing is taken.
    bad_key = requests.validate_reply({"message": "Merci !"}, header_key="no", language="it")
    assert (bad_key.errors, bad_key.reply) == (
        {"idempotency_key": ["8 to 100 letters, digits, '-' or '_'."]},
        None,
    )
    accepted = requests.validate_reply({"message": "Merci !"}, header_key="reply-key-1")
    assert (accepted.errors, accepted.idempotency_key) == ({}, "reply-key-1")


def test_text_a_database_cannot_hold_is_refused_by_its_field():
    # A lone surrogate (JSON's "\ud800") cannot be written as UTF-8.
    requests = Contract().requests
    refused = requests.validate({**VALID, "message": VALID["message"] + "\ud800"})
    assert refused.errors == {"message": ["Introduzca un valor válido."]}
