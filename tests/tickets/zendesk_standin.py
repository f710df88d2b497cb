"""A local stand-in for Zendesk's anonymous Requests API, following its documented contract.

- `POST /api/v2/uploads?filename=NAME` (raw bytes) -> 201 `{"upload": {"token", "attachment"}}`
- `POST /api/v2/requests.json` `{"request": {"requester": {"name", "email"}, "subject",
  "comment": {"body", "uploads": [tokens]}, "custom_fields": [{"id", "value"}]}}` -> 201
  `{"request": {"id", "custom_fields", ...}}`; invalid -> 422
  `{"error": "RecordInvalid", "description", "details": {field: [{"description"}]}}`;
  an `Idempotency-Key` seen before returns the first answer instead of a new request.
- Following a request, as its requester (with `token`: `Authorization: Bearer <token>` and
  `X-On-Behalf-Of: <the requester's email>`, as an admin's OAuth token with the `impersonate`
  scope acts for an end user; else 401, or 404 for another's request):
  `GET /api/v2/requests/{id}.json` -> `{"request": {"id", "status", "requester_id", ...}}`
  (statuses new, open, pending, hold, solved, closed);
  `GET /api/v2/requests/{id}/comments.json[?page=N&per_page=M]` -> `{"comments": [{"id",
  "author_id", "body", "plain_body", "public", "created_at", ...}], "users": [{"id", "name",
  "agent"}], "next_page", "previous_page", "count"}`, public comments only, oldest first (the
  first is the request's description). `body` is the comment as written; Zendesk renders it as
  Markdown, so `plain_body` differs for `*urgent*` (`urgent`);
  `PUT /api/v2/requests/{id}.json` `{"request": {"comment": {"body", "uploads"}}}` -> 200
  `{"request": ...}`: the requester's comment, which opens a pending or solved request; a closed
  one refuses it (422). An `Idempotency-Key` seen before returns the first answer (unless
  `honour_update_keys` is off, to show what a helpdesk that ignores it does).
- The team's side: `reply` (an agent's public comment and the status it sets), `set_status`.
- Webhooks signed as Zendesk signs them: `send_webhook` (HMAC-SHA256 of the timestamp and the
  body, base64, in `X-Zendesk-Webhook-Signature` with `X-Zendesk-Webhook-Signature-Timestamp`).
- Faults on demand: the next N answers can be a given status (500, 429 with Retry-After), a
  given body (an HTML page with 200, JSON without the token), or slower than the client waits.
- `calls`: each call about a request, as (method, path), to tell which were read;
  `update_keys`: the Idempotency-Key of each update, as sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    delay: float = 0.0  # answer only after this long (the client times out first)
    body: str | None = None  # instead of {"error": "fault"}, in `content_type`
    content_type: str = "application/json"


@dataclass
class Helpdesk:
    requests: list[dict] = field(default_factory=list)
    uploads: dict[str, dict] = field(default_factory=dict)
    by_key: dict[str, dict] = field(default_factory=dict)
    faults: list[Fault | None] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1001))
    # Following requests: the token their reads and updates need (None: no check), the time
    # comments are made at, the users (by id) and each request's comments, oldest first.
    token: str | None = None
    clock: Callable[[], float] = time.time
    users: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, list[dict]] = field(default_factory=dict)
    comment_ids: itertools.count = field(default_factory=lambda: itertools.count(5001))
    user_ids: itertools.count = field(default_factory=lambda: itertools.count(301))
    updates_by_key: dict[str, dict] = field(default_factory=dict)
    honour_update_keys: bool = True
    comments_per_page: int = 100
    calls: list[tuple[str, str]] = field(default_factory=list)
    update_keys: list[str | None] = field(default_factory=list)  # each update's, as sent

    async def fault(self) -> Response | None:
        """The next answer's fault, if any (a `None` in `faults` lets one answer through)."""
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
            return None  # processed after all: the client gave up before the answer
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
        if fault.body is not None:
            return Response(
                fault.body, fault.status, headers=headers, media_type=fault.content_type
            )
        return JSONResponse({"error": "fault"}, status_code=fault.status, headers=headers)

    async def upload(self, request: Request) -> Response:
        failure = await self.fault()
        if failure:
            return failure
        filename = request.query_params.get("filename")
        if not filename:
            return JSONResponse(
                {
                    "error": "RecordInvalid",
                    "description": "filename missing",
                    "details": {"filename": [{"description": "is required"}]},
                },
                status_code=422,
            )
        token = f"token-{len(self.uploads) + 1}"
        self.uploads[token] = {
            "filename": filename,
            "content": await request.body(),
            "content_type": request.headers.get("content-type"),
        }
        return JSONResponse(
            {"upload": {"token": token, "attachment": {"file_name": filename}}}, status_code=201
        )

    async def create_request(self, request: Request) -> Response:
        key = request.headers.get("idempotency-key")
        payload = await request.json()  # read before a delay: processed though the client left
        failure = await self.fault()
        if failure:
            return failure
        if key and key in self.by_key:
            return JSONResponse(self.by_key[key], status_code=201)
        body = payload.get("request", {})
        details = {}
        requester = body.get("requester") or {}
        if not requester.get("email"):
            details["requester"] = [{"description": "Requester email is required"}]
        if not (body.get("comment") or {}).get("body"):
            details["comment"] = [{"description": "Comment body is required"}]
        unknown = [
            t for t in (body.get("comment") or {}).get("uploads", []) if t not in self.uploads
        ]
        if unknown:
            details["uploads"] = [{"description": f"Unknown upload token {unknown[0]}"}]
        custom_fields = body.get("custom_fields", [])
        if not well_formed_custom_fields(custom_fields):
            details["custom_fields"] = [{"description": "Custom fields are [{id, value}]"}]
        if details:
            return record_invalid(details)
        record = {
            "request": {
                "id": next(self.ids),
                "subject": body.get("subject"),
                "requester": requester,
                "comment": body["comment"],
                # As Zendesk answers them: each field's numeric id and its value.
                "custom_fields": [{"id": f["id"], "value": f["value"]} for f in custom_fields],
            }
        }
        self.requests.append(record["request"])
        self.opened(record["request"], body["comment"])
        if key:
            self.by_key[key] = record
        return JSONResponse(record, status_code=201)

    # Following requests.

    def moment(self) -> str:
        return zendesk_time(self.clock())

    def user(self, email: str, name: str, agent: bool = False) -> dict:
        """The user of `email`, made the first time it is seen (as Zendesk makes a requester)."""
        for user in self.users.values():
            if user["email"].lower() == email.lower():
                return user
        user = {"id": next(self.user_ids), "name": name, "email": email, "agent": agent}
        self.users[user["id"]] = user
        return user

    def opened(self, record: dict, comment: dict) -> None:
        """A new request: `new`, its requester a user, its first comment its description."""
        requester = self.user(record["requester"]["email"], record["requester"].get("name", ""))
        record.update(
            status="new",
            requester_id=requester["id"],
            created_at=self.moment(),
            updated_at=self.moment(),
            description=comment["body"],
        )
        self.comments[record["id"]] = []
        self.add_comment(record["id"], requester["id"], comment["body"], comment.get("uploads"))

    def add_comment(
        self, request_id: int, author_id: int, body: str, uploads=None, public: bool = True
    ) -> dict:
        comment = {
            "id": next(self.comment_ids),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": f"<p>{body}</p>",
            "plain_body": plain_text(body),
            "public": public,
            "attachments": [
                {"file_name": self.uploads[token]["filename"]} for token in uploads or []
            ],
            "created_at": self.moment(),
        }
        self.comments[request_id].append(comment)
        self.request(request_id)["updated_at"] = self.moment()
        return comment

    def request(self, request_id: int) -> dict:
        return next(r for r in self.requests if r["id"] == request_id)

    def reply(
        self,
        request_id: int,
        body: str,
        status: str = "pending",
        public: bool = True,
        agent: str = "Ana",
    ) -> dict:
        """An agent's comment (an internal note when not `public`), and the status it sets."""
        author = self.user(f"{agent.lower()}@support.example", agent, agent=True)
        comment = self.add_comment(request_id, author["id"], body, public=public)
        self.set_status(request_id, status)
        return comment

    def set_status(self, request_id: int, status: str) -> None:
        self.request(request_id)["status"] = status
        self.request(request_id)["updated_at"] = self.moment()

    def requester_comments(self, request_id: int) -> list[str]:
        """What the requester wrote after the description, in order."""
        requester = self.request(request_id)["requester_id"]
        return [c["body"] for c in self.comments[request_id][1:] if c["author_id"] == requester]

    def reads(self, request_id: int) -> int:
        """How many times the request was asked for (`GET .../{id}.json`)."""
        return self.calls.count(("GET", f"/api/v2/requests/{request_id}.json"))

    def visible(self, request: Request) -> tuple[dict | None, Response | None]:
        """The request of the path, when the caller may see it; else the answer refusing it."""
        if self.token is not None and request.headers.get("authorization") != (
            f"Bearer {self.token}"
        ):
            return None, JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        try:
            record = self.request(int(request.path_params["id"]))
        except (StopIteration, ValueError):
            record = None
        acting_for = request.headers.get("x-on-behalf-of", "").lower()
        if record is None or (
            self.token is not None and acting_for != record["requester"]["email"].lower()
        ):
            return None, JSONResponse(
                {"error": "RecordNotFound", "description": "Not found"}, status_code=404
            )
        return record, None

    def shown(self, record: dict) -> dict:
        """A request as its requester sees it."""
        keys = ("id", "subject", "description", "status", "requester_id", "created_at")
        return {"request": {key: record[key] for key in (*keys, "updated_at")}}

    async def show_request(self, request: Request) -> Response:
        self.calls.append((request.method, request.url.path))
        failure = await self.fault()
        if failure:
            return failure
        record, refused = self.visible(request)
        return refused or JSONResponse(self.shown(record))

    async def list_comments(self, request: Request) -> Response:
        self.calls.append((request.method, request.url.path))
        failure = await self.fault()
        if failure:
            return failure
        record, refused = self.visible(request)
        if refused:
            return refused
        public = [c for c in self.comments[record["id"]] if c["public"]]
        per_page = int(request.query_params.get("per_page", self.comments_per_page))
        page = int(request.query_params.get("page", 1))
        shown = public[(page - 1) * per_page : page * per_page]
        authors = {c["author_id"] for c in shown}
        more = page * per_page < len(public)
        return JSONResponse(
            {
                "comments": shown,
                "users": [
                    {key: self.users[a][key] for key in ("id", "name", "agent")} for a in authors
                ],
                "next_page": (
                    str(request.url.replace_query_params(page=page + 1, per_page=per_page))
                    if more
                    else None
                ),
                "previous_page": None,
                "count": len(public),
            }
        )

    async def update_request(self, request: Request) -> Response:
        self.calls.append((request.method, request.url.path))
        key = request.headers.get("idempotency-key")
        self.update_keys.append(key)
        payload = await request.json()  # read before a delay: processed though the client left
        failure = await self.fault()
        if failure:
            return failure
        record, refused = self.visible(request)
        if refused:
            return refused
        if key and self.honour_update_keys and key in self.updates_by_key:
            return JSONResponse(self.updates_by_key[key])
        comment = (payload.get("request") or {}).get("comment") or {}
        details = {}
        if not comment.get("body"):
            details["comment"] = [{"description": "Comment body is required"}]
        if record["status"] == "closed":
            details["status"] = [{"description": "Status: closed prevents ticket update"}]
        unknown = [t for t in comment.get("uploads", []) if t not in self.uploads]
        if unknown:
            details["uploads"] = [{"description": f"Unknown upload token {unknown[0]}"}]
        if details:
            return record_invalid(details)
        self.add_comment(
            record["id"], record["requester_id"], comment["body"], comment.get("uploads")
        )
        if record["status"] in ("pending", "solved"):
            self.set_status(record["id"], "open")
        answer = self.shown(record)
        if key:
            self.updates_by_key[key] = answer
        return JSONResponse(answer)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v2/uploads", self.upload, methods=["POST"]),
                Route("/api/v2/requests.json", self.create_request, methods=["POST"]),
                Route("/api/v2/requests/{id}.json", self.show_request, methods=["GET"]),
                Route("/api/v2/requests/{id}.json", self.update_request, methods=["PUT"]),
                Route("/api/v2/requests/{id}/comments.json", self.list_comments, methods=["GET"]),
            ]
        )


def zendesk_time(seconds: float) -> str:
    """A time as Zendesk writes it: ISO 8601, UTC, `Z`."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_text(body: str) -> str:
    """A comment's `plain_body`: its Markdown emphasis rendered (`*urgent*` reads `urgent`)."""
    return re.sub(r"(\*\*|\*|__|_|`)(\S(?:.*?\S)?)\1", r"\2", body)


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """How Zendesk signs a webhook call: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_webhook(
    url: str,
    secret: str,
    payload: dict | bytes,
    timestamp: str,
    signature: str | bytes | None = None,
) -> httpx.Response:
    """A webhook call as Zendesk makes it: the JSON payload of a trigger, signed with the
    webhook's secret at `timestamp` (or with `signature`, to forge one)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return httpx.post(
        url,
        content=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Signature": signature or zendesk_signature(secret, timestamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        },
    )


def well_formed_custom_fields(fields: object) -> bool:
    """Zendesk's `custom_fields`: a list of `{"id": <the field's number>, "value": ...}`."""
    return isinstance(fields, list) and all(
        isinstance(f, dict)
        and isinstance(f.get("id"), int)
        and not isinstance(f["id"], bool)
        and "value" in f
        for f in fields
    )


def record_invalid(details: dict) -> JSONResponse:
    """Zendesk's 422: what it refused, by field."""
    return JSONResponse(
        {"error": "RecordInvalid", "description": "Record validation errors", "details": details},
        status_code=422,
    )
