"""A request's private follow-up page, served by the endpoint below `EndpointPaths.follow_up`.

- `GET <follow_up><token>`: the request, in its language: reference, subject, topic (and the
  answers to its own questions), when it was sent and last active (dates by Babel), its status
  in the reader's words, and the conversation (the reader's first message and files' names, then
  the public replies of both sides); a reply form while the request takes replies, else a way to
  a new request that links to it.
  `?notice=received` (after a post without JavaScript) and `?notice=replied` add what happened.
  With `Accept: application/json`, a summary instead (`summary`): what the reader's browser
  keeps to list its requests on the contact page (my-requests.js).
- `POST <follow_up><token>`: the reader's reply (multipart from the page, with or without
  JavaScript, or JSON): validated, limited, rate-limited, guarded against other sites and
  idempotent as tickets are. JSON clients get 201 `{"reference", "status": "received"}`; a plain
  form post is sent back to the page (303), or gets the page again with the errors and what was
  typed.
- `GET <follow_up><token>/new`: the contact page filled in from a request that takes no more
  replies; the request sent from it follows up on that one.

The token is the key: a wrong one, or one whose request has been idle longer than
`follow_up.link_days`, is a plain 404 that says nothing of whether a request exists. Every answer
below the path is `Cache-Control: no-store`, `X-Robots-Tag: noindex` and `Referrer-Policy:
no-referrer` (helpcenter.tickets.guards.SecurityHeaders), and the page says `noindex` and
`no-referrer` too: the address leaks to no cache, search engine or linked site.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from babel.dates import format_date, format_time, get_datetime_format
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from helpcenter.config import Language
from helpcenter.contact.fields import answers
from helpcenter.tickets.answers import BadRequest, refusal
from helpcenter.tickets.pages import simple_page, wants_json
from helpcenter.tickets.shell import page_in_shell
from helpcenter.tickets.statuses import READER_STATUSES, STATUS_LABELS, TIME_STYLE
from helpcenter.tickets.store import (
    DAY,
    REFERENCE_PATTERN,
    REQUESTER,
    IdempotencyConflict,
    RequestClosed,
    reader_may_reply,
)
from helpcenter.tickets.validation import REPLY_MESSAGE

NOTICES = ("received", "replied")
# The page and the summary share one address: what is kept of one is not the other.
VARY = {"Vary": "Accept"}
PRIVATE_HEAD = (
    '<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer">'
)


def utc_iso(timestamp: str) -> str:
    """A stored time as the page and the summary give it: ISO 8601, UTC, to the second."""
    return datetime.fromisoformat(timestamp).astimezone(UTC).isoformat(timespec="seconds")


def moment(timestamp: str, locale: str) -> dict[str, str]:
    """A stored time (ISO 8601, UTC) for a `<time>`: its ISO form and its text in `locale`
    (`25 novembre 2026 à 09:30 UTC`)."""
    when = datetime.fromisoformat(timestamp).astimezone(UTC)
    date_style, time_style = TIME_STYLE["dateStyle"], TIME_STYLE["timeStyle"]
    pattern = get_datetime_format(date_style, locale=locale).replace("'", "")
    text = pattern.replace("{0}", format_time(when, time_style, tzinfo=UTC, locale=locale))
    text = text.replace("{1}", format_date(when, date_style, locale=locale))
    return {"iso": utc_iso(timestamp), "text": f"{text} UTC"}


def summary(service, request: dict) -> dict:
    """What the reader's browser keeps of `request` to list it on the contact page (the
    answer to `Accept: application/json`): never the message nor the email address."""
    locale = request["language"]
    status = READER_STATUSES.get(request["status"], "open")
    return {
        "reference": request["reference"],
        "subject": request["subject"],
        "category": request["category"],
        "language": locale,
        "status": status,
        "status_label": service.catalogs.gettext(locale)(STATUS_LABELS[status]),
        "created": utc_iso(request["created_at"]),
        "updated": utc_iso(request["updated_at"]),
    }


def page_context(
    service,
    request: dict,
    token: str,
    notice: str | None = None,
    values: dict | None = None,
    errors: dict[str, list[str]] | None = None,
    form_notice: str | None = None,
) -> dict:
    """What the template shows of `request` (as the store describes it)."""
    locale = request["language"]
    _ = service.catalogs.gettext(locale)
    now = service.store.clock()
    reopen_days = service.follow_up.reopen_days
    status = READER_STATUSES.get(request["status"], "open")
    may_reply = reader_may_reply(request["status"], request["status_changed_at"], now, reopen_days)
    if status == "open":
        hint = _("We have your request and will answer you as soon as we can.")
    elif status == "pending":
        hint = _("We answered you and are waiting for your reply.")
    elif status == "solved" and may_reply:
        solved = datetime.fromisoformat(request["status_changed_at"]).timestamp()
        until = datetime.fromtimestamp(solved + reopen_days * DAY, UTC)
        hint = _(
            "We consider your request solved. If it is not, reply before %(date)s to reopen it."
        ) % {"date": format_date(until, "long", locale=locale)}
    elif status == "solved":
        hint = _("We consider your request solved. To follow up on it, send a new request.")
    else:
        hint = _("This request is closed. To follow up on it, send a new request.")
    labels = {category.id: category.label for category in service.settings.categories}
    label = labels.get(request["category"], {})
    conversation = [
        {
            "mine": True,
            "author": _("You"),
            "when": moment(request["created_at"], locale),
            "body": request["message"],
            "attachments": [a["filename"] for a in request["attachments"]],
        }
    ] + [
        {
            "mine": comment["author"] == REQUESTER,
            "author": (
                _("You")
                if comment["author"] == REQUESTER
                else comment["author_name"] or _("Support team")
            ),
            "when": moment(comment["created_at"], locale),
            "body": comment["body"],
            "attachments": [a["filename"] for a in comment["attachments"]],
        }
        for comment in request["comments"]
        if comment["public"]
    ]
    path = service.follow_up_path(token)
    return {
        "locale": locale,
        "direction": Language(locale, locale, "").direction,
        "time_style": TIME_STYLE,
        "request": {
            "reference": request["reference"],
            "subject": request["subject"],
            "topic": label.get(locale, request["category"]),
            # The answers to the topic's own questions, with their labels in its language.
            "fields": answers(service.settings, request["category"], locale, request["fields"]),
            "created": moment(request["created_at"], locale),
            "updated": moment(request["updated_at"], locale),
            "status": status,
            "follows": request["follows"],
        },
        "status_label": _(STATUS_LABELS[status]),
        "status_hint": hint,
        "conversation": conversation,
        "notice": notice,
        # The confirmation of a request just sent (ticket-confirmation.html).
        "reference": request["reference"],
        "follow_url": service.follow_url(token),
        "reference_pattern": REFERENCE_PATTERN,
        "hidden": False,
        "may_reply": may_reply,
        "reopens": may_reply and status == "solved",
        "action": path,
        "new_request_url": f"{path}/new",
        "values": {"message": (values or {}).get("message", "")},
        "errors": errors or {},
        "form_notice": form_notice,
        "attachments": service.settings.attachments,
        "limits": {"message": REPLY_MESSAGE},
    }


def render_page(service, request: dict, token: str, **state) -> str:
    """The follow-up page of `request`, in the site's look when the built site is at hand."""
    context = page_context(service, request, token, **state)
    locale = context["locale"]
    _ = service.catalogs.gettext(locale)
    environment = service.forms.environment(locale)
    content = environment.get_template("follow-up.html").render(**context)
    title = _("Your request %(reference)s") % {"reference": request["reference"]}
    built = service.built_page(locale, "contact/thanks/")
    if built is None:
        return (
            f'<!doctype html><html lang="{escape(locale)}" dir="{context["direction"]}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1">{PRIVATE_HEAD}<title>{escape(title)}</title></head><body>'
            f'<main><article class="md-typeset">{content}</article></main></body></html>'
        )
    script = service.site_asset(locale, "assets/javascripts/followup.js")
    return page_in_shell(
        built,
        service.site_page_url(locale, "contact/thanks/"),
        title,
        content,
        head=PRIVATE_HEAD,
        scripts=(script,) if script else (),
    )


def not_found(service) -> Response:
    """The same 404 for a token that is no request's and for one that expired."""
    language = service.locales[0]
    page = service.site_dir / language / "404.html" if service.site_dir else None
    if page is not None and page.is_file():
        return HTMLResponse(page.read_text(encoding="utf-8"), status_code=404)
    _ = service.catalogs.gettext(language)
    html = simple_page(
        language,
        _("Page not found"),
        _("The page you are looking for does not exist or has moved."),
        "",
        None,
    )
    return HTMLResponse(html, status_code=404)


async def find(request: Request):
    service = request.app.state.service
    token = request.path_params["token"]
    found = await run_in_threadpool(service.store.follow_up, token, service.follow_up.link_days)
    return service, token, found


async def follow_up(request: Request) -> Response:
    """The page (GET) and the reader's replies (POST)."""
    service, token, found = await find(request)
    if found is None:
        return not_found(service)
    if request.method == "POST":
        return await reply(request, service, found, token)
    # The same address answers a script (the reader's list of requests) with a summary.
    if wants_json(request.headers):
        return JSONResponse(summary(service, found), headers=VARY)
    notice = request.query_params.get("notice")
    html = await run_in_threadpool(
        render_page, service, found, token, notice=notice if notice in NOTICES else None
    )
    return HTMLResponse(html, headers=VARY)


async def new_request(request: Request) -> Response:
    """The contact page, filled in from a request that takes no more replies: the new request
    follows up on it."""
    service, _token, found = await find(request)
    if found is None:
        return not_found(service)
    values = {name: found[name] for name in ("name", "email", "subject", "category", "plan")} | {
        "follows": found["reference"]
    }
    category = service.settings.category(found["category"])
    if category is not None:  # the topic's questions, answered as in that request
        values |= {
            category.form_name(field): found["fields"][field.id]
            for field in category.fields
            if field.id in found["fields"]
        }
    page = await run_in_threadpool(service.form_page, found["language"], values, {})
    return HTMLResponse(page)


async def reply(request: Request, service, found: dict, token: str) -> Response:
    from helpcenter.database import QuotaExceeded, StorageUnavailable
    from helpcenter.tickets.app import read_submission
    from helpcenter.tickets.pages import refusal_message

    language = found["language"]
    json_client = wants_json(request.headers)
    _ = service.catalogs.gettext(language)
    try:
        data = await read_submission(request, service, language)
    except BadRequest as error:
        if error.status != 422 or json_client:
            return refusal(service, request.scope, error.status, {error.field: [str(error)]})
        data = {}  # too many files: the page again, the error by its field
        unread = {error.field: [str(error)]}
    except ClientDisconnect:
        return Response(status_code=400)
    else:
        unread = {}
    typed = {"message": data.get("message") if isinstance(data.get("message"), str) else ""}

    def not_taken(
        status: int, errors: dict, notice: str | None = None, retry_after: int = 0
    ) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if json_client:
            extra = {"retry_after": retry_after} if retry_after else {}
            return JSONResponse({"errors": errors, **extra}, status, headers=headers)
        page = render_page(
            service,
            found,
            token,
            values=typed,
            errors={} if notice else errors,
            form_notice=notice,
        )
        return HTMLResponse(page, status, headers=headers)

    if unread:
        return await run_in_threadpool(not_taken, 422, unread)
    validation = await run_in_threadpool(
        service.tickets.validate_reply, data, request.headers.get("idempotency-key"), language
    )
    if validation.errors:
        return await run_in_threadpool(not_taken, 422, validation.errors)
    server = service.server
    try:
        stored = await run_in_threadpool(
            lambda: service.store.add_reply(
                found["reference"],
                validation.reply,
                author=REQUESTER,
                reopen_days=service.follow_up.reopen_days,
                idempotency_key=validation.idempotency_key,
                client=request.client.host if request.client else None,
                idempotency_hours=server.idempotency_hours,
                daily_attachment_mb=server.daily_attachment_mb,
                min_free_disk_mb=server.min_free_disk_mb,
            )
        )
    except LookupError:
        return not_found(service)
    except StorageUnavailable as failure:
        message = refusal_message(_, 503, True)
        refused = (503, {"storage": [message]}, message, failure.retry_after)
    except QuotaExceeded as exceeded:
        message = _(
            "You have reached today's limit for attachments. Send your reply without "
            "attachments, or try again tomorrow."
        )
        refused = (429, {"attachments": [message]}, None, exceeded.retry_after)
    except IdempotencyConflict:
        message = _(
            "A different request was already sent with this idempotency key. Send this one "
            "with a new key."
        )
        refused = (409, {"idempotency_key": [message]}, message, 0)
    except RequestClosed:
        message = _("This request no longer takes replies. To follow up on it, send a new request.")
        refused = (409, {"request": [message]}, message, 0)
    else:
        refused = None
    if refused is not None:
        return await run_in_threadpool(not_taken, *refused)
    if stored.created and service.helpdesk is not None:
        service.helpdesk.wake()  # forwarded to the helpdesk now, not at its next look
    if json_client:
        return JSONResponse(
            {"reference": stored.reference, "status": "received"},
            status_code=201 if stored.created else 200,
        )
    return RedirectResponse(f"{service.follow_up_path(token)}?notice=replied", status_code=303)


def follow_up_routes(paths) -> list:
    from starlette.routing import Route

    if not paths.follow_up:
        return []
    return [
        Route(f"{paths.follow_up}{{token}}", follow_up, methods=["GET", "POST"]),
        Route(f"{paths.follow_up}{{token}}/new", new_request, methods=["GET"]),
    ]
