"""The per-minute rate limits when several processes (workers, machines) serve one database: they
are counted there, so a client has one allowance across all of them, not one a process.

- processes checking one key at once share one allowance, and the refused are told when to come
  back; through the real endpoint, two endpoints on one database answer the post over the limit
  429 with Retry-After;
- the count is the in-memory table's, step by step (a minute later the allowance is whole
  again); idle keys are removed a batch at a time, and what is kept is a salted hash, never an
  address;
- a database that cannot count is a 503 with Retry-After (never a 500, never let through), and
  while the database keeps a check waiting, the endpoint answers other requests;
- without being told, the limits are shared on PostgreSQL (several machines may use it) and kept
  in memory with SQLite (no write a request).

Time is injected (the stores' clock): nothing waits for the wall clock.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg

from helpcenter.engines import DatabaseURL, Target
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.guards import FORGET_AT_ONCE, FORGET_EVERY, RateTable, SharedRateTable
from helpcenter.tickets.store import TicketStore
from tests.conftest import BackgroundServer, ticket_service
from tests.databases import rows, write_lock
from tests.tickets.test_forwarding import wait_until
from tests.tickets.test_rate_limit import post_from
from tests.tickets.test_store_units import NOON, Clock

KEY = "198.51.100.7 /api/tickets"
JSON = {"Accept": "application/json"}


def test_processes_checking_one_key_at_once_share_one_allowance(db):
    clock = Clock()
    stores = [TicketStore(db, clock=clock) for _ in range(4)]  # one a process
    together = threading.Barrier(4, timeout=30)

    def check(store: TicketStore) -> list[int | None]:
        table = SharedRateTable(store, per_minute=6)
        together.wait()
        return [table.retry_after(KEY) for _ in range(5)]

    with ThreadPoolExecutor(4) as pool:
        answers = [answer for batch in pool.map(check, stores) for answer in batch]
    for store in stores:
        store.close()
    assert answers.count(None) == 6  # 6 a minute in all, not 6 a process
    assert set(answers) == {None, 10}  # then one more every 10 s


def endpoints(db: Target, count: int, clock: Clock) -> list[TicketService]:
    """`count` endpoints on `db`, each a process of its own, 3 posts a minute per client."""
    services = [ticket_service(db, rate_limit_per_minute=3) for _ in range(count)]
    for service in services:
        service.store.clock = clock
    return services


def test_two_endpoints_on_one_database_refuse_the_post_over_the_limit_with_429(db):
    first, second = endpoints(db, 2, Clock())
    with (
        BackgroundServer(build_app(first, [], shared_rate_limits=True)) as one,
        BackgroundServer(build_app(second, [], shared_rate_limits=True)) as other,
    ):
        answers = [post_from("127.0.0.2", server.url) for server in (one, other, one, other)]
        another_client = post_from("127.0.0.3", one.url)
    assert [answer.status_code for answer in answers] == [204, 204, 204, 429]
    refused = answers[-1]
    assert refused.headers["retry-after"] == "20"
    assert refused.json() == {
        "errors": {"body": ["Too many requests: try again in 20 seconds."]},
        "retry_after": 20,
    }
    assert another_client.status_code == 204


def test_without_being_told_the_limits_are_shared_on_postgresql_and_kept_in_memory_with_sqlite(
    db,
):
    first, second = endpoints(db, 2, Clock())
    with (
        BackgroundServer(build_app(first, [])) as one,
        BackgroundServer(build_app(second, [])) as other,
    ):
        statuses = [post_from("127.0.0.2", s.url).status_code for s in (one, other, one, other)]
    if isinstance(db, DatabaseURL):  # several machines may share it
        assert statuses == [204, 204, 204, 429]
        assert rows(db, "SELECT COUNT(*) FROM rate_limits") == [(1,)]
    else:  # one process: no write a request
        assert statuses == [204] * 4
        assert rows(db, "SELECT COUNT(*) FROM rate_limits") == [(0,)]


def test_the_count_is_the_in_memory_tables_and_a_minute_later_the_allowance_is_whole(db):
    clock = Clock()
    store = TicketStore(db, clock=clock)
    shared, memory = SharedRateTable(store, 3), RateTable(3, clock=clock)
    # Seconds before each post, and what it is told: 3 at once, then one every 20 s (a second
    # early is too early), and a minute later 3 at once again.
    steps = [0, 0, 0, 0, 19, 1, 0, 60, 0, 0, 0, 7.5]
    told = [None, None, None, 20, 1, None, 20, None, None, None, 20, 13]
    answers = []
    for step in steps:
        clock.now += step
        answers.append((shared.retry_after(KEY), memory.retry_after(KEY)))
    store.close()
    assert [mine for mine, _ in answers] == told
    assert [theirs for _, theirs in answers] == told


def test_idle_keys_are_removed_a_batch_at_a_time_and_no_address_is_kept(db):
    clock = Clock()
    store = TicketStore(db, clock=clock)
    table = SharedRateTable(store, 60)  # one a second: a key's allowance is whole a second later
    for number in range(100):
        table.retry_after(f"198.51.100.{number} /api/tickets")
    kept = [key for (key,) in rows(db, "SELECT key FROM rate_limits")]
    assert len(kept) == 100  # none idle yet
    assert all(re.fullmatch("[0-9a-f]{32}", key) for key in kept)
    clock.now += 1
    another = SharedRateTable(store, 60)  # (another process's)
    counts = []
    for _ in range(2 * FORGET_EVERY):
        another.retry_after("203.0.113.9 /api/tickets")
        counts.append(rows(db, "SELECT COUNT(*) FROM rate_limits")[0][0])
    store.close()
    assert counts[FORGET_EVERY - 2] == 101  # until its 16th check, nothing goes
    assert counts[FORGET_EVERY - 1] == 101 - FORGET_AT_ONCE
    assert counts[-1] == 1  # the one still counting stays


def test_a_database_that_cannot_count_is_a_503_with_retry_after_never_a_pass(db):
    service = ticket_service(db)
    service.store.set_busy_timeout(0.1)
    with BackgroundServer(build_app(service, [], shared_rate_limits=True)) as server:
        url = f"{server.url}/api/tickets"
        with write_lock(db):  # another writer that does not let go
            # An incomplete ticket, which the endpoint would refuse without storing anything.
            refused = httpx.post(url, json={}, headers=JSON)
            page = httpx.post(url, data={"name": "Camille"})  # a form, without JavaScript
        after = httpx.post(url, json={}, headers=JSON)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json() == {
        "errors": {"body": ["Storage is unavailable; please try again later."]},
        "retry_after": 5,
    }
    assert (page.status_code, page.headers["retry-after"]) == (503, "5")
    assert page.headers["content-type"].startswith("text/html")
    assert after.status_code == 422  # counted once the database is back, then read


def waiting_for_a_lock(service: TicketService) -> bool:
    """Whether the endpoint's store is waiting for the database's lock (in a worker thread)."""
    target = service.store.target
    if isinstance(target, DatabaseURL):
        waiting = (
            "SELECT COUNT(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return rows(target, waiting)[0][0] > 0
    return service.store.engine.lock.locked()


def test_while_the_database_keeps_a_check_waiting_the_endpoint_answers_other_requests(db):
    service = ticket_service(db)
    app = build_app(service, [], shared_rate_limits=True)
    with BackgroundServer(app) as server, ThreadPoolExecutor(1) as pool:
        with write_lock(db):
            waiting = pool.submit(
                httpx.post, f"{server.url}/api/tickets", json={}, headers=JSON, timeout=30
            )
            wait_until(lambda: waiting_for_a_lock(service))
            assert httpx.get(f"{server.url}/api/openapi.json", timeout=5).status_code == 200
            assert not waiting.done()
        assert waiting.result().status_code == 422  # once the lock was let go


def test_removing_idle_keys_never_waits_for_another_process(postgres_db):
    """PostgreSQL: a key another transaction holds is left for the next time, not waited for."""
    clock = Clock(NOON)
    store = TicketStore(postgres_db, clock=clock)
    table = SharedRateTable(store, 60)
    for number in range(3):
        table.retry_after(f"198.51.100.{number} /api/tickets")
    clock.now += 1
    store.set_busy_timeout(0.5)
    with psycopg.connect(postgres_db.url) as other, other.transaction():
        other.execute("SELECT key FROM rate_limits ORDER BY key LIMIT 1 FOR UPDATE")
        assert store.forget_idle_allowances(clock.now, FORGET_AT_ONCE) == 2
    assert store.forget_idle_allowances(clock.now, FORGET_AT_ONCE) == 1
    store.close()
