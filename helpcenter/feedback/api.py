"""`POST /api/feedback` and `POST /api/search-gaps`: validated like tickets, never a 500.

A vote comes from the article's widget: with JavaScript as JSON, without as a plain form post
answered with a 303 back to the article, at the widget's thanks. Unanswered searches come in
batches from `navigator.sendBeacon` when a page is hidden. No address, cookie or other
identifier of the reader is read or kept.
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from helpcenter.config import EndpointPaths
from helpcenter.feedback.store import SearchGap, Vote

VOTE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAGE = re.compile(r"^(?:[a-z0-9][a-z0-9_-]*/)*$")
MAX_COMMENT = 1000
MAX_QUERY = 100
MAX_QUERIES = 20


def known_page(service, language: str, page: str) -> bool:
    """A page of the built site (its folder has an index.html); any well-formed path without one."""
    if not PAGE.match(page) or ".." in page:
        return False
    if service.site_dir is None:
        return True
    return (service.site_dir / language / page / "index.html").is_file()


async def read_fields(request: Request) -> dict:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_files=0, max_fields=20, max_part_size=8 * 1024)
        return {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def vote_errors(fields: dict, service) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    language = fields.get("language")
    if language not in service.locales:
        errors["language"] = [f"expected one of: {', '.join(service.locales)}"]
    elif not isinstance(fields.get("page"), str) or not known_page(
        service, language, fields["page"]
    ):
        errors["page"] = ["not a page of this help center"]
    if fields.get("helpful") not in ("yes", "no"):
        errors["helpful"] = ["expected yes or no"]
    comment = fields.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        errors["comment"] = [f"at most {MAX_COMMENT} characters"]
    vote_id = fields.get("vote_id")
    if vote_id is not None and (not isinstance(vote_id, str) or not VOTE_ID.match(vote_id)):
        errors["vote_id"] = ["8 to 64 letters, digits, '-' or '_'"]
    return errors


async def post_feedback(request: Request) -> Response:
    service = request.app.state.service
    json_client = "application/json" in request.headers.get("accept", "")
    try:
        fields = await read_fields(request)
    except ClientDisconnect:
        return Response(status_code=400)
    except Exception:  # a form Starlette cannot parse: the reader's fault, not ours
        return JSONResponse({"errors": {"body": ["unreadable form"]}}, status_code=400)
    errors = vote_errors(fields, service)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    vote = Vote(
        fields["language"],
        fields["page"],
        fields["helpful"] == "yes",
        fields.get("comment", "").strip(),
        fields.get("vote_id") or None,
    )
    await run_in_threadpool(service.feedback.add_vote, vote)
    if json_client:
        return JSONResponse({"status": "recorded"}, status_code=201)
    root = service.settings.site_url.rstrip("/")
    return RedirectResponse(f"{root}/{vote.language}/{vote.page}#feedback-thanks", status_code=303)


def gap_errors(data: dict, service) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    language = data.get("language")
    if language not in service.locales:
        errors["language"] = [f"expected one of: {', '.join(service.locales)}"]
    elif not isinstance(data.get("page"), str) or not known_page(service, language, data["page"]):
        errors["page"] = ["not a page of this help center"]
    queries = data.get("queries")
    if not isinstance(queries, list) or not 1 <= len(queries) <= MAX_QUERIES:
        errors["queries"] = [f"expected a list of 1 to {MAX_QUERIES} searches"]
        return errors
    for index, item in enumerate(queries):
        query = item.get("query") if isinstance(item, dict) else None
        results = item.get("results") if isinstance(item, dict) else None
        if not isinstance(query, str) or not 1 <= len(query.strip()) <= MAX_QUERY:
            errors[f"queries[{index}].query"] = [f"expected 1 to {MAX_QUERY} characters"]
        if not isinstance(results, int) or isinstance(results, bool) or results < 0:
            errors[f"queries[{index}].results"] = ["expected a number of results"]
    return errors


async def post_search_gaps(request: Request) -> Response:
    service = request.app.state.service
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, ClientDisconnect):
        data = None
    if not isinstance(data, dict):
        return JSONResponse({"errors": {"body": ["expected a JSON object"]}}, status_code=422)
    errors = gap_errors(data, service)
    if errors:
        return JSONResponse({"errors": errors}, status_code=422)
    gaps = [
        SearchGap(data["language"], data["page"], item["query"].strip(), item["results"])
        for item in data["queries"]
    ]
    await run_in_threadpool(service.feedback.add_search_gaps, gaps)
    return Response(status_code=204)


def feedback_routes(paths: EndpointPaths) -> list[Route]:
    """The routes of the parts mkdocs.yml turns on."""
    routes = [(paths.feedback, post_feedback), (paths.search_gaps, post_search_gaps)]
    return [Route(path, endpoint, methods=["POST"]) for path, endpoint in routes if path]
