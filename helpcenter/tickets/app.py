"""The ticket endpoint: an ASGI application (Starlette) that stores tickets durably.

`POST /api/tickets` takes the contact form as multipart (the browser, with or without
JavaScript) or JSON (scripts). Answers:

- JSON clients: 201 `{"reference", "status"}`, 422 `{"errors": {field: [messages]}}` in the
  ticket's language, 413 over the size limit, 429 with `Retry-After`;
- plain form posts (no JavaScript): 303 to the language's thank-you page with the reference, or
  the contact page again (422) with the errors and everything that was typed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from helpcenter.config import EndpointPaths, Project, ServerConfig
from helpcenter.contact.form import ContactForms, refill_built_page
from helpcenter.contact.settings import ContactSettings
from helpcenter.feedback.api import feedback_routes
from helpcenter.feedback.store import FeedbackStore
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import Plan
from helpcenter.site.headers import read_headers_file
from helpcenter.tickets.guards import BodyGuard, RateLimit, SecurityHeaders
from helpcenter.tickets.helpdesk import Forwarder
from helpcenter.tickets.openapi import openapi_document
from helpcenter.tickets.store import TicketStore, new_reference
from helpcenter.tickets.validation import HONEYPOT_FIELD, Upload, validate_ticket

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
TEXT_FIELD_LIMIT = 64 * 1024


@dataclass
class TicketService:
    """Everything a request needs: the settings, the languages, the plans and the store."""

    settings: ContactSettings
    locales: tuple[str, ...]
    plans: list[Plan]
    store: TicketStore
    feedback: FeedbackStore
    catalogs: Catalogs
    forms: ContactForms
    paths: EndpointPaths
    # What each client may send and store: the `server` settings of mkdocs.yml.
    server: ServerConfig
    site_dir: Path | None = None

    @classmethod
    def from_project(
        cls,
        project: Project,
        database: Path,
        site_dir: Path | None = None,
        forward: bool = False,
    ) -> TicketService:
        plans = project.plans.plans
        catalogs = Catalogs(project.locales_dir)
        return cls(
            project.contact,
            project.locales,
            plans,
            TicketStore(database, forward=forward),
            FeedbackStore(database),
            catalogs,
            ContactForms(project.contact, plans, catalogs, project.custom_dir),
            project.endpoint_paths,
            project.settings.server,
            site_dir,
        )

    @property
    def content_security_policy(self) -> str | None:
        """The policy the build computed for the site, when the site is served too."""
        if self.site_dir is None:
            return None
        return read_headers_file(self.site_dir).get("Content-Security-Policy")

    @property
    def plan_ids(self) -> tuple[str, ...]:
        return tuple(plan.id for plan in self.plans)

    def language(self, fields: dict[str, str]) -> str:
        language = fields.get("language", "")
        return language if language in self.locales else self.locales[0]

    def thanks_url(self, language: str, reference: str) -> str:
        root = self.settings.site_url.rstrip("/")
        return f"{root}/{language}/contact/thanks/?ticket={quote(reference)}"

    def form_page(self, language: str, fields: dict[str, str], errors: dict[str, list[str]]) -> str:
        """The contact page again, with what was typed and the errors (posts without JavaScript)."""
        form = self.forms.form(language, fields, errors)
        built = self.site_dir / language / "contact" / "index.html" if self.site_dir else None
        if built and built.is_file():
            return refill_built_page(built.read_text(encoding="utf-8"), form)
        title = self.catalogs.gettext(language)("Please correct the highlighted fields.")
        return (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><main>{form}</main></body></html>"
        )


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    content_type = request.headers.get("content-type", "")
    return "application/json" in accept or content_type.startswith("application/json")


class BadRequest(Exception):
    """A request that cannot be read as a ticket at all."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


async def read_submission(
    request: Request, service: TicketService
) -> tuple[dict[str, str], list[Upload]]:
    content_type = request.headers.get("content-type", "")
    limits = service.settings.attachments
    if content_type.startswith("application/json"):
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("body", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequest("body", "Expected a JSON object with the ticket's fields.")
        fields = {k: v for k, v in data.items() if isinstance(v, str) and k != "attachments"}
        uploads = []
        attachments = data.get("attachments", [])
        if not isinstance(attachments, list) or len(attachments) > limits.max_files:
            raise BadRequest("attachments", f"At most {limits.max_files} attachments.")
        for attachment in attachments:
            try:
                uploads.append(
                    Upload(
                        str(attachment["filename"]),
                        base64.b64decode(attachment["content_base64"], validate=True),
                    )
                )
            except (KeyError, TypeError, binascii.Error):
                raise BadRequest(
                    "attachments", "Each attachment needs a filename and content_base64."
                ) from None
        return fields, uploads
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(
                max_files=limits.max_files, max_fields=50, max_part_size=TEXT_FIELD_LIMIT
            )
        except (MultiPartException, HTTPException) as error:
            detail = getattr(error, "detail", None) or str(error)
            if "Too many files" in detail:
                _ = service.catalogs.gettext(service.language(dict(request.query_params)))
                raise BadRequest(
                    "attachments",
                    _("Please attach at most %(count)d files.") % {"count": limits.max_files},
                ) from None
            raise BadRequest("body", f"Unreadable form: {detail}", status=400) from None
        fields: dict[str, str] = {}
        uploads = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name == "attachments" and (value.filename or value.size):
                    uploads.append(Upload(value.filename or "", await value.read()))
            elif name not in fields:
                fields[name] = value
        await form.close()
        return fields, uploads
    raise BadRequest("body", "Send the form as multipart/form-data or JSON.", status=415)


async def create_ticket(request: Request) -> Response:
    service: TicketService = request.app.state.service
    json_client = wants_json(request)
    try:
        fields, uploads = await read_submission(request, service)
    except BadRequest as error:
        return JSONResponse({"errors": {error.field: [str(error)]}}, status_code=error.status)
    except ClientDisconnect:
        return Response(status_code=400)
    language = service.language(fields)

    key = request.headers.get("idempotency-key") or fields.get("idempotency_key") or None
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        return JSONResponse(
            {"errors": {"idempotency_key": ["8 to 100 letters, digits, '-' or '_'."]}},
            status_code=422,
        )

    if fields.get(HONEYPOT_FIELD):
        # A bot filled the field people cannot see: answer as if it worked, keep nothing.
        reference = new_reference()
        if json_client:
            return JSONResponse({"reference": reference, "status": "received"}, status_code=201)
        return RedirectResponse(service.thanks_url(language, reference), status_code=303)

    validation = validate_ticket(
        fields, uploads, service.settings, service.locales, service.plan_ids, service.catalogs
    )
    if validation.ticket is None:
        if json_client:
            return JSONResponse({"errors": validation.errors}, status_code=422)
        return HTMLResponse(service.form_page(language, fields, validation.errors), status_code=422)

    stored = await run_in_threadpool(service.store.add, validation.ticket, key)
    if json_client:
        return JSONResponse(
            {"reference": stored.reference, "status": "received"},
            status_code=201 if stored.created else 200,
        )
    return RedirectResponse(service.thanks_url(language, stored.reference), status_code=303)


async def health(request: Request) -> Response:
    service: TicketService = request.app.state.service
    try:
        await run_in_threadpool(service.store.ping)
    except Exception as error:  # the database is the one thing that may fail here
        return JSONResponse({"status": "unavailable", "error": str(error)}, status_code=503)
    return JSONResponse({"status": "ok"})


async def openapi(request: Request) -> Response:
    service: TicketService = request.app.state.service
    return JSONResponse(
        openapi_document(service.settings, service.locales, service.plan_ids, service.paths.tickets)
    )


def api_routes(paths: EndpointPaths) -> list[BaseRoute]:
    """The endpoint's routes, at the paths mkdocs.yml gives the pages."""
    return [
        Route(paths.tickets, create_ticket, methods=["POST"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        *feedback_routes(paths),
    ]


def build_app(
    service: TicketService,
    routes: list[BaseRoute],
    forwarder: Forwarder | None = None,
    body_timeout: float = 120.0,
) -> Starlette:
    """The endpoint's routes and `routes` (the site, when served together), behind the guards.

    With a `forwarder`, stored tickets are delivered to the helpdesk in the background. A request
    body must arrive within `body_timeout` seconds.
    """
    settings = service.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        task = asyncio.create_task(forwarder.run()) if forwarder else None
        try:
            yield
        finally:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = Starlette(
        routes=api_routes(service.paths) + routes,
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders, policy=service.content_security_policy),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["POST", "GET"],
                allow_headers=["Content-Type", "Accept", "Idempotency-Key"],
                expose_headers=["Retry-After"],
            ),
            Middleware(
                RateLimit,
                per_minute=settings.rate_limit_per_minute,
                paths=service.paths.limited,
            ),
            Middleware(
                BodyGuard,
                max_bytes=settings.attachments.max_body_bytes,
                total_timeout=body_timeout,
            ),
        ],
    )
    app.state.service = service
    return app
