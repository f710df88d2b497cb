"""Durable ticket storage in SQLite.

A ticket, its attachments and its delivery to the helpdesk (the outbox) are written in one
transaction, committed before the reader is told "received": a crash after the answer loses
nothing (see helpcenter.database). An idempotency key maps a retried submission to the
ticket it already created.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpcenter.database import Database
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
    content BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_ticket ON attachments(ticket_id);
CREATE TABLE IF NOT EXISTS deliveries (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    delivered_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
"""
# Crockford's base32: no I, L, O or U to misread when a reader spells the reference out.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What a reference looks like: the server and the thank-you page's script both check it with this.
REFERENCE_PATTERN = "^HC-{0}-{0}-{0}$".format(f"[{REFERENCE_ALPHABET}]{{4}}")
REFERENCE = re.compile(REFERENCE_PATTERN)


def new_reference() -> str:
    """An unguessable reference a reader can read out: 60 random bits, like `HC-7K3M-9QX2-P4RT`."""
    characters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
    return f"HC-{characters[:4]}-{characters[4:8]}-{characters[8:]}"


@dataclass(frozen=True)
class StoredTicket:
    reference: str
    created: bool  # False when an idempotency key matched an earlier submission


class TicketStore(Database):
    """Tickets, their attachments and the outbox; safe to share between threads."""

    schema = SCHEMA

    def __init__(self, path: Path, forward: bool = False) -> None:
        super().__init__(path)
        self.forward = forward

    def add(self, ticket: Ticket, idempotency_key: str | None = None) -> StoredTicket:
        with self.transaction() as db:
            if idempotency_key:
                row = db.execute(
                    "SELECT reference FROM tickets WHERE idempotency_key = ?", (idempotency_key,)
                ).fetchone()
                if row:
                    return StoredTicket(row["reference"], created=False)
            reference = new_reference()
            cursor = db.execute(
                "INSERT INTO tickets (reference, idempotency_key, created_at, name, email, "
                "subject, category, plan, message, language, page) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    idempotency_key or None,
                    datetime.now(UTC).isoformat(),
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
            if self.forward:
                db.execute(
                    "INSERT INTO deliveries (ticket_id, state, next_attempt_at) "
                    "VALUES (?, 'pending', ?)",
                    (ticket_id, time.time()),
                )
            return StoredTicket(reference, created=True)

    def list(self) -> list[dict]:
        """Every ticket, newest first, with its attachments' names and its delivery state."""
        with self.reading() as db:
            tickets = db.execute(
                "SELECT t.*, d.state AS delivery_state, d.attempts AS delivery_attempts, "
                "d.last_error AS delivery_error, d.remote_id AS helpdesk_id "
                "FROM tickets t LEFT JOIN deliveries d ON d.ticket_id = t.id ORDER BY t.id DESC"
            ).fetchall()
            attachments = db.execute(
                "SELECT ticket_id, filename, content_type, size FROM attachments ORDER BY id"
            ).fetchall()
        by_ticket: dict[int, list[dict]] = {}
        for attachment in attachments:
            by_ticket.setdefault(attachment["ticket_id"], []).append(
                {key: attachment[key] for key in ("filename", "content_type", "size")}
            )
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
                "delivery": {
                    "state": row["delivery_state"] or "not forwarded",
                    "attempts": row["delivery_attempts"] or 0,
                    "error": row["delivery_error"] or "",
                    "helpdesk_id": row["helpdesk_id"] or "",
                },
            }
            for row in tickets
        ]

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
        return dict(ticket), [
            Attachment(row["filename"], row["content_type"], row["content"]) for row in attachments
        ]

    def mark_delivered(self, ticket_id: int, remote_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, "
                "remote_id = ?, delivered_at = ?, last_error = '' WHERE ticket_id = ?",
                (remote_id, datetime.now(UTC).isoformat(), ticket_id),
            )

    def mark_failed_attempt(
        self, ticket_id: int, error: str, retry_at: float, give_up: bool = False
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ? WHERE ticket_id = ?",
                ("failed" if give_up else "pending", error[:500], retry_at, ticket_id),
            )

    def attempts(self, ticket_id: int) -> int:
        with self.reading() as db:
            row = db.execute(
                "SELECT attempts FROM deliveries WHERE ticket_id = ?", (ticket_id,)
            ).fetchone()
        return row["attempts"] if row else 0
