"""The guards one at a time, around a tiny app, run in the test's own thread: what a client that
posts too much, too slowly, too often or from another site gets back, and what every answer
carries. (The HTTP tests run them in a server's thread; these see every branch up close.)"""

from __future__ import annotations

import asyncio
import json
import types
from dataclasses import dataclass, field

import pytest

from helpcenter.tickets import guards
from helpcenter.tickets.guards import (
    BodyGuard,
    CrossSiteGuard,
    RateLimit,
    RateTable,
    SecurityHeaders,
    origin_of,
    refuse_with_json,
    send_json,
)
from tests.conftest import run_async

CLIENT = ("203.0.113.7", 50123)
TOO_SLOW = "The request body arrived too slowly."
OTHER_SITE = "Posts from another site are refused."


@dataclass
class Answer:
    """What went back to the client, as the messages the server was given to send."""

    messages: list[dict] = field(default_factory=list)

    @property
    def starts(self) -> list[dict]:
        return [m for m in self.messages if m["type"] == "http.response.start"]

    @property
    def status(self) -> int:
        assert len(self.starts) == 1, self.messages
        return self.starts[0]["status"]

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.starts[0].get("headers", []))

    def header(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key == name]

    @property
    def body(self) -> bytes:
        return b"".join(
            m.get("body", b"") for m in self.messages if m["type"] == "http.response.body"
        )

    def json(self):
        return json.loads(self.body)


class Echo:
    """An app that reads the whole body and answers 200 with how many bytes it read."""

    def __init__(self, content_type: bytes | None = b"text/plain", extra_headers=()) -> None:
        self.calls: list[dict] = []
        self.content_type = content_type
        self.extra_headers = list(extra_headers)

    async def __call__(self, scope, receive, send) -> None:
        self.calls.append(scope)
        if scope["type"] != "http":
            return
        size = 0
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = list(self.extra_headers)
        if self.content_type is not None:
            headers.append((b"content-type", self.content_type))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": str(size).encode()})


def scope_of(
    method: str = "POST",
    path: str = "/api/tickets",
    headers: dict[str, str] | None = None,
    client: tuple[str, int] | None = CLIENT,
    scheme: str | None = "http",
) -> dict:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()],
    }
    if client is not None:
        scope["client"] = client
    if scheme is not None:
        scope["scheme"] = scheme
    return scope


def run(app, scope: dict, chunks=(b"",), gap: float = 0.0, disconnect_after: float = 5.0) -> Answer:
    """Send `scope` with its body in `chunks` (`gap` seconds apart) through `app`, in this thread.
    Once the body is sent, the client stays connected for `disconnect_after` seconds."""
    answer = Answer()
    pending = list(chunks)

    async def receive() -> dict:
        if pending:
            if gap:
                await asyncio.sleep(gap)
            chunk = pending.pop(0)
            message = {"type": "http.request", "body": chunk}
            if pending:
                message["more_body"] = True
            return message
        await asyncio.sleep(disconnect_after)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        answer.messages.append(message)

    run_async(asyncio.wait_for(app(scope, receive, send), timeout=5))
    return answer


def post(app, body: bytes = b"", declare: bool = True, **options) -> Answer:
    headers = options.pop("headers", {})
    if declare:
        headers = {"content-length": str(len(body)), **headers}
    return run(app, scope_of(headers=headers, **options), [body])


# The JSON refusals every guard sends by default.


def test_a_json_answer_says_its_type_and_exact_length_and_carries_extra_headers():
    answer = Answer()

    async def send(message):
        answer.messages.append(message)

    run_async(send_json(send, 418, {"é": "ü"}, [(b"x-extra", b"1")]))
    assert answer.status == 418
    assert answer.header(b"content-type") == [b"application/json"]
    assert answer.header(b"content-length") == [str(len(answer.body)).encode()]
    assert answer.header(b"x-extra") == [b"1"]
    assert answer.json() == {"é": "ü"}


def test_a_json_answer_without_extra_headers_has_just_its_own():
    answer = Answer()

    async def send(message):
        answer.messages.append(message)

    run_async(send_json(send, 200, {"ok": True}))
    assert sorted(name for name, _ in answer.headers) == [b"content-length", b"content-type"]
    assert answer.json() == {"ok": True}


def test_a_refusal_lists_errors_by_field_with_its_extra_fields_and_headers():
    answer = Answer()

    async def send(message):
        answer.messages.append(message)

    errors = {"body": ["Too big."]}
    run_async(refuse_with_json(scope_of(), send, 413, errors, {"limit_bytes": 5}, [(b"x-a", b"b")]))
    assert answer.status == 413
    assert answer.json() == {"errors": {"body": ["Too big."]}, "limit_bytes": 5}
    assert answer.header(b"x-a") == [b"b"]
    assert answer.header(b"content-type") == [b"application/json"]

    plain = Answer()

    async def send_plain(message):
        plain.messages.append(message)

    run_async(refuse_with_json(scope_of(), send_plain, 400, errors))
    assert plain.json() == {"errors": errors}


class Recorder:
    """A refusal that notes what it was asked to say, then says it as JSON."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def __call__(self, scope, send, status, errors, extra=None, headers=None) -> None:
        self.calls.append((scope["path"], status, errors))
        await refuse_with_json(scope, send, status, errors, extra, headers)


# Bodies over their endpoint's limit: 413 before the app reads them.


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read():
    app = Echo()
    answer = post(BodyGuard(app, max_bytes=100), b"x" * 101)
    assert answer.status == 413
    assert answer.json() == {
        "errors": {"body": ["The request body is larger than 100 bytes."]},
        "limit_bytes": 100,
    }
    assert answer.header(b"content-type") == [b"application/json"]
    assert app.calls == []


def test_a_body_of_exactly_the_limit_is_taken_declared_or_not():
    for declare in (True, False):
        app = Echo()
        answer = post(BodyGuard(app, max_bytes=100), b"x" * 100, declare=declare)
        assert (answer.status, answer.body) == (200, b"100")


def test_a_declared_length_that_is_not_a_number_is_refused():
    app = Echo()
    answer = post(
        BodyGuard(app, max_bytes=100), b"x", declare=False, headers={"content-length": "1e9"}
    )
    assert answer.status == 413
    assert app.calls == []


def test_each_path_has_its_own_limit_and_others_the_default():
    guard = BodyGuard(Echo(), max_bytes=100, limits={"/api/feedback": 10})
    small = post(guard, b"x" * 11, path="/api/feedback")
    assert small.status == 413
    assert small.json()["limit_bytes"] == 10
    assert post(guard, b"x" * 10, path="/api/feedback").status == 200
    assert post(guard, b"x" * 50, path="/api/tickets").status == 200
    assert post(guard, b"x" * 101, path="/api/tickets").json()["limit_bytes"] == 100


def test_an_undeclared_body_is_counted_as_it_arrives_and_cut_off_past_the_limit():
    """Pieces each under the limit, together over it: 413 once the total passes the limit."""
    app = Echo()
    answer = run(BodyGuard(app, max_bytes=100), scope_of(), [b"x" * 60, b"x" * 60])
    assert answer.status == 413
    assert answer.json()["errors"] == {"body": ["The request body is larger than 100 bytes."]}
    assert len(app.calls) == 1  # the app started reading; it never answered
    taken = run(BodyGuard(Echo(), max_bytes=100), scope_of(), [b"x" * 50, b"x" * 50, b""])
    assert (taken.status, taken.body) == (200, b"100")


def test_a_body_too_large_after_the_app_has_answered_gets_no_second_answer():
    async def answers_first(scope, receive, send):
        await send({"type": "http.response.start", "status": 202, "headers": []})
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.body", "body": b""})

    answer = run(BodyGuard(answers_first, max_bytes=10), scope_of(), [b"x" * 8, b"x" * 8])
    assert answer.status == 202  # one start only: the app's


def test_reads_and_posts_without_a_body_limit_pass_untouched():
    for method in ("GET", "HEAD", "OPTIONS"):
        app = Echo()
        scope = scope_of(method=method, headers={"content-length": "999999"})
        assert run(BodyGuard(app, max_bytes=10), scope).status == 200
        assert app.calls == [scope]
    for method in ("PUT", "PATCH", "DELETE"):
        app = Echo()
        assert post(BodyGuard(app, max_bytes=10), b"x" * 11, method=method).status == 413
        assert app.calls == []


async def lifespan_app(scope, receive, send) -> None:
    """An app's start-up and shutdown: it answers each event as done."""
    assert scope == {"type": "lifespan"}
    while True:
        message = await receive()
        await send({"type": f"{message['type']}.complete"})
        if message["type"] == "lifespan.shutdown":
            return


def lifespan_through(guard) -> list[dict]:
    events = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict] = []

    async def receive():
        return events.pop(0)

    async def send(message):
        sent.append(message)

    run_async(guard({"type": "lifespan"}, receive, send))
    return sent


def test_other_kinds_of_connection_pass_through_every_guard():
    """The server's start-up and shutdown (lifespan) reach the app as they are."""
    for guard in (
        BodyGuard(lifespan_app, max_bytes=1),
        CrossSiteGuard(lifespan_app),
        RateLimit(lifespan_app, 1, ("/api/tickets",)),
        SecurityHeaders(lifespan_app),
    ):
        assert lifespan_through(guard) == [
            {"type": "lifespan.startup.complete"},
            {"type": "lifespan.shutdown.complete"},
        ]


def test_a_refusal_is_told_which_request_it_answers():
    """The endpoint's refusals answer in the reader's language, which they find in the request."""
    refuse = Recorder()
    guard = BodyGuard(Echo(), max_bytes=10, idle_timeout=0.05, refuse=refuse)
    post(guard, b"x" * 11, path="/api/feedback")
    run(guard, scope_of(path="/api/search-gaps"), [b"x" * 8, b"x" * 8])
    run(guard, scope_of(path="/api/tickets"), [b"x", b"x"], gap=0.3)
    assert [(path, status) for path, status, _ in refuse.calls] == [
        ("/api/feedback", 413),
        ("/api/search-gaps", 413),
        ("/api/tickets", 408),
    ]


# Slow bodies: 408, so a client trickling bytes cannot hold a worker.


def test_a_body_that_stalls_longer_than_the_idle_timeout_is_cut_off():
    app = Echo()
    answer = run(
        BodyGuard(app, max_bytes=100, idle_timeout=0.05), scope_of(), [b"x", b"x"], gap=0.3
    )
    assert answer.status == 408
    assert answer.json() == {"errors": {"body": [TOO_SLOW]}}


def test_a_body_whose_pieces_come_in_time_is_taken():
    answer = run(
        BodyGuard(Echo(), max_bytes=100, idle_timeout=1.0), scope_of(), [b"ab", b"cd"], gap=0.02
    )
    assert (answer.status, answer.body) == (200, b"4")


def test_a_body_that_takes_longer_than_the_total_timeout_is_cut_off():
    """Every piece in time, but the whole too late."""
    guard = BodyGuard(Echo(), max_bytes=100, idle_timeout=1.0, total_timeout=0.15)
    answer = run(guard, scope_of(), [b"x"] * 10, gap=0.05)
    assert answer.status == 408
    assert answer.json()["errors"] == {"body": [TOO_SLOW]}


def test_by_default_a_piece_may_take_10_seconds_and_the_body_2_minutes(monkeypatch):
    waits: list[float] = []
    real_wait_for = asyncio.wait_for

    async def wait_for(awaitable, timeout):
        waits.append(timeout)
        return await real_wait_for(awaitable, timeout)

    now = [1000.0]
    monkeypatch.setattr(guards, "asyncio", types.SimpleNamespace(wait_for=wait_for))
    monkeypatch.setattr(guards, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    guard = BodyGuard(Echo(), max_bytes=100)
    assert run(guard, scope_of(), [b"x", b"x"]).status == 200
    assert waits == [10.0, 10.0]

    waits.clear()
    pieces = [b"x", b"x", b"x"]

    async def receive():
        await asyncio.sleep(0)
        now[0] += 60  # the clock the guard reads: a minute between pieces
        body = pieces.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pieces)}

    answer = Answer()

    async def send(message):
        answer.messages.append(message)

    run_async(guard(scope_of(), receive, send))
    assert waits[:2] == [10.0, 10.0]  # at 1000 s, then 1060 s: two minutes are not up
    assert answer.status == 408  # at 1120 s they are: the last piece is not waited for


def test_once_the_body_is_in_the_app_may_wait_for_the_client_as_long_as_it_likes():
    """A streaming answer listens for the client leaving; that wait is no slow body."""

    async def listens(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        leaving = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": leaving["type"].encode()})

    guard = BodyGuard(listens, max_bytes=100, idle_timeout=0.05)
    answer = run(guard, scope_of(), [b"ab", b"cd"], disconnect_after=0.2)
    assert (answer.status, answer.body) == (200, b"http.disconnect")


# Rate limits: a fixed number of posts a minute per client and endpoint, then 429.


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_client_may_post_per_minute_times_at_once_then_waits_exactly_what_it_is_told():
    # 3 a minute: one more every 20 s; 60: every second; 8: every 7.5 s, told as 8.
    for per_minute, told in ((3, 20), (60, 1), (8, 8)):
        clock = Clock()
        table = RateTable(per_minute, clock=clock)
        assert [table.retry_after("a") for _ in range(per_minute)] == [None] * per_minute
        wait = table.retry_after("a")
        assert wait == told
        clock.now += wait - 1
        assert table.retry_after("a") is not None  # a second early: still refused
        clock.now += 1
        assert table.retry_after("a") is None  # on time: taken
        assert table.retry_after("a") is not None  # and only the one


def test_a_minute_later_the_whole_allowance_is_back():
    clock = Clock()
    table = RateTable(3, clock=clock)
    for _ in range(3):
        table.retry_after("a")
    clock.now += 60
    assert [table.retry_after("a") for _ in range(4)] == [None, None, None, 20]


def test_a_client_is_forgotten_the_moment_its_allowance_is_whole_again():
    clock = Clock()
    table = RateTable(60, clock=clock)
    table.retry_after("a")
    clock.now += 1  # one request a second: its allowance is whole after 1 s
    table.retry_after("b")
    assert len(table) == 1


def test_the_limiter_refuses_the_post_over_the_limit_with_429_and_retry_after():
    clock = Clock()
    app = Echo()
    limit = RateLimit(app, 2, ("/api/tickets",), table=RateTable(2, clock=clock))
    statuses = [post(limit, b"{}").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = post(limit, b"{}")
    assert refused.status == 429
    assert refused.json() == {
        "errors": {"body": ["Too many requests: try again in 30 seconds."]},
        "retry_after": 30,
    }
    assert refused.header(b"retry-after") == [b"30"]
    assert refused.header(b"content-type") == [b"application/json"]
    assert len(app.calls) == 2
    clock.now += 30
    assert post(limit, b"{}").status == 200


def test_only_posts_to_the_guarded_paths_are_counted():
    limit = RateLimit(Echo(), 1, ("/api/tickets",), table=RateTable(1, clock=Clock()))
    for _ in range(3):
        assert run(limit, scope_of(method="GET")).status == 200
        assert post(limit, b"{}", path="/api/health").status == 200
    assert post(limit, b"{}").status == 200
    assert post(limit, b"{}").status == 429


def test_each_client_address_and_each_path_has_a_count_of_its_own():
    limit = RateLimit(
        Echo(), 1, ("/api/tickets", "/api/feedback"), table=RateTable(1, clock=Clock())
    )
    assert post(limit, b"{}", client=("198.51.100.1", 1000)).status == 200
    # The same address from another port is the same client.
    assert post(limit, b"{}", client=("198.51.100.1", 2000)).status == 429
    assert post(limit, b"{}", client=("198.51.100.2", 1000)).status == 200
    assert post(limit, b"{}", client=("198.51.100.1", 1000), path="/api/feedback").status == 200


def test_clients_without_an_address_share_one_count():
    limit = RateLimit(Echo(), 1, ("/api/tickets",), table=RateTable(1, clock=Clock()))
    assert post(limit, b"{}", client=None).status == 200
    assert post(limit, b"{}", client=None).status == 429
    assert post(limit, b"{}").status == 200


def test_without_a_table_of_its_own_the_limiter_counts_per_minute_itself():
    limit = RateLimit(Echo(), 2, ("/api/tickets",))
    assert [post(limit, b"{}").status for _ in range(3)] == [200, 200, 429]


def test_the_rate_limits_refusal_is_told_which_request_it_answers():
    refuse = Recorder()
    limit = RateLimit(
        Echo(), 1, ("/api/feedback",), table=RateTable(1, clock=Clock()), refuse=refuse
    )
    post(limit, b"{}", path="/api/feedback")
    post(limit, b"{}", path="/api/feedback")
    assert [(path, status) for path, status, _ in refuse.calls] == [("/api/feedback", 429)]


def test_the_table_holds_a_hundred_thousand_clients_by_default():
    table = RateTable(60, clock=Clock())
    for number in range(100_001):
        table.spent_until[f"client-{number}"] = 2000.0
    table.retry_after("one more")
    assert len(table) == 100_000
    assert "one more" in table.spent_until


# Posts from another site: 403 before anything is read.


def cross_site(app=None, **options) -> CrossSiteGuard:
    return CrossSiteGuard(app or Echo(), **options)


def verdict(guard: CrossSiteGuard, **scope) -> int:
    return run(guard, scope_of(**scope)).status


def test_a_post_from_another_site_is_refused_with_403_and_the_app_never_sees_it():
    app = Echo()
    answer = post(
        cross_site(app), b"{}", headers={"origin": "https://evil.example", "host": "help.example"}
    )
    assert answer.status == 403
    assert answer.json() == {"errors": {"origin": [OTHER_SITE]}}
    assert app.calls == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # curl, scripts: they say nothing of where they come from
        ({"sec-fetch-site": "same-origin"}, 200),
        ({"sec-fetch-site": "none"}, 200),
        ({"sec-fetch-site": "cross-site"}, 403),
        ({"sec-fetch-site": "Cross-Site"}, 403),
        ({"origin": "null"}, 403),
        ({"origin": "https://evil.example"}, 403),
        ({"origin": "https://help.example.evil.example"}, 403),
        ({"origin": "http://help.example"}, 403),  # not the scheme the site is served with
        ({"origin": "https://help.example:8443"}, 403),
        ({"origin": "https://help.example"}, 200),
        ({"origin": "HTTPS://Help.Example:443"}, 200),
        ({"origin": "https://www.colisto.example"}, 200),
        ({"origin": "https://partner.example:8443"}, 200),
        ({"origin": "https://partner.example"}, 403),
    ],
)
def test_a_post_is_let_through_from_the_site_its_origins_and_scripts_only(headers, status):
    guard = cross_site(
        allowed_origins=["https://partner.example:8443/forms/"],
        site_origins=["https://WWW.colisto.example/help/"],
    )
    assert verdict(guard, headers={"host": "help.example", **headers}, scheme="https") == status


def test_reads_are_never_refused_for_where_they_come_from():
    guard = cross_site()
    for method in ("GET", "HEAD", "OPTIONS"):
        assert verdict(guard, method=method, headers={"origin": "https://evil.example"}) == 200
    for method in ("PUT", "PATCH", "DELETE"):
        assert verdict(guard, method=method, headers={"origin": "https://evil.example"}) == 403


def test_the_endpoints_own_origin_is_its_host_with_the_connections_scheme():
    guard = cross_site()
    own = {"origin": "http://127.0.0.1:8000", "host": "127.0.0.1:8000"}
    assert verdict(guard, headers=own) == 200
    assert verdict(guard, headers=own, scheme=None) == 200  # ASGI: http unless said
    assert verdict(guard, headers=own, scheme="https") == 403
    secure = {"origin": "https://help.example", "host": "help.example"}
    assert verdict(guard, headers=secure, scheme="https") == 200
    assert verdict(guard, headers=secure, scheme="http") == 403


@pytest.mark.parametrize("origin", ["http://localhost", "http://xxxx", "http://", "null"])
def test_without_a_host_no_origin_is_the_endpoints_own(origin):
    assert verdict(cross_site(), headers={"origin": origin}) == 403


def test_the_cross_site_refusal_is_told_which_request_it_answers():
    refuse = Recorder()
    guard = cross_site(refuse=refuse)
    verdict(guard, path="/api/search-gaps", headers={"origin": "https://evil.example"})
    assert [(path, status) for path, status, _ in refuse.calls] == [("/api/search-gaps", 403)]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Help.Example", "https://help.example"),
        ("HTTPS://HELP.EXAMPLE/some/page?q=1", "https://help.example"),
        (" https://help.example:443/ ", "https://help.example"),
        ("http://help.example:80", "http://help.example"),
        ("http://help.example:443", "http://help.example:443"),
        ("https://help.example:80", "https://help.example:80"),
        ("http://help.example:8000/x", "http://help.example:8000"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("http://[::1]", "http://[::1]"),
        ("help.example", None),
        ("//help.example", None),
        ("https://", None),
        ("null", None),
        ("http://help.example:99999", None),
        ("http://help.example:port", None),
    ],
)
def test_an_origin_is_scheme_host_and_a_port_other_than_the_schemes_own(url, origin):
    assert origin_of(url) == origin


# Headers every answer carries.


def headers_of(answer: Answer) -> dict[bytes, list[bytes]]:
    found: dict[bytes, list[bytes]] = {}
    for name, value in answer.headers:
        found.setdefault(name, []).append(value)
    return found


def test_every_answer_carries_the_security_headers_and_keeps_its_own():
    answer = run(SecurityHeaders(Echo(extra_headers=[(b"x-mine", b"1")])), scope_of(method="GET"))
    found = headers_of(answer)
    assert found[b"x-content-type-options"] == [b"nosniff"]
    assert found[b"referrer-policy"] == [b"strict-origin-when-cross-origin"]
    assert found[b"x-frame-options"] == [b"DENY"]
    assert found[b"content-type"] == [b"text/plain"]
    assert found[b"x-mine"] == [b"1"]
    assert b"cache-control" not in found  # a read may be cached
    assert b"content-security-policy" not in found  # not a page
    assert answer.body == b"0"


def test_an_answer_that_sets_a_security_header_itself_keeps_its_value_once():
    app = Echo(extra_headers=[(b"x-frame-options", b"SAMEORIGIN"), (b"cache-control", b"private")])
    found = headers_of(run(SecurityHeaders(app), scope_of()))
    assert found[b"x-frame-options"] == [b"SAMEORIGIN"]
    assert found[b"cache-control"] == [b"private"]


def test_below_a_private_path_its_values_win_over_the_answers_own_once():
    app = Echo(extra_headers=[(b"cache-control", b"public, max-age=600")])
    guarded = SecurityHeaders(app, private=("/api/requests/",))
    found = headers_of(run(guarded, scope_of(method="GET", path="/api/requests/abc")))
    assert found[b"cache-control"] == [b"no-store"]
    assert found[b"x-robots-tag"] == [b"noindex, nofollow"]
    assert found[b"referrer-policy"] == [b"no-referrer"]


def test_pages_get_the_sites_policy_or_a_strict_default():
    page = Echo(content_type=b"text/html; charset=utf-8")
    policy = "default-src 'self'; script-src 'self' 'sha256-abc'"
    found = headers_of(run(SecurityHeaders(page, policy=policy), scope_of(method="GET")))
    assert found[b"content-security-policy"] == [policy.encode()]
    default = headers_of(run(SecurityHeaders(page), scope_of(method="GET")))
    [strict] = default[b"content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in strict.decode().split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",  # no other site frames a page (clickjacking)
        "base-uri": "'self'",  # an injected <base> cannot move the page's links
        "object-src": "'none'",  # no plugins
    }


def test_answers_to_posts_are_kept_by_no_cache_whatever_they_are():
    for app in (Echo(), Echo(content_type=None), Echo(content_type=b"text/html")):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            found = headers_of(run(SecurityHeaders(app), scope_of(method=method)))
            assert found[b"cache-control"] == [b"no-store"], method
            assert found[b"x-frame-options"] == [b"DENY"]


def test_an_answer_that_names_no_headers_still_gets_them():
    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body", "body": b""})

    answer = run(SecurityHeaders(bare), scope_of())
    assert answer.status == 204
    found = headers_of(answer)
    assert found[b"cache-control"] == [b"no-store"]
    assert found[b"x-content-type-options"] == [b"nosniff"]
