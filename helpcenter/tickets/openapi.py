"""The endpoint's OpenAPI document, built from the same settings that validate requests."""

from __future__ import annotations

from helpcenter.contact.settings import ContactSettings
from helpcenter.tickets.validation import TEXT_FIELDS


def openapi_document(
    settings: ContactSettings, locales: tuple[str, ...], plan_ids: tuple[str, ...], path: str
) -> dict:
    text_properties = {
        name: {"type": "string", "minLength": minimum if required else 0, "maxLength": maximum}
        for name, (required, minimum, maximum) in TEXT_FIELDS.items()
    }
    text_properties["email"]["format"] = "email"
    choices = {
        "category": {"type": "string", "enum": [c.id for c in settings.categories]},
        "plan": {"type": "string", "enum": ["", *plan_ids]},
        "language": {"type": "string", "enum": list(locales)},
        "website": {"type": "string", "description": "Honeypot: leave empty."},
        "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,100}$"},
    }
    required = [name for name, (is_required, _, _) in TEXT_FIELDS.items() if is_required]
    required += ["category", "language"]
    limits = settings.attachments

    def ticket(attachment: dict) -> dict:
        """The ticket's schema; JSON and multipart differ only in how attachments travel."""
        return {
            "type": "object",
            "required": required,
            "properties": {
                **text_properties,
                **choices,
                "attachments": {"type": "array", "maxItems": limits.max_files, "items": attachment},
            },
        }

    json_ticket = ticket(
        {
            "type": "object",
            "required": ["filename", "content_base64"],
            "properties": {
                "filename": {"type": "string"},
                "content_base64": {"type": "string", "format": "byte"},
            },
        }
    )
    form_ticket = ticket({"type": "string", "format": "binary"})
    errors = {
        "type": "object",
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help center ticket endpoint",
            "version": "1",
            "description": (
                f"Stores support requests. Attachments: at most {limits.max_files} files of "
                f"{limits.max_file_mb:g} MB ({', '.join(limits.types)}), checked by content."
            ),
        },
        "paths": {
            path: {
                "post": {
                    "summary": "File a support request",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": json_ticket},
                            "multipart/form-data": {"schema": form_ticket},
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "reference": {"type": "string"},
                                            "status": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        },
                        "200": {"description": "Already stored under this idempotency key"},
                        "303": {
                            "description": "Form post without JavaScript: to the thank-you "
                            "page, with the reference"
                        },
                        "413": {"description": "Body over the size limit"},
                        "415": {"description": "Neither multipart/form-data nor JSON"},
                        "422": {
                            "description": "Invalid fields, messages in the ticket's language",
                            "content": {"application/json": {"schema": errors}},
                        },
                        "429": {"description": "Too many requests; see Retry-After"},
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "Liveness and database check",
                    "responses": {
                        "200": {"description": "OK"},
                        "503": {"description": "Database unavailable"},
                    },
                }
            },
        },
    }
