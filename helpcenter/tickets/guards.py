"""ASGI middleware that protects the endpoint before any request body is parsed.

- a post from another site (its `Origin`, or `Sec-Fetch-Site: cross-site`) is refused with 403
  unless its origin is the site's own or one of `contact.allowed_origins`;
- request bodies over their endpoint's limit are refused with 413 before they are read (at once
  when the declared length is over it), and a body that trickles in (a slow client) is cut off
  with 408, so one client cannot hold a worker;
- each client gets a fixed number of requests a minute per endpoint, then 429 with `Retry-After`,
  counted in this process's memory (`RateTable`) or in the database (`SharedRateTable`) when
  several processes share it; a database that cannot count is a 503 with `Retry-After`, as when
  it cannot store (the request would need it anyway);
- every response carries security headers, and every answer to a post `Cache-Control: no-store`
  (it may echo what the reader typed); answers below a private path (a request's follow-up page,
  whose address is its key) are never stored, indexed, nor given as a referrer.

A refusal is sent by a `Refuse` callable: JSON `{"errors": {field: [messages]}}` by default; the
endpoint gives one that answers readers without JavaScript with a page in their language.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpcenter.engines import StorageUnavailable

if TYPE_CHECKING:
    from helpcenter.database import Database

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A request body that stalls this many seconds between two reads is cut off (408): a proxy in
# front waits as long (helpcenter.server.nginx).
BODY_IDLE_SECONDS = 10.0
# refuse(scope, send, status, errors, extra fields of the JSON body, extra headers)
Refuse = Callable[[Scope, Send, int, dict[str, list[str]], dict, list], Awaitable[None]]


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


async def refuse_with_json(
    scope: Scope,
    send: Send,
    status: int,
    errors: dict[str, list[str]],
    extra: dict | None = None,
    headers: list | None = None,
) -> None:
    await send_json(send, status, {"errors": errors, **(extra or {})}, headers)


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodyGuard:
    """Refuse bodies over their path's limit in `limits` (`max_bytes` elsewhere) with 413, and
    bodies that stall for `idle_timeout` or take longer than `total_timeout` to arrive with 408:
    a client trickling a byte a second is cut off."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        idle_timeout: float = BODY_IDLE_SECONDS,
        total_timeout: float = 120.0,
        limits: dict[str, int] | None = None,
        refuse: Refuse = refuse_with_json,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout
        self.limits = limits or {}
        self.refuse = refuse

    async def too_large(self, scope: Scope, send: Send, limit: int) -> None:
        await self.refuse(
            scope,
            send,
            413,
            {"body": [f"The request body is larger than {limit} bytes."]},
            {"limit_bytes": limit},
            [],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            # Answered before a byte of the body is read; the server then closes the connection.
            await self.too_large(scope, send, limit)
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
                if received > limit:
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
                await self.too_large(scope, send, limit)
        except BodyTooSlow:
            if not started:
                await self.refuse(
                    scope, send, 408, {"body": ["The request body arrived too slowly."]}
                )


@dataclass(frozen=True)
class Allowance:
    """`per_minute` requests a minute, as GCRA counts them: a client's allowance is spent until
    some time, each request moves that on by `interval`, and a request that finds it more than
    `burst` ahead of now waits. A client may send `per_minute` at once, then one every
    `interval`."""

    per_minute: int

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute

    @property
    def burst(self) -> float:
        return 60.0 - self.interval

    def wait(self, spent_until: float, now: float) -> int | None:
        """None when a request at `now` is within the allowance, else the seconds to wait."""
        if spent_until - now > self.burst:
            return max(1, math.ceil(spent_until - now - self.burst))
        return None


class RateCounter(Protocol):
    async def check(self, key: str) -> int | None:
        """None when `key` may go on (and the request is counted), else the seconds to wait."""
        ...


class RateTable:
    """Who sent what lately, for a limit of `per_minute` requests a minute per key (a client's
    address and an endpoint), in this process's memory: one number a key, the time its
    allowance is spent until (see Allowance).

    A key whose allowance is whole again is forgotten: the keys are kept in the order they were
    last seen, and the oldest are dropped while they are idle, a few at each request (no scan of
    the table). At most `max_keys` are kept: beyond, the least recently seen goes.
    """

    def __init__(
        self,
        per_minute: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_keys = max_keys
        self.clock = clock
        self.allowance = Allowance(per_minute)
        self.spent_until: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self.spent_until)

    def forget_idle(self, now: float, at_most: int = 8) -> None:
        for _ in range(at_most):
            if not self.spent_until:
                return
            key, until = next(iter(self.spent_until.items()))
            if until > now:
                return
            del self.spent_until[key]

    def retry_after(self, key: str) -> int | None:
        """None when `key` may go on (and the request is counted), else the seconds to wait."""
        now = self.clock()
        self.forget_idle(now)
        until = max(self.spent_until.get(key, now), now)
        wait = self.allowance.wait(until, now)
        if wait is not None:
            return wait
        self.spent_until[key] = until + self.allowance.interval
        self.spent_until.move_to_end(key)
        while len(self.spent_until) > self.max_keys:
            self.spent_until.popitem(last=False)
        return None

    async def check(self, key: str) -> int | None:
        return self.retry_after(key)


# A process using a SharedRateTable removes keys whose allowance is whole again every this many
# checks, at most this many at once: more than the checks add, so the table holds about the
# clients of the last minute.
FORGET_EVERY = 16
FORGET_AT_ONCE = 64


class SharedRateTable:
    """The limit RateTable keeps, kept in the database (`rate_limits`, see
    helpcenter.database.Database.spend_allowance): the processes sharing the database (workers,
    machines) share each client's allowance. It goes by the database's clock (seconds since the
    epoch, which the machines' clocks agree on), and each request counted is a write, made off
    the event loop.

    Raises StorageUnavailable when the database cannot count.
    """

    def __init__(self, database: Database, per_minute: int) -> None:
        self.database = database
        self.allowance = Allowance(per_minute)
        self.checks = itertools.count(1)

    def retry_after(self, key: str) -> int | None:
        """None when `key` may go on (and the request is counted), else the seconds to wait."""
        now = self.database.clock()
        if next(self.checks) % FORGET_EVERY == 0:
            self.database.forget_idle_allowances(now, FORGET_AT_ONCE)
        allowance = self.allowance
        until = self.database.spend_allowance(key, allowance.interval, allowance.burst, now)
        return None if until is None else allowance.wait(until, now)

    async def check(self, key: str) -> int | None:
        return await run_in_threadpool(self.retry_after, key)


class RateLimit:
    """At most `per_minute` requests a minute from one client address to each guarded path, and
    to all the paths below each of `prefixes` together (one count for every request's page).

    Addresses are only held in memory while they count (see RateTable), or as salted hashes in
    the database (SharedRateTable); nothing stores them.
    """

    def __init__(
        self,
        app: ASGIApp,
        per_minute: int,
        paths: tuple[str, ...],
        table: RateCounter | None = None,
        refuse: Refuse = refuse_with_json,
        prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.paths = paths
        self.prefixes = tuple(prefix for prefix in prefixes if prefix)
        self.table = table if table is not None else RateTable(per_minute)
        self.refuse = refuse

    def counted_as(self, path: str) -> str | None:
        """What a post to `path` counts against: its path, its prefix, or nothing."""
        if path in self.paths:
            return path
        return next((prefix for prefix in self.prefixes if path.startswith(prefix)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        counted = self.counted_as(scope["path"]) if scope["type"] == "http" else None
        if counted is not None and scope["method"] == "POST":
            client = (scope.get("client") or ("unknown", 0))[0]
            try:
                wait = await self.table.check(f"{client} {counted}")
            except StorageUnavailable as failure:
                await self.refuse(
                    scope,
                    send,
                    503,
                    {"body": [str(failure.detail)]},
                    {"retry_after": failure.retry_after},
                    [(b"retry-after", str(failure.retry_after).encode())],
                )
                return
            if wait is not None:
                await self.refuse(
                    scope,
                    send,
                    429,
                    {"body": [f"Too many requests: try again in {wait} seconds."]},
                    {"retry_after": wait},
                    [(b"retry-after", str(wait).encode())],
                )
                return
        await self.app(scope, receive, send)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]`, lowercased, without the scheme's default port; None if `url` has
    no scheme and host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class CrossSiteGuard:
    """Refuse posts another site makes a reader's browser send (403), before anything is read.

    Browsers say where a post comes from in `Origin` (and in `Sec-Fetch-Site`). A post is let
    through when it comes from the endpoint's own origin, from the site's (`site_origins`) or from
    one of `allowed_origins`; or when it says nothing of where it comes from (scripts, curl); or
    when its origin is hidden (`null`, from a page that sends no referrer) and the browser says
    it comes from the same origin.
    """

    def __init__(
        self,
        app: ASGIApp,
        allowed_origins: Iterable[str] = (),
        site_origins: Iterable[str] = (),
        refuse: Refuse = refuse_with_json,
    ) -> None:
        self.app = app
        self.allowed = {
            origin
            for origin in (origin_of(url) for url in (*allowed_origins, *site_origins))
            if origin
        }
        self.refuse = refuse

    def own_origin(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        host = headers.get(b"host", b"").decode("latin-1")
        return origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None

    def allows(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        fetch_site = headers.get(b"sec-fetch-site", b"").lower()
        if origin is None:
            return fetch_site != b"cross-site"
        if origin == b"null":
            # A form on a page that sends no referrer (a request's private page) is posted with
            # `Origin: null`; `Sec-Fetch-Site`, which no page can set, still says it is ours.
            # Without it, a null origin (a sandboxed frame, a data: page) is another site.
            return fetch_site == b"same-origin"
        claimed = origin_of(origin.decode("latin-1"))
        return claimed is not None and (
            claimed in self.allowed or claimed == self.own_origin(scope, headers)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS and not self.allows(scope):
            await self.refuse(
                scope, send, 403, {"origin": ["Posts from another site are refused."]}
            )
            return
        await self.app(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries; HTML answers also get the site's Content-Security-Policy
    (the one the build computed, see helpcenter.site.headers), or a strict default. Answers to a
    post are not to be kept by any cache: they may show what the reader typed. Answers below
    one of `private` paths (whose address is a secret) are kept by no cache, indexed by no
    search engine, and their address is sent to no page they link to, whatever they are (a
    404, a refusal, a 500 included)."""

    DEFAULT_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    )
    HEADERS = (
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
    )
    PRIVATE_HEADERS = (
        (b"cache-control", b"no-store"),
        (b"x-robots-tag", b"noindex, nofollow"),
        (b"referrer-policy", b"no-referrer"),
    )

    def __init__(
        self,
        app: ASGIApp,
        policy: str | Callable[[], str | None] | None = None,
        private: tuple[str, ...] = (),
    ) -> None:
        """`policy`: the site's, or what gives it as it is now (the preview rewrites it)."""
        self.app = app
        self.policy = policy
        self.private = tuple(prefix for prefix in private if prefix)

    def headers_for(self, method: str, headers: list, path: str) -> list:
        if self.private and path.startswith(self.private):
            # Whatever the answer said of these, the private path's values win.
            private = {name for name, _ in self.PRIVATE_HEADERS}
            headers = [(n, v) for n, v in headers if n.lower() not in private]
            headers += list(self.PRIVATE_HEADERS)
        names = {name.lower() for name, _ in headers}
        extra = list(self.HEADERS)
        content_type = dict(headers).get(b"content-type", b"")
        if content_type.startswith(b"text/html"):
            policy = self.policy() if callable(self.policy) else self.policy
            extra.append((b"content-security-policy", (policy or self.DEFAULT_POLICY).encode()))
        if method in UNSAFE_METHODS:
            extra.append((b"cache-control", b"no-store"))
        return headers + [(name, value) for name, value in extra if name not in names]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = self.headers_for(
                    scope["method"], list(message.get("headers", [])), scope["path"]
                )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
