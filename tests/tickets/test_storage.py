"""Storing over real HTTP into a real database (a SQLite file and a PostgreSQL database: each
test on both, but those about what only one engine has), when storing goes wrong or must be
refused.

- a storage failure (disk full, locked, read-only, free disk below the watermark) is a 503 with
  Retry-After, never a 500 nor a "received" for a ticket that was not kept;
- an idempotency key returns its ticket for the same request, a 409 for another, and expires;
- what one address may store in a day (attachments, search gaps) is counted under a salted hash;
- `helpcenter purge` deletes what is old (the files of tickets and of readers' replies the
  helpdesk has); the schema of an earlier version is migrated.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from helpcenter.cli import main
from helpcenter.database import MB, Database
from helpcenter.engines import DatabaseURL, Target
from helpcenter.feedback.store import FeedbackStore, Vote
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.sync import SyncStore
from helpcenter.tickets.validation import Attachment, Reply
from tests.conftest import (
    PROJECT_ROOT,
    BackgroundServer,
    run_on_a_terminal,
    ticket_service,
)
from tests.databases import database_name, execute, rows, write_lock
from tests.processes import free_port, helpcenter_command
from tests.tickets.earlier_schemas import FIRST_TABLES
from tests.tickets.test_endpoint import PNG, VALID
from tests.tickets.test_forwarding import FakeTime, endpoint_forwarding_to
from tests.tickets.test_store_units import ticket
from tests.tickets.zendesk_standin import Fault, Helpdesk

FRENCH = Catalogs().gettext("fr")
UNAVAILABLE = FRENCH("The service is unavailable for a moment. Please try again in a few minutes.")
ATTACHMENTS_QUOTA = FRENCH(
    "You have reached today's limit for attachments. Send your request without "
    "attachments, or try again tomorrow."
)
# 2030-01-01T23:00:00Z: an hour before the daily quotas start again.
LATE_EVENING = datetime(2030, 1, 1, 23, tzinfo=UTC).timestamp()


def endpoint_service(database: Target, fake: FakeTime | None = None, **server) -> TicketService:
    """The project's endpoint on `database`, with its own copy of the `server` settings."""
    service = ticket_service(database, rate_limit_per_minute=10_000)
    service.server = copy.deepcopy(service.server)
    for name, value in server.items():
        setattr(service.server, name, value)
    if fake:
        service.store.clock = fake.clock
        service.feedback.clock = fake.clock
    return service


def serve(service: TicketService) -> BackgroundServer:
    return BackgroundServer(build_app(service, []))


def stored(database: Target) -> list[dict]:
    store = TicketStore(database, writable=False)
    try:
        return store.list()
    finally:
        store.close()


def post_json(url: str, body: dict | None = None, key: str | None = None, **kwargs):
    headers = {"Accept": "application/json"} | ({"Idempotency-Key": key} if key else {})
    return httpx.post(
        f"{url}/api/tickets",
        data=body or VALID,
        files=kwargs.pop("files", None),
        headers=headers,
        **kwargs,
    )


def post_form(url: str, body: dict | None = None, **kwargs):
    """A post without JavaScript: the browser shows whatever comes back."""
    return httpx.post(f"{url}/api/tickets", data=body or VALID, follow_redirects=False, **kwargs)


def attachment(size: int, name: str = "capture.png") -> list:
    return [("attachments", (name, PNG + b"\x00" * (size - len(PNG)), "image/png"))]


def assert_not_stored(response: httpx.Response, status: int = 503) -> None:
    assert response.status_code == status
    assert int(response.headers["Retry-After"]) > 0
    assert "HC-" not in response.text and "received" not in response.text


@contextmanager
def read_only(store: Database) -> Iterator[None]:
    """The store's database refuses writes for a while: SQLite's `query_only` on its connection;
    on PostgreSQL, the database's default (as a standby has it), its connections dropped."""
    if not isinstance(store.target, DatabaseURL):
        with store.engine.lock:
            store.engine.connection.execute("PRAGMA query_only=1")
        yield
        with store.engine.lock:
            store.engine.connection.execute("PRAGMA query_only=0")
        return
    name = database_name(store.target)
    execute(store.target, f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    execute(store.target, DROP_CONNECTIONS)
    yield
    execute(store.target, f"ALTER DATABASE {name} RESET default_transaction_read_only")
    execute(store.target, DROP_CONNECTIONS)


# The endpoint's connections to the database (its role's, as the tests connect): not the
# server's own, such as an autovacuum worker's, which only a superuser may end.
DROP_CONNECTIONS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND usename = current_user AND pid != pg_backend_pid()"
)


# Storage failures.
# (The watermark is on the disk of a SQLite file, the one this machine sees: SQLite only.)


def test_free_disk_below_the_watermark_is_a_503_before_anything_is_written(tmp_path):
    database = tmp_path / "tickets.sqlite3"
    free_mb = shutil.disk_usage(tmp_path).free // MB
    service = endpoint_service(database, min_free_disk_mb=free_mb + 1024)
    with serve(service) as server:
        response = post_json(server.url, files=attachment(1000))
        assert_not_stored(response)
        assert response.json()["errors"] == {"storage": [UNAVAILABLE]}
        health = httpx.get(f"{server.url}/api/health")
        assert health.status_code == 503
        assert health.json()["error"] == "free disk space is below the watermark"
        assert stored(database) == []
        service.server.min_free_disk_mb = max(0, free_mb - 1024)
        assert post_json(server.url).status_code == 201
        assert httpx.get(f"{server.url}/api/health").status_code == 200
    assert len(stored(database)) == 1


def test_a_database_failing_in_a_way_no_rule_names_is_unhealthy_too(tmp_path):
    """Monitoring reads the health check: a database that fails, however it fails, is a 503."""
    database = tmp_path / "tickets.sqlite3"
    with serve(endpoint_service(database)) as server:
        assert httpx.get(f"{server.url}/api/health").status_code == 200
        with sqlite3.connect(database) as connection:  # the outbox's table gone, by mistake
            connection.execute("DROP TABLE deliveries")
        health = httpx.get(f"{server.url}/api/health")
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "error": "OperationalError"}


def test_a_form_post_that_cannot_be_stored_shows_the_form_again_with_what_was_typed(tmp_path):
    database = tmp_path / "tickets.sqlite3"
    free_mb = shutil.disk_usage(tmp_path).free // MB
    service = endpoint_service(database, min_free_disk_mb=free_mb + 1024)
    with serve(service) as server:
        response = post_form(server.url)
    assert_not_stored(response)
    assert response.headers["content-type"].startswith("text/html")
    assert UNAVAILABLE in response.text.replace("&#39;", "'")
    assert VALID["message"].replace("'", "&#39;") in response.text
    assert VALID["email"] in response.text
    assert stored(database) == []


def test_a_full_disk_is_a_503_and_nothing_is_half_stored(tmp_path):
    """SQLite's `max_page_count` caps the file where it is: the next pages cannot be had, as on
    a full disk. (SQLite only: PostgreSQL has no such switch; its disk_full maps through the same
    table of failures as the other errors below.)"""
    database = tmp_path / "tickets.sqlite3"
    service = endpoint_service(database)
    engine = service.store.engine
    with serve(service) as server:
        with engine.lock:
            pages = engine.connection.execute("PRAGMA page_count").fetchone()[0]
            engine.connection.execute(f"PRAGMA max_page_count={pages}")
        response = post_json(server.url, files=attachment(200_000))
        assert_not_stored(response)
        assert response.json()["errors"] == {"storage": [UNAVAILABLE]}
        assert stored(database) == []
        with engine.lock:
            engine.connection.execute("PRAGMA max_page_count=1073741823")
        assert post_json(server.url, files=attachment(200_000)).status_code == 201
    [ticket] = stored(database)
    assert ticket["attachments"][0]["size"] == 200_000


def test_a_database_locked_beyond_the_busy_timeout_is_a_503(db):
    database = db
    service = endpoint_service(database)
    service.store.set_busy_timeout(0.1)
    with serve(service) as server:
        with write_lock(database):  # another writer that does not let go
            response = post_json(server.url)
            health = httpx.get(f"{server.url}/api/health")
        assert_not_stored(response)
        assert response.headers["Retry-After"] == "5"
        assert health.status_code == 503
        assert health.json()["error"] == "the database is locked"
        assert post_json(server.url).status_code == 201
    assert len(stored(database)) == 1


def test_a_read_only_database_is_a_503_and_the_health_check_says_so(db):
    database = db
    service = endpoint_service(database)
    with serve(service) as server:
        with read_only(service.store):
            response = post_form(server.url)
            health = httpx.get(f"{server.url}/api/health")
        assert_not_stored(response)
        assert health.status_code == 503
        assert health.json()["error"] == "the database is read-only"
        assert int(health.headers["Retry-After"]) > 0
        assert httpx.get(f"{server.url}/api/health").status_code == 200
    assert stored(database) == []


@pytest.mark.parametrize("endpoint", ["/api/feedback", "/api/search-gaps"])
def test_votes_and_search_gaps_that_cannot_be_stored_are_a_503_not_a_500(db, endpoint):
    database = db
    service = endpoint_service(database)
    body = {
        "/api/feedback": {"language": "fr", "page": "shipping/tracking/", "helpful": "no"},
        "/api/search-gaps": {
            "language": "fr",
            "page": "",
            "queries": [{"query": "douane", "results": 0}],
        },
    }[endpoint]
    with serve(service) as server, read_only(service.feedback):
        response = httpx.post(
            f"{server.url}{endpoint}", json=body, headers={"Accept": "application/json"}
        )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert service.feedback.votes() == [] and service.feedback.search_gaps() == []


@pytest.fixture
def read_only_file(tmp_path):
    """(A file's permissions: SQLite only. The PostgreSQL server that cannot be reached is
    below.)"""
    """A database file nobody may write: immutable for root (who ignores permissions),
    read-only permissions for anyone else."""
    database = tmp_path / "readonly.sqlite3"
    TicketStore(database).close()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode:
            pytest.skip("root, and chattr +i is not available to make a file read-only")
        try:
            yield database
        finally:
            subprocess.run(["chattr", "-i", str(database)], check=True)
    else:
        database.chmod(0o444)
        yield database


def test_a_read_only_database_at_start_up_ends_with_one_clear_line(read_only_file):
    result = subprocess.run(
        [
            *helpcenter_command("tickets", "serve"),
            *("--port", "0", "--db", str(read_only_file)),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"Cannot use the database {read_only_file}: the database is read-only. Check the file's "
        "permissions and the free disk space, or give another file with --db."
    ]
    # Reading it is fine.
    assert main(["tickets", "list", "--db", str(read_only_file)]) == 0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://helpcenter:s3cret-word@{host}/helpcenter",
            "postgresql://helpcenter@{host}/helpcenter",
        ),
        # libpq takes the password as an option too
        (
            "postgresql://helpcenter@{host}/helpcenter?password=s3cret-word&sslmode=disable",
            "postgresql://helpcenter@{host}/helpcenter?sslmode=disable",
        ),
    ],
)
def test_a_postgresql_server_out_of_reach_at_start_up_ends_with_one_line_without_the_password(
    url, shown
):
    host = f"127.0.0.1:{free_port()}"
    nowhere, shown = url.format(host=host), shown.format(host=host)
    result = subprocess.run(
        helpcenter_command("tickets", "serve", "--db", nowhere),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Cannot use the database {shown}: connection")
    assert "Connection refused" in line
    assert line.endswith(
        "Check that the server is running and lets this user in, or give another database "
        "with --db or HELPCENTER_DATABASE_URL."
    )
    assert "s3cret" not in result.stderr + result.stdout


def test_a_postgresql_server_that_drops_its_connections_costs_no_request(postgres_db):
    """A server restarted, a connection cut: the pool checks each connection before it lends
    it, and takes a new one. (PostgreSQL only: SQLite has no connection to lose.)"""
    database = postgres_db
    with serve(endpoint_service(database)) as server:
        assert post_json(server.url).status_code == 201
        execute(database, DROP_CONNECTIONS)
        assert post_json(server.url).status_code == 201
        assert httpx.get(f"{server.url}/api/health").status_code == 200
    assert len(stored(database)) == 2


def test_the_health_check_writes_and_reports_the_outbox(db):
    database = db
    fake = FakeTime()
    down = "http://127.0.0.1:9"  # nothing answers: the tickets wait in the outbox
    with endpoint_forwarding_to(database, down, fake) as server:
        assert httpx.get(f"{server.url}/api/health").json() == {
            "status": "ok",
            "outbox": {"pending": 0, "failed": 0, "oldest_pending_seconds": None},
        }
        assert post_json(server.url).status_code == 201
        fake.advance(30)
        assert post_json(server.url).status_code == 201
        fake.advance(60)
        health = httpx.get(f"{server.url}/api/health")
    assert health.status_code == 200
    assert health.json()["outbox"] == {"pending": 2, "failed": 0, "oldest_pending_seconds": 90}
    [(checked,)] = rows(database, "SELECT value FROM meta WHERE key = 'write_checked_at'")
    assert checked == "2030-01-01T12:01:30+00:00"  # the last check wrote, at its time


# Idempotency keys.


def test_the_same_key_with_the_same_request_returns_the_first_ticket(db):
    database = db
    with serve(endpoint_service(database)) as server:
        first = post_json(server.url, key="same-request-01", files=attachment(500))
        again = post_json(server.url, key="same-request-01", files=attachment(500))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert len(stored(database)) == 1


@pytest.mark.parametrize(
    ("change", "files"),
    [
        ({"message": "Un tout autre message, pour une autre demande."}, attachment(500)),
        ({}, attachment(501)),
        ({}, attachment(500, "autre.png")),
        ({}, None),
    ],
    ids=["message", "attachment-content", "attachment-name", "no-attachment"],
)
def test_the_same_key_with_another_request_is_a_409_that_tells_nothing_of_the_first(
    db, change, files
):
    database = db
    with serve(endpoint_service(database)) as server:
        first = post_json(server.url, key="other-request-1", files=attachment(500))
        other = post_json(server.url, {**VALID, **change}, key="other-request-1", files=files)
    assert first.status_code == 201
    assert other.status_code == 409
    assert list(other.json()["errors"]) == ["idempotency_key"]
    assert first.json()["reference"] not in other.text
    assert "HC-" not in other.text
    assert len(stored(database)) == 1


def test_idempotency_keys_expire_after_idempotency_hours(db):
    database = db
    fake = FakeTime()
    with serve(endpoint_service(database, fake, idempotency_hours=2)) as server:
        first = post_json(server.url, key="expiring-key-1").json()["reference"]
        fake.advance(2 * 3600 - 1)
        assert post_json(server.url, key="expiring-key-1").json()["reference"] == first
        other = {**VALID, "message": "Une autre demande, plus tard dans la journée."}
        assert post_json(server.url, other, key="expiring-key-1").status_code == 409
        fake.advance(2)
        later = post_json(server.url, other, key="expiring-key-1")
        again = post_json(server.url, other, key="expiring-key-1")
    assert later.status_code == 201
    assert later.json()["reference"] != first
    assert (again.status_code, again.json()["reference"]) == (200, later.json()["reference"])
    assert len(stored(database)) == 2


# Daily quotas per address.


def bound_to(address: str) -> httpx.HTTPTransport:
    """Requests from another loopback address (127.0.0.0/8 is all this machine's)."""
    return httpx.HTTPTransport(local_address=address)


def test_attachments_beyond_the_daily_quota_are_refused_until_the_next_day(db):
    database = db
    fake = FakeTime(LATE_EVENING)
    with serve(endpoint_service(database, fake, daily_attachment_mb=1)) as server:
        assert post_json(server.url, files=attachment(400_000)).status_code == 201
        assert post_json(server.url, files=attachment(400_000)).status_code == 201
        refused = post_json(server.url, files=attachment(400_000))
        form = post_form(server.url, files=attachment(400_000))
        without = post_json(server.url)
        with httpx.Client(transport=bound_to("127.0.0.2")) as elsewhere:
            other_address = elsewhere.post(
                f"{server.url}/api/tickets",
                data=VALID,
                files=attachment(400_000),
                headers={"Accept": "application/json"},
            )
        fake.advance(3600)
        next_day = post_json(server.url, files=attachment(400_000))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"  # until midnight (UTC)
    assert refused.json()["errors"] == {"attachments": [ATTACHMENTS_QUOTA]}
    assert form.status_code == 429 and form.headers["Retry-After"] == "3600"
    assert ATTACHMENTS_QUOTA in form.text.replace("&#39;", "'")
    assert VALID["message"].replace("'", "&#39;") in form.text
    assert without.status_code == 201  # the quota is on attachments, not on tickets
    assert other_address.status_code == 201
    assert next_day.status_code == 201
    assert len(stored(database)) == 5

    # The counters are keyed by a salted hash of the address and the day, never the address.
    counters = rows(database, "SELECT client_key, day, amount FROM daily_usage")
    assert "127.0.0" not in json.dumps(rows(database, "SELECT * FROM meta"))
    assert "127.0.0" not in json.dumps(counters)
    assert [(day, amount) for _, day, amount in counters] == [("2030-01-02", 400_000)]


def test_search_gaps_beyond_the_daily_quota_are_refused_with_429(db):
    database = db
    fake = FakeTime(LATE_EVENING)

    def gaps(url: str, count: int, client: httpx.Client | None = None) -> httpx.Response:
        body = {
            "language": "fr",
            "page": "",
            "queries": [{"query": f"douane {n}", "results": 0} for n in range(count)],
        }
        return (client or httpx).post(
            f"{url}/api/search-gaps",
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    service = endpoint_service(database, fake, daily_search_gaps=3)
    with serve(service) as server:
        assert gaps(server.url, 2).status_code == 204
        refused = gaps(server.url, 2)
        assert gaps(server.url, 1).status_code == 204
        assert gaps(server.url, 1).status_code == 429
        with httpx.Client(transport=bound_to("127.0.0.3")) as elsewhere:
            assert gaps(server.url, 3, elsewhere).status_code == 204
        fake.advance(3600)
        assert gaps(server.url, 3).status_code == 204
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3600"
    assert len(service.feedback.search_gaps()) == 9


# Purging what is old.


def test_purge_deletes_old_feedback_and_the_attachments_of_delivered_tickets(db, capsys):
    database = db
    now = datetime.now(UTC).timestamp()
    fake = FakeTime(now - 100 * 86400)
    standin = Helpdesk()
    with (
        BackgroundServer(standin.app()) as helpdesk,
        endpoint_forwarding_to(database, helpdesk.url, fake) as server,
    ):
        old_votes = [
            {"comment": "Il manque un exemple", "vote_id": "old-vote-001"},
            {"vote_id": "old-vote-002"},
        ]
        for vote in old_votes:
            assert feedback_vote(server.url, **vote).status_code == 201
        assert search_gap(server.url, "douane").status_code == 204
        assert post_json(server.url, files=attachment(1_000_000)).status_code == 201
        fake.wait_idle()  # delivered
        standin.faults.append(Fault(422))
        refused = {**VALID, "subject": "Refusée par le helpdesk"}
        assert post_json(server.url, refused, files=attachment(2000)).status_code == 201
        fake.wait_idle()  # failed: its attachment stays
        fake.advance(now - fake.now)
        assert feedback_vote(server.url, vote_id="new-vote-001").status_code == 201
        assert search_gap(server.url, "étiquette").status_code == 204
        recent = {**VALID, "subject": "Toute récente"}
        assert post_json(server.url, recent, files=attachment(3000)).status_code == 201
        fake.wait_idle()
    sqlite = isinstance(database, Path)
    size_before = file_size(database) if sqlite else 0

    assert main(["purge", "--older-than", "30", "--db", str(database)]) == 0
    output = capsys.readouterr().out
    assert "  2 votes (1 with a comment)\n" in output
    assert "  1 search gaps\n" in output
    assert "  1 attachments (1.0 MB) of tickets and replies delivered to the helpdesk\n" in output
    # A SQLite file is vacuumed; PostgreSQL's autovacuum sees to its own.
    assert ("Vacuumed: the file shrank by" in output) is sqlite
    if sqlite:
        assert file_size(database) < size_before - 900_000

    assert rows(database, "SELECT vote_id FROM votes") == [("new-vote-001",)]
    assert rows(database, "SELECT query FROM search_gaps") == [("étiquette",)]
    sizes = dict(
        rows(
            database,
            "SELECT t.subject, length(a.content) FROM attachments a JOIN tickets t "
            "ON t.id = a.ticket_id",
        )
    )
    assert sizes == {VALID["subject"]: 0, "Refusée par le helpdesk": 2000, "Toute récente": 3000}
    tickets = {t["subject"]: t for t in stored(database)}
    assert len(tickets) == 3  # the tickets stay; only the delivered old one's files go
    assert "purged_at" in tickets[VALID["subject"]]["attachments"][0]
    assert main(["tickets", "list", "--db", str(database)]) == 0
    assert capsys.readouterr().out.count("attachments: capture.png (purged)") == 1

    assert main(["purge", "--older-than", "30", "--db", str(database)]) == 0
    assert "  0 votes (0 with a comment)\n" in capsys.readouterr().out


def file_size(database: Path) -> int:
    """The database's bytes, with what waits in its write-ahead log."""
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def feedback_vote(url: str, **fields) -> httpx.Response:
    body = {"language": "fr", "page": "shipping/tracking/", "helpful": "no", **fields}
    return httpx.post(f"{url}/api/feedback", json=body, headers={"Accept": "application/json"})


def search_gap(url: str, query: str) -> httpx.Response:
    body = {"language": "fr", "page": "", "queries": [{"query": query, "results": 0}]}
    return httpx.post(
        f"{url}/api/search-gaps",
        content=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )


def test_purge_empties_the_files_of_replies_the_helpdesk_has_like_those_of_tickets(
    tmp_path, capsys
):
    database = tmp_path / "tickets.sqlite3"
    now = datetime.now(UTC).timestamp()
    clock = [now - 100 * 86400]
    store = TicketStore(database, forward=True, clock=lambda: clock[0])
    outbox = SyncStore(store)
    reference = store.add(ticket(attachments=())).reference
    [ticket_id] = store.due_deliveries(clock[0])
    store.mark_delivered(ticket_id, "1001")

    def reply_with(filename: str, size: int) -> int:
        """A reply of the reader with one file; its id in the outbox."""
        photo = Attachment(filename, "image/png", PNG + b"\x00" * (size - len(PNG)))
        store.add_reply(reference, Reply("Voici la photo.", (photo,)))
        with store.reading() as db:
            return db.execute("SELECT MAX(comment_id) FROM reply_deliveries").fetchone()[0]

    outbox.mark_reply_delivered(reply_with("delivered.png", 5000), clock[0])
    reply_with("waiting.png", 6000)  # still on its way: the only copy
    clock[0] = now
    outbox.mark_reply_delivered(reply_with("recent.png", 7000), clock[0])
    store.close()

    assert main(["purge", "--older-than", "30", "--db", str(database)]) == 0
    assert "  1 attachments (0.0 MB) of tickets and replies delivered" in capsys.readouterr().out
    [listed] = stored(database)
    files = {a["filename"]: a for comment in listed["comments"] for a in comment["attachments"]}
    assert [name for name, file in files.items() if "purged_at" in file] == ["delivered.png"]
    connection = sqlite3.connect(database)
    sizes = dict(connection.execute("SELECT filename, length(content) FROM attachments"))
    assert sizes == {"delivered.png": 0, "waiting.png": 6000, "recent.png": 7000}


PURGE_STEPS = [
    ("Deleting old votes and search gaps", "  2 votes (1 with a comment)\n  0 search gaps"),
    (
        "Emptying the old attachments the helpdesk has",
        "  0 attachments (0.0 MB) of tickets and replies delivered to the helpdesk",
    ),
    ("Deleting the quota counters of past days", "  0 daily quota counters of past days"),
    ("Vacuuming the database", None),
]


def old_votes(tmp_path: Path) -> list[str]:
    """A database with two votes of 100 days ago; the command that purges them."""
    database = tmp_path / "helpcenter.sqlite3"
    store = FeedbackStore(database, clock=lambda: datetime.now(UTC).timestamp() - 100 * 86400)
    store.add_vote(Vote("fr", "shipping/tracking/", False, "Il manque un exemple", "vote-1"))
    store.add_vote(Vote("fr", "shipping/tracking/", True, "", "vote-2"))
    store.close()
    purge = ["purge", "--older-than", "30", "--db", str(database)]
    return helpcenter_command(*purge)


@pytest.mark.slow  # a command on a pseudo-terminal: half a minute under make mutants
def test_purge_on_a_terminal_shows_each_step_under_way_then_its_lines(tmp_path):
    status, text = run_on_a_terminal(old_votes(tmp_path))
    assert status == 0
    shown = 0
    for doing, lines in PURGE_STEPS:
        shown = text.index(doing, shown)
        if lines:
            shown = text.index("\r" + lines.replace("\n", "\r\n") + "\r\n", shown)


def test_purge_elsewhere_says_only_each_step_s_lines_once_done(tmp_path):
    said = subprocess.run(old_votes(tmp_path), capture_output=True, text=True, check=True)
    assert said.stderr == ""
    assert (
        said.stdout.splitlines()[1:]
        == "\n".join(lines for _, lines in PURGE_STEPS if lines).splitlines()
    )


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", "99999999", ""])
def test_purge_refuses_a_nonsense_number_of_days(tmp_path, capsys, value):
    database = tmp_path / "tickets.sqlite3"
    TicketStore(database).close()
    with pytest.raises(SystemExit) as exit:
        main(["purge", "--older-than", value, "--db", str(database)])
    assert exit.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --older-than: expected" in error
    assert "days" in error


# Databases made by earlier versions.

EARLIER_SCHEMA = (
    FIRST_TABLES
    + """
INSERT INTO tickets VALUES (1, 'HC-AAAA-BBBB-CCCC', 'earlier-key-01', '2030-01-01T11:00:00+00:00',
    'Camille', 'camille@example.com', 'Avant', 'shipping', '', 'Envoyé avant la mise à jour.',
    'fr', '');
INSERT INTO attachments VALUES (1, 1, 'a.txt', 'text/plain', 5, X'68656C6C6F');
INSERT INTO deliveries VALUES (1, 'pending', 0, 0, '', '', '');
"""
)


def test_a_database_of_an_earlier_version_is_migrated_and_its_keys_still_answer(tmp_path):
    """(A SQLite file: the versions before PostgreSQL made only those.)"""
    database = tmp_path / "tickets.sqlite3"
    connection = sqlite3.connect(database)
    connection.executescript(EARLIER_SCHEMA)
    connection.close()
    fake = FakeTime()  # an hour after the earlier ticket
    with serve(endpoint_service(database, fake)) as server:
        retry = post_json(server.url, key="earlier-key-01")
        new = post_json(server.url, key="a-newer-key-01")
    assert (retry.status_code, retry.json()["reference"]) == (200, "HC-AAAA-BBBB-CCCC")
    assert new.status_code == 201
    tickets = stored(database)
    assert [t["reference"] for t in tickets][1:] == ["HC-AAAA-BBBB-CCCC"]
    assert tickets[1]["delivery"]["state"] == "pending"
    [earlier_file] = tickets[1]["attachments"]
    assert earlier_file == {"filename": "a.txt", "content_type": "text/plain", "size": 5}
