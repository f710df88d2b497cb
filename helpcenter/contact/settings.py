"""The contact form's settings: the `contact` option of the `helpcenter` plugin in mkdocs.yml.

The same settings shape the form (at build time) and check what it sends (in the endpoint), so a
category or a limit is written once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from helpcenter.plans.schema import Identifier, LocalizedText, Strict

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


class Category(Strict):
    id: Identifier
    label: LocalizedText


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


def settings_problems(settings: ContactSettings, locales: tuple[str, ...]) -> list[str]:
    """What the model alone cannot check: a label in every language, known attachment types."""
    return [
        f"categories[{index}].label.{locale}: missing translation"
        for index, category in enumerate(settings.categories)
        for locale in locales
        if locale not in category.label
    ] + [
        f"attachments.types: unknown type '{extension}' "
        f"(expected some of: {', '.join(ATTACHMENT_TYPES)})"
        for extension in settings.attachments.types
        if extension not in ATTACHMENT_TYPES
    ]
