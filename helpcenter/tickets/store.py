"""Durable ticket storage in SQLite.

A ticket, its attachments and its delivery to the helpdesk (the outbox) are written in one
transaction, committed before the reader is told "received": a crash after the answer loses
nothing (see helpcenter.database). An idempotency key maps a retried submission to the
ticket it already created, for `idempotency_hours`, and only when the retry is the same request
(a hash of its fields and attachments): the same key with another request is refused. What a
client attaches in a day is counted against its daily quota.

The outbox: each forwarded ticket's delivery is `pending` (waiting for its next attempt),
`delivered`, or `failed` (set aside after too many attempts, or refused by the helpdesk: a dead
letter, put back in the queue by `helpcenter tickets retry`).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from helpcenter.database import MB, Database, QuotaExceeded, iso
from helpcenter.tickets.validation import Attachment, Ticket

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    category TEXT NOT NULL,
    plan TEXT NOT NULL,
    message TEXT NOT NULL,
    language TEXT NOT NULL,
    page TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    purged_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attachments_ticket ON attachments(ticket_id);
CREATE TABLE IF NOT EXISTS deliveries (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    delivered_at TEXT NOT NULL DEFAULT '',
    last_attempt_at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(created_at);
"""
# Crockford's base32: no I, L, O or U to misread when a reader spells the reference out.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What a reference looks like: the server and the thank-you page's script both check it with this.
REFERENCE_PATTERN = "^HC-{0}-{0}-{0}$".format(f"[{REFERENCE_ALPHABET}]{{4}}")
REFERENCE = re.compile(REFERENCE_PATTERN)
# The daily quota a ticket's attachments count against.
ATTACHMENT_BYTES = "attachment_bytes"


def new_reference() -> str:
    """An unguessable reference a reader can read out: 60 random bits, like `HC-7K3M-9QX2-P4RT`."""
    characters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
    return f"HC-{characters[:4]}-{characters[4:8]}-{characters[8:]}"


def spelled_reference(text: str) -> str | None:
    """The reference a reader spelled out (`hc-7k3m-9qx2-p4rt`, O for 0, I or L for 1, as
    Crockford's base32 reads them), or None when `text` is not one."""
    prefix, _, rest = text.strip().upper().partition("-")
    rest = rest.translate(str.maketrans("OIL", "011"))
    reference = f"{prefix}-{rest}"
    return reference if REFERENCE.fullmatch(reference) else None


def request_hash(ticket: Ticket) -> str:
    """What identifies a submission for its idempotency key: its fields and its attachments."""
    fields = {
        name: getattr(ticket, name)
        for name in ("name", "email", "subject", "category", "plan", "message", "language", "page")
    }
    attachments = [
        [a.filename, a.content_type, hashlib.sha256(a.content).hexdigest()]
        for a in ticket.attachments
    ]
    text = json.dumps({"fields": fields, "attachments": attachments}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """An idempotency key already used, within its lifetime, for another request."""


@dataclass(frozen=True)
class StoredTicket:
    reference: str
    created: bool  # False when an idempotency key matched an earlier submission


class TicketStore(Database):
    """Tickets, their attachments and the outbox; safe to share between threads."""

    schema = SCHEMA

    def __init__(self, path: Path, forward: bool = False, **options) -> None:
        super().__init__(path, **options)
        self.forward = forward

    def migrate(self, db: sqlite3.Connection) -> None:
        self.add_column(db, "deliveries", "last_attempt_at", "REAL NOT NULL DEFAULT 0")
        self.add_column(db, "attachments", "purged_at", "TEXT NOT NULL DEFAULT ''")
        # Keys kept on the tickets themselves before they had a lifetime and a request hash:
        # remembered without a hash (any retry matches, as then), then forgotten in time.
        db.execute(
            "INSERT OR IGNORE INTO idempotency_keys (key, request_hash, ticket_id, created_at) "
            "SELECT idempotency_key, NULL, id, "
            "COALESCE(CAST(strftime('%s', created_at) AS REAL), 0) "
            "FROM tickets WHERE idempotency_key IS NOT NULL"
        )
        db.execute("UPDATE tickets SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL")

    def add(
        self,
        ticket: Ticket,
        idempotency_key: str | None = None,
        *,
        client: str | None = None,
        idempotency_hours: float = 24,
        daily_attachment_mb: int | None = None,
        min_free_disk_mb: int = 0,
    ) -> StoredTicket:
        """Store `ticket`, or find the ticket its idempotency key already created.

        Raises `IdempotencyConflict` (the key was used for another request), `QuotaExceeded`
        (`client`, an address, has attached `daily_attachment_mb` today) and `StorageUnavailable`
        (nothing could be written, or free disk is below `min_free_disk_mb`).
        """
        now = self.clock()
        expired = now - idempotency_hours * 3600
        digest = request_hash(ticket) if idempotency_key else None
        with self.transaction() as db:
            if idempotency_key:
                row = db.execute(
                    "SELECT k.request_hash, t.reference FROM idempotency_keys k "
                    "JOIN tickets t ON t.id = k.ticket_id WHERE k.key = ? AND k.created_at > ?",
                    (idempotency_key, expired),
                ).fetchone()
                if row:
                    if row["request_hash"] not in (None, digest):
                        raise IdempotencyConflict
                    return StoredTicket(row["reference"], created=False)
            if min_free_disk_mb:
                self.check_free_space(min_free_disk_mb)
            size = sum(attachment.size for attachment in ticket.attachments)
            if daily_attachment_mb is not None and size:
                admission = self.use_quota(
                    db, client or "", ATTACHMENT_BYTES, size, daily_attachment_mb * MB, now
                )
                if not admission:
                    raise QuotaExceeded(ATTACHMENT_BYTES, admission.retry_after)
            reference = new_reference()
            cursor = db.execute(
                "INSERT INTO tickets (reference, created_at, name, email, "
                "subject, category, plan, message, language, page) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    iso(now),
                    ticket.name,
                    ticket.email,
                    ticket.subject,
                    ticket.category,
                    ticket.plan,
                    ticket.message,
                    ticket.language,
                    ticket.page,
                ),
            )
            ticket_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO attachments (ticket_id, filename, content_type, size, content) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (ticket_id, a.filename, a.content_type, a.size, a.content)
                    for a in ticket.attachments
                ],
            )
            if idempotency_key:
                db.execute("DELETE FROM idempotency_keys WHERE created_at <= ?", (expired,))
                db.execute(
                    "INSERT INTO idempotency_keys (key, request_hash, ticket_id, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (idempotency_key, digest, ticket_id, now),
                )
            if self.forward:
                db.execute(
                    "INSERT INTO deliveries (ticket_id, state, next_attempt_at) "
                    "VALUES (?, 'pending', ?)",
                    (ticket_id, now),
                )
            return StoredTicket(reference, created=True)

    def list(self) -> list[dict]:
        """Every ticket, newest first, with its attachments' names and its delivery state."""
        return self._described()

    def find(self, reference: str) -> dict | None:
        """The ticket of `reference` as `list` describes it, or None when there is none."""
        found = self._described(reference)
        return found[0] if found else None

    def _described(self, reference: str | None = None) -> list[dict]:
        """Every ticket (or the one of `reference`), newest first, as `list` describes them."""
        where, parameters = ("", ())
        if reference is not None:
            where, parameters = "WHERE t.reference = ?", (reference,)
        with self.reading() as db:
            tickets = db.execute(
                "SELECT t.*, d.state AS delivery_state, d.attempts AS delivery_attempts, "
                "d.last_error AS delivery_error, d.remote_id AS helpdesk_id, "
                "d.next_attempt_at, d.last_attempt_at, d.delivered_at "
                f"FROM tickets t LEFT JOIN deliveries d ON d.ticket_id = t.id {where} "
                "ORDER BY t.id DESC",
                parameters,
            ).fetchall()
            attachments = db.execute(
                "SELECT a.ticket_id, a.filename, a.content_type, a.size, a.purged_at "
                f"FROM attachments a JOIN tickets t ON t.id = a.ticket_id {where} ORDER BY a.id",
                parameters,
            ).fetchall()
        by_ticket: dict[int, list[dict]] = {}
        for attachment in attachments:
            by_ticket.setdefault(attachment["ticket_id"], []).append(attachment_entry(attachment))
        return [
            {
                "reference": row["reference"],
                "created_at": row["created_at"],
                "name": row["name"],
                "email": row["email"],
                "subject": row["subject"],
                "category": row["category"],
                "plan": row["plan"],
                "message": row["message"],
                "language": row["language"],
                "page": row["page"],
                "attachments": by_ticket.get(row["id"], []),
                "delivery": delivery_summary(row),
            }
            for row in tickets
        ]

    def attachment_files(self, reference: str) -> list[tuple[dict, bytes]]:
        """The attachments of the ticket of `reference`, in the order they were sent: each as
        `list` describes it, with its content (empty once purged)."""
        with self.reading() as db:
            rows = db.execute(
                "SELECT a.filename, a.content_type, a.size, a.purged_at, a.content "
                "FROM attachments a JOIN tickets t ON t.id = a.ticket_id "
                "WHERE t.reference = ? ORDER BY a.id",
                (reference,),
            ).fetchall()
        return [(attachment_entry(row), bytes(row["content"])) for row in rows]

    # The outbox: deliveries to the helpdesk.

    def due_deliveries(self, now: float, limit: int = 10) -> list[int]:
        with self.reading() as db:
            rows = db.execute(
                "SELECT ticket_id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at LIMIT ?",
                (now, limit),
            ).fetchall()
        return [row["ticket_id"] for row in rows]

    def delivery_payload(self, ticket_id: int) -> tuple[dict, list[Attachment]]:
        with self.reading() as db:
            ticket = db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            attachments = db.execute(
                "SELECT filename, content_type, content FROM attachments WHERE ticket_id = ? "
                "ORDER BY id",
                (ticket_id,),
            ).fetchall()
        if ticket is None:
            raise LookupError(f"no ticket {ticket_id}")
        return dict(ticket), [
            Attachment(row["filename"], row["content_type"], row["content"]) for row in attachments
        ]

    def mark_delivered(self, ticket_id: int, remote_id: str, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
                "remote_id = ?, delivered_at = ?, last_attempt_at = ?, last_error = '' "
                "WHERE ticket_id = ?",
                (remote_id, iso(now), now, ticket_id),
            )

    def mark_failed_attempt(
        self,
        ticket_id: int,
        error: str,
        retry_at: float,
        give_up: bool = False,
        now: float | None = None,
    ) -> None:
        """One more failed attempt: pending until `retry_at`, or `failed` when giving up."""
        now = self.clock() if now is None else now
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ?, last_attempt_at = ? WHERE ticket_id = ?",
                ("failed" if give_up else "pending", error[:200], retry_at, now, ticket_id),
            )

    def attempts(self, ticket_id: int) -> int:
        with self.reading() as db:
            row = db.execute(
                "SELECT attempts FROM deliveries WHERE ticket_id = ?", (ticket_id,)
            ).fetchone()
        return row["attempts"] if row else 0

    def retry(self, references: Iterable[str] = (), all_failed: bool = False) -> list[str]:
        """Put failed deliveries back in the queue, due now, with their attempts counted afresh.

        `references`, or every failed one with `all_failed`; the references put back.
        """
        now = self.clock()
        with self.transaction() as db:
            if all_failed:
                rows = db.execute(
                    "SELECT t.id, t.reference FROM deliveries d JOIN tickets t "
                    "ON t.id = d.ticket_id WHERE d.state = 'failed' ORDER BY t.id"
                ).fetchall()
            else:
                rows = [
                    row
                    for reference in dict.fromkeys(references)
                    for row in db.execute(
                        "SELECT t.id, t.reference FROM deliveries d JOIN tickets t "
                        "ON t.id = d.ticket_id WHERE d.state = 'failed' AND t.reference = ?",
                        (reference,),
                    )
                ]
            db.executemany(
                "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE ticket_id = ?",
                [(now, row["id"]) for row in rows],
            )
        return [row["reference"] for row in rows]

    def outbox(self, now: float | None = None) -> dict:
        """The queue at a glance: how many deliveries wait or failed, and the oldest's age."""
        now = self.clock() if now is None else now
        with self.reading() as db:
            counts = dict(
                db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall()
            )
            oldest = db.execute(
                "SELECT MIN(t.created_at) FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
                "WHERE d.state = 'pending'"
            ).fetchone()[0]
        age = None
        if oldest:
            age = max(0, round(now - datetime.fromisoformat(oldest).timestamp()))
        return {
            "pending": counts.get("pending", 0),
            "failed": counts.get("failed", 0),
            "oldest_pending_seconds": age,
        }

    def purge_delivered_attachments(self, before: float) -> tuple[int, int]:
        """Empty the attachments of tickets created before `before` and already delivered to the
        helpdesk (which keeps them); how many, and their bytes. Their names and sizes stay."""
        selection = (
            "purged_at = '' AND ticket_id IN (SELECT t.id FROM tickets t JOIN deliveries d "
            "ON d.ticket_id = t.id WHERE d.state = 'delivered' AND t.created_at < ?)"
        )
        with self.transaction() as db:
            count, size = db.execute(
                f"SELECT COUNT(*), COALESCE(SUM(size), 0) FROM attachments WHERE {selection}",
                (iso(before),),
            ).fetchone()
            db.execute(
                f"UPDATE attachments SET content = X'', purged_at = ? WHERE {selection}",
                (iso(self.clock()), iso(before)),
            )
        return count, size


def attachment_entry(row: sqlite3.Row) -> dict:
    """An attachment as `TicketStore.list` describes it: name, type, size, and when purged."""
    entry = {key: row[key] for key in ("filename", "content_type", "size")}
    if row["purged_at"]:
        entry["purged_at"] = row["purged_at"]
    return entry


def delivery_summary(row: sqlite3.Row) -> dict:
    """A ticket's delivery to the helpdesk, for `helpcenter tickets list`."""
    state = row["delivery_state"]
    summary = {
        "state": state or "not forwarded",
        "attempts": row["delivery_attempts"] or 0,
        "error": row["delivery_error"] or "",
        "helpdesk_id": row["helpdesk_id"] or "",
    }
    if state == "pending":
        summary["next_attempt_at"] = iso(row["next_attempt_at"])
    if row["last_attempt_at"]:
        summary["last_attempt_at"] = iso(row["last_attempt_at"])
    if row["delivered_at"]:
        summary["delivered_at"] = row["delivered_at"]
    return summary
