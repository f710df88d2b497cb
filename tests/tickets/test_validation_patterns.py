"""The patterns the OpenAPI document states are the checks the endpoint makes: for any value, a
JSON Schema validator (the Rust one Schemathesis uses, ECMA-262 semantics) and the endpoint's
models agree on whether it is taken."""

from __future__ import annotations

import base64
import functools
import json
import re
import sys

import jsonschema_rs
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from helpcenter.feedback.api import FeedbackRequests
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.validation import (
    BLANK,
    FORBIDDEN,
    MAGIC,
    TEXT_BASE64,
    TicketRequests,
    attachment_kinds,
    base64_pattern_of_bytes,
    starts_with,
)
from tests.conftest import example_project

PROJECT = example_project()
TICKETS = TicketRequests(
    PROJECT.contact, PROJECT.locales, tuple(p.id for p in PROJECT.plans.plans), Catalogs()
)
FEEDBACK = FeedbackRequests(PROJECT.locales, Catalogs())
VALID = {
    "name": "Ana",
    "email": "ana@example.com",
    "subject": "Etiqueta",
    "category": "shipping",
    "message": "Un mensaje bastante largo.",
    "language": "es",
}
# Characters where the rules are drawn: controls, blanks, separators, bidi marks, and the rest.
tricky = st.sampled_from(
    list("\x00\x08\t\n\x0b\x0c\r\x1b\x1f \x7f\x85\x9f\xa0\u1680\u2000\u200a\u200b\u200e")
    + list("\u2028\u2029\u202a\u202e\u202f\u205f\u2066\u2069\u3000\ufeff@.-_aZ9é中🙂")
)
texts = st.text(tricky | st.characters(exclude_categories=["Cs"]), max_size=30)


@functools.cache
def compiled(schema: str):
    return jsonschema_rs.validator_for(json.loads(schema))


def validator(schema: dict):
    return compiled(json.dumps(schema, sort_keys=True))


@functools.cache
def model_schema(model) -> dict:
    return model.model_json_schema()


def field_schema(model, name: str) -> dict:
    return model_schema(model)["properties"][name]


def taken(model, data: dict) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def test_blanks_are_what_python_trims_less_the_forbidden_characters():
    blank, forbidden = re.compile(f"[{BLANK}]"), re.compile(f"[{FORBIDDEN}]")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert bool(blank.match(char)) == (char.isspace() and not forbidden.match(char)), hex(code)


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(["name", "email", "subject", "message", "page"]), value=texts)
def test_ticket_text_fields_agree_with_their_schema(name, value):
    schema = validator(field_schema(TICKETS.model, name))
    assert schema.is_valid(value) == taken(TICKETS.model, {**VALID, name: value}), repr(value)


@settings(max_examples=300, deadline=None)
@given(value=texts, comment=st.booleans())
def test_comments_and_queries_agree_with_their_schema(value, comment):
    if comment:
        schema = validator(field_schema(FEEDBACK.vote, "comment"))
        data = {"language": "fr", "page": "", "helpful": "no", "comment": value}
        assert schema.is_valid(value) == taken(FEEDBACK.vote, data), repr(value)
    else:
        query = model_schema(FEEDBACK.search_gaps)["$defs"]["SearchGap"]
        data = {"language": "fr", "page": "", "queries": [{"query": value, "results": 0}]}
        is_valid = validator(query).is_valid({"query": value, "results": 0})
        assert is_valid == taken(FEEDBACK.search_gaps, data), repr(value)


prefixes = st.sampled_from([prefix for prefixes in MAGIC.values() for prefix in prefixes])


@st.composite
def files(draw) -> bytes:
    """Bytes that start, or almost start, like a file of some type; or text, or anything."""
    kind = draw(st.sampled_from(["magic", "text", "any"]))
    if kind == "magic":
        prefix = draw(prefixes)
        head = bytes(draw(st.integers(0, 255)) if b is None else b for b in prefix)
        if draw(st.booleans()):
            at = draw(st.integers(0, len(head) - 1))
            head = head[:at] + bytes([draw(st.integers(0, 255))]) + head[at + 1 :]
        return head[: draw(st.integers(0, len(head)))] + draw(st.binary(max_size=7))
    if kind == "text":
        return draw(st.text(tricky, max_size=12)).encode(
            draw(st.sampled_from(["utf-8", "cp1252"])), "replace"
        )
    return draw(st.binary(max_size=12))


@settings(max_examples=500, deadline=None)
@given(content=files(), tamper=st.booleans())
def test_the_base64_patterns_say_what_the_endpoint_takes(content, tamper):
    text = base64.b64encode(content).decode()
    if tamper and text.endswith("="):  # the bits after the last byte: Python ignores them
        last = text.rstrip("=")
        text = last[:-1] + "/" + text[len(last) :]
        content = base64.b64decode(text)
    kinds = attachment_kinds(PROJECT.contact.attachments.types)
    schema = field_schema(TICKETS.attachment_model, "content_base64")
    expected = bool(content) and any(kind.matches(content) for kind in kinds)
    assert validator(schema).is_valid(text) == expected, (content, text)
    assert (
        re.fullmatch(TEXT_BASE64, text) is not None
        or not expected
        or any(starts_with(content, prefix) for prefixes in MAGIC.values() for prefix in prefixes)
    )


@st.composite
def allowed_and_content(draw) -> tuple[frozenset[int], bytes]:
    """A set of allowed bytes, and bytes mostly, not always, from it."""
    allowed = draw(st.frozensets(st.integers(0, 255), min_size=1, max_size=255))
    inside = st.sampled_from(sorted(allowed))
    content = draw(st.lists(inside | st.integers(0, 255) if draw(st.booleans()) else inside))
    return allowed, bytes(content[:11])


@settings(max_examples=150, deadline=None)
@given(case=allowed_and_content())
def test_the_base64_pattern_of_some_bytes_takes_exactly_the_texts_made_of_them(case):
    allowed, content = case
    pattern = re.compile(base64_pattern_of_bytes(allowed))
    text = base64.b64encode(content).decode()
    taken = pattern.fullmatch(text) is not None
    assert taken == (set(content) <= allowed), (sorted(allowed), text)
