"""What a request must be before anything is stored: one pydantic model per endpoint.

The models are the one statement of what each endpoint takes. The endpoint validates with them,
and its OpenAPI document is generated from them (`model_json_schema`), so a request the document
allows is a request the endpoint takes, and the other way round. Every rule is written as JSON
Schema can say it: a text field is a `pattern` (no control characters, enough visible characters
once the surrounding blanks are trimmed) and a `maxLength`; an attachment is base64 whose first
bytes are a PDF's, a PNG's... or text (bytes without control bytes). The patterns use only what
Python's `re`, ECMA-262 and Rust's regex engines read alike (character classes, `\\xhh`,
`\\uhhhh`), and the endpoint checks a value with `re.fullmatch`, which is what `^...$` means to a
JSON Schema validator (tests/tickets/test_validation_patterns.py checks that they agree).

A category's own questions (mkdocs.yml's `fields`), sent as `<category>.<id>`, depend on the
posted category: `ExtraInput` checks them, and the ticket's schema states them with `if`/`then` on
`category`.

Errors are reported by field, each a list of messages in the request's language.
"""

from __future__ import annotations

import base64
import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import PydanticCustomError, core_schema

from helpcenter.contact.settings import ATTACHMENT_TYPES, Category, ContactSettings, ExtraField
from helpcenter.i18n import N_
from helpcenter.i18n.catalogs import Catalogs

# Characters no field may hold: C0 and C1 controls (tab and line breaks aside) and the bidi
# embeddings, overrides and isolates that make text read in another order than it is stored.
FORBIDDEN = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
# Blanks: what `str.strip()` trims, less the forbidden characters. Allowed around any value (and
# trimmed before it is stored), inside single-line values only as spaces.
BLANK = r"\t\n\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
LINE_BREAKS = r"\t\n\r"
FORBIDDEN_CHARACTERS = re.compile(f"[{FORBIDDEN}]")
SURROGATES = re.compile("[\ud800-\udfff]")

# Field: (required, minimum length, maximum length): what the contact form says too.
TEXT_FIELDS = {
    "name": (True, 1, 100),
    "email": (True, 3, 254),
    "subject": (True, 3, 150),
    "message": (True, 10, 5000),
    "page": (False, 0, 500),
}
MULTILINE_FIELDS = {"message"}
# A reader's reply on their request's page: a message as a ticket's, however short.
REPLY_MESSAGE = (1, 5000)
HONEYPOT_FIELD = "website"
MAX_FILENAME_LENGTH = 100
MAX_SENT_FILENAME = 255
IDEMPOTENCY_KEY = "[A-Za-z0-9_-]{8,100}"
IDEMPOTENCY_KEY_PATTERN = f"^{IDEMPOTENCY_KEY}$"
# Crockford's base32: no I, L, O or U to misread when a reader spells the reference out.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_CORE = "HC-{0}-{0}-{0}".format(f"[{REFERENCE_ALPHABET}]{{4}}")
# What a reference looks like: the server and the thank-you page's script both check it with this.
REFERENCE_PATTERN = f"^{REFERENCE_CORE}$"

_DOMAIN_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LOCAL_PART = f'[^@<>()\\[\\],;:"{FORBIDDEN}{BLANK}\\x0b\\x0c]{{1,64}}'
EMAIL_ADDRESS = f"{_LOCAL_PART}@{_DOMAIN_LABEL}(?:\\.{_DOMAIN_LABEL})*\\.[A-Za-z]{{2,63}}"
# A stored address (trimmed) matches this.
EMAIL = re.compile(f"^{EMAIL_ADDRESS}$")


def text_pattern(minimum: int, multiline: bool = False) -> str:
    """A value with at least `minimum` characters once trimmed, no forbidden character, and (when
    not `multiline`) no tab or line break between its first and last visible characters."""
    visible = f"[^{FORBIDDEN}{BLANK}]"
    inner = f"[^{FORBIDDEN}]" if multiline else f"[^{FORBIDDEN}{LINE_BREAKS}]"
    if minimum == 0:
        core = f"(?:{visible}(?:{inner}*{visible})?)?"
    elif minimum == 1:
        core = f"{visible}(?:{inner}*{visible})?"
    else:
        core = f"{visible}{inner}{{{minimum - 2},}}{visible}"
    return f"[{BLANK}]*{core}[{BLANK}]*"


def email_pattern() -> str:
    return f"[{BLANK}]*{EMAIL_ADDRESS}[{BLANK}]*"


def problem(kind: str, **context: Any) -> PydanticCustomError:
    """A validation error of our own type. Its type and context pick the message shown to the
    reader (reader_message); pydantic's own message, here the type again, is read by nothing."""
    return PydanticCustomError(kind, kind, context or None)


@dataclass(frozen=True)
class Text:
    """A text field: checked whole against its pattern, then stored trimmed."""

    minimum: int
    maximum: int
    multiline: bool = False
    email: bool = False

    @property
    def pattern(self) -> str:
        return email_pattern() if self.email else text_pattern(self.minimum, self.multiline)

    def check(self, value: str) -> str:
        if SURROGATES.search(value):
            raise problem("unicode")
        if re.fullmatch(self.pattern, value) is None:
            if FORBIDDEN_CHARACTERS.search(value) or (
                not self.multiline
                and not self.email
                and re.search(f"[{LINE_BREAKS}]", value.strip())
            ):
                raise problem("control_characters")
            if not value.strip():
                raise problem("required")
            if self.email:
                raise problem("email")
            raise problem("text_too_short", count=self.minimum)
        return value.strip()

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.check, core_schema.str_schema(strict=True, max_length=self.maximum)
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        return {
            "type": "string",
            "minLength": self.minimum,
            "maxLength": self.maximum,
            "pattern": f"^{self.pattern}$",
        }


@dataclass(frozen=True)
class Matching:
    """A string that is the whole of a pattern (an identifier, a path)."""

    pattern: str
    kind: str
    maximum: int | None = None

    def check(self, value: str) -> str:
        if re.fullmatch(self.pattern, value) is None:
            raise problem(self.kind)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self.check, core_schema.str_schema(strict=True, max_length=self.maximum)
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        result = {"type": "string", "pattern": f"^{self.pattern}$"}
        if self.maximum is not None:
            result["maxLength"] = self.maximum
        return result


@dataclass(frozen=True)
class ExtraInput:
    """One extra field of one category (mkdocs.yml), as the endpoint takes it: sent under the
    category's form name for it. Only the posted category's fields are required, checked and
    kept; another category's (a form without JavaScript sends them all) are only strings no
    longer than the field takes, and are ignored."""

    category: Category
    field: ExtraField

    @property
    def name(self) -> str:
        return self.category.form_name(self.field)

    @property
    def text(self) -> Text:
        return Text(1 if self.field.required else 0, self.field.limit)

    @property
    def format(self) -> str | None:
        """What the whole value, blanks around it aside, must match: the field's pattern (an
        optional field may also be left blank)."""
        if self.field.pattern is None:
            return None
        core = f"(?:{self.field.pattern})[{BLANK}]*"
        return f"[{BLANK}]*" + (core if self.field.required else f"(?:{core})?")

    def loose_schema(self) -> dict:
        return {
            "type": "string",
            "maxLength": self.field.limit,
            "description": f"The answer to `{self.field.id}`, asked with the category "
            f"`{self.category.id}`; with another, not kept (only its length is checked).",
        }

    def schema(self) -> dict:
        """What the posted category's ticket must send under the name, beyond what any ticket may
        (`loose_schema`: a string within the field's limit)."""
        if self.field.options:
            answers = [option.id for option in self.field.options]
            return {"enum": answers if self.field.required else ["", *answers]}
        if self.format is None:
            return {"pattern": f"^{self.text.pattern}$"}
        return {"pattern": f"^(?={self.text.pattern}$){self.format}$"}

    def check(self, value: Any, chosen: bool) -> str:
        """The value to keep (trimmed; empty when not answered), or the problem with it."""
        if not isinstance(value, str):
            raise problem("string_type")
        if len(value) > self.field.limit:
            raise problem("string_too_long", max_length=self.field.limit)
        if not chosen:
            return ""
        if self.field.options:
            if value == "" and self.field.required:
                raise problem("required")
            if value != "" and value not in {option.id for option in self.field.options}:
                raise problem("choice")
            return value
        kept = self.text.check(value)
        if self.format is not None and re.fullmatch(self.format, value) is None:
            raise problem("format")
        return kept


def extra_inputs(settings: ContactSettings) -> tuple[ExtraInput, ...]:
    """Every category's extra fields, in the form's order."""
    return tuple(
        ExtraInput(category, extra) for category in settings.categories for extra in category.fields
    )


def extra_fields_schema(inputs: tuple[ExtraInput, ...]):
    """What the ticket's JSON Schema says of the extra fields: any category's, as loosely as
    the endpoint checks them, and the posted category's as it requires them."""

    def complete(schema: dict) -> None:
        if not inputs:
            return
        schema["properties"].update({given.name: given.loose_schema() for given in inputs})
        by_category: dict[str, list[ExtraInput]] = {}
        for given in inputs:
            by_category.setdefault(given.category.id, []).append(given)
        schema["allOf"] = [
            {
                "if": {"properties": {"category": {"const": category}}, "required": ["category"]},
                "then": {
                    "properties": {given.name: given.schema() for given in fields},
                    "required": [given.name for given in fields if given.field.required],
                },
            }
            for category, fields in by_category.items()
        ]

    return complete


def unicode_text(value: str) -> str:
    """Text a UTF-8 database can hold: no lone surrogate (JSON's `"\\ud800"`)."""
    if SURROGATES.search(value):
        raise problem("unicode")
    return value


def whole_number(value: Any) -> Any:
    """JSON Schema's integers include `3.0`; so does the endpoint."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class WholeNumber:
    """An integer from `minimum` to `maximum` (never a boolean, nor a string of digits)."""

    minimum: int
    maximum: int

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            whole_number,
            core_schema.int_schema(strict=True, ge=self.minimum, le=self.maximum),
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


# Attachments: what a file's first bytes must be for each type (None: any byte); text is UTF-8.
MAGIC: dict[str, tuple[tuple[int | None, ...], ...]] = {
    "application/pdf": (tuple(b"%PDF-"),),
    "image/png": (tuple(b"\x89PNG\r\n\x1a\n"),),
    "image/jpeg": (tuple(b"\xff\xd8\xff"),),
    "image/gif": (tuple(b"GIF87a"), tuple(b"GIF89a")),
    "image/webp": (tuple(b"RIFF") + (None,) * 4 + tuple(b"WEBP"),),
}
BASE64_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
B64 = "[A-Za-z0-9+/]"
BASE64_TAIL = f"(?:{B64}{{4}})*(?:{B64}{{2}}==|{B64}{{3}}=)?"
BASE64 = re.compile(BASE64_TAIL)


def _character_class(mask: int, bits: int) -> str:
    """The base64 characters whose 6 bits agree with `bits` where `mask` is set."""
    return _class_of({i for i in range(64) if i & mask == bits})


def _class_of(values: set[int] | frozenset[int]) -> str:
    """A regex class of the base64 characters of these 6-bit values."""
    if len(values) == 64:
        return B64
    codes = sorted(ord(BASE64_ALPHABET[value]) for value in values)
    ranges, start, previous = [], codes[0], codes[0]
    for code in [*codes[1:], None]:
        if code is not None and code == previous + 1:
            previous = code
            continue
        ranges.append(chr(start) if start == previous else f"{chr(start)}-{chr(previous)}")
        if code is not None:
            start = previous = code
    inside = "".join(ranges)
    return inside if len(codes) == 1 and inside.isalnum() else f"[{inside}]"


def _group(known: tuple[int | None, ...], characters: int) -> str:
    """The first `characters` base64 characters of a 3-byte group whose bytes are `known`."""
    value = mask = 0
    for index in range(3):
        byte = known[index] if index < len(known) else None
        value <<= 8
        mask <<= 8
        if byte is not None:
            value |= byte
            mask |= 0xFF
    return "".join(
        _character_class((mask >> (18 - 6 * i)) & 63, (value >> (18 - 6 * i)) & 63)
        for i in range(characters)
    )


def base64_prefix_pattern(prefix: tuple[int | None, ...]) -> str:
    """A regex for the base64 text of any file that starts with `prefix`."""
    full, rest = divmod(len(prefix), 3)
    head = "".join(_group(prefix[3 * g : 3 * g + 3], 4) for g in range(full))
    if rest == 0:
        return head + BASE64_TAIL
    known = prefix[3 * full :]
    endings = [_group(known, 4) + BASE64_TAIL]
    endings.append(_group(known, 3) + "=")
    if rest == 1:
        endings.append(_group(known, 2) + "==")
    return f"{head}(?:{'|'.join(endings)})"


# Text: bytes of any ASCII-compatible encoding (UTF-8, Latin-1, Windows-1252...) without the
# control bytes binary files are full of; tab, line breaks, form feed and escape (colours in
# logs) are text.
TEXT_BYTES = frozenset(range(256)) - frozenset(
    [*range(0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)]
)
CONTROL_BYTES = re.compile(
    b"[" + b"".join(re.escape(bytes([b])) for b in sorted(set(range(256)) - TEXT_BYTES)) + b"]"
)


def base64_pattern_of_bytes(allowed: frozenset[int]) -> str:
    """A regex for the base64 text of any bytes that are all in `allowed` (a group of four
    characters is three bytes; the bits of each byte straddle two characters)."""

    def middle(high: int, low_bits: int, last: bool) -> str:
        """The 2nd and 3rd characters, for a 1st byte ending in `high` and (`last`: the 2nd byte
        ends the data, the 3rd character's low bits are free) a 3rd byte starting `low_bits`."""
        by_thirds: dict[frozenset[int], list[int]] = {}
        for x in range(16):
            thirds = frozenset(
                (y << 2) | z
                for y in range(16)
                if (x << 4) | y in allowed
                for z in (range(4) if last else (low_bits,))
            )
            if thirds:
                by_thirds.setdefault(thirds, []).append((high << 4) | x)
        return "|".join(
            _class_of(set(seconds)) + _class_of(thirds) for thirds, seconds in by_thirds.items()
        )

    full, two, one = [], [], []
    for high in range(4):
        firsts = {c for c in range(64) if (c << 2) | high in allowed}
        if not firsts:
            continue
        first = _class_of(firsts)
        for low_bits in range(4):
            fourths = {c for c in range(64) if (low_bits << 6) | c in allowed}
            inner = middle(high, low_bits, last=False)
            if fourths and inner:
                full.append(f"{first}(?:{inner}){_class_of(fourths)}")
        inner = middle(high, 0, last=True)
        if inner:
            two.append(f"{first}(?:{inner})=")
        one.append(f"{first}{_class_of({(high << 4) | x for x in range(16)})}==")
    return f"(?:{'|'.join(full)})*(?:{'|'.join(two + one)})?"


TEXT_BASE64 = base64_pattern_of_bytes(TEXT_BYTES)


def starts_with(content: bytes, prefix: tuple[int | None, ...]) -> bool:
    return len(content) >= len(prefix) and all(
        byte is None or content[index] == byte for index, byte in enumerate(prefix)
    )


@dataclass(frozen=True)
class Kind:
    """One type of file the endpoint takes: its MIME type and the extensions it is allowed as."""

    content_type: str
    extensions: tuple[str, ...]

    @property
    def text(self) -> bool:
        return self.content_type.startswith("text/")

    def matches(self, content: bytes) -> bool:
        if self.text:
            return CONTROL_BYTES.search(content) is None
        return any(starts_with(content, prefix) for prefix in MAGIC[self.content_type])

    def schema(self, max_length: int) -> dict:
        if self.text:
            return {
                "type": "string",
                "description": (
                    f"text ({', '.join(self.extensions)}): bytes of an ASCII-compatible encoding "
                    "without control bytes (tab, line breaks, form feed and escape allowed), "
                    "base64"
                ),
                "minLength": 4,
                "maxLength": max_length,
                "pattern": f"^{TEXT_BASE64}$",
            }
        prefixes = [base64_prefix_pattern(prefix) for prefix in MAGIC[self.content_type]]
        return {
            "type": "string",
            "description": f"{self.content_type} ({', '.join(self.extensions)}), base64",
            "maxLength": max_length,
            "pattern": f"^(?:{'|'.join(prefixes)})$",
        }


def attachment_kinds(types: list[str]) -> tuple[Kind, ...]:
    """The allowed types grouped by what their bytes are: files first, text last."""
    by_type: dict[str, list[str]] = {}
    for extension in types:
        by_type.setdefault(ATTACHMENT_TYPES[extension], []).append(extension)
    kinds = [Kind(content_type, tuple(exts)) for content_type, exts in by_type.items()]
    return tuple(sorted(kinds, key=lambda kind: kind.text))


def kind_of(content: bytes, kinds: tuple[Kind, ...], filename: str = "") -> Kind | None:
    """What the file is, of the allowed kinds; the one its name says when several fit (a CSV
    file is text too)."""
    matching = [kind for kind in kinds if kind.matches(content)]
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    named = [kind for kind in matching if extension in kind.extensions]
    return (named or matching or [None])[0]


def base64_length(size: int) -> int:
    return 4 * -(-size // 3)


class Raw:
    """A file's bytes as received in a multipart body (JSON sends them as base64 text)."""

    def __init__(self, content: bytes) -> None:
        self.content = content


@dataclass(frozen=True)
class Content:
    """An attachment's content: base64 in JSON, a file part in multipart; one of `kinds`."""

    kinds: tuple[Kind, ...]
    max_bytes: int

    def check(self, value: Any) -> bytes:
        if isinstance(value, Raw):
            content = value.content
        elif isinstance(value, str):
            if BASE64.fullmatch(value) is None:
                raise problem("base64")
            content = base64.b64decode(value, validate=True)
        else:
            raise problem("base64")
        if not content:
            raise problem("attachment_empty")
        if len(content) > self.max_bytes:
            raise problem("attachment_too_large")
        if kind_of(content, self.kinds) is None:
            raise problem("attachment_type")
        return content

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self.check)

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        length = base64_length(self.max_bytes)
        return {"anyOf": [kind.schema(length) for kind in self.kinds]}


def clean_text(value: str) -> str:
    """Without control or format characters (newlines and tabs kept), trimmed."""
    return "".join(
        char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()


def safe_filename(filename: str, kind: Kind | None = None) -> str:
    """A name that is only a name: no folders, no control or shell characters, bounded length,
    and the extension of what the file is (`photo.png` that is a PDF is kept as `photo.pdf`)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ]+", "_", clean_text(name)).strip(" ._") or "attachment"
    if kind is not None:
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        if extension.lower() not in kind.extensions:
            if extension.lower() in ATTACHMENT_TYPES:
                name = stem or "attachment"
            name = f"{name}.{kind.extensions[0]}"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_FILENAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and keep > 0 else name[:MAX_FILENAME_LENGTH]
    return name


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Ticket:
    name: str
    email: str
    subject: str
    category: str
    plan: str
    message: str
    language: str
    page: str
    attachments: tuple[Attachment, ...] = ()
    # The reference of the (closed) request this one follows up on; empty for most.
    follows: str = ""
    # The answers to its category's extra fields (mkdocs.yml), by field id; unanswered ones left
    # out.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """A message added to a request's conversation, with its files."""

    message: str
    attachments: tuple[Attachment, ...] = ()


@dataclass
class Validation:
    """The outcome: a ticket (or a reply), or errors by field (each a list of messages)."""

    ticket: Ticket | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    idempotency_key: str | None = None
    honeypot: bool = False
    reply: Reply | None = None


STRICT = ConfigDict(strict=True, extra="ignore", regex_engine="python-re")


def ticket_config(settings: ContactSettings) -> ConfigDict:
    """The ticket model's configuration: STRICT, its schema with the extra fields."""
    return ConfigDict(**STRICT, json_schema_extra=extra_fields_schema(extra_inputs(settings)))


def choice(values: tuple[str, ...]) -> Any:
    return Literal[values]  # type: ignore[valid-type]


def ticket_models(settings: ContactSettings, locales: tuple[str, ...], plan_ids: tuple[str, ...]):
    """The ticket's model, and its attachments' (one schema for JSON and multipart)."""
    limits = settings.attachments
    kinds = attachment_kinds(limits.types)
    attachment = create_model(
        "Attachment",
        __config__=STRICT,
        __doc__="A file: in JSON its name and its bytes in base64; in multipart a file part.",
        filename=(
            Annotated[str, Field(max_length=MAX_SENT_FILENAME), AfterValidator(unicode_text)],
            ...,
        ),
        content_base64=(Annotated[bytes, Content(kinds, limits.max_file_bytes)], ...),
    )
    text = {
        name: (
            Annotated[
                str,
                Text(
                    minimum,
                    maximum,
                    multiline=name in MULTILINE_FIELDS,
                    email=name == "email",
                ),
            ],
            ... if required else "",
        )
        for name, (required, minimum, maximum) in TEXT_FIELDS.items()
    }
    ticket = create_model(
        "Ticket",
        __config__=ticket_config(settings),
        __doc__="A support request. Text is trimmed; control characters are refused.",
        **text,
        category=(choice(tuple(c.id for c in settings.categories)), ...),
        plan=(choice(("", *plan_ids)), ""),
        language=(choice(locales), ...),
        website=(
            Annotated[
                str,
                Field(max_length=1000, description="Leave empty (a trap for bots)."),
                AfterValidator(unicode_text),
            ],
            "",
        ),
        # Optional, never null: a form cannot send a null.
        idempotency_key=(Annotated[str, Matching(IDEMPOTENCY_KEY, "idempotency_key")], None),
        attachments=(
            Annotated[list[attachment], Field(max_length=limits.max_files)],  # type: ignore[valid-type]
            [],
        ),
        follows=(
            Annotated[
                str,
                Matching(f"(?:{REFERENCE_CORE})?", "follows"),
                Field(description="The reference of a closed request this one follows up on."),
            ],
            "",
        ),
    )
    return ticket, attachment, kinds


def reply_model(settings: ContactSettings, attachment):
    """A reader's reply on their request's page: a message and files, as a ticket's."""
    return create_model(
        "Reply",
        __config__=STRICT,
        __doc__="A reply to a request. Text is trimmed; control characters are refused.",
        message=(Annotated[str, Text(*REPLY_MESSAGE, multiline=True)], ...),
        idempotency_key=(Annotated[str, Matching(IDEMPOTENCY_KEY, "idempotency_key")], None),
        attachments=(
            Annotated[list[attachment], Field(max_length=settings.attachments.max_files)],  # type: ignore[valid-type]
            [],
        ),
    )


# What each error type says to the reader, in their language (msgids of the catalogs).
MESSAGES = {
    "missing": N_("This field is required."),
    "required": N_("This field is required."),
    "text_too_short": N_("Please write at least %(count)d characters."),
    "string_too_long": N_("Please write at most %(count)d characters."),
    "control_characters": N_("Please remove the invisible control characters."),
    "email": N_("Please enter a valid email address, like name@example.com."),
    "attachment_empty": N_("%(file)s is empty."),
    "attachment_too_large": N_("%(file)s is larger than %(size)s MB."),
    "attachment_type": N_("%(file)s is not an accepted file type (%(types)s)."),
    # An extra field's value that does not match its pattern; `hint` says what it looks like.
    "format": N_("This is not in the expected format. %(hint)s"),
    "choice": N_("Please choose one of the listed answers."),
}
INVALID = N_("Please enter a valid value.")


def field_name(location: tuple) -> str:
    """`("queries", 0, "query")` as `queries[0].query`."""
    name = ""
    for part in location:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "body"


def reader_message(kind: str, context: dict, gettext) -> str:
    """What an error of type `kind` says to the reader, with its `context` (a count, a hint)."""
    counts = {"string_too_long": "max_length", "text_too_short": "count"}
    if kind in counts and isinstance(context.get(counts[kind]), int):
        return gettext(MESSAGES[kind]) % {"count": context[counts[kind]]}
    if kind == "format" and context.get("hint"):
        return gettext(MESSAGES[kind]) % {"hint": context["hint"]}
    if kind in MESSAGES and "%(" not in MESSAGES[kind]:
        return gettext(MESSAGES[kind])
    return gettext(INVALID)


def error_messages(
    error: ValidationError,
    gettext,
    special=None,
) -> dict[str, list[str]]:
    """Each error as a message in the reader's language, by field. `special(detail)` gives the
    field and message for errors an endpoint words its own way, or None."""
    errors: dict[str, list[str]] = {}
    for detail in error.errors(include_url=False):
        found = special(detail) if special else None
        if found is None:
            message = reader_message(detail["type"], detail.get("ctx") or {}, gettext)
            found = field_name(detail["loc"]), message
        name, message = found
        if message not in errors.setdefault(name, []):
            errors[name].append(message)
    return errors


class TicketRequests:
    """Validates tickets with the model of one endpoint's settings."""

    def __init__(
        self,
        settings: ContactSettings,
        locales: tuple[str, ...],
        plan_ids: tuple[str, ...],
        catalogs: Catalogs,
    ) -> None:
        self.settings = settings
        self.locales = locales
        self.catalogs = catalogs
        self.model, self.attachment_model, self.kinds = ticket_models(settings, locales, plan_ids)
        self.extra_inputs = extra_inputs(settings)
        self.reply_model = reply_model(settings, self.attachment_model)

    def language(self, data: dict) -> str:
        language = data.get("language")
        return (
            language if isinstance(language, str) and language in self.locales else self.locales[0]
        )

    def validate(self, data: dict, header_key: str | None = None) -> Validation:
        """`data`: the JSON object, or the form's fields with its files (`Raw`) as attachments."""
        language = self.language(data)
        _ = self.catalogs.gettext(language)
        errors = header_key_errors(header_key)
        # The category's questions are checked even when another field is wrong: every error
        # shows at once.
        answers, extra_errors = self.extra_fields(data, language)
        try:
            request = self.model.model_validate(data)
        except ValidationError as error:
            for name, messages in error_messages(error, _, self.special(data, _)).items():
                errors.setdefault(name, []).extend(messages)
            return Validation(errors=errors | extra_errors)
        errors |= extra_errors
        if errors:
            return Validation(errors=errors)
        key = header_key or request.idempotency_key
        if request.website:
            return Validation(idempotency_key=key, honeypot=True)
        return Validation(
            ticket=Ticket(
                name=request.name,
                email=request.email,
                subject=request.subject,
                category=request.category,
                plan=request.plan,
                message=request.message,
                language=request.language,
                page=request.page,
                attachments=self.attachments(request),
                follows=request.follows,
                fields=answers,
            ),
            idempotency_key=key,
        )

    def extra_fields(self, data: dict, language: str) -> tuple[dict[str, str], dict]:
        """The answers to the posted category's extra fields, by field id, and the errors of any
        extra field sent (messages in `language`), by the name it was sent under."""
        _ = self.catalogs.gettext(language)
        category = data.get("category")
        answers: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        for given in self.extra_inputs:
            chosen = given.category.id == category
            if given.name not in data:
                if chosen and given.field.required:
                    required = MESSAGES["missing"]  # a variable: the extractor takes literals
                    errors[given.name] = [_(required)]
                continue
            try:
                value = given.check(data[given.name], chosen)
            except PydanticCustomError as error:
                hint = given.field.hint or {}
                context = {**(error.context or {}), "hint": hint.get(language, "")}
                errors[given.name] = [reader_message(error.type, context, _)]
                continue
            if value:
                answers[given.field.id] = value
        return answers, errors

    def validate_reply(
        self, data: dict, header_key: str | None = None, language: str | None = None
    ) -> Validation:
        """A reply, as `validate` checks a ticket; errors in `language` (the request's)."""
        _ = self.catalogs.gettext(language if language in self.locales else self.locales[0])
        errors = header_key_errors(header_key)
        try:
            request = self.reply_model.model_validate(data)
        except ValidationError as error:
            for name, messages in error_messages(error, _, self.special(data, _)).items():
                errors.setdefault(name, []).extend(messages)
            return Validation(errors=errors)
        if errors:
            return Validation(errors=errors)
        return Validation(
            reply=Reply(request.message, self.attachments(request)),
            idempotency_key=header_key or request.idempotency_key,
        )

    def attachments(self, request) -> tuple[Attachment, ...]:
        """The files of a validated request, named by what they are."""
        attachments = []
        for sent in request.attachments:
            kind = kind_of(sent.content_base64, self.kinds, safe_filename(sent.filename))
            assert kind is not None  # the model checked it
            name = safe_filename(sent.filename, kind)
            attachments.append(Attachment(name, kind.content_type, sent.content_base64))
        return tuple(attachments)

    def special(self, data: dict, _):
        """The messages of the errors the ticket's and the reply's fields word their own way."""
        limits = self.settings.attachments

        def special(detail: dict) -> tuple[str, str] | None:
            # `data` is an object (the endpoint refuses any other body) and the models check
            # fields only: every error is at a field.
            location, kind = detail["loc"], detail["type"]
            name = location[0]
            if name == "attachments":
                if len(location) == 1 and kind == "too_long":
                    return name, _("Please attach at most %(count)d files.") % {
                        "count": limits.max_files
                    }
                if kind in MESSAGES and "%(file)s" in MESSAGES[kind]:
                    return name, _(MESSAGES[kind]) % {
                        "file": safe_filename(attachment_name(data, location[1])),
                        "size": f"{limits.max_file_mb:g}",
                        "types": ", ".join(limits.types),
                    }
                return name, _(INVALID)
            value = data.get(name)
            if name == "category" and kind in ("literal_error", "missing"):
                if not value:
                    return name, _("Please choose what your request is about.")
                return name, _("Please choose one of the listed topics.")
            if name == "plan" and kind == "literal_error":
                return name, _("Please choose one of the listed plans.")
            if name == "language" and kind in ("literal_error", "missing"):
                return name, _("Unknown language.")
            if name == "idempotency_key":
                return name, "8 to 100 letters, digits, '-' or '_'."
            return None

        return special


def header_key_errors(header_key: str | None) -> dict[str, list[str]]:
    """The error of an `Idempotency-Key` header that is not one."""
    if header_key is not None and re.fullmatch(IDEMPOTENCY_KEY, header_key) is None:
        return {"idempotency_key": ["8 to 100 letters, digits, '-' or '_'."]}
    return {}


def attachment_name(data: dict, index: Any) -> str:
    try:
        name = data["attachments"][index]["filename"]
    except (KeyError, IndexError, TypeError):
        return "attachment"
    return name if isinstance(name, str) else "attachment"
