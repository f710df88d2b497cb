"""The contact form's settings: the `contact` option of the `helpcenter` plugin in mkdocs.yml.

The same settings shape the form (at build time) and check what it sends (in the endpoint), so a
category or a limit is written once.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from helpcenter.plans.schema import Identifier, LocalizedText, Strict, translation_problems

MEGABYTE = 1024 * 1024
# What an attachment may be, by extension: the MIME type it is served as.
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": "text/plain",
    "csv": "text/csv",
    "log": "text/plain",
}


# The ticket's own fields (helpcenter.tickets.validation): an extra field named like one would
# read as it in the helpdesk and in `helpcenter tickets show`.
TICKET_FIELDS = (
    "name",
    "email",
    "subject",
    "category",
    "plan",
    "message",
    "language",
    "page",
    "website",
    "idempotency_key",
    "attachments",
    "follows",
)
FieldId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
OptionId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]
# What a text field holds when mkdocs.yml says nothing: a number or a reference, not a story.
DEFAULT_MAX_LENGTH = 100
# Python's own regular expression syntax, which browsers and JSON Schema validators do not read.
PYTHON_ONLY = re.compile(r"\(\?P|\(\?[aiLmsux-]+[:)]|\\[AZ]")
# Classes of characters whose members each engine decides for itself (Unicode or ASCII).
SCRIPT_CLASSES = re.compile(r"(?<!\\)(?:\\\\)*\\[dDwWsSbB]")


class FieldOption(Strict):
    """One answer of a choice field: its value (sent, stored, given to the helpdesk) and label."""

    id: OptionId
    label: LocalizedText


class ExtraField(Strict):
    """A question a category asks besides the form's own fields (a tracking number...)."""

    id: FieldId
    type: Literal["text", "choice"] = "text"
    label: LocalizedText
    # Shown under the field (and in the error when a value does not match `pattern`).
    hint: LocalizedText | None = None
    required: bool = False
    # Text only: at most this many characters, and the whole value matching `pattern`.
    max_length: Annotated[int, Field(ge=1, le=500)] | None = None
    pattern: str | None = None
    # Choice only: the answers offered, in this order.
    options: list[FieldOption] | None = None
    # The helpdesk's numeric id of its custom field for this one; without it, the value is
    # written into the forwarded request's description as "Label: value".
    helpdesk_field_id: Annotated[int, Field(ge=1)] | None = None

    @field_validator("id")
    @classmethod
    def not_a_ticket_field(cls, value: str) -> str:
        if value in TICKET_FIELDS:
            raise ValueError(
                f"'{value}' is one of the form's own fields; choose another id "
                f"(taken: {', '.join(TICKET_FIELDS)})"
            )
        return value

    @field_validator("pattern")
    @classmethod
    def usable_pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression ({error})") from None
        if PYTHON_ONLY.search(value):
            raise ValueError(
                "uses Python's own syntax ((?P<name>...), inline flags, \\A, \\Z): write it "
                "as browsers read it too, e.g. [A-Z]{2}[0-9]{9}[A-Z]{2}"
            )
        if SCRIPT_CLASSES.search(value):
            raise ValueError(
                "uses \\d, \\w, \\s or \\b, whose letters and digits differ between Python, "
                "browsers and JSON Schema validators (Arabic digits are digits to some): write "
                "the characters out, e.g. [0-9] or [A-Za-z0-9_]"
            )
        return value

    @model_validator(mode="after")
    def options_for_choices(self) -> ExtraField:
        if self.type == "choice":
            if not self.options:
                raise ValueError(
                    "`options` missing: a choice field needs its answers, each with an id and a "
                    "label"
                )
            if self.pattern is not None or self.max_length is not None:
                raise ValueError("`pattern` and `max_length` are for text fields, not choices")
        elif self.options is not None:
            raise ValueError("`options` are for choice fields (`type: choice`)")
        if self.pattern is not None and self.hint is None:
            raise ValueError(
                "`hint` missing: a field with a `pattern` needs one that tells readers the format"
            )
        return self

    @property
    def limit(self) -> int:
        """The longest value the field takes."""
        if self.options:
            return max(len(option.id) for option in self.options)
        return self.max_length or DEFAULT_MAX_LENGTH

    def shown(self, value: str, locale: str) -> str:
        """`value` as a reader reads it: a choice's label in `locale`, or the text."""
        for option in self.options or ():
            if option.id == value:
                return option.label.get(locale, value)
        return value


class Category(Strict):
    id: Identifier
    label: LocalizedText
    # What the team needs to know about a request of this topic, asked under the topic's choice.
    fields: list[ExtraField] = Field(default_factory=list)

    @field_validator("fields")
    @classmethod
    def distinct_ids(cls, fields: list[ExtraField]) -> list[ExtraField]:
        ids = [field.id for field in fields]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate field id '{duplicates[0]}': each id once per category")
        return fields

    def form_name(self, field: ExtraField) -> str:
        """The name a field is sent under: `<category>.<field>` (a form without JavaScript has
        every category's fields, and two categories may ask the same question)."""
        return f"{self.id}.{field.id}"


class Attachments(Strict):
    max_files: Annotated[int, Field(ge=0, le=20)] = 5
    max_file_mb: Annotated[float, Field(gt=0, le=50)] = 10
    types: list[str] = Field(default_factory=lambda: ["pdf", "png", "jpg", "jpeg", "txt"])

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MEGABYTE)

    @property
    def max_body_bytes(self) -> int:
        """The largest request a valid submission can make, with room for the text fields."""
        return self.max_files * self.max_file_bytes + MEGABYTE

    @property
    def accept(self) -> str:
        """The `accept` attribute of the file input."""
        return ",".join(f".{extension}" for extension in self.types)


class ContactSettings(Strict):
    # Where the form posts; an absolute URL when the endpoint is not on the site's origin.
    endpoint: str = "/api/tickets"
    # Where the site's root is, for the endpoint's redirects after a post without JavaScript.
    site_url: str = "/"
    categories: Annotated[list[Category], Field(min_length=1)]
    attachments: Attachments = Attachments()
    # Origins of a static host allowed to post from the browser when the endpoint lives elsewhere.
    allowed_origins: list[str] = Field(default_factory=list)
    # Requests one client may send per minute.
    rate_limit_per_minute: Annotated[int, Field(ge=1)] = 10

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)


def settings_problems(settings: ContactSettings, locales: tuple[str, ...]) -> list[str]:
    """What the model alone cannot check: each text in every language, known attachment types."""
    problems = []
    for index, category in enumerate(settings.categories):
        path = f"categories[{index}]"
        problems += translation_problems(f"{path}.label", category.label, locales)
        for number, field in enumerate(category.fields):
            where = f"{path}.fields[{number}]"
            problems += translation_problems(f"{where}.label", field.label, locales)
            problems += translation_problems(f"{where}.hint", field.hint, locales)
            for position, option in enumerate(field.options or ()):
                problems += translation_problems(
                    f"{where}.options[{position}].label", option.label, locales
                )
    return problems + [
        f"attachments.types: unknown type '{extension}' "
        f"(expected some of: {', '.join(ATTACHMENT_TYPES)})"
        for extension in settings.attachments.types
        if extension not in ATTACHMENT_TYPES
    ]
