"""`POST /api/feedback` and `POST /api/search-gaps`: validated like tickets, never a 500.

A vote comes from the article's widget: with JavaScript as JSON, without as a plain form post
answered with a 303 back to the article, at the widget's thanks. Unanswered searches come in
batches from `navigator.sendBeacon` when a page is hidden. No address, cookie or other
identifier of the reader is read or kept, and what readers type is stored with email addresses,
phone numbers and tracking numbers masked (helpcenter.feedback.privacy).

Each endpoint's request is a pydantic model (FeedbackRequests), from which the OpenAPI document
is generated too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, create_model
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from helpcenter.config import EndpointPaths
from helpcenter.feedback.limits import MAX_COMMENT, MAX_QUERIES, MAX_QUERY
from helpcenter.feedback.privacy import mask_personal_data
from helpcenter.feedback.store import SearchGap, Vote
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.answers import BadRequest, read_json, refusal
from helpcenter.tickets.pages import media_type, wants_json
from helpcenter.tickets.validation import (
    INVALID,
    STRICT,
    Matching,
    Text,
    WholeNumber,
    choice,
    error_messages,
)

VOTE_ID = "[A-Za-z0-9_-]{8,64}"
# A page of the site, as its address below the language: `shipping/returns/`, `` for the home.
PAGE = "(?:[a-z0-9][a-z0-9_-]*/)*"
MAX_PAGE = 300
# A search shows fewer results than this.
MAX_RESULTS = 100_000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_FIELDS = 100


def known_page(service, language: str, page: str) -> bool:
    """A page of the built site (its folder has an index.html); any well-formed path without one."""
    if re.fullmatch(PAGE, page) is None or len(page) > MAX_PAGE:
        return False
    if service.site_dir is None:
        return True
    return (service.site_dir / language / page / "index.html").is_file()


def site_pages(site_dir: Path, language: str) -> list[str]:
    """The pages of one language of the built site, as votes name them."""
    root = site_dir / language
    pages = (
        "" if path.parent == root else f"{path.parent.relative_to(root).as_posix()}/"
        for path in root.rglob("index.html")
    )
    return sorted(page for page in pages if re.fullmatch(PAGE, page) and len(page) <= MAX_PAGE)


class FeedbackRequests:
    """The models of a vote and of a batch of unanswered searches, for one site's languages."""

    def __init__(self, locales: tuple[str, ...], catalogs: Catalogs) -> None:
        self.locales = locales
        self.catalogs = catalogs
        language = (choice(locales), ...)
        page = (
            Annotated[
                str,
                Matching(PAGE, "unknown_page", MAX_PAGE),
                Field(description="The page, below its language: `shipping/returns/`."),
            ],
            ...,
        )
        self.vote = create_model(
            "FeedbackVote",
            __config__=STRICT,
            __doc__="'Was this article helpful?': one vote; a vote with its vote_id replaces it.",
            language=language,
            page=page,
            helpful=(Literal["yes", "no"], ...),
            comment=(Annotated[str, Text(0, MAX_COMMENT, multiline=True)], ""),
            vote_id=(Annotated[str, Matching(VOTE_ID, "vote_id")], None),
        )
        query = create_model(
            "SearchGap",
            __config__=STRICT,
            __doc__="A search: what was typed, and how many results it showed (none followed).",
            query=(Annotated[str, Text(1, MAX_QUERY)], ...),
            results=(Annotated[int, WholeNumber(0, MAX_RESULTS)], ...),
        )
        self.search_gaps = create_model(
            "SearchGaps",
            __config__=STRICT,
            __doc__="Searches that found nothing, or whose results were not followed.",
            language=language,
            page=page,
            queries=(Annotated[list[query], Field(min_length=1, max_length=MAX_QUERIES)], ...),  # type: ignore[valid-type]
        )

    def validate(self, model, data: Any, service) -> tuple[Any, dict[str, list[str]]]:
        """The request as `model`, or errors by field in the reader's language."""
        if not isinstance(data, dict):
            return None, {"body": ["Expected a JSON object."]}
        language = data.get("language")
        if not isinstance(language, str) or language not in self.locales:
            language = self.locales[0]
        _ = self.catalogs.gettext(language)

        def special(detail: dict) -> tuple[str, str] | None:
            location, kind = detail["loc"], detail["type"]
            if location == ("language",) and kind in ("literal_error", "missing"):
                return "language", _("Unknown language.")
            return None

        try:
            request = model.model_validate(data)
        except ValidationError as error:
            return None, error_messages(error, _, special)
        if not known_page(service, request.language, request.page):
            return None, {"page": [_(INVALID)]}
        return request, {}


async def read_fields(request: Request) -> Any:
    """A vote as sent: a form's fields, or JSON."""
    kind = media_type(request.headers)
    if kind in FORM_TYPES:
        try:
            form = await request.form(
                max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=8 * 1024
            )
        except (MultiPartException, HTTPException) as error:
            detail = getattr(error, "detail", None) or str(error)
            raise BadRequest("body", f"Unreadable form: {detail}") from None
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            if key in fields:  # a field is sent once: twice is refused by the model
                fields[key] = [*(v if isinstance(v := fields[key], list) else [v]), value]
            elif isinstance(value, str):
                fields[key] = value
        await form.close()
        return fields
    if kind in ("application/json", ""):
        return await read_json(request)
    raise BadRequest("body", "Send the vote as JSON or as a form.", 415)


async def post_feedback(request: Request) -> Response:
    service = request.app.state.service
    json_client = wants_json(request.headers)
    try:
        data = await read_fields(request)
    except BadRequest as error:
        return refusal(service, request.scope, error.status, {error.field: [str(error)]})
    except ClientDisconnect:
        return Response(status_code=400)
    requests = service.feedback_requests
    sent, errors = await run_in_threadpool(requests.validate, requests.vote, data, service)
    if errors:
        fields = data if isinstance(data, dict) else None
        return refusal(service, request.scope, 422, errors, fields)
    vote = Vote(
        sent.language,
        sent.page,
        sent.helpful == "yes",
        mask_personal_data(sent.comment),
        sent.vote_id,
    )
    await run_in_threadpool(service.feedback.add_vote, vote, service.server.min_free_disk_mb)
    if json_client:
        return JSONResponse({"status": "recorded"}, status_code=201)
    root = service.settings.site_url.rstrip("/")
    return RedirectResponse(f"{root}/{vote.language}/{vote.page}#feedback-thanks", status_code=303)


async def post_search_gaps(request: Request) -> Response:
    """A beacon's batch: JSON, sent as `application/json` or `text/plain`."""
    service = request.app.state.service
    try:
        if media_type(request.headers) not in ("application/json", "text/plain", ""):
            raise BadRequest("body", "Send the searches as JSON.", 415)
        data = await read_json(request)
    except BadRequest as error:
        return refusal(service, request.scope, error.status, {error.field: [str(error)]})
    except ClientDisconnect:
        return Response(status_code=400)
    requests = service.feedback_requests
    sent, errors = await run_in_threadpool(requests.validate, requests.search_gaps, data, service)
    if errors:
        return refusal(service, request.scope, 422, errors)
    gaps = [
        SearchGap(sent.language, sent.page, mask_personal_data(item.query), item.results)
        for item in sent.queries
    ]
    # A daily quota per client address (counted under a salted hash, never the address).
    admission = await run_in_threadpool(
        service.feedback.add_search_gaps,
        gaps,
        request.client.host if request.client else None,
        service.server.daily_search_gaps,
        min_free_disk_mb=service.server.min_free_disk_mb,
    )
    if not admission:
        wait = admission.retry_after
        return refusal(
            service,
            request.scope,
            429,
            {"queries": [f"Today's limit of stored searches is reached: try again in {wait} s."]},
            headers={"Retry-After": str(wait)},
            extra={"retry_after": wait},
        )
    return Response(status_code=204)


def feedback_routes(paths: EndpointPaths) -> list[Route]:
    """The routes of the parts mkdocs.yml turns on."""
    routes = [(paths.feedback, post_feedback), (paths.search_gaps, post_search_gaps)]
    return [Route(path, endpoint, methods=["POST"]) for path, endpoint in routes if path]
