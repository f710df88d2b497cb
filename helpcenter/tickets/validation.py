"""What a ticket must be before it is stored: each field checked, errors in its language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from helpcenter.contact.settings import ATTACHMENT_TYPES, ContactSettings
from helpcenter.i18n.catalogs import Catalogs

EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,63}$"
)
# Field: (required, minimum length, maximum length)
TEXT_FIELDS = {
    "name": (True, 1, 100),
    "email": (True, 3, 254),
    "subject": (True, 3, 150),
    "message": (True, 10, 5000),
    "page": (False, 0, 500),
}
HONEYPOT_FIELD = "website"
MAX_FILENAME_LENGTH = 100


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the browser gave, and its bytes."""

    filename: str
    content: bytes


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


@dataclass
class Validation:
    """The outcome: a ticket, or errors by field (each a list of messages)."""

    ticket: Ticket | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def clean_text(value: str) -> str:
    """Without control characters (newlines and tabs kept), surrounding spaces trimmed."""
    return "".join(
        char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")
    ).strip()


def safe_filename(filename: str) -> str:
    """A name that is only a name: no folders, no control or shell characters, bounded length."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ]+", "_", clean_text(name)).strip(" ._")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_FILENAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and keep > 0 else name[:MAX_FILENAME_LENGTH]
    return name or "attachment"


def sniff(content: bytes) -> str | None:
    """The type a file's bytes say it is, whatever its name says."""
    signatures = (
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
    )
    for signature, content_type in signatures:
        if content.startswith(signature):
            return content_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def attachment_type(filename: str, content: bytes, allowed: list[str]) -> str | None:
    """The MIME type to store, when the name's extension is allowed and the content agrees."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension not in allowed:
        return None
    declared = ATTACHMENT_TYPES[extension]
    sniffed = sniff(content)
    if sniffed is None:
        return None
    if declared.startswith("text/"):
        return declared if sniffed == "text/plain" else None
    return declared if sniffed == declared else None


def validate_ticket(
    fields: dict[str, str],
    uploads: list[Upload],
    settings: ContactSettings,
    locales: tuple[str, ...],
    plan_ids: tuple[str, ...],
    catalogs: Catalogs,
) -> Validation:
    language = fields.get("language", "")
    if language not in locales:
        language = locales[0]
    _ = catalogs.gettext(language)
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name, (required, minimum, maximum) in TEXT_FIELDS.items():
        value = clean_text(fields.get(name, ""))
        values[name] = value
        if not value:
            if required:
                error(name, _("This field is required."))
        elif len(value) < minimum:
            error(name, _("Please write at least %(count)d characters.") % {"count": minimum})
        elif len(value) > maximum:
            error(name, _("Please write at most %(count)d characters.") % {"count": maximum})
    if values["email"] and "email" not in errors and not EMAIL.match(values["email"]):
        error("email", _("Please enter a valid email address, like name@example.com."))

    category = fields.get("category", "")
    if not category:
        error("category", _("Please choose what your request is about."))
    elif category not in {c.id for c in settings.categories}:
        error("category", _("Please choose one of the listed topics."))
    plan = fields.get("plan", "")
    if plan and plan not in plan_ids:
        error("plan", _("Please choose one of the listed plans."))
    if fields.get("language", "") not in locales:
        error("language", _("Unknown language."))

    attachments = []
    limits = settings.attachments
    uploads = [upload for upload in uploads if upload.filename or upload.content]
    if len(uploads) > limits.max_files:
        error(
            "attachments", _("Please attach at most %(count)d files.") % {"count": limits.max_files}
        )
    else:
        for upload in uploads:
            filename = safe_filename(upload.filename)
            if len(upload.content) > limits.max_file_bytes:
                error(
                    "attachments",
                    _("%(file)s is larger than %(size)s MB.")
                    % {"file": filename, "size": f"{limits.max_file_mb:g}"},
                )
                continue
            if not upload.content:
                error("attachments", _("%(file)s is empty.") % {"file": filename})
                continue
            content_type = attachment_type(filename, upload.content, limits.types)
            if content_type is None:
                error(
                    "attachments",
                    _("%(file)s is not an accepted file type (%(types)s).")
                    % {"file": filename, "types": ", ".join(limits.types)},
                )
                continue
            attachments.append(Attachment(filename, content_type, upload.content))

    if errors:
        return Validation(errors=errors)
    return Validation(
        ticket=Ticket(
            name=values["name"],
            email=values["email"],
            subject=values["subject"],
            category=category,
            plan=plan,
            message=values["message"],
            language=language,
            page=values["page"],
            attachments=tuple(attachments),
        )
    )
