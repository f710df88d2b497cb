"""A local stand-in for Zendesk's anonymous Requests API, following its documented contract.

- `POST /api/v2/uploads?filename=NAME` (raw bytes) -> 201 `{"upload": {"token", "attachment"}}`
- `POST /api/v2/requests.json` `{"request": {"requester": {"name", "email"}, "subject",
  "comment": {"body", "uploads": [tokens]}}}` -> 201 `{"request": {"id", ...}}`; invalid -> 422
  `{"error": "RecordInvalid", "description", "details": {field: [{"description"}]}}`;
  an `Idempotency-Key` seen before returns the first answer instead of a new request.
- Faults on demand: the next N answers can be a given status (500, 429 with Retry-After), a
  given body (an HTML page with 200, JSON without the token), or slower than the client waits.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

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
    faults: list[Fault] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    async def fault(self) -> Response | None:
        if not self.faults:
            return None
        fault = self.faults.pop(0)
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
        failure = await self.fault()
        if failure:
            return failure
        if key and key in self.by_key:
            return JSONResponse(self.by_key[key], status_code=201)
        body = (await request.json()).get("request", {})
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
        if details:
            return JSONResponse(
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": details,
                },
                status_code=422,
            )
        record = {
            "request": {
                "id": next(self.ids),
                "subject": body.get("subject"),
                "requester": requester,
                "comment": body["comment"],
            }
        }
        self.requests.append(record["request"])
        if key:
            self.by_key[key] = record
        return JSONResponse(record, status_code=201)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v2/uploads", self.upload, methods=["POST"]),
                Route("/api/v2/requests.json", self.create_request, methods=["POST"]),
            ]
        )
