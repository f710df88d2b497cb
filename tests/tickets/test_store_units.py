"""The ticket store on its own, on a real SQLite file and a real PostgreSQL database, with a clock
of the test's: what is kept and for how long, what a retry finds, what a client may attach in a
day, and the outbox the forwarder works from (what is due, what was delivered, what failed, what
is put back)."""

from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

from helpcenter import engines, migrations
from helpcenter.database import QuotaExceeded, StorageUnavailable
from helpcenter.feedback.store import FeedbackStore
from helpcenter.tickets import helpdesk
from helpcenter.tickets.helpdesk import (
    MAX_COMMENT_PAGES,
    DeliveryError,
    Forwarder,
    HelpdeskClient,
    unexpected,
)
from helpcenter.tickets.store import (
    AGENT,
    IdempotencyConflict,
    RequestClosed,
    TicketStore,
    new_reference,
    reader_may_reply,
    spelled_reference,
)
from helpcenter.tickets.validation import Attachment, Reply, Ticket
from tests.conftest import run_async
from tests.databases import execute, rows
from tests.tickets.earlier_schemas import FIRST_TABLES

# 2030-01-01T12:00:00Z: twelve hours before the daily quotas start again.
NOON = datetime(2030, 1, 1, 12, tzinfo=UTC).timestamp()
HOUR = 3600
DAY = 24 * HOUR
MB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\nlabel"
PDF = b"%PDF-1.4 invoice"
LABEL = Attachment("label.png", "image/png", PNG)
INVOICE = Attachment("invoice.pdf", "application/pdf", PDF)
HERE = Path(__file__).name  # where the bugs below happen, as a traceback names the file
REFERENCE = re.compile(r"^HC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


class Clock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def at(moment: float) -> str:
    """A moment as the store shows it: ISO 8601 in UTC."""
    return datetime.fromtimestamp(moment, UTC).isoformat()


def ticket(attachments=(LABEL,), **changes) -> Ticket:
    fields = {
        "name": "Camille Martin",
        "email": "camille@example.com",
        "subject": "Colis en retard",
        "category": "shipping",
        "plan": "",
        "message": "Mon colis n'est pas arrivé.",
        "language": "fr",
        "page": "shipping/",
    }
    return Ticket(**{**fields, **changes}, attachments=tuple(attachments))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db, clock: Clock) -> Iterator[TicketStore]:
    """A forwarding store, on each engine."""
    store = TicketStore(db, forward=True, clock=clock)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: Clock) -> TicketStore:
    """A forwarding store in a SQLite file, for what only SQLite has (a file on this machine's
    disk, its journal)."""
    return TicketStore(tmp_path / "tickets.sqlite3", forward=True, clock=clock)


def references(store: TicketStore) -> list[str]:
    return [t["reference"] for t in store.list()]


def ids_by_reference(store: TicketStore) -> dict[str, int]:
    with store.reading() as db:
        return {
            row["reference"]: row["id"] for row in db.execute("SELECT id, reference FROM tickets")
        }


# What is kept.


def test_a_sqlite_file_commits_to_disk_before_answering(sqlite_store, tmp_path):
    """WAL and synchronous FULL: a committed ticket survives a crash of the machine. (SQLite's
    own settings: PostgreSQL's are checked below.)"""
    connection = sqlite_store.engine.connection
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert rows(tmp_path / "tickets.sqlite3", "PRAGMA journal_mode") == [("wal",)]


def test_sqlite_refuses_a_row_that_points_at_nothing_as_postgresql_does(db):
    """Foreign keys are enforced on both engines: a reply to a request that is not there is an
    error on SQLite too, not a row nobody can reach."""
    store = TicketStore(db)
    try:
        with pytest.raises(engines.DRIVER_ERRORS), store.transaction() as session:
            session.execute(
                "INSERT INTO comments (ticket_id, author, body, created_at) VALUES (?, ?, ?, ?)",
                (12345, "requester", "Hello?", "2031-03-04T10:00:00+00:00"),
            )
    finally:
        store.close()


RESOURCES = "the database server is out of resources"
RESTARTING = "the database server is restarting or shutting down"


def sqlite_error(name: str) -> sqlite3.Error:
    """An error as SQLite's driver raises it, named by its (extended) result code."""
    error = sqlite3.OperationalError(name.lower())
    error.sqlite_errorname = name
    return error


def answer_to(failure: StorageUnavailable | None) -> tuple[str, int] | None:
    """What a storage failure makes a 503 say: its reason and its Retry-After."""
    return None if failure is None else (failure.reason, failure.retry_after)


@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("SQLITE_FULL", (engines.FULL, 300)),
        # Extended codes: their primary code's failure (a write or a sync the disk refused...).
        ("SQLITE_IOERR_FSYNC", (engines.IO_ERROR, 60)),
        ("SQLITE_IOERR_WRITE", (engines.IO_ERROR, 60)),
        ("SQLITE_READONLY_DBMOVED", (engines.READ_ONLY, 300)),
        ("SQLITE_BUSY_SNAPSHOT", (engines.LOCKED, 5)),
        ("SQLITE_CONSTRAINT_UNIQUE", None),  # a bug, not the storage failing
    ],
)
def test_a_failing_sqlite_file_is_a_503_whatever_the_code_it_fails_with(tmp_path, name, answer):
    engine = engines.SQLite(tmp_path / "tickets.sqlite3", busy_timeout=1)
    try:
        assert answer_to(engine.failure(sqlite_error(name))) == answer
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (psycopg.errors.DiskFull("no space left"), (engines.FULL, 300)),  # 53100, not class 53
        (psycopg.errors.TooManyConnections("too many"), (RESOURCES, 60)),
        # No SQLSTATE: the connection was lost in the middle of a request.
        (psycopg.OperationalError("server closed the connection"), (engines.UNREACHABLE, 30)),
        (psycopg.errors.AdminShutdown("terminating"), (RESTARTING, 30)),
        (psycopg.errors.UniqueViolation("duplicate key"), None),  # a bug
    ],
)
def test_a_failing_postgresql_server_is_a_503_whatever_it_fails_with(postgres_db, error, answer):
    engine = engines.PostgreSQL(postgres_db, busy_timeout=1)
    try:
        assert answer_to(engine.failure(error)) == answer
    finally:
        engine.close()


def test_postgresql_commits_to_disk_before_answering_whatever_the_servers_default(postgres):
    """`synchronous_commit=on` on the store's connections, though the database says otherwise:
    a commit returns once it is on disk. (PostgreSQL's setting: SQLite's are checked above.)"""
    target = postgres.create_database()
    try:
        execute(
            target, f"ALTER DATABASE {target.url.rsplit('/', 1)[1]} SET synchronous_commit = off"
        )
        assert rows(target, "SHOW synchronous_commit") == [("off",)]
        store = TicketStore(target)
        with store.reading() as db:
            assert db.execute("SHOW synchronous_commit").fetchone()[0] == "on"
        store.close()
    finally:
        postgres.drop_database(target)


def test_a_row_gives_its_columns_by_position_or_by_name_in_any_case(store):
    """As sqlite3.Row does, on both engines: SQL reads names in any case, and so do rows."""
    reference = store.add(ticket()).reference
    with store.reading() as db:
        row = db.execute("SELECT reference, subject FROM tickets").fetchone()
    assert row[0] == row["reference"] == row["REFERENCE"] == row["Reference"] == reference
    assert row[1] == row["subject"] == "Colis en retard"
    assert list(row.keys()) == ["reference", "subject"]


def test_a_ticket_is_kept_whole_with_its_files_in_the_order_they_were_sent(store, clock):
    stored = store.add(ticket(attachments=(LABEL, INVOICE), plan="pro"))
    assert stored.created is True
    assert REFERENCE.match(stored.reference)
    reopened = TicketStore(store.target, clock=clock)
    found = reopened.find(stored.reference)
    assert found is not None
    expected = {
        "reference": stored.reference,
        "created_at": at(NOON),
        "name": "Camille Martin",
        "email": "camille@example.com",
        "subject": "Colis en retard",
        "category": "shipping",
        "plan": "pro",
        "message": "Mon colis n'est pas arrivé.",
        "language": "fr",
        "page": "shipping/",
        "attachments": [
            {"filename": "label.png", "content_type": "image/png", "size": len(PNG)},
            {"filename": "invoice.pdf", "content_type": "application/pdf", "size": len(PDF)},
        ],
    }
    assert {key: found[key] for key in expected} == expected
    assert reopened.attachment_files(stored.reference) == [
        ({"filename": "label.png", "content_type": "image/png", "size": len(PNG)}, PNG),
        ({"filename": "invoice.pdf", "content_type": "application/pdf", "size": len(PDF)}, PDF),
    ]
    reopened.close()


def test_the_list_is_newest_first_and_each_ticket_has_its_own_files(store, clock):
    first = store.add(ticket(attachments=(LABEL,), name="Ana"))
    clock.now += 60
    second = store.add(ticket(attachments=(), name="Bea"))
    clock.now += 60
    third = store.add(ticket(attachments=(INVOICE,), name="Cid"))
    listed = store.list()
    assert [t["reference"] for t in listed] == [third.reference, second.reference, first.reference]
    assert [t["name"] for t in listed] == ["Cid", "Bea", "Ana"]
    assert [[a["filename"] for a in t["attachments"]] for t in listed] == [
        ["invoice.pdf"],
        [],
        ["label.png"],
    ]
    assert [t["created_at"] for t in listed] == [at(NOON + 120), at(NOON + 60), at(NOON)]
    assert store.find(second.reference)["name"] == "Bea"
    assert store.attachment_files(second.reference) == []


def test_an_unknown_reference_finds_nothing(store):
    store.add(ticket())
    assert store.find("HC-0000-0000-0000") is None
    assert store.attachment_files("HC-0000-0000-0000") == []


def test_references_are_readable_aloud_and_never_repeat(store):
    stored = [store.add(ticket(attachments=())).reference for _ in range(3)]
    made = stored + [new_reference() for _ in range(300)]
    assert all(REFERENCE.match(reference) for reference in made), made[:3]
    assert len(set(made)) == len(made)
    # 60 random bits: the 32 characters all turn up, in every place.
    assert len({character for reference in made for character in reference[3:]}) == 33
    assert all(len({reference[place] for reference in made}) > 16 for place in (3, 8, 13, 16))


# Retries: an idempotency key finds its ticket for the same request only, for a day.


def test_a_retry_with_its_key_finds_the_same_ticket_and_stores_nothing_more(store):
    first = store.add(ticket(), "retry-key-0001")
    again = store.add(ticket(), "retry-key-0001")
    assert first.created is True
    assert again.created is False
    assert again.reference == first.reference
    assert references(store) == [first.reference]


@pytest.mark.parametrize("what", ["ticket", "reply"])
def test_retries_arriving_together_with_one_key_are_stored_once(store, what):
    """Workers side by side (PostgreSQL runs transactions concurrently): the key is held while it
    is looked up, so the others find the ticket, or the reply, the first made."""
    together = threading.Barrier(8, timeout=30)
    reference = store.add(ticket(attachments=())).reference if what == "reply" else None

    def busy(_) -> None:  # PostgreSQL's pool has grown to a connection each, as when busy
        with store.reading():
            together.wait()

    def submit(_) -> bool:
        together.wait()
        if reference is None:
            return store.add(ticket(), "double-click-01").created
        return store.add_reply(reference, PHOTO, idempotency_key="double-click-01").created

    with ThreadPoolExecutor(8) as pool:
        if isinstance(store.target, engines.DatabaseURL):  # (SQLite has one connection)
            list(pool.map(busy, range(8)))
        created = list(pool.map(submit, range(8)))
    assert sorted(created) == [False] * 7 + [True]
    [stored] = store.list()
    assert len(store.find(stored["reference"])["comments"]) == (what == "reply")


def test_without_a_key_every_submission_is_a_ticket(store):
    one, two = store.add(ticket()), store.add(ticket())
    assert one.reference != two.reference
    assert sorted(references(store)) == sorted([one.reference, two.reference])


@pytest.mark.parametrize(
    "other",
    [
        ticket(name="Camille M."),
        ticket(email="camille@example.org"),
        ticket(subject="Colis perdu"),
        ticket(category="billing"),
        ticket(plan="pro"),
        ticket(message="Mon colis est arrivé abîmé."),
        ticket(language="es"),
        ticket(page="billing/"),
        ticket(attachments=()),
        ticket(attachments=(LABEL, INVOICE)),
        ticket(attachments=(Attachment("label.png", "image/png", PNG + b"!"),)),
        ticket(attachments=(Attachment("other.png", "image/png", PNG),)),
        ticket(attachments=(Attachment("label.png", "image/jpeg", PNG),)),
    ],
)
def test_a_key_used_for_another_request_is_refused_and_nothing_is_stored(store, other):
    first = store.add(ticket(), "shared-key-0001")
    with pytest.raises(IdempotencyConflict):
        store.add(other, "shared-key-0001")
    assert references(store) == [first.reference]


def test_a_key_is_remembered_for_24_hours_by_default_then_may_be_used_again(store, clock):
    first = store.add(ticket(), "day-key-00001")
    clock.now = NOON + DAY - 1
    assert store.add(ticket(), "day-key-00001").reference == first.reference
    with pytest.raises(IdempotencyConflict):
        store.add(ticket(name="Someone else"), "day-key-00001")
    clock.now = NOON + DAY
    later = store.add(ticket(name="Someone else"), "day-key-00001")
    assert later.created is True
    assert later.reference != first.reference
    # And the key now belongs to the new request, for a day again.
    clock.now = NOON + 2 * DAY - 1
    assert store.add(ticket(name="Someone else"), "day-key-00001").reference == later.reference
    with pytest.raises(IdempotencyConflict):
        store.add(ticket(), "day-key-00001")


def test_a_keys_lifetime_is_the_one_it_is_given(store, clock):
    first = store.add(ticket(), "hour-key-0001", idempotency_hours=1)
    clock.now += HOUR - 1
    assert store.add(ticket(), "hour-key-0001", idempotency_hours=1).reference == first.reference
    clock.now += 1
    assert store.add(ticket(), "hour-key-0001", idempotency_hours=1).created is True


# What a client may attach in a day.


def test_a_client_that_attached_its_daily_megabytes_is_refused_until_tomorrow(store, clock):
    half = Attachment("half.pdf", "application/pdf", b"%PDF-" + b"x" * (MB // 2 - 5))
    quota = {"client": "198.51.100.7", "daily_attachment_mb": 1}
    store.add(ticket(attachments=(half,)), **quota)
    store.add(ticket(attachments=(half,), name="Exactly one MB"), **quota)
    with pytest.raises(QuotaExceeded) as refused:
        store.add(ticket(attachments=(LABEL,), name="One byte too many"), **quota)
    assert refused.value.kind == "attachment_bytes"
    assert refused.value.retry_after == 12 * HOUR  # at midnight, UTC
    assert "One byte too many" not in [t["name"] for t in store.list()]
    # Without files, or from another address, it is fine; tomorrow too.
    assert store.add(ticket(attachments=()), **quota).created
    assert store.add(ticket(attachments=(half,)), client="198.51.100.8", daily_attachment_mb=1)
    clock.now = NOON + 12 * HOUR
    assert store.add(ticket(attachments=(half,)), **quota).created


def test_workers_side_by_side_let_a_client_attach_its_daily_megabytes_and_no_more(store):
    quarter = Attachment("quarter.pdf", "application/pdf", b"%PDF-" + b"x" * (MB // 4 - 5))
    together = threading.Barrier(8, timeout=30)

    def busy(_) -> None:  # PostgreSQL's pool has grown to a connection each, as when busy
        with store.reading():
            together.wait()

    def submit(number: int) -> bool:
        together.wait()
        try:
            store.add(ticket(attachments=(quarter,)), client="198.51.100.7", daily_attachment_mb=1)
        except QuotaExceeded:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        if isinstance(store.target, engines.DatabaseURL):  # (SQLite has one connection)
            list(pool.map(busy, range(8)))
        accepted = list(pool.map(submit, range(8)))
    assert accepted.count(True) == 4
    assert len(store.list()) == 4


def test_clients_without_an_address_share_one_quota(store):
    half = Attachment("half.pdf", "application/pdf", b"%PDF-" + b"x" * (MB // 2))
    store.add(ticket(attachments=(half,)), daily_attachment_mb=1)
    with pytest.raises(QuotaExceeded):
        store.add(ticket(attachments=(half,)), daily_attachment_mb=1)


def test_without_a_quota_a_client_attaches_what_it_likes(store):
    big = Attachment("big.pdf", "application/pdf", b"%PDF-" + b"x" * (3 * MB))
    for _ in range(3):
        assert store.add(ticket(attachments=(big,)), client="198.51.100.7").created


# Free disk space: a watermark refuses what would fill the disk, and only when set.


# (The disk of a SQLite file: a PostgreSQL server's disk is not seen from here; the server says
# when it is full, as the tests of the endpoint's storage failures show.)


def test_below_the_free_disk_watermark_nothing_is_stored(sqlite_store, monkeypatch):
    usage = type("Usage", (), {"free": 50 * MB})
    monkeypatch.setattr(engines.shutil, "disk_usage", lambda path: usage)
    with pytest.raises(StorageUnavailable) as refused:
        sqlite_store.add(ticket(), min_free_disk_mb=100)
    assert refused.value.retry_after > 0
    assert sqlite_store.list() == []
    assert sqlite_store.add(ticket(), min_free_disk_mb=10).created


def test_without_a_watermark_a_nearly_full_disk_refuses_nothing(sqlite_store, monkeypatch):
    usage = type("Usage", (), {"free": 1000})
    monkeypatch.setattr(engines.shutil, "disk_usage", lambda path: usage)
    assert sqlite_store.add(ticket()).created


# The outbox.


def test_a_store_that_does_not_forward_keeps_tickets_out_of_the_outbox(db, clock):
    quiet = TicketStore(db, clock=clock)
    stored = quiet.add(ticket())
    assert quiet.due_deliveries(NOON + DAY) == []
    assert quiet.find(stored.reference)["delivery"] == {
        "state": "not forwarded",
        "attempts": 0,
        "error": "",
        "helpdesk_id": "",
    }
    assert quiet.outbox() == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    quiet.close()


def test_a_forwarded_ticket_is_due_at_once_with_what_the_helpdesk_needs(store):
    stored = store.add(ticket(attachments=(LABEL, INVOICE), plan="pro"))
    [ticket_id] = store.due_deliveries(NOON)
    assert ticket_id == ids_by_reference(store)[stored.reference]
    fields, files = store.delivery_payload(ticket_id)
    assert {k: fields[k] for k in ("reference", "name", "email", "subject", "plan", "page")} == {
        "reference": stored.reference,
        "name": "Camille Martin",
        "email": "camille@example.com",
        "subject": "Colis en retard",
        "plan": "pro",
        "page": "shipping/",
    }
    assert (fields["category"], fields["message"], fields["language"]) == (
        "shipping",
        "Mon colis n'est pas arrivé.",
        "fr",
    )
    assert [(f.filename, f.content_type, f.content) for f in files] == [
        ("label.png", "image/png", PNG),
        ("invoice.pdf", "application/pdf", PDF),
    ]
    assert store.find(stored.reference)["delivery"] == {
        "state": "pending",
        "attempts": 0,
        "error": "",
        "helpdesk_id": "",
        "next_attempt_at": at(NOON),
    }


def test_the_payload_of_a_ticket_that_is_not_there_is_an_error(store):
    with pytest.raises(LookupError, match=r"^no ticket 12345$"):  # named, for whoever shows it
        store.delivery_payload(12345)


def test_a_delivered_ticket_leaves_the_queue_with_its_helpdesk_id(store, clock):
    stored = store.add(ticket())
    [ticket_id] = store.due_deliveries(NOON)
    store.mark_failed_attempt(ticket_id, "request: HTTP 503", NOON + 5, now=NOON + 1)
    clock.now = NOON + 30
    store.mark_delivered(ticket_id, "4711")
    assert store.due_deliveries(NOON + DAY) == []
    assert store.attempts(ticket_id) == 2
    assert store.find(stored.reference)["delivery"] == {
        "state": "delivered",
        "attempts": 2,
        "error": "",
        "helpdesk_id": "4711",
        "last_attempt_at": at(NOON + 30),
        "delivered_at": at(NOON + 30),
    }
    store.mark_delivered(ticket_id, "4711", now=NOON + 40)
    assert store.find(stored.reference)["delivery"]["delivered_at"] == at(NOON + 40)


def test_a_failed_attempt_is_counted_and_waits_for_its_time(store, clock):
    stored = store.add(ticket())
    [ticket_id] = store.due_deliveries(NOON)
    clock.now = NOON + 2
    store.mark_failed_attempt(ticket_id, "x" * 300, NOON + 60)
    assert store.attempts(ticket_id) == 1
    delivery = store.find(stored.reference)["delivery"]
    assert delivery == {
        "state": "pending",
        "attempts": 1,
        "error": "x" * 200,
        "helpdesk_id": "",
        "next_attempt_at": at(NOON + 60),
        "last_attempt_at": at(NOON + 2),
    }
    assert store.due_deliveries(NOON + 59) == []
    assert store.due_deliveries(NOON + 60) == [ticket_id]
    store.mark_failed_attempt(ticket_id, "refused (422)", NOON + 120, give_up=True, now=NOON + 61)
    delivery = store.find(stored.reference)["delivery"]
    assert (delivery["state"], delivery["attempts"], delivery["error"]) == (
        "failed",
        2,
        "refused (422)",
    )
    assert delivery["last_attempt_at"] == at(NOON + 61)
    assert "next_attempt_at" not in delivery
    assert store.due_deliveries(NOON + DAY) == []


def test_a_ticket_never_tried_has_no_attempts(store):
    store.add(ticket())
    [ticket_id] = store.due_deliveries(NOON)
    assert store.attempts(ticket_id) == 0
    assert store.attempts(ticket_id + 100) == 0


def test_due_deliveries_come_ten_at_a_time_the_longest_waiting_first(store, clock):
    for number in range(12):
        store.add(ticket(name=f"Reader {number}"))
    ids = store.due_deliveries(NOON, limit=100)
    assert len(ids) == 12
    # Put them back in the queue in reverse order of creation.
    for position, ticket_id in enumerate(ids):
        store.mark_failed_attempt(ticket_id, "HTTP 503", NOON + 100 - position, now=NOON)
    due = store.due_deliveries(NOON + 100)
    assert due == list(reversed(ids))[:10]
    assert store.due_deliveries(NOON + 100, limit=3) == list(reversed(ids))[:3]
    assert store.due_deliveries(NOON + 95) == list(reversed(ids))[:7]


def test_purge_empties_only_the_files_the_helpdesk_has(store, clock):
    """A ticket on its way (the helpdesk down) or set aside holds the only copy of its files:
    however old, they stay; the delivered ticket's go."""
    delivered, pending, failed = (store.add(ticket(name=n)).reference for n in "ABC")
    ids = ids_by_reference(store)
    store.mark_delivered(ids[delivered], "1", now=NOON)
    store.mark_failed_attempt(ids[pending], "HTTP 503", NOON + DAY, now=NOON)
    store.mark_failed_attempt(ids[failed], "refused (422)", NOON, give_up=True, now=NOON)
    clock.now = NOON + 40 * DAY
    assert store.purge_delivered_attachments(before=NOON + 30 * DAY) == (1, len(PNG))
    contents = {r: [c for _, c in store.attachment_files(r)] for r in (delivered, pending, failed)}
    assert contents == {delivered: [b""], pending: [PNG], failed: [PNG]}


def test_retry_puts_failed_deliveries_back_due_now_with_their_attempts_afresh(store, clock):
    made = [store.add(ticket(name=f"Reader {n}")).reference for n in range(4)]
    ids = ids_by_reference(store)
    failed_one, failed_two, pending, delivered = (ids[r] for r in made)
    for ticket_id in (failed_one, failed_two):
        store.mark_failed_attempt(ticket_id, "refused", NOON + 10, give_up=True, now=NOON)
    store.mark_failed_attempt(pending, "HTTP 503", NOON + 500, now=NOON)
    store.mark_delivered(delivered, "1", now=NOON)
    clock.now = NOON + 300
    assert store.retry() == []
    put_back = store.retry([made[1], made[2], made[3], made[1], "HC-0000-0000-0000"])
    assert put_back == [made[1]]
    assert store.due_deliveries(NOON + 300) == [failed_two]
    assert store.attempts(failed_two) == 0
    assert store.find(made[1])["delivery"]["next_attempt_at"] == at(NOON + 300)
    assert store.find(made[2])["delivery"]["next_attempt_at"] == at(NOON + 500)
    assert store.find(made[3])["delivery"]["state"] == "delivered"
    store.mark_failed_attempt(failed_two, "refused", NOON + 10, give_up=True, now=NOON)
    assert store.retry(all_failed=True) == [made[0], made[1]]
    assert store.outbox()["failed"] == 0


def test_the_outbox_counts_what_waits_and_what_failed_and_the_oldest_wait(store, clock):
    assert store.outbox() == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    made = [store.add(ticket(name=f"Reader {n}")).reference for n in range(4)]
    clock.now += 90
    store.add(ticket(name="Later"))
    ids = ids_by_reference(store)
    store.mark_delivered(ids[made[0]], "1", now=NOON)
    store.mark_failed_attempt(ids[made[1]], "refused", NOON, give_up=True, now=NOON)
    assert store.outbox(now=NOON + 100) == {
        "pending": 3,
        "failed": 1,
        "oldest_pending_seconds": 100,
    }
    assert store.outbox(now=NOON) == {"pending": 3, "failed": 1, "oldest_pending_seconds": 0}
    clock.now = NOON + 1000
    assert store.outbox()["oldest_pending_seconds"] == 1000


def test_delivered_files_are_emptied_after_a_while_their_names_and_sizes_kept(store, clock):
    delivered = store.add(ticket(attachments=(LABEL, INVOICE)))
    waiting = store.add(ticket(attachments=(LABEL,), name="Waiting"))
    clock.now = NOON + 5 * DAY
    recent = store.add(ticket(attachments=(INVOICE,), name="Recent"))
    ids = ids_by_reference(store)
    store.mark_delivered(ids[delivered.reference], "1", now=NOON + 60)
    store.mark_delivered(ids[recent.reference], "2", now=NOON + 5 * DAY)
    clock.now = NOON + 7 * DAY
    assert store.purge_delivered_attachments(before=NOON + 2 * DAY) == (2, len(PNG) + len(PDF))
    assert store.attachment_files(delivered.reference) == [
        (
            {
                "filename": "label.png",
                "content_type": "image/png",
                "size": len(PNG),
                "purged_at": at(NOON + 7 * DAY),
            },
            b"",
        ),
        (
            {
                "filename": "invoice.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "purged_at": at(NOON + 7 * DAY),
            },
            b"",
        ),
    ]
    assert store.find(delivered.reference)["attachments"][0]["purged_at"] == at(NOON + 7 * DAY)
    assert store.attachment_files(waiting.reference)[0][1] == PNG
    assert store.attachment_files(recent.reference)[0][1] == PDF
    assert store.find(recent.reference)["attachments"] == [
        {"filename": "invoice.pdf", "content_type": "application/pdf", "size": len(PDF)}
    ]
    assert store.purge_delivered_attachments(before=NOON + 2 * DAY) == (0, 0)


# Following a request: the reader's and the team's replies, and the status.

SPELLED = "HC-7K3M-9QX2-P4RT"  # a reference as a test fixes it, for hashes kept across versions
PHOTO = Reply("Voici la photo.", (LABEL,))


def status_of(store: TicketStore, reference: str) -> tuple[str, str, str]:
    found = store.find(reference)
    return found["status"], found["status_changed_at"], found["updated_at"]


def test_a_reference_spelled_out_in_lower_case_with_o_i_and_l_is_read_as_meant():
    assert spelled_reference(" hc-7k3o-9qi2-p4rl ") == "HC-7K30-9Q12-P4R1"
    assert spelled_reference("hc-7k3m-9qx2-p4rt") == SPELLED
    assert spelled_reference("HC-7K3M-9QX2") is None


def test_a_reply_is_added_to_the_conversation_with_its_files(store, clock):
    reference = store.add(ticket(attachments=())).reference
    clock.now += 60
    stored = store.add_reply(reference, PHOTO)
    assert (stored.reference, stored.created, stored.status) == (reference, True, "new")
    [comment] = store.find(reference)["comments"]
    assert (comment["author"], comment["body"], comment["created_at"]) == (
        "requester",
        "Voici la photo.",
        at(NOON + 60),
    )
    assert comment["attachments"] == [
        {"filename": "label.png", "content_type": "image/png", "size": len(PNG)}
    ]
    assert store.attachment_files(reference) == [
        ({"filename": "label.png", "content_type": "image/png", "size": len(PNG)}, PNG)
    ]
    assert status_of(store, reference) == ("new", at(NOON), at(NOON + 60))


def test_a_reply_to_a_request_that_is_not_there_names_it(store):
    with pytest.raises(LookupError, match="HC-0000-0000-0000"):
        store.add_reply("HC-0000-0000-0000", PHOTO)
    with pytest.raises(LookupError, match="HC-0000-0000-0000"):
        store.set_status("HC-0000-0000-0000", "solved")


def test_a_reply_retried_with_its_key_is_kept_once_and_answered_as_before(store, clock):
    reference = store.add(ticket(attachments=())).reference
    store.set_status(reference, "pending")
    first = store.add_reply(reference, PHOTO, idempotency_key="reply-key-0001")
    assert (first.created, first.status) == (True, "open")
    store.set_status(reference, "solved")
    again = store.add_reply(reference, PHOTO, idempotency_key="reply-key-0001")
    assert (again.reference, again.created, again.status) == (reference, False, "solved")
    assert len(store.find(reference)["comments"]) == 1
    with pytest.raises(IdempotencyConflict):
        store.add_reply(reference, Reply("Autre chose."), idempotency_key="reply-key-0001")


def test_a_replys_key_is_remembered_for_24_hours_by_default_or_as_long_as_it_is_given(store, clock):
    reference = store.add(ticket(attachments=())).reference
    store.add_reply(reference, PHOTO, idempotency_key="day-reply-001")
    clock.now = NOON + DAY - 1
    with pytest.raises(IdempotencyConflict):
        store.add_reply(reference, Reply("Autre chose."), idempotency_key="day-reply-001")
    clock.now = NOON + DAY
    assert store.add_reply(
        reference, Reply("Autre chose."), idempotency_key="day-reply-001"
    ).created
    hour = {"idempotency_key": "hour-reply-01", "idempotency_hours": 1}
    store.add_reply(reference, PHOTO, **hour)
    clock.now += HOUR - 1
    assert store.add_reply(reference, PHOTO, **hour).created is False
    clock.now += 1
    assert store.add_reply(reference, Reply("Encore autre chose."), **hour).created is True


@pytest.mark.parametrize(
    ("asked", "other", "stored_hash"),
    [
        (
            ticket(),
            ticket(subject="Autre chose"),
            "f661f9f32e0cc259985f49d9aa9ebaf7885f11137d0893f889f12cd2f66746f8",
        ),
        (
            ticket(follows=SPELLED),
            ticket(follows="HC-0000-0000-0000"),
            "20660ecd2f49ab45693d4ba4cb7386ddd307a342b14d07519e53e692c96788db",
        ),
        (
            ticket(category="tracking", fields={"tracking_number": "CP123456789FR"}),
            ticket(category="tracking", fields={"tracking_number": "CP987654321FR"}),
            "319fa6eccdbcbd5ed3218dc0ff21749fa3204b3b62af94031aae38497d998018",
        ),
    ],
    ids=["request", "follow-up", "topic-answers"],
)
def test_a_request_retried_after_an_upgrade_still_matches_the_key_stored_before_it(
    store, asked, other, stored_hash
):
    """What identifies a request (its fields, the request it follows, a topic's answers) is kept
    with its key: it must not change between versions. `stored_hash`: as the version before
    stored it for `asked`."""
    first = store.add(asked, "upgrade-key-01")
    with store.transaction() as db:
        db.execute("UPDATE idempotency_keys SET request_hash = ?", (stored_hash,))
    again = store.add(asked, "upgrade-key-01")
    assert (again.reference, again.created) == (first.reference, False)
    with pytest.raises(IdempotencyConflict):
        store.add(other, "upgrade-key-01")


def test_a_reply_retried_after_an_upgrade_still_matches_the_key_stored_before_it(store):
    """What identifies a reply (its request, text and files) must not change between versions."""
    store.add(ticket(attachments=()))
    with store.transaction() as db:
        db.execute("UPDATE tickets SET reference = ?", (SPELLED,))
        comment_id = db.execute(
            "INSERT INTO comments (ticket_id, author, body, created_at) "
            "VALUES (1, 'requester', 'Voici la photo.', ?) RETURNING id",
            (at(NOON),),
        ).fetchone()[0]
        # As the version before stored it for PHOTO on SPELLED with the key.
        db.execute(
            "INSERT INTO idempotency_keys (key, request_hash, ticket_id, created_at, comment_id) "
            "VALUES (?, ?, 1, ?, ?)",
            (
                "upgrade-reply-1",
                "dfede09a5f713414b459b6d99ea715f4feb302ed3a2d9f41486f0dff7877d73a",
                NOON,
                comment_id,
            ),
        )
    again = store.add_reply(SPELLED, PHOTO, idempotency_key="upgrade-reply-1")
    assert (again.reference, again.created) == (SPELLED, False)


def test_a_solved_request_takes_the_readers_reply_only_within_its_reopening_days(store, clock):
    reference = store.add(ticket(attachments=())).reference
    store.set_status(reference, "solved")
    with pytest.raises(RequestClosed) as refused:
        store.add_reply(reference, PHOTO)  # no reopening unless the site allows it
    assert (refused.value.status, str(refused.value)) == ("solved", "the request is solved")
    clock.now = NOON + 3 * DAY
    stored = store.add_reply(reference, PHOTO, reopen_days=3)
    assert stored.status == "open"
    assert status_of(store, reference) == ("open", at(NOON + 3 * DAY), at(NOON + 3 * DAY))


def test_a_request_solved_again_by_the_team_keeps_the_day_it_was_solved(store, clock):
    # The reader's days to reopen count from when it became solved, not from each team reply.
    reference = store.add(ticket(attachments=())).reference
    store.set_status(reference, "solved")
    clock.now = NOON + 5 * DAY
    store.add_reply(reference, Reply("Toujours réglé."), author=AGENT, status="solved")
    assert status_of(store, reference) == ("solved", at(NOON), at(NOON + 5 * DAY))
    clock.now = NOON + 8 * DAY
    with pytest.raises(RequestClosed):
        store.add_reply(reference, PHOTO, reopen_days=7)


def test_only_the_readers_replies_wait_to_go_to_the_helpdesk_and_only_with_one(db, store):
    reference = store.add(ticket(attachments=())).reference
    store.add_reply(reference, Reply("Le colis est arrivé abîmé."))
    store.add_reply(reference, Reply("Nous regardons."), author=AGENT)  # it came from there
    assert len(rows(db, "SELECT * FROM reply_deliveries")) == 1
    alone = TicketStore(db, forward=False, clock=store.clock)
    try:
        alone.add_reply(reference, Reply("Merci."))
    finally:
        alone.close()
    assert len(rows(db, "SELECT * FROM reply_deliveries")) == 1


def test_a_follow_up_link_opens_its_request_until_it_has_been_idle_for_its_days(store, clock):
    stored = store.add(ticket(attachments=()))
    assert store.follow_up(stored.token, 30)["reference"] == stored.reference
    assert store.follow_up(stored.token, 30, now=NOON + 30 * DAY)["reference"] == stored.reference
    assert store.follow_up(stored.token, 30, now=NOON + 30 * DAY + 1) is None
    clock.now = NOON + 31 * DAY  # the store's clock, when the caller gives no time
    assert store.follow_up(stored.token, 30) is None
    assert store.follow_up("not-a-token", 30) is None


@pytest.mark.parametrize(
    ("status", "solved_days_ago", "reopen_days", "may_reply"),
    [
        ("new", None, 0, True),
        ("open", None, 0, True),
        ("hold", None, 0, True),  # the team waits on someone else: the reader may add to it
        ("pending", None, 0, True),
        ("solved", 0.5, 1, True),
        ("solved", 1.5, 1, False),
        ("solved", 0.5, 0, False),
        ("closed", 0.5, 30, False),
    ],
)
def test_the_reader_may_add_to_a_request_until_it_is_solved_then_for_its_reopening_days(
    status, solved_days_ago, reopen_days, may_reply
):
    changed = at(NOON - solved_days_ago * DAY) if solved_days_ago is not None else at(NOON)
    assert reader_may_reply(status, changed, NOON, reopen_days) is may_reply


def test_a_closed_request_takes_no_reply_from_anyone_and_stays_closed(store):
    reference = store.add(ticket(attachments=())).reference
    store.set_status(reference, "closed")
    for author in ("requester", AGENT):
        with pytest.raises(RequestClosed) as refused:
            store.add_reply(reference, PHOTO, author=author, reopen_days=30)
        assert (refused.value.status, str(refused.value)) == ("closed", "the request is closed")
    with pytest.raises(RequestClosed) as refused:
        store.set_status(reference, "open")
    assert refused.value.status == "closed"
    assert store.set_status(reference, "closed") == ("closed", "closed")
    assert store.find(reference)["comments"] == []


def test_the_teams_reply_awaits_the_reader_unless_it_sets_another_status(store, clock):
    reference = store.add(ticket(attachments=())).reference
    clock.now += 60
    assert store.add_reply(reference, Reply("Nous regardons."), author=AGENT).status == "pending"
    assert status_of(store, reference) == ("pending", at(NOON + 60), at(NOON + 60))
    clock.now += 60
    solved = store.add_reply(reference, Reply("C'est réglé."), author=AGENT, status="solved")
    assert solved.status == "solved"
    assert [c["author"] for c in store.find(reference)["comments"]] == [AGENT, AGENT]
    assert status_of(store, reference) == ("solved", at(NOON + 120), at(NOON + 120))


def test_setting_the_status_it_already_has_keeps_when_it_changed(store, clock):
    reference = store.add(ticket(attachments=())).reference
    clock.now += 60
    assert store.set_status(reference, "solved") == ("new", "solved")
    clock.now += 60
    assert store.set_status(reference, "solved") == ("solved", "solved")
    assert status_of(store, reference) == ("solved", at(NOON + 60), at(NOON + 120))
    with pytest.raises(ValueError, match="unknown status 'reopened'"):
        store.set_status(reference, "reopened")


def test_a_reply_with_files_counts_against_the_clients_daily_megabytes(store):
    half = Attachment("half.pdf", "application/pdf", b"%PDF-" + b"x" * (MB // 2 - 5))
    anonymous = store.add(ticket(attachments=(half,)), daily_attachment_mb=1).reference
    store.add_reply(anonymous, Reply("La suite.", (half,)), daily_attachment_mb=1)
    with pytest.raises(QuotaExceeded) as refused:
        store.add_reply(anonymous, PHOTO, daily_attachment_mb=1)
    assert (refused.value.kind, refused.value.retry_after) == ("attachment_bytes", 12 * HOUR)
    quota = {"client": "198.51.100.7", "daily_attachment_mb": 1}
    reference = store.add(ticket(attachments=(half,)), **quota).reference
    store.add_reply(reference, Reply("La suite.", (half,)), **quota)
    with pytest.raises(QuotaExceeded):
        store.add_reply(reference, PHOTO, **quota)
    # Another address has its own megabyte, and without files or a quota nothing is counted.
    other = {"client": "198.51.100.8", "daily_attachment_mb": 1}
    assert store.add_reply(reference, Reply("La suite.", (half,)), **other).created
    assert store.add_reply(reference, Reply("Sans fichier."), **quota).created
    assert store.add_reply(reference, PHOTO, client="198.51.100.7").created


def test_without_a_watermark_a_nearly_full_disk_refuses_no_reply(sqlite_store, monkeypatch):
    reference = sqlite_store.add(ticket(attachments=())).reference
    usage = type("Usage", (), {"free": 1000})
    monkeypatch.setattr(engines.shutil, "disk_usage", lambda path: usage)
    assert sqlite_store.add_reply(reference, PHOTO).created
    with pytest.raises(StorageUnavailable):
        sqlite_store.add_reply(reference, PHOTO, min_free_disk_mb=1)


# A database of an earlier version: a SQLite file (the versions before PostgreSQL had only those).

EARLIER = (
    FIRST_TABLES
    + """
INSERT INTO tickets VALUES (1, 'HC-AAAA-BBBB-CCCC', 'earlier-key-01', '2030-01-01T11:59:30+00:00',
    'Camille', 'camille@example.com', 'Avant', 'shipping', '', 'Envoyé avant la mise à jour.',
    'fr', '');
INSERT INTO tickets VALUES (2, 'HC-DDDD-EEEE-FFFF', NULL, '2030-01-01T11:59:40+00:00',
    'Dani', 'dani@example.com', 'Sans clé', 'billing', '', 'Envoyé sans clé, avant.', 'es', '');
INSERT INTO attachments VALUES (1, 1, 'a.txt', 'text/plain', 5, X'68656C6C6F');
INSERT INTO deliveries VALUES (1, 'delivered', 1, 0, '', '77', '2030-01-01T11:59:50+00:00');
INSERT INTO deliveries VALUES (2, 'pending', 0, 0, '', '', '');
"""
)


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    path = tmp_path / "earlier.sqlite3"
    connection = sqlite3.connect(path)
    connection.executescript(EARLIER)
    connection.close()
    return path


def test_an_earlier_database_is_brought_up_to_date_with_its_tickets_whole(earlier, clock):
    store = TicketStore(earlier, forward=True, clock=clock)
    old = store.find("HC-AAAA-BBBB-CCCC")
    assert (old["name"], old["created_at"]) == ("Camille", "2030-01-01T11:59:30+00:00")
    assert old["attachments"] == [{"filename": "a.txt", "content_type": "text/plain", "size": 5}]
    assert old["delivery"] == {
        "state": "delivered",
        "attempts": 1,
        "error": "",
        "helpdesk_id": "77",
        "delivered_at": "2030-01-01T11:59:50+00:00",
    }
    # What the new version does with them works: attempts, purges.
    ids = ids_by_reference(store)
    store.mark_failed_attempt(ids["HC-DDDD-EEEE-FFFF"], "HTTP 503", NOON + 5, now=NOON)
    assert store.find("HC-DDDD-EEEE-FFFF")["delivery"]["last_attempt_at"] == at(NOON)
    assert store.purge_delivered_attachments(before=NOON) == (1, 5)
    assert store.attachment_files("HC-AAAA-BBBB-CCCC")[0][1] == b""
    # Through every step: the per-minute limits can be shared.
    assert rows(earlier, "SELECT version FROM schema_migrations") == [(1,), (2,)]
    assert store.spend_allowance("198.51.100.7 /api/tickets", 20.0, 40.0, NOON) is None


def test_an_earlier_tickets_key_answers_any_retry_for_a_day_after_it_was_sent(earlier, clock):
    store = TicketStore(earlier, forward=True, clock=clock)
    retried = store.add(ticket(name="Whatever the retry says"), "earlier-key-01")
    assert (retried.reference, retried.created) == ("HC-AAAA-BBBB-CCCC", False)
    assert len(store.list()) == 2
    # A day after the earlier ticket was sent, its key is forgotten like any other.
    clock.now = datetime(2030, 1, 2, 11, 59, 30, tzinfo=UTC).timestamp()
    assert store.add(ticket(), "earlier-key-01").created is True
    assert len(store.list()) == 3


def test_opening_an_up_to_date_database_again_changes_nothing(earlier, clock):
    first = TicketStore(earlier, forward=True, clock=clock)
    stored = first.add(ticket(), "fresh-key-0001")
    first.close()
    again = TicketStore(earlier, forward=True, clock=clock)
    assert again.add(ticket(), "fresh-key-0001").reference == stored.reference
    assert again.add(ticket(), "earlier-key-01").reference == "HC-AAAA-BBBB-CCCC"
    assert len(again.list()) == 3


# The schema's steps (helpcenter.migrations), on both engines.


def test_each_schema_step_is_applied_once_and_recorded(db, clock):
    TicketStore(db, clock=clock).close()
    FeedbackStore(db, clock=clock).close()
    clock.now += DAY
    TicketStore(db, clock=clock).close()
    assert rows(db, "SELECT version, name, applied_at FROM schema_migrations") == [
        (1, "tickets, feedback and daily quotas", at(NOON)),
        (2, "rate limits shared between processes", at(NOON)),
    ]


def test_a_database_at_step_1_goes_through_step_2_with_its_tickets_whole(db, clock, monkeypatch):
    """A database made by the version before step 2 (on either engine) gets what it adds."""
    with monkeypatch.context() as before:
        before.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        earlier = TicketStore(db, forward=True, clock=clock)
        sent = earlier.add(ticket()).reference
        earlier.close()
    assert rows(db, "SELECT version FROM schema_migrations") == [(1,)]
    clock.now += HOUR
    store = TicketStore(db, forward=True, clock=clock)
    assert rows(db, "SELECT version, applied_at FROM schema_migrations ORDER BY version") == [
        (1, at(NOON)),
        (2, at(NOON + HOUR)),
    ]
    assert references(store) == [sent]
    assert store.spend_allowance("198.51.100.7 /api/tickets", 20.0, 40.0, clock.now) is None
    assert rows(db, "SELECT COUNT(*) FROM rate_limits") == [(1,)]
    store.close()


def test_a_write_that_fails_halfway_leaves_nothing_behind(store):
    """A ticket and its files are kept whole or not at all: what a failed transaction wrote
    before it failed is undone."""
    with pytest.raises(LookupError), store.transaction() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
        raise LookupError
    store.add(ticket())  # and the next write starts afresh
    with store.reading() as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'half'").fetchall() == []
    assert len(store.list()) == 1


def test_workers_storing_at_once_in_one_sqlite_file_all_succeed(tmp_path, clock):
    """Two workers, each with its connection, store tickets at once (a retry's key is looked up
    before the ticket is written): each waits for the other's write, none fails."""
    path = tmp_path / "tickets.sqlite3"
    workers = [TicketStore(path, forward=True, clock=clock) for _ in range(2)]
    with ThreadPoolExecutor(4) as pool:
        stored = list(
            pool.map(lambda n: workers[n % 2].add(ticket(), f"key-{n:04d}-abcdefgh"), range(60))
        )
    for worker in workers:
        worker.close()
    assert all(made.created for made in stored)
    assert rows(path, "SELECT COUNT(*) FROM tickets") == [(60,)]


def test_a_client_is_counted_under_a_key_its_address_alone_does_not_give(tmp_path, clock):
    """Each database has its own salt: whoever reads the counters cannot find an address in
    them by hashing a list of addresses, nor match a client across two databases."""
    keys = []
    for name in ("one", "two"):
        store = TicketStore(tmp_path / f"{name}.sqlite3", clock=clock)
        assert store.spend_allowance("198.51.100.7 /api/tickets", 20.0, 40.0, clock.now) is None
        store.close()
        [[key]] = rows(tmp_path / f"{name}.sqlite3", "SELECT key FROM rate_limits")
        keys.append(key)
    assert keys[0] != keys[1]
    assert "198.51.100.7" not in keys[0]


def test_processes_starting_together_on_a_new_database_apply_each_step_once(db, clock):
    """Several workers of one deployment start at once: the steps run under a lock, once."""
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: TicketStore(db, clock=clock), range(4)))
    for store in stores:
        store.close()
    assert rows(db, "SELECT COUNT(*) FROM schema_migrations") == [(len(migrations.MIGRATIONS),)]
    assert (
        len({row[0] for row in rows(db, "SELECT value FROM meta WHERE key = 'client_salt'")}) == 1
    )


def engine_of(target) -> type[engines.Engine]:
    return engines.PostgreSQL if isinstance(target, engines.DatabaseURL) else engines.SQLite


def test_a_database_of_a_newer_version_is_not_opened_and_says_why(db, clock):
    TicketStore(db, clock=clock).close()
    last = migrations.MIGRATIONS[-1].version
    execute(
        db, "INSERT INTO schema_migrations VALUES (?, 'from the future', ?)", (last + 1, at(NOON))
    )
    with pytest.raises(SystemExit) as refused:
        TicketStore(db, clock=clock)
    assert str(refused.value) == (
        f"Cannot use the database {db}: it was made by a newer version of helpcenter (schema "
        f"step {last + 1}; this version knows steps 1 to {last}). {engine_of(db).hint}"
    )


# The forwarder, working from the outbox: each ticket delivered once, failures retried with
# backoff between bounds, set aside after its attempts; the outbox itself looked at again and
# again, less often while the database fails.


class Helpdesk:
    """A helpdesk that answers each delivery as it is told: an id, or an error."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.delivered: list[tuple[str, list[str]]] = []

    def deliver(self, ticket: dict, attachments: list[Attachment]) -> str:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        self.delivered.append((ticket["reference"], [a.filename for a in attachments]))
        return answer


def forwarder(store: TicketStore, clock: Clock, helpdesk: Helpdesk, **options) -> Forwarder:
    return Forwarder(store, helpdesk, clock=clock, **options)  # type: ignore[arg-type]


def test_a_ticket_is_delivered_once_with_its_files_and_leaves_the_queue(store, clock):
    stored = store.add(ticket(attachments=(LABEL, INVOICE)))
    helpdesk = Helpdesk("9001")
    later = Clock(NOON + 30)  # the forwarder's time is the time deliveries are recorded at
    outbox = forwarder(store, later, helpdesk)
    [ticket_id] = store.due_deliveries(NOON)
    assert outbox.deliver_one(ticket_id) is True
    assert outbox.deliver_due() == 0
    later.now += DAY
    assert outbox.deliver_due() == 0
    assert helpdesk.delivered == [(stored.reference, ["label.png", "invoice.pdf"])]
    delivery = store.find(stored.reference)["delivery"]
    assert (delivery["state"], delivery["helpdesk_id"], delivery["delivered_at"]) == (
        "delivered",
        "9001",
        at(NOON + 30),
    )


class Crowded:
    """A helpdesk that each forwarder reaches at the same time with its first delivery (they all
    hold what they claimed then), recording what it is given."""

    def __init__(self, forwarders: int) -> None:
        self.together = threading.Barrier(forwarders, timeout=30)
        self.waited = threading.local()
        self.lock = threading.Lock()
        self.delivered: list[str] = []

    def deliver(self, ticket: dict, attachments: list[Attachment]) -> str:
        if not getattr(self.waited, "done", False):
            self.waited.done = True
            self.together.wait()
        with self.lock:
            self.delivered.append(ticket["reference"])
            return str(len(self.delivered))


def test_forwarders_in_several_processes_deliver_each_ticket_once(db, clock):
    """Each forwarder claims what it takes: the others skip it, without waiting (PostgreSQL's
    SKIP LOCKED; SQLite claims one after the other)."""
    stores = [TicketStore(db, forward=True, clock=clock) for _ in range(3)]  # one a process
    sent = [stores[0].add(ticket()).reference for _ in range(25)]
    helpdesk = Crowded(3)

    def work(store: TicketStore) -> None:
        outbox = forwarder(store, clock, helpdesk)  # type: ignore[arg-type]
        while outbox.deliver_due():
            pass

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(work, stores))
    assert sorted(helpdesk.delivered) == sorted(sent)
    assert {t["delivery"]["state"] for t in stores[0].list()} == {"delivered"}
    for store in stores:
        store.close()


def test_a_claim_ends_when_the_forwarder_that_held_it_died(store, clock):
    stored = store.add(ticket())
    assert len(store.due_deliveries(NOON, claim_for=300)) == 1  # then the forwarder died
    assert store.due_deliveries(NOON + 299) == []
    helpdesk = Helpdesk("31")
    clock.now = NOON + 300
    assert forwarder(store, clock, helpdesk).deliver_due() == 1
    assert helpdesk.delivered == [(stored.reference, ["label.png"])]
    assert store.find(stored.reference)["delivery"]["state"] == "delivered"


def test_an_entry_whose_ticket_cannot_be_read_is_logged_by_its_number(store, clock, caplog):
    caplog.set_level(logging.WARNING, logger="helpcenter.tickets.helpdesk")
    assert forwarder(store, clock, Helpdesk("1")).deliver_one(999) is False
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(
        "Ticket #999: delivery attempt 1 of 12 failed (unexpected LookupError at "
    )
    assert line.endswith("); next attempt in 5s")


def waits_until_set_aside(store, clock, outbox, reference) -> list[float]:
    """Attempt after attempt, each when it falls due: the waits between them."""
    waits = []
    while store.find(reference)["delivery"]["state"] == "pending":
        tried_at = clock.now
        assert outbox.deliver_due() == 1
        delivery = store.find(reference)["delivery"]
        if delivery["state"] == "pending":
            due = datetime.fromisoformat(delivery["next_attempt_at"]).timestamp()
            waits.append(due - tried_at)
            clock.now = due - 0.5
            assert outbox.deliver_due() == 0  # not before its time
            clock.now = due
    return waits


def test_failures_are_retried_after_doubling_waits_of_at_most_an_hour_then_set_aside(
    store, clock, caplog
):
    caplog.set_level(logging.WARNING, logger="helpcenter.tickets.helpdesk")
    stored = store.add(ticket())
    outbox = forwarder(store, clock, Helpdesk(DeliveryError("request: HTTP 503")))
    waits = waits_until_set_aside(store, clock, outbox, stored.reference)
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]
    delivery = store.find(stored.reference)["delivery"]
    assert (delivery["state"], delivery["attempts"], delivery["error"]) == (
        "failed",
        12,
        "request: HTTP 503",
    )
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 12
    assert lines[0] == (
        f"Ticket {stored.reference}: delivery attempt 1 of 12 failed (request: HTTP 503); "
        "next attempt in 5s"
    )
    assert lines[-1] == (
        f"Ticket {stored.reference}: delivery attempt 12 of 12 failed (request: HTTP 503); set "
        f"aside as failed (`helpcenter tickets retry {stored.reference}` tries again)"
    )
    assert [record.levelname for record in caplog.records] == ["WARNING"] * 11 + ["ERROR"]


def test_the_waits_follow_the_forwarders_settings(store, clock):
    stored = store.add(ticket())
    helpdesk = Helpdesk(DeliveryError("connection: cannot connect (ConnectError)"))
    outbox = forwarder(store, clock, helpdesk, backoff_base=2, max_backoff=10, max_attempts=6)
    assert waits_until_set_aside(store, clock, outbox, stored.reference) == [2, 4, 8, 10, 10]
    assert store.find(stored.reference)["delivery"]["attempts"] == 6


def test_the_wait_doubles_from_the_first_attempt_and_never_overflows():
    retries = helpdesk.Retries()  # the rule tickets and readers' replies share
    assert [retries.wait(n, None) for n in (-1, 0, 1, 2, 3, 4, 11, 12, 5000)] == [
        5,
        5,
        5,
        10,
        20,
        40,
        3600,
        3600,
        3600,
    ]


@pytest.mark.parametrize(("said", "wait"), [(120, 120), (7200, 7200), (0, 1), (0.2, 1)])
def test_the_helpdesk_says_when_to_come_back_but_never_sooner_than_a_second(
    store, clock, said, wait
):
    stored = store.add(ticket())
    refusal = DeliveryError("request: rate limited (429)", retry_after=said)
    later = Clock(NOON + 7)  # the forwarder's time is the time attempts are recorded at
    forwarder(store, later, Helpdesk(refusal)).deliver_due()
    delivery = store.find(stored.reference)["delivery"]
    assert delivery["state"] == "pending"
    assert delivery["last_attempt_at"] == at(NOON + 7)
    assert delivery["next_attempt_at"] == at(NOON + 7 + wait)


def test_what_the_helpdesk_refuses_is_set_aside_at_once(store, clock):
    stored = store.add(ticket())
    refusal = DeliveryError("request: refused (422): email", permanent=True)
    outbox = forwarder(store, clock, Helpdesk(refusal))
    assert outbox.deliver_one(ids_by_reference(store)[stored.reference]) is False
    clock.now += DAY
    assert outbox.deliver_due() == 0
    delivery = store.find(stored.reference)["delivery"]
    assert (delivery["state"], delivery["attempts"]) == ("failed", 1)


@pytest.mark.parametrize("attempts", [1, 0, -3])
def test_a_single_attempt_is_the_least_a_ticket_gets(store, clock, attempts):
    stored = store.add(ticket())
    outbox = forwarder(store, clock, Helpdesk(DeliveryError("HTTP 500")), max_attempts=attempts)
    assert outbox.deliver_due() == 1
    assert store.find(stored.reference)["delivery"]["state"] == "failed"


def broken_helpdesk(ticket: dict, attachments: list) -> str:
    return {"id": ticket["message"]}["missing"]  # a bug that quotes what it read


BUG_LINE = broken_helpdesk.__code__.co_firstlineno + 1


def test_a_bug_while_delivering_is_recorded_without_what_the_reader_wrote_and_retried(
    store, clock, caplog
):
    caplog.set_level(logging.WARNING, logger="helpcenter.tickets.helpdesk")
    stored = store.add(ticket())
    helpdesk = Helpdesk("1")
    helpdesk.deliver = broken_helpdesk  # type: ignore[method-assign]
    outbox = forwarder(store, clock, helpdesk)
    assert outbox.deliver_one(ids_by_reference(store)[stored.reference]) is False
    delivery = store.find(stored.reference)["delivery"]
    assert delivery["error"] == f"unexpected KeyError at {HERE}:{BUG_LINE}"
    assert [record.getMessage() for record in caplog.records] == [
        f"Ticket {stored.reference}: delivery attempt 1 of 12 failed (unexpected KeyError at "
        f"{HERE}:{BUG_LINE}); next attempt in 5s"
    ]
    assert (delivery["state"], delivery["next_attempt_at"]) == ("pending", at(NOON + 5))


def test_a_failing_database_is_not_recorded_as_a_failed_delivery(store, clock):
    stored = store.add(ticket())
    outbox = forwarder(store, clock, Helpdesk(StorageUnavailable("the database is locked")))
    with pytest.raises(StorageUnavailable):
        outbox.deliver_one(ids_by_reference(store)[stored.reference])
    assert store.find(stored.reference)["delivery"]["attempts"] == 0


def test_a_bug_is_told_by_its_kind_and_where_it_happened_never_its_message():
    assert unexpected(KeyError("camille@example.com")) == "unexpected KeyError"

    def outer():
        innermost()

    def innermost():
        raise ValueError("camille@example.com")

    try:
        outer()
    except ValueError as error:
        told = unexpected(error)
    line = innermost.__code__.co_firstlineno + 1
    assert told == f"unexpected ValueError at {HERE}:{line}"


class Stop(Exception):
    """Ends the forwarder's loop: raised by its sleep once the script has run out."""


def waits_of(outcomes: list, **options) -> list[float]:
    """Run the forwarder's loop over `outcomes`, what each look at the outbox gives (how many
    deliveries it tried, or what it ran into); the waits between the looks."""
    script = list(outcomes)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if not script:
            raise Stop

    def deliver_due() -> int:
        outcome = script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    outbox = Forwarder(None, None, sleep=sleep, **options)  # type: ignore[arg-type]
    outbox.deliver_due = deliver_due  # type: ignore[method-assign]
    with pytest.raises(Stop):
        run_async(outbox.run())
    return waits


LOCKED = StorageUnavailable("the database is locked")


def test_an_idle_outbox_is_looked_at_every_second():
    assert waits_of([0, 0, 0]) == [1, 1, 1]
    assert waits_of([0, 0], poll_seconds=0.25) == [0.25, 0.25]


def test_while_deliveries_are_due_the_forwarder_does_not_wait():
    assert waits_of([3, 1, 2, 0]) == [1]


def test_while_the_database_fails_the_outbox_is_looked_at_less_and_less_often():
    assert waits_of([LOCKED] * 6 + [0], max_backoff=30) == [2, 4, 8, 16, 30, 30, 1]
    long_outage = waits_of([LOCKED] * 12 + [0], max_backoff=10_000)
    assert long_outage == [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024, 1024, 1]
    assert waits_of([LOCKED, 0], poll_seconds=0.5) == [1, 0.5]


def test_once_the_database_is_back_the_next_outage_starts_with_short_waits_again():
    assert waits_of([LOCKED, LOCKED, 2, 0, LOCKED, 0]) == [2, 4, 1, 2, 1]


def test_an_unavailable_outbox_is_logged_with_why_and_when_it_is_looked_at_again(caplog):
    caplog.set_level(logging.ERROR, logger="helpcenter.tickets.helpdesk")

    def bug() -> None:
        raise RuntimeError("camille@example.com")

    try:
        bug()
    except RuntimeError as error:
        failure = error
    waits_of([LOCKED, failure, 0])
    line = bug.__code__.co_firstlineno + 1
    assert [record.getMessage() for record in caplog.records] == [
        "Outbox unavailable (the database is locked); next look in 2s",
        f"Outbox unavailable (unexpected RuntimeError at {HERE}:{line}); next look in 4s",
    ]


# What the helpdesk is sent, and what its answers mean (Zendesk's Requests API, through a mock
# transport: each request the client makes is seen here, answered as the test says).


class Zendesk:
    """Answers uploads with tokens and requests with ids, unless told otherwise."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.answers: list = []  # what to answer next, instead of the right answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if request.url.path == "/api/v2/uploads":
            token = f"token-{len(self.seen)}"
            return httpx.Response(201, json={"upload": {"token": token}})
        return httpx.Response(201, json={"request": {"id": 4242, "status": "new"}})


@pytest.fixture
def zendesk(monkeypatch) -> Zendesk:
    standin = Zendesk()
    transport = httpx.MockTransport(standin)
    monkeypatch.setattr(
        helpdesk.httpx, "Client", functools.partial(httpx.Client, transport=transport)
    )
    return standin


def payload(**changes) -> dict:
    fields = {
        "reference": "HC-7K3M-9QX2-P4RT",
        "name": "Camille Martin",
        "email": "camille@example.com",
        "subject": "Colis en retard",
        "category": "shipping",
        "plan": "pro",
        "message": "Mon colis n'est pas arrivé.",
        "language": "fr",
        "page": "shipping/customs/",
    }
    return {**fields, **changes}


def test_the_files_go_first_then_the_request_with_their_tokens_and_its_reference_as_key(zendesk):
    client = HelpdeskClient("https://colisto.zendesk.example")
    assert client.deliver(payload(), [LABEL, INVOICE]) == "4242"
    first, second, request = zendesk.seen
    assert [str(r.url) for r in (first, second)] == [
        "https://colisto.zendesk.example/api/v2/uploads?filename=label.png",
        "https://colisto.zendesk.example/api/v2/uploads?filename=invoice.pdf",
    ]
    assert [(r.method, r.headers["content-type"], r.content) for r in (first, second)] == [
        ("POST", "image/png", PNG),
        ("POST", "application/pdf", PDF),
    ]
    assert str(request.url) == "https://colisto.zendesk.example/api/v2/requests.json"
    assert request.headers["idempotency-key"] == "HC-7K3M-9QX2-P4RT"
    assert json.loads(request.content) == {
        "request": {
            "requester": {"name": "Camille Martin", "email": "camille@example.com"},
            "subject": "Colis en retard",
            "comment": {
                "body": "Mon colis n'est pas arrivé.\n\n---\nPage: shipping/customs/",
                "uploads": ["token-1", "token-2"],
            },
            "tags": ["category_shipping", "lang_fr", "plan_pro"],
        }
    }
    # It waits at most its timeout for the helpdesk: 10 s unless told.
    assert request.extensions["timeout"]["read"] == 10.0
    HelpdeskClient("https://colisto.zendesk.example", timeout=2.5).deliver(payload(), [])
    assert zendesk.seen[-1].extensions["timeout"]["read"] == 2.5


def test_a_reply_goes_to_its_request_as_a_comment_with_its_files_tokens_and_its_key(zendesk):
    client = HelpdeskClient("https://colisto.zendesk.example")
    client.add_comment("77/../1", "camille@example.com", "Voici la facture.", [INVOICE], "reply-1")
    upload, comment = zendesk.seen
    assert str(upload.url) == "https://colisto.zendesk.example/api/v2/uploads?filename=invoice.pdf"
    # The request's id stays one segment of the path, whatever the helpdesk called it.
    assert (comment.method, str(comment.url)) == (
        "PUT",
        "https://colisto.zendesk.example/api/v2/requests/77%2F..%2F1.json",
    )
    assert comment.headers["idempotency-key"] == "reply-1"
    assert json.loads(comment.content) == {
        "request": {"comment": {"body": "Voici la facture.", "uploads": ["token-1"]}}
    }


def test_a_requests_state_is_read_from_its_own_path_in_a_bounded_number_of_pages(zendesk):
    client = HelpdeskClient("https://colisto.zendesk.example")
    request = httpx.Response(200, json={"request": {"status": "open", "requester_id": 7}})
    endless = {"comments": [], "next_page": "/api/v2/requests/77/comments.json?page=2"}
    zendesk.answers = [request] + [httpx.Response(200, json=endless)] * (MAX_COMMENT_PAGES + 1)
    assert client.request_state("77/../1", "camille@example.com").status == "open"
    # The request's id stays one segment of the path; a helpdesk that always has a next page is
    # read no further than MAX_COMMENT_PAGES.
    first, comments, *more = (str(seen.url) for seen in zendesk.seen)
    assert (first, comments) == (
        "https://colisto.zendesk.example/api/v2/requests/77%2F..%2F1.json",
        "https://colisto.zendesk.example/api/v2/requests/77%2F..%2F1/comments.json",
    )
    assert len(more) == MAX_COMMENT_PAGES - 1
    # A failing page is named as the comments'.
    zendesk.answers = [request, httpx.Response(503)]
    with pytest.raises(DeliveryError) as raised:
        client.request_state("77", "camille@example.com")
    assert str(raised.value) == "comments: HTTP 503"


def test_a_request_without_files_page_or_plan_says_only_what_it_has(zendesk):
    client = HelpdeskClient("https://colisto.zendesk.example")
    assert client.deliver(payload(page="", plan=""), []) == "4242"
    [request] = zendesk.seen
    sent = json.loads(request.content)["request"]
    assert sent["comment"] == {"body": "Mon colis n'est pas arrivé.", "uploads": []}
    assert sent["tags"] == ["category_shipping", "lang_fr"]


@pytest.mark.parametrize(
    ("answer", "told"),
    [
        (httpx.Response(200, json={"request": {"id": 77}}), "77"),
        (httpx.Response(201, json={"request": {"id": "a-77"}}), "a-77"),
    ],
)
def test_the_helpdesks_id_for_the_request_is_kept(zendesk, answer, told):
    zendesk.answers = [answer]
    assert HelpdeskClient("https://h.example").deliver(payload(), []) == told


def failure(zendesk: Zendesk, *answers, files=()) -> DeliveryError:
    zendesk.answers = list(answers)
    with pytest.raises(DeliveryError) as failed:
        HelpdeskClient("https://h.example").deliver(payload(), list(files))
    return failed.value


LONG_TYPE = "application/vnd.colisto.very-long-name-of-a-type+xml"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            httpx.Response(
                200, text="<html>", headers={"content-type": "text/html; charset=utf-8"}
            ),
            "request: HTTP 200 without a JSON object (text/html)",
        ),
        (
            httpx.Response(201, content=b"{not json"),
            "request: HTTP 201 without a JSON object (no content type)",
        ),
        (
            httpx.Response(201, json=["a", "list"]),
            "request: HTTP 201 without a JSON object (application/json)",
        ),
        (
            httpx.Response(200, text="x", headers={"content-type": LONG_TYPE}),
            f"request: HTTP 200 without a JSON object ({LONG_TYPE[:40]})",
        ),
        (httpx.Response(201, json={"request": {}}), "request: answer without request.id"),
        (httpx.Response(201, json={"request": {"id": None}}), "request: answer without request.id"),
        (httpx.Response(201, json={"request": {"id": True}}), "request: answer without request.id"),
        (
            httpx.Response(201, json={"request": {"id": {"n": 1}}}),
            "request: answer without request.id",
        ),
        (httpx.Response(201, json={"request": {"id": [1]}}), "request: answer without request.id"),
        (httpx.Response(201, json={"request": 5}), "request: answer without request.id"),
        (httpx.Response(201, json={}), "request: answer without request.id"),
        (httpx.Response(500, json={"error": "boom"}), "request: HTTP 500"),
        (httpx.Response(202, json={"request": {"id": 1}}), "request: HTTP 202"),
    ],
)
def test_an_answer_that_is_not_the_contracts_is_a_failed_delivery_that_says_why(
    zendesk, answer, message
):
    error = failure(zendesk, answer)
    assert str(error) == message
    assert not error.permanent


@pytest.mark.parametrize(
    "upload",
    [
        httpx.Response(201, json={"upload": {}}),
        httpx.Response(201, json={"upload": {"token": ""}}),
        httpx.Response(201, json={"upload": {"token": 12345}}),
        httpx.Response(201, json={"upload": "token"}),
        httpx.Response(201, json={}),
    ],
)
def test_an_upload_answered_without_a_token_stops_the_delivery(zendesk, upload):
    error = failure(zendesk, upload, files=[LABEL])
    assert str(error) == "upload: answer without upload.token"
    assert len(zendesk.seen) == 1  # no request made without its file


def test_an_upload_that_fails_says_it_was_the_upload(zendesk):
    error = failure(zendesk, httpx.Response(503, headers={"retry-after": "30"}), files=[LABEL])
    assert (str(error), error.retry_after) == ("upload: HTTP 503", 30)


def test_what_the_helpdesk_refuses_is_a_permanent_failure_naming_the_fields(zendesk):
    refusal = httpx.Response(
        422,
        json={"error": "RecordInvalid", "details": {"requester": [{"description": "Camille"}]}},
    )
    error = failure(zendesk, refusal)
    assert str(error) == "request: refused (422): requester"
    assert error.permanent is True


def test_a_rate_limit_or_an_outage_says_when_to_come_back(zendesk):
    limited = failure(zendesk, httpx.Response(429, headers={"retry-after": "120"}))
    assert (str(limited), limited.retry_after, limited.permanent) == (
        "request: rate limited (429)",
        120,
        False,
    )
    down = failure(zendesk, httpx.Response(503, headers={"Retry-After": "60"}))
    assert (str(down), down.retry_after) == ("request: HTTP 503", 60)
    silent = failure(zendesk, httpx.Response(429))
    assert silent.retry_after is None


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (httpx.ReadTimeout("slow"), "request: timed out (ReadTimeout)"),
        (httpx.ConnectTimeout("slow"), "request: timed out (ConnectTimeout)"),
        (httpx.ConnectError("refused"), "request: cannot connect (ConnectError)"),
        (
            httpx.RemoteProtocolError("https://h.example/?filename=label.png"),
            "request: RemoteProtocolError",
        ),
    ],
)
def test_a_network_failure_is_told_by_its_kind_never_by_its_text(zendesk, fault, message):
    assert str(failure(zendesk, fault)) == message
    uploading = failure(zendesk, fault, files=[LABEL])
    assert str(uploading) == message.replace("request:", "upload:")
