"""Reading a request's body, and refusing it, the same way on every endpoint.

- a JSON body is parsed off the event loop (in a worker thread), after the size guard has let it
  through; anything JSON cannot be (bad syntax, nesting too deep, a number too long) is a 400;
- a refusal is `{"errors": {field: [messages]}}` for scripts and for pages with JavaScript, and a
  page in the reader's language for plain form posts (the contact page again, with what was
  typed, when the form's fields were read).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Scope, Send

from helpcenter.tickets.pages import (
    is_plain_post,
    refusal_message,
    refusal_page,
    request_language,
    simple_page,
)


class BadRequest(Exception):
    """A request that cannot be read at all (400), or not in this content type (415)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError:
        raise BadRequest("body", "The JSON is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body", "The body is not valid JSON.") from None


async def read_json(request: Request) -> Any:
    """The body as JSON: read (within the size guard's limit), then parsed in a worker thread."""
    return await run_in_threadpool(parse_json, await request.body())


def refusal(
    service,
    scope: Scope,
    status: int,
    errors: dict[str, list[str]],
    fields: dict | None = None,
    headers: dict[str, str] | None = None,
    extra: dict | None = None,
) -> Response:
    """The answer to a refused request: JSON, or for a plain form post a page in its language."""
    request_headers = Headers(scope=scope)
    if not is_plain_post(request_headers):
        return JSONResponse({"errors": errors, **(extra or {})}, status, headers=headers)
    follow_up = service.paths.follow_up
    if follow_up and scope["path"].startswith(follow_up):
        return reply_refusal(service, scope["path"], status, headers, extra)
    language = request_language(request_headers, scope["path"], service.locales, fields)
    gettext = service.catalogs.gettext(language)
    ticket = scope["path"] == service.paths.tickets
    root = service.settings.site_url.rstrip("/")
    retry_after = (extra or {}).get("retry_after")
    if ticket and fields is not None and status != 400:
        # The contact page again, with what was typed: with the errors by their fields, or what
        # kept the request from being taken above the form.
        notice = None if status == 422 else refusal_message(gettext, status, True, retry_after)
        page = service.form_page(language, fields, errors if status == 422 else {}, notice)
        return HTMLResponse(page, status, headers=headers)
    page = (fields or {}).get("page")
    article = (
        not ticket
        and isinstance(page, str)
        and service.known_page(language, page)
        and page not in ("", "contact/")
    )
    if ticket:
        back = f"{root}/{language}/contact/"
    else:
        back = f"{root}/{language}/{page}" if article else f"{root}/{language}/"
    html = refusal_page(gettext, language, status, ticket, back, article, retry_after)
    return HTMLResponse(html, status, headers=headers)


def reply_refusal(
    service, path: str, status: int, headers: dict[str, str] | None, extra: dict | None
) -> Response:
    """A reply posted without JavaScript that was refused before it was read: a page in the
    request's language, with a link back to the request's page."""
    request = service.followed_request(path)
    language = request["language"] if request else service.locales[0]
    _ = service.catalogs.gettext(language)
    html = simple_page(
        language,
        _("Your reply was not sent"),
        refusal_message(_, status, True, (extra or {}).get("retry_after")),
        _("Your browser's Back button takes you back to what you typed."),
        (path, _("Back to your request")),
    )
    return HTMLResponse(html, status, headers=headers)


def refuser(service):
    """The guards' way to refuse: `refusal`, sent from the middleware."""

    async def refuse(
        scope: Scope,
        send: Send,
        status: int,
        errors: dict[str, list[str]],
        extra: dict | None = None,
        headers: list | None = None,
    ) -> None:
        response = refusal(
            service,
            scope,
            status,
            errors,
            headers={name.decode(): value.decode() for name, value in headers or []},
            extra=extra,
        )

        async def nothing() -> dict:
            return {"type": "http.disconnect"}

        await response(scope, nothing, send)

    return refuse
