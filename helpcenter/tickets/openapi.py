"""The endpoint's OpenAPI document, generated from the models that validate its requests.

Every route the endpoint serves is here, at the paths mkdocs.yml gives them, with the methods it
answers (any other gets 405 and an `Allow` header that agrees), what each takes (the pydantic
models' JSON Schema: the same model for a ticket sent as JSON or as a form) and every answer it
gives: JSON for scripts and pages with JavaScript, a page (text/html) for plain form posts.
"""

from __future__ import annotations

import copy

from helpcenter.feedback.api import site_pages
from helpcenter.tickets.statuses import STATUS_LABELS
from helpcenter.tickets.store import FOLLOW_UP_TOKEN_PATTERN, REFERENCE_PATTERN
from helpcenter.tickets.sync import SIGNATURE_HEADER, TIMESTAMP_HEADER
from helpcenter.tickets.validation import IDEMPOTENCY_KEY_PATTERN

HEALTH_PATH = "/api/health"
OPENAPI_PATH = "/api/openapi.json"
ERRORS = {"$ref": "#/components/schemas/Errors"}
HTML = {"text/html": {"schema": {"type": "string"}}}


def refused(description: str, headers: dict | None = None) -> dict:
    """An error answer: `{"errors": {field: [messages]}}`, or a page for a plain form post."""
    answer = {
        "description": description,
        "content": {"application/json": {"schema": ERRORS}, **HTML},
    }
    if headers:
        answer["headers"] = headers
    return answer


def refusals(limit: int) -> dict:
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return {
        "400": refused("The body cannot be read (not JSON, a broken form)"),
        "403": refused(
            "Posted from another site: an `Origin` that is neither the site's own nor one of "
            "`contact.allowed_origins`"
        ),
        "408": refused("The body arrived too slowly"),
        "413": refused(f"The body is larger than {limit} bytes; refused before it is read"),
        "415": refused("A content type this operation does not take"),
        "422": refused("Invalid fields: the messages, by field, in the request's language"),
        "429": refused("Too many requests from this client; see Retry-After", retry_after),
        "503": refused("The service cannot store anything for a moment; try again later"),
    }


def redirect(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
    }


def json_answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def page(description: str) -> dict:
    return {"description": description, "content": HTML}


def follow_up_paths(service, tickets, limits, component, components) -> dict[str, dict]:
    """A request's private page: its HTML (GET), the reader's replies (POST), and the contact
    page filled in for a new request that follows up on it."""
    path = service.paths.follow_up
    token = {
        "name": "token",
        "in": "path",
        "required": True,
        "description": "The request's follow-up token, from the address its creation answered.",
        "schema": {"type": "string", "pattern": FOLLOW_UP_TOKEN_PATTERN},
    }
    private = (
        " Private: `Cache-Control: no-store`, `X-Robots-Tag: noindex`, `Referrer-Policy: "
        "no-referrer`."
    )
    unknown = page("No request has this token, or its request has been idle too long")
    reply = component(tickets.reply_model)
    form = copy.deepcopy(components["Reply"])
    form["title"] = "ReplyForm"
    form["properties"]["attachments"] = copy.deepcopy(
        components["TicketForm"]["properties"]["attachments"]
    )
    components["ReplyForm"] = form
    received = {
        "type": "object",
        "required": ["reference", "status"],
        "properties": {
            "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
            "status": {"const": "received"},
        },
    }
    timestamp = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
    described = {
        "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
        "subject": {"type": "string"},
        "category": {"type": "string", "description": "The topic's id"},
        "language": {"type": "string", "enum": list(service.locales)},
        "status": {"type": "string", "enum": list(STATUS_LABELS)},
        "status_label": {"type": "string", "description": "The status, in the language"},
        "created": timestamp,
        "updated": {**timestamp, "description": "The last activity, ISO 8601, UTC"},
    }
    components["RequestSummary"] = {
        "type": "object",
        "required": list(described),
        "additionalProperties": False,
        "properties": described,
    }
    summary = {"$ref": "#/components/schemas/RequestSummary"}
    return {
        f"{path}{{token}}": {
            "get": {
                "operationId": "followRequest",
                "summary": "A request's private page: its status and conversation, a reply form",
                "description": (
                    "In the request's language. With `Accept: application/json`, a summary "
                    "instead: what the reader's browser keeps to list its requests (never the "
                    "message nor the email address)." + private
                ),
                "parameters": [
                    token,
                    {
                        "name": "notice",
                        "in": "query",
                        "required": False,
                        "description": "What the last post did, said on the page.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The page, or its summary",
                        "content": {**HTML, "application/json": {"schema": summary}},
                    },
                    "404": unknown,
                },
            },
            "post": {
                "operationId": "replyToRequest",
                "summary": "The reader's reply to their request",
                "description": (
                    "Attachments as a ticket's. A reply to a request awaiting its reader opens "
                    "it again; a solved request is reopened within `follow_up.reopen_days` of "
                    "being solved. Send `Accept: application/json` for JSON answers." + private
                ),
                "parameters": [
                    token,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "A retry with the same key adds the reply once.",
                        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "description": f"At most {limits.max_body_bytes} bytes. Text is trimmed.",
                    "content": {
                        "application/json": {"schema": reply},
                        "multipart/form-data": {
                            "schema": {"$ref": "#/components/schemas/ReplyForm"},
                            "encoding": {
                                "attachments": {
                                    "contentType": ", ".join(k.content_type for k in tickets.kinds)
                                }
                            },
                        },
                    },
                },
                "responses": {
                    "201": json_answer("Added to the conversation", received),
                    "200": json_answer("Already added under this idempotency key", received),
                    "303": redirect("A plain form post, added: back to the request's page"),
                    "404": unknown,
                    **refusals(limits.max_body_bytes),
                    "409": refused(
                        "The request takes no more replies (closed, or solved too long ago), "
                        "or this idempotency key was used for another reply"
                    ),
                },
            },
        },
        f"{path}{{token}}/new": {
            "get": {
                "operationId": "followUpRequest",
                "summary": "The contact page, filled in for a new request that follows up on it",
                "description": "For a request that takes no more replies." + private,
                "parameters": [token],
                "responses": {"200": page("The contact page"), "404": unknown},
            },
        },
    }


def webhook_paths(service, limit: int) -> dict[str, dict]:
    """The helpdesk's webhook, when it has a secret to sign its calls with."""
    path = service.helpdesk_webhook
    if not path:
        return {}
    header = {"in": "header", "required": True, "schema": {"type": "string"}}
    request_id = {"type": ["string", "integer"], "description": "The helpdesk's id of the request"}
    return {
        path: {
            "post": {
                "operationId": "helpdeskRequestChanged",
                "summary": "The helpdesk says a forwarded request changed",
                "description": (
                    "Signed as Zendesk signs webhooks: the signature is the base64 of an "
                    "HMAC-SHA256, keyed by the webhook's signing secret, of the timestamp "
                    "followed by the body; a timestamp more than five minutes away from now is "
                    "refused. The request is then read from the helpdesk: the body only names it."
                ),
                "parameters": [
                    {"name": SIGNATURE_HEADER, **header},
                    {"name": TIMESTAMP_HEADER, **header, "description": "ISO 8601, UTC"},
                ],
                "requestBody": {
                    "required": True,
                    "description": f"At most {limit} bytes: a trigger's JSON payload such as "
                    '`{"ticket_id": "{{ticket.id}}"}`, or a ticket event (`detail.id`).',
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "ticket_id": request_id,
                                    "detail": {"type": "object", "properties": {"id": request_id}},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": json_answer(
                        "Accepted: the request is read from the helpdesk at once",
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "accepted"}},
                        },
                    ),
                    **refusals(limit),
                    "401": json_answer("Not signed with the secret, or not lately", ERRORS),
                    "422": json_answer("The body names no request", ERRORS),
                },
            }
        }
    }


def openapi_document(service) -> dict:
    """The document for `service`'s settings, languages, plans, pages and paths."""
    paths = service.paths
    tickets = service.tickets
    feedback = service.feedback_requests
    limits = service.settings.attachments
    body_limits = service.body_limits()
    components: dict[str, dict] = {
        "Errors": {
            "type": "object",
            "required": ["errors"],
            "properties": {
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            },
        }
    }

    def component(model) -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def pages_by_language(schema_name: str) -> None:
        """With the built site at hand, a vote's page is one of its language's pages."""
        if service.site_dir is None:
            return
        components[schema_name]["anyOf"] = [
            {
                "properties": {
                    "language": {"const": language},
                    "page": {"enum": site_pages(service.site_dir, language)},
                }
            }
            for language in service.locales
        ]

    document_paths: dict[str, dict] = {}
    if paths.tickets:
        ticket = component(tickets.model)
        # The same ticket as a form: its files are file parts named `attachments`, each one of
        # the accepted types (the JSON form's base64 rules, said of the bytes).
        form = copy.deepcopy(components["Ticket"])
        form["title"] = "TicketForm"
        form["properties"]["attachments"] = {
            "type": "array",
            "maxItems": limits.max_files,
            "description": "Files, each a part named `attachments` with its file name (an empty "
            "part is no file). "
            + "; ".join(
                f"{kind.content_type} ({', '.join(kind.extensions)})"
                + (": UTF-8 text" if kind.text else ": by its first bytes")
                for kind in tickets.kinds
            ),
            # An empty part is no file (what browsers send when none is chosen): no minLength.
            "items": {"type": "string", "format": "binary", "maxLength": limits.max_file_bytes},
        }
        components["TicketForm"] = form
        received = {
            "type": "object",
            "required": ["reference", "status", "follow_url"],
            "properties": {
                "reference": {"type": "string", "pattern": REFERENCE_PATTERN},
                "status": {"const": "received"},
                "follow_url": {
                    "type": "string",
                    "description": "The request's private page (a path on the endpoint's "
                    "origin, or a URL): to follow it and reply. Keep it: only its hash is kept.",
                },
            },
        }
        document_paths[paths.tickets] = {
            "post": {
                "operationId": "createTicket",
                "summary": "File a support request",
                "description": (
                    f"Attachments: at most {limits.max_files} files of {limits.max_file_mb:g} MB "
                    f"({', '.join(limits.types)}), checked by their content; a file is kept with "
                    "the extension of what it is. A category's own questions are sent as "
                    "`<category>.<id>`; only the posted category's are kept. Send `Accept: "
                    "application/json` for JSON answers; a plain form post is answered with pages."
                ),
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "A retry with the same key returns the same ticket.",
                        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "description": (
                        f"At most {limits.max_body_bytes} bytes. Text fields are trimmed."
                    ),
                    "content": {
                        "application/json": {"schema": ticket},
                        "multipart/form-data": {
                            "schema": {"$ref": "#/components/schemas/TicketForm"},
                            "encoding": {
                                "attachments": {
                                    "contentType": ", ".join(k.content_type for k in tickets.kinds)
                                }
                            },
                        },
                    },
                },
                "responses": {
                    "201": json_answer("Stored", received),
                    "200": json_answer("Already stored under this idempotency key", received),
                    "303": redirect(
                        "A plain form post, stored: to the request's private page, which says it "
                        "was received"
                    ),
                    **refusals(limits.max_body_bytes),
                    "409": refused(
                        "This idempotency key was used for another request, or that request is "
                        "still being stored"
                    ),
                },
            }
        }
        document_paths.update(follow_up_paths(service, tickets, limits, component, components))
        document_paths.update(webhook_paths(service, body_limits.get(service.helpdesk_webhook, 0)))
    if paths.feedback:
        vote = component(feedback.vote)
        pages_by_language("FeedbackVote")
        limit = body_limits[paths.feedback]
        document_paths[paths.feedback] = {
            "post": {
                "operationId": "voteOnArticle",
                "summary": "Say whether an article helped",
                "requestBody": {
                    "required": True,
                    "description": (
                        f"At most {limit} bytes. Email addresses, phone numbers and tracking "
                        "numbers in the comment are masked before it is stored."
                    ),
                    "content": {
                        "application/json": {"schema": vote},
                        "application/x-www-form-urlencoded": {"schema": vote},
                        "multipart/form-data": {"schema": vote},
                    },
                },
                "responses": {
                    "201": json_answer(
                        "Recorded",
                        {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"const": "recorded"}},
                        },
                    ),
                    "303": redirect("A plain form post, recorded: back to the article's thanks"),
                    **refusals(limit),
                },
            }
        }
    if paths.search_gaps:
        gaps = component(feedback.search_gaps)
        pages_by_language("SearchGaps")
        limit = body_limits[paths.search_gaps]
        document_paths[paths.search_gaps] = {
            "post": {
                "operationId": "reportSearchGaps",
                "summary": "Report searches that found nothing or whose results were not followed",
                "requestBody": {
                    "required": True,
                    "description": (
                        f"At most {limit} bytes; also taken as `text/plain` (what "
                        "navigator.sendBeacon sends). Email addresses, phone numbers and "
                        "tracking numbers are masked before a search is stored."
                    ),
                    "content": {"application/json": {"schema": gaps}},
                },
                "responses": {"204": {"description": "Recorded"}, **refusals(limit)},
            }
        }
    document_paths[HEALTH_PATH] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness and database check",
            "responses": {
                "200": json_answer(
                    "The endpoint and its database answer",
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {"status": {"type": "string"}},
                    },
                ),
                "503": json_answer(
                    "The database does not answer",
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {"status": {"type": "string"}},
                    },
                ),
            },
        }
    }
    document_paths[OPENAPI_PATH] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": json_answer("The OpenAPI document", {"type": "object"})},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help center endpoint",
            "version": "1",
            "description": (
                "Support requests, readers' votes on articles and unanswered searches. Posts from "
                "other sites than the help center's own and `contact.allowed_origins` are refused."
            ),
        },
        "paths": document_paths,
        "components": {"schemas": components},
    }
