"""Durable ticket storage, in SQLite or PostgreSQL (helpcenter.database).

A ticket, its attachments and its delivery to the helpdesk (the outbox) are written in one
transaction, committed before the reader is told "received": a crash after the answer loses
nothing (see helpcenter.database). An idempotency key maps a retried submission to the
ticket it already created, for `idempotency_hours`, and only when the retry is the same request
(a hash of its fields and attachments): the same key with another request is refused. What a
client attaches in a day is counted against its daily quota.

The outbox: each forwarded ticket's delivery is `pending` (waiting for its next attempt),
`delivered`, or `failed` (set aside after too many attempts, or refused by the helpdesk: a dead
letter, put back in the queue by `helpcenter tickets retry`).

Following a request: each accepted ticket gets a follow-up token (random, 192 bits), given to the
reader once in its private page's address; only its SHA-256 is kept. A ticket has a status, with
Zendesk's values (`new`, `open`, `pending`, `hold`, `solved`, `closed`), and a conversation after
its first message: comments by the requester or an agent, public or not, each with its
attachments. Without a helpdesk this store is the helpdesk (`helpcenter tickets reply|status`);
with one, the reader's replies wait in the outbox (`reply_deliveries`) and the helpdesk's status
and public comments are copied here, each comment once by its `remote_id`
(helpcenter.tickets.sync).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from helpcenter.database import MB, Database, QuotaExceeded, iso
from helpcenter.engines import DatabaseURL, Record, Session
from helpcenter.tickets.statuses import STATUSES
from helpcenter.tickets.validation import (
    REFERENCE_ALPHABET,
    REFERENCE_PATTERN,
    Attachment,
    Reply,
    Ticket,
)

# The daily quota a ticket's attachments count against.
ATTACHMENT_BYTES = "attachment_bytes"
REFERENCE = re.compile(REFERENCE_PATTERN)
# A follow-up token: 24 random bytes (192 bits) in URL-safe base64.
FOLLOW_UP_TOKEN_BYTES = 24
FOLLOW_UP_TOKEN_PATTERN = "^[A-Za-z0-9_-]{32}$"
FOLLOW_UP_TOKEN = re.compile(FOLLOW_UP_TOKEN_PATTERN)
# Who wrote a comment: the reader who filed the request, or the support team.
REQUESTER = "requester"
AGENT = "agent"
DAY = 86400


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
    if ticket.follows:  # (absent otherwise: the hashes of earlier versions' keys still match)
        fields["follows"] = ticket.follows
    if ticket.fields:  # (likewise)
        fields["fields"] = ticket.fields
    return submission_hash({"fields": fields}, ticket.attachments)


def reply_hash(reference: str, reply: Reply) -> str:
    """What identifies a reply for its idempotency key: its request, text and attachments."""
    return submission_hash({"reply_to": reference, "message": reply.message}, reply.attachments)


def submission_hash(fields: dict, attachments: Iterable[Attachment]) -> str:
    files = [
        [a.filename, a.content_type, hashlib.sha256(a.content).hexdigest()] for a in attachments
    ]
    text = json.dumps({**fields, "attachments": files}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def new_follow_up_token() -> str:
    """A follow-up token: what a request's private address holds, unguessable."""
    return secrets.token_urlsafe(FOLLOW_UP_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is kept of a follow-up token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def reader_may_reply(status: str, status_changed_at: str, now: float, reopen_days: int) -> bool:
    """Whether the reader may add to a request: while it is open or awaiting them, and a solved
    one within `reopen_days` of being solved (the reply reopens it); never a closed one."""
    if status in ("new", "open", "hold", "pending"):
        return True
    if status != "solved" or not status_changed_at:
        return False
    solved = datetime.fromisoformat(status_changed_at).timestamp()
    return reopen_days > 0 and now - solved <= reopen_days * DAY


class IdempotencyConflict(Exception):
    """An idempotency key already used, within its lifetime, for another request."""


class RequestClosed(Exception):
    """A request that takes no more replies: closed, or solved longer ago than it may be
    reopened. `status` is its status."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the request is {status}")
        self.status = status


@dataclass(frozen=True)
class StoredTicket:
    reference: str
    created: bool  # False when an idempotency key matched an earlier submission
    # The follow-up token of the request's private page, given once (only its hash is kept):
    # a retry with the idempotency key gets a token of its own, for the same request.
    token: str = ""


@dataclass(frozen=True)
class StoredReply:
    reference: str
    created: bool  # False when an idempotency key matched an earlier reply
    status: str  # the request's status after the reply


class TicketStore(Database):
    """Tickets, their attachments and the outbox; safe to share between threads."""

    def __init__(self, target: Path | DatabaseURL | str, forward: bool = False, **options) -> None:
        super().__init__(target, **options)
        self.forward = forward

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
        token = new_follow_up_token()
        with self.transaction() as db:
            if idempotency_key:
                self.engine.hold(db, f"idempotency-key:{idempotency_key}")
                row = db.execute(
                    "SELECT k.request_hash, k.comment_id, t.id, t.reference "
                    "FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id "
                    "WHERE k.key = ? AND k.created_at > ?",
                    (idempotency_key, expired),
                ).fetchone()
                if row:
                    if row["request_hash"] not in (None, digest) or row["comment_id"]:
                        raise IdempotencyConflict
                    # The reader never saw the first answer: a new address for the request.
                    self._add_token(db, row["id"], token, now)
                    return StoredTicket(row["reference"], created=False, token=token)
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
            [ticket_id] = db.execute(
                "INSERT INTO tickets (reference, created_at, name, email, "
                "subject, category, plan, message, language, page, "
                "status, status_changed_at, updated_at, follows, fields) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?) RETURNING id",
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
                    iso(now),
                    iso(now),
                    ticket.follows,
                    json.dumps(ticket.fields, ensure_ascii=False),
                ),
            ).fetchone()
            self._add_token(db, ticket_id, token, now)
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
            return StoredTicket(reference, created=True, token=token)

    @staticmethod
    def _add_token(db: Session, ticket_id: int, token: str, now: float) -> None:
        db.execute(
            "INSERT INTO follow_up_tokens (token_hash, ticket_id, created_at) VALUES (?, ?, ?)",
            (token_hash(token), ticket_id, iso(now)),
        )

    # Following a request: its private page, the conversation and the status.

    def follow_up(self, token: str, link_days: int, now: float | None = None) -> dict | None:
        """The request whose follow-up address holds `token`, as `list` describes it; None for
        a token that is no request's, or whose request has had no activity for `link_days`."""
        if not FOLLOW_UP_TOKEN.fullmatch(token):
            return None
        now = self.clock() if now is None else now
        with self.reading() as db:
            row = db.execute(
                "SELECT t.reference, t.updated_at FROM follow_up_tokens f "
                "JOIN tickets t ON t.id = f.ticket_id WHERE f.token_hash = ?",
                (token_hash(token),),
            ).fetchone()
        if row is None:
            return None
        if now - datetime.fromisoformat(row["updated_at"]).timestamp() > link_days * DAY:
            return None
        return self.find(row["reference"])

    def add_reply(
        self,
        reference: str,
        reply: Reply,
        *,
        author: str = REQUESTER,
        status: str | None = None,
        reopen_days: int = 0,
        idempotency_key: str | None = None,
        client: str | None = None,
        idempotency_hours: float = 24,
        daily_attachment_mb: int | None = None,
        min_free_disk_mb: int = 0,
    ) -> StoredReply:
        """Add a public comment to the request of `reference`, and move its status: the
        requester's reply opens a request awaiting them (or solved within `reopen_days`); an
        agent's sets `status` (pending, awaiting the reader, by default).

        Raises LookupError (no such request), `RequestClosed` (it takes no more replies: closed,
        or solved too long ago for the requester), `IdempotencyConflict`, `QuotaExceeded` and
        `StorageUnavailable` as `add` does.
        """
        now = self.clock()
        expired = now - idempotency_hours * 3600
        digest = reply_hash(reference, reply) if idempotency_key else None
        with self.transaction() as db:
            ticket = db.execute(
                "SELECT id, status, status_changed_at FROM tickets WHERE reference = ?"
                + self.engine.for_update,
                (reference,),
            ).fetchone()
            if ticket is None:
                raise LookupError(reference)
            if idempotency_key:
                self.engine.hold(db, f"idempotency-key:{idempotency_key}")
                row = db.execute(
                    "SELECT request_hash, comment_id, ticket_id FROM idempotency_keys "
                    "WHERE key = ? AND created_at > ?",
                    (idempotency_key, expired),
                ).fetchone()
                if row:
                    if row["request_hash"] != digest or row["ticket_id"] != ticket["id"]:
                        raise IdempotencyConflict
                    return StoredReply(reference, created=False, status=ticket["status"])
            if author == REQUESTER:
                if not reader_may_reply(
                    ticket["status"], ticket["status_changed_at"], now, reopen_days
                ):
                    raise RequestClosed(ticket["status"])
                new_status = "open" if ticket["status"] in ("pending", "solved") else None
            else:
                if ticket["status"] == "closed":
                    raise RequestClosed("closed")
                new_status = status or "pending"
            if min_free_disk_mb:
                self.check_free_space(min_free_disk_mb)
            size = sum(attachment.size for attachment in reply.attachments)
            if daily_attachment_mb is not None and size:
                admission = self.use_quota(
                    db, client or "", ATTACHMENT_BYTES, size, daily_attachment_mb * MB, now
                )
                if not admission:
                    raise QuotaExceeded(ATTACHMENT_BYTES, admission.retry_after)
            [comment_id] = db.execute(
                "INSERT INTO comments (ticket_id, author, public, body, created_at) "
                "VALUES (?, ?, 1, ?, ?) RETURNING id",
                (ticket["id"], author, reply.message, iso(now)),
            ).fetchone()
            if self.forward and author == REQUESTER:
                # Forwarded to the helpdesk's request as a comment (helpcenter.tickets.sync),
                # once the ticket itself is delivered.
                db.execute(
                    "INSERT INTO reply_deliveries (comment_id, state, next_attempt_at) "
                    "VALUES (?, 'pending', ?)",
                    (comment_id, now),
                )
            db.executemany(
                "INSERT INTO attachments (ticket_id, comment_id, filename, content_type, size, "
                "content) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (ticket["id"], comment_id, a.filename, a.content_type, a.size, a.content)
                    for a in reply.attachments
                ],
            )
            if idempotency_key:
                db.execute("DELETE FROM idempotency_keys WHERE created_at <= ?", (expired,))
                db.execute(
                    "INSERT INTO idempotency_keys (key, request_hash, ticket_id, created_at, "
                    "comment_id) VALUES (?, ?, ?, ?, ?)",
                    (idempotency_key, digest, ticket["id"], now, comment_id),
                )
            record_activity(db, ticket["id"], ticket["status"], new_status, now)
            return StoredReply(reference, created=True, status=new_status or ticket["status"])

    def set_status(self, reference: str, status: str) -> tuple[str, str]:
        """Set the status of the request of `reference` (one of STATUSES); its status before and
        after. Raises LookupError (no such request) and `RequestClosed` (a closed request stays
        closed, as in Zendesk: the reader is offered a new request that links to it)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = self.clock()
        with self.transaction() as db:
            ticket = db.execute(
                "SELECT id, status FROM tickets WHERE reference = ?" + self.engine.for_update,
                (reference,),
            ).fetchone()
            if ticket is None:
                raise LookupError(reference)
            if ticket["status"] == "closed" and status != "closed":
                raise RequestClosed("closed")
            record_activity(db, ticket["id"], ticket["status"], status, now)
        return ticket["status"], status

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
                "SELECT a.ticket_id, a.comment_id, a.filename, a.content_type, a.size, "
                "a.purged_at "
                f"FROM attachments a JOIN tickets t ON t.id = a.ticket_id {where} ORDER BY a.id",
                parameters,
            ).fetchall()
            comments = db.execute(
                "SELECT c.*, r.state AS delivery_state, r.attempts AS delivery_attempts, "
                "r.last_error AS delivery_error, c.remote_id AS helpdesk_id, r.next_attempt_at, "
                "r.last_attempt_at, "
                "r.delivered_at FROM comments c JOIN tickets t ON t.id = c.ticket_id "
                f"LEFT JOIN reply_deliveries r ON r.comment_id = c.id {where} ORDER BY c.id",
                parameters,
            ).fetchall()
        by_ticket: dict[int, list[dict]] = {}
        by_comment: dict[int, list[dict]] = {}
        for attachment in attachments:
            if attachment["comment_id"] is None:
                by_ticket.setdefault(attachment["ticket_id"], []).append(
                    attachment_entry(attachment)
                )
            else:
                by_comment.setdefault(attachment["comment_id"], []).append(
                    attachment_entry(attachment)
                )
        conversations: dict[int, list[dict]] = {}
        for comment in comments:
            conversations.setdefault(comment["ticket_id"], []).append(
                {
                    "author": comment["author"],
                    "author_name": comment["author_name"],
                    "public": bool(comment["public"]),
                    "created_at": comment["created_at"],
                    "body": comment["body"],
                    "attachments": by_comment.get(comment["id"], []),
                }
                # A reader's reply on its way to the helpdesk, like the ticket's own delivery.
                | ({"delivery": delivery_summary(comment)} if comment["delivery_state"] else {})
            )
        return [
            {
                "reference": row["reference"],
                "created_at": row["created_at"],
                "name": row["name"],
                "email": row["email"],
                "subject": row["subject"],
                "category": row["category"],
                # The answers to the category's extra fields, by field id.
                "fields": json.loads(row["fields"]),
                "plan": row["plan"],
                "message": row["message"],
                "language": row["language"],
                "page": row["page"],
                "attachments": by_ticket.get(row["id"], []),
                "status": row["status"],
                "status_changed_at": row["status_changed_at"],
                "updated_at": row["updated_at"],
                "follows": row["follows"],
                # After the first message: replies of the reader and of the team, oldest first.
                "comments": conversations.get(row["id"], []),
                "delivery": delivery_summary(row),
            }
            for row in tickets
        ]

    def attachment_files(self, reference: str) -> list[tuple[dict, bytes]]:
        """The attachments of the ticket of `reference` and of its comments, in the order they
        were sent: each as `list` describes it, with its content (empty once purged)."""
        with self.reading() as db:
            rows = db.execute(
                "SELECT a.filename, a.content_type, a.size, a.purged_at, a.content "
                "FROM attachments a JOIN tickets t ON t.id = a.ticket_id "
                "WHERE t.reference = ? ORDER BY a.id",
                (reference,),
            ).fetchall()
        return [(attachment_entry(row), bytes(row["content"])) for row in rows]

    # The outbox: deliveries to the helpdesk.

    def due_deliveries(self, now: float, limit: int = 10, claim_for: float = 0) -> list[int]:
        """The deliveries due at `now`, the longest waiting first.

        With `claim_for`, they are claimed by the caller for that many seconds: they are not due
        for anyone else until then (a forwarder in another process skips them, on PostgreSQL
        without waiting for this transaction), unless the caller records an attempt before. A
        forwarder that dies holding a claim leaves its deliveries due again when it ends.
        """
        with self.transaction() as db:
            rows = db.execute(
                "SELECT ticket_id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? "
                "ORDER BY next_attempt_at LIMIT ?"
                + (self.engine.skip_locked() if claim_for else ""),
                (now, limit),
            ).fetchall()
            due = [row["ticket_id"] for row in rows]
            if claim_for:
                db.executemany(
                    "UPDATE deliveries SET next_attempt_at = ? WHERE ticket_id = ?",
                    [(now + claim_for, ticket_id) for ticket_id in due],
                )
        return due

    def delivery_payload(self, ticket_id: int) -> tuple[dict, list[Attachment]]:
        with self.reading() as db:
            ticket = db.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
            # The request's own files (the replies' go with each, helpcenter.tickets.sync).
            attachments = db.execute(
                "SELECT filename, content_type, content FROM attachments WHERE ticket_id = ? "
                "AND comment_id IS NULL ORDER BY id",
                (ticket_id,),
            ).fetchall()
        if ticket is None:
            raise LookupError(f"no ticket {ticket_id}")
        return dict(ticket) | {"fields": json.loads(ticket["fields"])}, [
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
        """Put failed deliveries (tickets and the reader's replies) back in the queue, due now,
        with their attempts counted afresh.

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
            wanted = set(references)
            replies = [
                row
                for row in db.execute(
                    "SELECT r.comment_id, t.reference FROM reply_deliveries r "
                    "JOIN comments c ON c.id = r.comment_id JOIN tickets t ON t.id = c.ticket_id "
                    "WHERE r.state = 'failed' ORDER BY r.comment_id"
                )
                if all_failed or row["reference"] in wanted
            ]
            db.executemany(
                "UPDATE reply_deliveries SET state = 'pending', attempts = 0, "
                "next_attempt_at = ? WHERE comment_id = ?",
                [(now, row["comment_id"]) for row in replies],
            )
        return list(dict.fromkeys(row["reference"] for row in [*rows, *replies]))

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
        """Empty the attachments the helpdesk keeps, sent before `before`: those of tickets
        delivered to it, and those of readers' replies delivered to it as comments; how many, and
        their bytes. Their names and sizes stay. The files of a reply not delivered (on its way,
        set aside, or without a helpdesk) are the only copy: they stay."""
        selection = (
            "purged_at = '' AND ("
            "(comment_id IS NULL AND ticket_id IN (SELECT t.id FROM tickets t JOIN deliveries d "
            "ON d.ticket_id = t.id WHERE d.state = 'delivered' AND t.created_at < ?)) "
            "OR comment_id IN (SELECT c.id FROM comments c JOIN reply_deliveries r "
            "ON r.comment_id = c.id WHERE r.state = 'delivered' AND c.created_at < ?))"
        )
        with self.transaction() as db:
            count, size = db.execute(
                "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments "
                f"WHERE {selection}",
                (iso(before), iso(before)),
            ).fetchone()
            db.execute(
                f"UPDATE attachments SET content = ?, purged_at = ? WHERE {selection}",
                (b"", iso(self.clock()), iso(before), iso(before)),
            )
        return count, size


def attachment_entry(row: Record) -> dict:
    """An attachment as `TicketStore.list` describes it: name, type, size, and when purged."""
    entry = {key: row[key] for key in ("filename", "content_type", "size")}
    if row["purged_at"]:
        entry["purged_at"] = row["purged_at"]
    return entry


def record_activity(db: Session, ticket_id: int, old: str, new: str | None, now: float) -> None:
    """Record activity on a request at `now` (the helpdesk's time of it, when it comes from
    there), and its new status when it changes (the team's, the reader's or the helpdesk's, in
    the caller's transaction)."""
    if new and new != old:
        db.execute(
            "UPDATE tickets SET status = ?, status_changed_at = ?, updated_at = ? WHERE id = ?",
            (new, iso(now), iso(now), ticket_id),
        )
    else:
        db.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", (iso(now), ticket_id))


def delivery_summary(row: Record) -> dict:
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
