"""Answers for readers without JavaScript: their browser posts the form itself and shows whatever
comes back, so a refusal is a page in their language, not JSON.

A plain form post is one that does not ask for JSON (`Accept`) and sends a form's content type.
The page's language is the form's `language` field when the body was read, else the first segment
of the address (the endpoint's, then the page's the post came from), else the site's default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from urllib.parse import urlsplit

from helpcenter.config import Language

FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain")


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def wants_json(headers: Mapping[str, str]) -> bool:
    return "application/json" in headers.get("accept", "").lower() or media_type(headers) in (
        "application/json",
    )


def is_plain_post(headers: Mapping[str, str]) -> bool:
    """A form posted by a browser that runs no script of ours: it shows what we answer."""
    return (
        "application/json" not in headers.get("accept", "").lower()
        and media_type(headers) in FORM_MEDIA_TYPES
    )


def first_segment(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return path.lstrip("/").split("/", 1)[0]


def request_language(
    headers: Mapping[str, str],
    path: str,
    locales: tuple[str, ...],
    fields: Mapping | None = None,
) -> str:
    candidates = [
        (fields or {}).get("language"),
        first_segment(path),
        first_segment(headers.get("referer", "")),
    ]
    return next((c for c in candidates if isinstance(c, str) and c in locales), locales[0])


def simple_page(
    language: str, title: str, message: str, hint: str, link: tuple[str, str] | None
) -> str:
    """A small page: what happened, what to do, and a way back."""
    direction = Language(language, language, "").direction
    back = f'<p><a href="{escape(link[0])}">{escape(link[1])}</a></p>' if link else ""
    hint_html = f"<p>{escape(hint)}</p>" if hint else ""
    return (
        f'<!doctype html><html lang="{escape(language)}" dir="{direction}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>"
        f"<p>{escape(message)}</p>{hint_html}{back}</main></body></html>"
    )


def refusal_message(
    gettext: Callable[[str], str], status: int, ticket: bool, retry_after: int | None = None
) -> str:
    """What a refusal says to a reader, by status, for a ticket or for feedback."""
    _ = gettext
    if status == 403:
        return _("This form was sent from another site, so we refused it.")
    if status == 413:
        if ticket:
            return _("Your attachments are too large. Remove some files and try again.")
        return _("Your comment is too long. Please shorten it and try again.")
    if status == 422:
        return _("Something in what you sent is not valid. Please go back and try again.")
    if status == 429:
        return _(
            "Too many requests from your connection. Please try again in %(seconds)s seconds."
        ) % {"seconds": retry_after or 60}
    if status == 503:
        return _("The service is unavailable for a moment. Please try again in a few minutes.")
    if status >= 500:
        return _("Something went wrong on our side. Please try again later.")
    return _("Your browser sent something we could not read. Please go back and try again.")


def refusal_page(
    gettext: Callable[[str], str],
    language: str,
    status: int,
    ticket: bool,
    back: str,
    back_is_article: bool = False,
    retry_after: int | None = None,
) -> str:
    _ = gettext
    title = _("Your request was not sent") if ticket else _("Your feedback was not sent")
    if ticket:
        link_text = _("Back to the contact form")
    elif back_is_article:
        link_text = _("Back to the article")
    else:
        link_text = _("Back to the help center")
    return simple_page(
        language,
        title,
        refusal_message(gettext, status, ticket, retry_after),
        _("Your browser's Back button takes you back to what you typed."),
        (back, link_text),
    )
