"""Schemathesis hooks for the contract test (loaded through SCHEMATHESIS_HOOKS): the files it
sends as the form's attachments (`format: binary`) are of the types the document lists for them
(`encoding.attachments.contentType`), and the follow-up token it draws is a request's.

JSON Schema cannot say what a file part's bytes must be; the document says it with the parts'
media types, and this strategy teaches Schemathesis what a file of each type starts with. (In a
JSON body the same rules are base64 patterns, which Schemathesis draws from by itself.) The
strategy replaces the `binary` format's rather than being registered for each media type: with
media type strategies, Schemathesis' coverage phase builds form bodies whose other required
fields are empty and still counts them as valid.
"""

from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import strategies as st

# A request's follow-up token, which the test stored: no drawn token would find a request, and
# every reply would stop at the 404.
FOLLOW_UP_TOKEN = os.environ.get("HELPCENTER_FOLLOW_UP_TOKEN", "")

tails = st.binary(max_size=64)
# Text in UTF-8, without the control characters a text file may not hold.
text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\t\n\r"),
    min_size=1,
    max_size=64,
).map(str.encode)
FILES = {
    "application/pdf": tails.map(lambda tail: b"%PDF-" + tail),
    "image/png": tails.map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail),
    "image/jpeg": tails.map(lambda tail: b"\xff\xd8\xff" + tail),
    "image/gif": st.tuples(st.sampled_from([b"GIF87a", b"GIF89a"]), tails).map(b"".join),
    "image/webp": st.tuples(st.binary(min_size=4, max_size=4), tails).map(
        lambda parts: b"RIFF" + parts[0] + b"WEBP" + parts[1]
    ),
    "text/plain": text,
    "text/csv": text,
}
schemathesis.openapi.format("binary", st.one_of(*FILES.values()))


@schemathesis.hook
def filter_case(context, case) -> bool:
    """Leave out the "negative" form posts whose one change is a text field's type made a number,
    a boolean or null: a multipart text part is a string (OpenAPI 3.1 sends primitives as
    text/plain), so `123` and `"123"` are the same bytes and no server can tell them apart.
    (Schemathesis already leaves such changes out of url-encoded forms, headers and queries.)"""
    if case.meta is None or not (case.media_type or "").startswith("multipart/form-data"):
        return True
    mutations = case.meta.phase.data.mutations
    return not mutations or not all(
        mutation.keywords == ("type",)
        and mutation.original_value in ("string", ["string"])
        and mutation.new_value in ("number", "integer", "boolean", "null")
        for mutation in mutations
    )


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    """A well-formed token drawn for a request's page is the stored request's; a malformed one
    (a case that breaks the schema there) is sent as drawn."""
    token = (case.path_parameters or {}).get("token")
    if FOLLOW_UP_TOKEN and isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]{32}", token):
        case.path_parameters["token"] = FOLLOW_UP_TOKEN
