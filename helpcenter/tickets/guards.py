"""ASGI middleware that protects the endpoint before any request body is parsed.

- request bodies over a size limit are refused with 413 before they are read in full, and a body
  that trickles in (a slow client) is cut off with 408, so one client cannot hold a worker;
- each client gets a fixed number of requests a minute, then 429 with `Retry-After`;
- every response carries security headers.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def send_json(send: Send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodyGuard:
    """Refuse bodies over `max_bytes` (413), and bodies that stall for `idle_timeout` or take
    longer than `total_timeout` to arrive (408): a client trickling a byte a second is cut off."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, idle_timeout: float = 10.0, total_timeout: float = 120.0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_json(
                send, 413, {"error": "request body too large", "limit_bytes": self.max_bytes}
            )
            return
        received = 0
        started = False
        deadline = time.monotonic() + self.total_timeout

        body_done = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # after the body, only the disconnect is left to wait for
                return await receive()
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(
                    receive(), timeout=max(0.0, min(self.idle_timeout, remaining))
                )
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_json(
                    send, 413, {"error": "request body too large", "limit_bytes": self.max_bytes}
                )
        except BodyTooSlow:
            if not started:
                await send_json(send, 408, {"error": "request body too slow"})


class RateLimit:
    """At most `per_minute` requests a minute from one client address to each guarded path.

    Addresses are only held in memory for the minute they count; nothing stores them.
    """

    def __init__(self, app: ASGIApp, per_minute: int, paths: tuple[str, ...]) -> None:
        self.app = app
        self.per_minute = per_minute
        self.paths = paths
        self.window = 60.0
        self.hits: dict[str, deque[float]] = {}

    def retry_after(self, client: str, now: float) -> int | None:
        hits = self.hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        if len(self.hits) > 10_000:  # forget idle clients
            for address in [a for a, h in self.hits.items() if not h]:
                del self.hits[address]
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith(self.paths)
        ):
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.retry_after(f"{client} {scope['path']}", time.monotonic())
            if wait is not None:
                await send_json(
                    send,
                    429,
                    {"error": "too many requests", "retry_after": wait},
                    [(b"retry-after", str(wait).encode())],
                )
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries; HTML answers also get the site's Content-Security-Policy
    (the one the build computed, see helpcenter.site.headers), or a strict default."""

    DEFAULT_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )

    def __init__(self, app: ASGIApp, policy: str | None = None) -> None:
        self.app = app
        self.policy = policy or self.DEFAULT_POLICY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    extra.append((b"content-security-policy", self.policy.encode()))
                headers += [(name, value) for name, value in extra if name not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
