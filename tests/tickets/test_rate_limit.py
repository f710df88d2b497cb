"""The rate limiter's memory, through HTTP from many client addresses (the loopback range): it
holds at most a bounded number of clients and forgets idle ones, a few at each request, without
scanning its table; each client is still limited on its own."""

from __future__ import annotations

import httpx
import pytest

from helpcenter.tickets.app import build_app
from helpcenter.tickets.guards import RateTable
from tests.conftest import BackgroundServer, ticket_service

GAPS = {"language": "fr", "page": "", "queries": [{"query": "douane", "results": 0}]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def post_from(address: str, url: str, path: str = "/api/search-gaps") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport) as client:
        return client.post(f"{url}{path}", json=GAPS)


@pytest.fixture
def limited(tmp_path):
    """The endpoint with 3 posts a minute per client and endpoint, and room for 10 clients."""
    clock = Clock()
    table = RateTable(per_minute=3, max_keys=10, clock=clock)
    service = ticket_service(tmp_path / "db.sqlite3", rate_limit_per_minute=3)
    with BackgroundServer(build_app(service, [], rate_table=table)) as server:
        yield server.url, table, clock


def test_each_client_is_limited_on_its_own(limited):
    url, _, _ = limited
    first = [post_from("127.0.0.2", url).status_code for _ in range(4)]
    other = post_from("127.0.0.3", url)
    assert first == [204, 204, 204, 429]
    assert other.status_code == 204


def test_the_table_never_holds_more_clients_than_its_bound(limited):
    url, table, _ = limited
    sizes = []
    for host in range(2, 32):
        assert post_from(f"127.0.0.{host}", url).status_code == 204
        sizes.append(len(table))
    assert max(sizes) == 10
    # The oldest were let go: the newest clients are the ones it remembers.
    assert "127.0.0.31 /api/search-gaps" in table.spent_until
    assert "127.0.0.2 /api/search-gaps" not in table.spent_until


def test_idle_clients_are_forgotten_once_their_minute_has_passed(limited):
    url, table, clock = limited
    for host in range(2, 10):
        post_from(f"127.0.0.{host}", url)
    assert len(table) == 8
    clock.now += 61  # nobody has posted for a minute: every allowance is whole again
    post_from("127.0.0.50", url)
    post_from("127.0.0.50", url)
    assert set(table.spent_until) == {"127.0.0.50 /api/search-gaps"}


def test_a_client_that_keeps_posting_is_remembered_and_limited(limited):
    url, table, clock = limited
    assert [post_from("127.0.0.2", url).status_code for _ in range(3)] == [204, 204, 204]
    clock.now += 30  # half a minute: one post's worth of allowance is back
    for host in range(3, 8):
        post_from(f"127.0.0.{host}", url)
    assert "127.0.0.2 /api/search-gaps" in table.spent_until
    assert [post_from("127.0.0.2", url).status_code for _ in range(2)] == [204, 429]


def test_forgetting_costs_a_few_steps_whatever_the_table_holds():
    """No scan: a request looks at a handful of the oldest entries at most."""
    clock = Clock()
    table = RateTable(per_minute=60, max_keys=1_000_000, clock=clock)
    for number in range(50_000):
        table.retry_after(f"client-{number}")
    looked_at = []
    items = table.spent_until.items

    def counted():
        looked_at.append(1)
        return items()

    table.spent_until.items = counted  # type: ignore[method-assign]
    clock.now += 120
    table.retry_after("someone")
    assert len(looked_at) <= 8
    assert len(table) == 50_000 - 8 + 1
