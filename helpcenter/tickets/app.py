"""The ticket endpoint: an ASGI application (Starlette) that stores tickets durably.

`POST /api/tickets` takes the contact form as multipart (the browser, with or without
JavaScript) or JSON (scripts). Answers:

- JSON clients: 201 `{"reference", "status"}`, 422 `{"errors": {field: [messages]}}` in the
  ticket's language, 400 for a body that cannot be read, 403 for a post from another site, 413
  over the size limit, 415 for another content type, 429 with `Retry-After`;
- plain form posts (no JavaScript): 303 to the request's private follow-up page (which says it
  was received and shows its address), or the contact page again (422) with the errors and
  everything that was typed, or a page in the reader's language saying why nothing was taken
  (see helpcenter.tickets.answers).

Every accepted ticket gets a follow-up address (`follow_url` in JSON) holding an unguessable
token: its private page, where the reader follows and answers it (helpcenter.tickets.followup).

What each request must be is one pydantic model per endpoint (helpcenter.tickets.validation),
and the OpenAPI document is generated from those models (helpcenter.tickets.openapi).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
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
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from helpcenter.config import EndpointPaths, FollowUpConfig, Project, ServerConfig
from helpcenter.contact.form import ContactForms, refill_built_page
from helpcenter.contact.settings import ContactSettings
from helpcenter.engines import DatabaseURL, Target
from helpcenter.feedback.api import FeedbackRequests, feedback_routes, known_page
from helpcenter.feedback.store import FeedbackStore
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import Plan
from helpcenter.site.headers import site_policy
from helpcenter.tickets.answers import BadRequest, read_json, refusal, refuser
from helpcenter.tickets.followup import follow_up_routes
from helpcenter.tickets.guards import (
    UNSAFE_METHODS,
    BodyGuard,
    CrossSiteGuard,
    RateCounter,
    RateLimit,
    RateTable,
    SecurityHeaders,
    SharedRateTable,
    origin_of,
)
from helpcenter.tickets.helpdesk import Forwarder
from helpcenter.tickets.openapi import openapi_document
from helpcenter.tickets.pages import media_type, request_language, wants_json
from helpcenter.tickets.shell import rebased
from helpcenter.tickets.store import TicketStore, new_follow_up_token, new_reference
from helpcenter.tickets.sync import HelpdeskSync, webhook_routes
from helpcenter.tickets.validation import Raw, TicketRequests

TEXT_FIELD_LIMIT = 64 * 1024
# A form's parts: its fields and files (the files are limited by the attachments' settings).
MAX_FORM_PARTS = 200
KILOBYTE = 1024


def body_limits(
    server: ServerConfig, paths: EndpointPaths, helpdesk_webhook: str
) -> dict[str, int]:
    """The largest body each small endpoint takes, by path (a post anywhere else: the
    attachments' limit); `helpdesk_webhook` is the webhook's path, or empty when it is off. The
    endpoint and a proxy in front (helpcenter.server.nginx) both refuse what is over it."""
    limits = {
        paths.feedback: server.feedback_body_kb * KILOBYTE,
        paths.search_gaps: server.search_gaps_body_kb * KILOBYTE,
        helpdesk_webhook: server.helpdesk_webhook_body_kb * KILOBYTE,
    }
    return {path: limit for path, limit in limits.items() if path}


def default_follow_up() -> FollowUpConfig:
    """The `follow_up` settings as mkdocs.yml gives them when it says nothing."""
    config = FollowUpConfig()
    config.load_dict({})
    config.validate()
    return config


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
    # How long a request may be reopened, and followed: mkdocs.yml's `follow_up`.
    follow_up: FollowUpConfig = field(default_factory=default_follow_up)
    # With a helpdesk: its status and comments followed, the readers' replies forwarded.
    helpdesk: HelpdeskSync | None = None

    @classmethod
    def from_project(
        cls,
        project: Project,
        database: Target,
        site_dir: Path | None = None,
        forward: bool = False,
    ) -> TicketService:
        plans = project.plans.plans
        catalogs = project.catalogs
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
            project.settings.follow_up,
        )

    def close(self) -> None:
        """Let go of the database (a PostgreSQL server's connections)."""
        self.store.close()
        self.feedback.close()

    def content_security_policy(self) -> str | None:
        """The policy the build computed for the site, when the site is served too."""
        return None if self.site_dir is None else site_policy(self.site_dir)

    @property
    def plan_ids(self) -> tuple[str, ...]:
        return tuple(plan.id for plan in self.plans)

    def language(self, fields: dict) -> str:
        language = fields.get("language", "")
        if isinstance(language, str) and language in self.locales:
            return language
        return self.locales[0]

    @property
    def tickets(self) -> TicketRequests:
        """The ticket's model for the current settings (made once, again if they change)."""
        cached = self.__dict__.get("_tickets")
        if cached is None or cached.settings is not self.settings:
            cached = TicketRequests(self.settings, self.locales, self.plan_ids, self.catalogs)
            self.__dict__["_tickets"] = cached
        return cached

    @property
    def feedback_requests(self) -> FeedbackRequests:
        """The vote's and the search gaps' models."""
        cached = self.__dict__.get("_feedback_requests")
        if cached is None:
            cached = FeedbackRequests(self.locales, self.catalogs)
            self.__dict__["_feedback_requests"] = cached
        return cached

    def known_page(self, language: str, page: str) -> bool:
        return known_page(self, language, page)

    def body_limits(self) -> dict[str, int]:
        """The largest body each small endpoint takes (tickets: the attachments' limit)."""
        return body_limits(self.server, self.paths, self.helpdesk_webhook)

    def site_origins(self) -> list[str]:
        """The site's own origin, when its address is absolute: its pages may post here."""
        return [origin for origin in (origin_of(self.settings.site_url),) if origin]

    def thanks_url(self, language: str, reference: str) -> str:
        root = self.settings.site_url.rstrip("/")
        return f"{root}/{language}/contact/thanks/?ticket={quote(reference)}"

    def follow_up_path(self, token: str) -> str:
        """The path of a request's private page, on the endpoint's origin."""
        return f"{self.paths.follow_up}{token}"

    def follow_url(self, token: str) -> str:
        """The address of a request's private page: a path when the endpoint is on the site's
        origin, else on the endpoint's (never the request's Host)."""
        return f"{origin_of(self.settings.endpoint) or ''}{self.follow_up_path(token)}"

    @property
    def helpdesk_webhook(self) -> str:
        """Where the helpdesk's webhook calls, when it has a secret to sign them; else empty."""
        if self.helpdesk is None or not self.helpdesk.webhook_secret:
            return ""
        return self.paths.helpdesk_webhook

    def followed_request(self, path: str) -> dict | None:
        """The request whose private page (or a page below it) is at `path`, if any."""
        token = path.removeprefix(self.paths.follow_up).split("/", 1)[0]
        return self.store.follow_up(token, self.follow_up.link_days)

    def site_page_url(self, language: str, page: str) -> str:
        """Where a built page of the site is (`contact/`): from the root, or absolute."""
        return f"{self.settings.site_url.rstrip('/')}/{language}/{page}"

    def built_page(self, language: str, page: str) -> str | None:
        """A built page of the site (`contact/thanks/`), when the site is at hand."""
        built = self.site_dir / language / page / "index.html" if self.site_dir else None
        return built.read_text(encoding="utf-8") if built and built.is_file() else None

    def site_asset(self, language: str, path: str) -> str | None:
        """The address of one of a language's built files, when the built site has it."""
        if self.site_dir is None or not (self.site_dir / language / path).is_file():
            return None
        return self.site_page_url(language, path)

    def form_page(
        self,
        language: str,
        fields: dict,
        errors: dict[str, list[str]],
        notice: str | None = None,
    ) -> str:
        """The contact page again, with what was typed and the errors (posts without JavaScript),
        or a `notice` of why it was not taken."""
        form = self.forms.form(language, fields, errors, notice)
        built = self.built_page(language, "contact/")
        if built is not None:
            # Served at the endpoint's address: the page's relative addresses made absolute.
            page = rebased(built, self.site_page_url(language, "contact/"))
            return refill_built_page(page, form)
        title = escape(
            notice or self.catalogs.gettext(language)("Please correct the highlighted fields.")
        )
        return (
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><main>{form}</main></body></html>"
        )


def always_list(value) -> list:
    return value if isinstance(value, list) else [value]


async def read_submission(
    request: Request, service: TicketService, language: str | None = None
) -> dict:
    """The ticket (or reply) as sent: the JSON object, or the form's fields with its files as
    attachments (one model validates both). `language`: the one to refuse in (a reply's
    request's); else the request's."""
    kind = media_type(request.headers)
    limits = service.settings.attachments
    if kind == "application/json":
        data = await read_json(request)
        if not isinstance(data, dict):
            raise BadRequest("body", "Expected a JSON object with the ticket's fields.", 422)
        return data
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(
                max_files=limits.max_files,
                max_fields=MAX_FORM_PARTS,
                max_part_size=TEXT_FIELD_LIMIT,
            )
        except (MultiPartException, HTTPException) as error:
            detail = getattr(error, "detail", None) or str(error)
            if "Too many files" in detail:
                language = language or request_language(
                    request.headers, request.url.path, service.locales, request.query_params
                )
                _ = service.catalogs.gettext(language)
                raise BadRequest(
                    "attachments",
                    _("Please attach at most %(count)d files.") % {"count": limits.max_files},
                    422,
                ) from None
            raise BadRequest("body", f"Unreadable form: {detail}") from None
        data: dict = {}
        attachments = []
        try:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    # An empty file part is no file: what a browser sends when none is chosen.
                    content = await value.read() if name == "attachments" else b""
                    if content:
                        attachments.append(
                            {"filename": value.filename or "", "content_base64": Raw(content)}
                        )
                elif name == "attachments":
                    if value:  # text, not a file: refused as such by the model
                        attachments.append(value)
                elif name in data:
                    data[name] = [*always_list(data[name]), value]  # a field is sent once
                else:
                    data[name] = value
        finally:
            await form.close()
        if attachments:
            data["attachments"] = attachments
        return data
    raise BadRequest("body", "Send the form as multipart/form-data or JSON.", 415)


async def create_ticket(request: Request) -> Response:
    service: TicketService = request.app.state.service
    json_client = wants_json(request.headers)
    try:
        data = await read_submission(request, service)
    except BadRequest as error:
        return refusal(service, request.scope, error.status, {error.field: [str(error)]})
    except ClientDisconnect:
        return Response(status_code=400)
    language = service.language(data)
    # What was typed, to show the form again with it.
    fields = {name: value for name, value in data.items() if isinstance(value, str)}

    validation = await run_in_threadpool(
        service.tickets.validate, data, request.headers.get("idempotency-key")
    )
    key = validation.idempotency_key
    if validation.errors:
        return refusal(service, request.scope, 422, validation.errors, fields)

    if validation.honeypot:
        # A bot filled the field people cannot see: answer as if it worked, keep nothing.
        reference = new_reference()
        if json_client:
            return JSONResponse(
                {
                    "reference": reference,
                    "status": "received",
                    "follow_url": service.follow_url(new_follow_up_token()),
                },
                status_code=201,
            )
        return RedirectResponse(service.thanks_url(language, reference), status_code=303)

    # Stored and committed before "received", or refused with nothing kept: never both.
    from helpcenter.database import QuotaExceeded, StorageUnavailable
    from helpcenter.tickets.pages import refusal_message
    from helpcenter.tickets.store import IdempotencyConflict

    _ = service.catalogs.gettext(language)

    def not_stored(status: int, errors: dict, notice: str | None, retry_after: int = 0):
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if json_client:
            extra = {"retry_after": retry_after} if retry_after else {}
            return JSONResponse({"errors": errors, **extra}, status, headers=headers)
        page = service.form_page(language, fields, {} if notice else errors, notice)
        return Response(page, status, headers=headers, media_type="text/html")

    server = service.server
    try:
        stored = await run_in_threadpool(
            service.store.add,
            validation.ticket,
            key,
            client=request.client.host if request.client else None,
            idempotency_hours=server.idempotency_hours,
            daily_attachment_mb=server.daily_attachment_mb,
            min_free_disk_mb=server.min_free_disk_mb,
        )
    except StorageUnavailable as failure:
        message = refusal_message(_, 503, True)
        return not_stored(503, {"storage": [message]}, message, failure.retry_after)
    except QuotaExceeded as exceeded:
        message = _(
            "You have reached today's limit for attachments. Send your request without "
            "attachments, or try again tomorrow."
        )
        return not_stored(429, {"attachments": [message]}, None, exceeded.retry_after)
    except IdempotencyConflict:
        message = _(
            "A different request was already sent with this idempotency key. Send this one "
            "with a new key."
        )
        return not_stored(409, {"idempotency_key": [message]}, message)
    if json_client:
        return JSONResponse(
            {
                "reference": stored.reference,
                "status": "received",
                "follow_url": service.follow_url(stored.token),
            },
            status_code=201 if stored.created else 200,
        )
    return RedirectResponse(f"{service.follow_url(stored.token)}?notice=received", status_code=303)


async def health(request: Request) -> Response:
    """Whether a ticket could be stored now (a real write, committed), and the outbox: how many
    deliveries wait or failed, and how long the oldest has waited."""
    from helpcenter.database import StorageUnavailable

    service: TicketService = request.app.state.service
    try:
        await run_in_threadpool(service.store.check_write, service.server.min_free_disk_mb)
        outbox = await run_in_threadpool(service.store.outbox)
    except StorageUnavailable as failure:
        return JSONResponse(
            {"status": "unavailable", "error": failure.reason},
            status_code=503,
            headers={"Retry-After": str(failure.retry_after)},
        )
    except Exception as error:  # the database is the one thing that may fail here
        return JSONResponse(
            {"status": "unavailable", "error": type(error).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "outbox": outbox})


async def openapi(request: Request) -> Response:
    service: TicketService = request.app.state.service
    return JSONResponse(await run_in_threadpool(openapi_document, service))


def api_routes(paths: EndpointPaths) -> list[BaseRoute]:
    """The endpoint's routes, at the paths mkdocs.yml gives the pages."""
    return [
        Route(paths.tickets, create_ticket, methods=["POST"]),
        *follow_up_routes(paths),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        *feedback_routes(paths),
    ]


class GuardedApp(Starlette):
    """A Starlette application inside SecurityHeaders, outside even Starlette's error middleware:
    the 500 of an unexpected error carries the security headers too."""

    def __init__(
        self,
        *args,
        policy: Callable[[], str | None] | None = None,
        private: tuple[str, ...] = (),
        **kwargs,
    ) -> None:
        self.policy = policy
        self.private = private
        super().__init__(*args, **kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(
            super().build_middleware_stack(), policy=self.policy, private=self.private
        )


async def http_error(request: Request, error: HTTPException) -> Response:
    """A post refused by Starlette or by the storage (405, 503...): in the endpoint's error
    shape, or a page for a plain form post; other requests get Starlette's plain answer."""
    headers = dict(error.headers or {})
    if error.status_code in (204, 304):
        return Response(status_code=error.status_code, headers=headers)
    if request.method not in UNSAFE_METHODS:
        return PlainTextResponse(str(error.detail), error.status_code, headers=headers)
    extra = {}
    if headers.get("Retry-After", "").isdigit():
        extra["retry_after"] = int(headers["Retry-After"])
    service: TicketService = request.app.state.service
    errors = {"body": [str(error.detail)]}
    return refusal(service, request.scope, error.status_code, errors, headers=headers, extra=extra)


async def unexpected_error(request: Request, error: Exception) -> Response:
    """A 500 that says nothing of what went wrong (the server's log has the traceback)."""
    errors = {"server": ["An unexpected error occurred. Please try again later."]}
    try:
        return refusal(request.app.state.service, request.scope, 500, errors)
    except Exception:
        return JSONResponse({"errors": errors}, status_code=500)


def rate_counter(service: TicketService, per_minute: int, shared: bool) -> RateCounter:
    """Who sent what lately, for a limit of `per_minute`: in the database when several processes
    share it (`shared`) or may (PostgreSQL: several machines), so that the limit holds across
    them; else in this process's memory, which costs no write a request."""
    if shared or isinstance(service.store.target, DatabaseURL):
        return SharedRateTable(service.store, per_minute)
    return RateTable(per_minute)


def build_app(
    service: TicketService,
    routes: list[BaseRoute],
    forwarder: Forwarder | None = None,
    body_timeout: float = 120.0,
    rate_table: RateCounter | None = None,
    shared_rate_limits: bool = False,
) -> Starlette:
    """The endpoint's routes and `routes` (the site, when served together), behind the guards.

    With a `forwarder`, stored tickets are delivered to the helpdesk in the background, and with
    `service.helpdesk` the readers' replies too, and the requests followed there. A request
    body must arrive within `body_timeout` seconds. `rate_table` keeps who sent what lately (by
    default one is made from the settings, see `rate_counter`: `shared_rate_limits` when other
    processes serve the same database).
    """
    settings = service.settings
    refuse = refuser(service)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        loops = [forwarder.run()] if forwarder else []
        if service.helpdesk is not None:
            loops.append(service.helpdesk.run())
        tasks = [asyncio.create_task(loop) for loop in loops]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = GuardedApp(
        routes=api_routes(service.paths) + webhook_routes(service.helpdesk_webhook) + routes,
        lifespan=lifespan,
        policy=service.content_security_policy,  # read again when a build rewrote it
        # A request's private page: its address is its key.
        private=(service.paths.follow_up,),
        exception_handlers={HTTPException: http_error, Exception: unexpected_error},
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["POST", "GET"],
                allow_headers=["Content-Type", "Accept", "Idempotency-Key"],
                expose_headers=["Retry-After"],
            ),
            Middleware(
                CrossSiteGuard,
                allowed_origins=settings.allowed_origins,
                site_origins=service.site_origins(),
                refuse=refuse,
            ),
            Middleware(
                RateLimit,
                per_minute=settings.rate_limit_per_minute,
                paths=service.paths.limited,
                # Replies on every request's page count together.
                prefixes=(service.paths.follow_up,),
                table=(
                    rate_table
                    if rate_table is not None
                    else rate_counter(service, settings.rate_limit_per_minute, shared_rate_limits)
                ),
                refuse=refuse,
            ),
            *(
                # The helpdesk calls more often than a reader posts: a limit of its own.
                [
                    Middleware(
                        RateLimit,
                        per_minute=service.server.helpdesk_webhook_per_minute,
                        paths=(service.helpdesk_webhook,),
                        table=rate_counter(
                            service, service.server.helpdesk_webhook_per_minute, shared_rate_limits
                        ),
                        refuse=refuse,
                    )
                ]
                if service.helpdesk_webhook
                else []
            ),
            Middleware(
                BodyGuard,
                max_bytes=settings.attachments.max_body_bytes,
                limits=service.body_limits(),
                total_timeout=body_timeout,
                refuse=refuse,
            ),
        ],
    )
    app.state.service = service
    return app
