"""Following forwarded requests in the helpdesk: its status and public comments on the request's
page, and the reader's replies on its request.

The helpdesk is read two ways, whichever the deployment allows:

- polling: each forwarded request that is not closed is read as its requester sees it
  (`GET /api/v2/requests/{id}.json` and `.../comments.json`): one active in the last hour every
  `server.helpdesk_poll_seconds`, one idle longer less often (a sixtieth of its idle time), at
  most every `server.helpdesk_poll_max_seconds`; `helpdesk_poll_seconds: 0` turns it off;
- the helpdesk's webhook, `POST <contact.endpoint>/helpdesk-webhook`, on when
  HELPCENTER_HELPDESK_WEBHOOK_SECRET holds its signing secret. Zendesk signs each call:
  `X-Zendesk-Webhook-Signature` is the base64 of an HMAC-SHA256, keyed by the secret, of
  `X-Zendesk-Webhook-Signature-Timestamp` followed by the body. A call with a wrong signature, or
  signed more than five minutes away from now, is refused (401, saying no more) and changes
  nothing. A good one only says which request changed (`{"ticket_id": "{{ticket.id}}"}` in a
  trigger's webhook, or a ticket event's `detail.id`): that request is read at once, from the
  helpdesk; what the call says of it is not believed.

Each public comment of the helpdesk is stored once, by its id: the team's as `agent`, the
requester's as `requester`, as it reads (Zendesk's `plain_body`). The reader's own replies come
back from the helpdesk too: each is matched to the reply written on the page (the oldest of
theirs not yet matched whose text is the comment's `body`, what was sent, and written before the
helpdesk got the comment: a "Thanks" the reader emailed earlier stands for nothing) and only
gets the helpdesk's id. The request's first comment is its message, shown already. The status
follows the helpdesk's, except while a reply of the reader is still on its way (the helpdesk's
status does not know it yet). The last activity, and the time the status changed (which the
reopen window counts from), are the helpdesk's: its newest new comment's time, or the request's
`updated_at`, never later than now; a request read for the first time long after it changed
keeps those times.

The reader's replies are forwarded through an outbox (`reply_deliveries`, written in the
transaction that stores the reply): each, once its ticket is delivered and after the replies
before it, as a comment (`PUT /api/v2/requests/{id}.json`, its files uploaded first), retried as
tickets are (helpcenter.tickets.helpdesk.Retries). Exactly once rests on reading before
sending: before each attempt the request's comments are read, and a reply already there (an
attempt whose answer was lost, a process that died before recording it) is recorded as
delivered, not sent again. The comment also carries an `Idempotency-Key`, but Zendesk documents
those for creating requests only: a helpdesk may ignore it on an update.

Several processes (workers, machines) may follow one helpdesk from one database: each claims the
replies and requests it takes (as the forwarders claim deliveries, helpcenter.tickets.helpdesk),
so each due request is read by one of them and each reply sent by one; a process that dies
holding a claim leaves what it held due again after CLAIM_SECONDS, and one that finds the
helpdesk unavailable lets go of what it had not tried.

All of this acts as the requester, with the token (HELPCENTER_HELPDESK_TOKEN): without it, the
endpoint does not start this at all (helpcenter.server.app), and the replies wait in the outbox
until it is set.

While the helpdesk is unavailable (no answer, 5xx, 429, 401) nothing is asked of it until its
`Retry-After`, or a wait that doubles (the tickets' backoff); that is logged once per outage, and
never with what a reader wrote. The pages show what was last known. An answer about one request
that says it is not there for the requester (404, 403...) or that breaks the contract (a comment
without its time...) holds up that request only: it is looked at again after
`helpdesk_poll_max_seconds` (not at all while polling is off), after FAILED_LOOKS such looks in
a row only when the webhook names it or the reader replies; logged once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from helpcenter.database import StorageUnavailable, iso
from helpcenter.tickets.helpdesk import (
    CLAIM_SECONDS,
    TOKEN_VARIABLE,
    DeliveryError,
    HelpdeskClient,
    RequestState,
    Retries,
    identifier,
    keep_going,
    moment_of,
    unexpected,
)
from helpcenter.tickets.store import AGENT, REQUESTER, TicketStore, record_activity
from helpcenter.tickets.validation import Attachment

logger = logging.getLogger(__name__)

# The environment variable that holds the webhook's signing secret (a secret: not in mkdocs.yml).
WEBHOOK_SECRET_VARIABLE = "HELPCENTER_HELPDESK_WEBHOOK_SECRET"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
# A call signed longer ago (or ahead) than this is refused: a replay, or a clock far off.
WEBHOOK_TOLERANCE_SECONDS = 300
# A request is looked at again after this fraction of the time since its last activity.
IDLE_SHARE = 60
# A reply is recognised in a comment the helpdesk got at most this long before the reply was
# written here: Zendesk's times are whole seconds, and its clock and ours differ a little.
CLOCK_TOLERANCE_SECONDS = 5.0
# The due replies, and the due requests, taken at a time.
BATCH = 10
# When a forwarded request is looked at next, and a reply of the reader tried next.
SCHEDULE = "UPDATE deliveries SET sync_due_at = ? WHERE ticket_id = ?"
RETRY = "UPDATE reply_deliveries SET next_attempt_at = ? WHERE comment_id = ?"
# Looks at a request that fail in a row (it is gone, not the requester's, or its answer breaks
# the contract) before it is looked at only when the helpdesk's webhook names it.
FAILED_LOOKS = 3


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's signature of a webhook call: base64 of HMAC-SHA256(secret, timestamp + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def changed_request(body: bytes) -> str | None:
    """The helpdesk's id of the request a webhook call is about: a trigger's `ticket_id` (or
    `ticket.id`), or a ticket event's `detail.id`; None when it names none."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    places = ((data, "ticket_id"), (data.get("ticket"), "id"), (data.get("detail"), "id"))
    for holder, key in places:
        if isinstance(holder, dict) and (found := identifier(holder.get(key))) is not None:
            return found
    return None


def same_text(body: str) -> str:
    """A comment's text as compared with the helpdesk's copy (which may space it otherwise)."""
    return " ".join(body.split())


@dataclass(frozen=True)
class Followed:
    """A forwarded request: the ticket's id and reference, its requester, the helpdesk's id."""

    ticket_id: int
    reference: str
    email: str
    remote_id: str


@dataclass(frozen=True)
class PendingReply:
    """A reply of the reader waiting in the outbox, with what is sent of it."""

    comment_id: int
    request: Followed
    body: str
    attachments: list[Attachment]
    attempts: int


class SyncStore:
    """What is known here of the forwarded requests and of the replies on their way, kept in
    the tickets' database."""

    FOLLOWED = (
        "SELECT t.id, t.reference, t.email, d.remote_id FROM tickets t "
        "JOIN deliveries d ON d.ticket_id = t.id WHERE t.id = ?"
    )

    def __init__(self, store: TicketStore) -> None:
        self.store = store

    def due_requests(self, now: float, claim_for: float, limit: int = BATCH) -> list[int]:
        """The forwarded requests, not closed, due for a look, claimed by the caller for
        `claim_for` seconds (as TicketStore.due_deliveries claims deliveries): the syncs of other
        processes skip them (on PostgreSQL without waiting for this transaction) until the
        caller schedules their next look. A sync that dies holding them leaves them due again
        when the claim ends."""
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT d.ticket_id FROM deliveries d JOIN tickets t ON t.id = d.ticket_id "
                "WHERE d.state = 'delivered' AND t.status != 'closed' AND d.sync_due_at <= ? "
                "ORDER BY d.sync_due_at, d.ticket_id LIMIT ?" + self.store.engine.skip_locked("d"),
                (now, limit),
            ).fetchall()
            due = [row["ticket_id"] for row in rows]
            db.executemany(SCHEDULE, [(now + claim_for, ticket_id) for ticket_id in due])
        return due

    def followed(self, ticket_id: int) -> Followed:
        with self.store.reading() as db:
            row = db.execute(self.FOLLOWED, (ticket_id,)).fetchone()
        if row is None:
            raise LookupError(f"no forwarded ticket {ticket_id}")
        return Followed(row["id"], row["reference"], row["email"], row["remote_id"])

    def idle_seconds(self, ticket_id: int, now: float) -> float:
        """How long the request has had no activity."""
        with self.store.reading() as db:
            row = db.execute("SELECT updated_at FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise LookupError(f"no ticket {ticket_id}")
        return max(0.0, now - datetime.fromisoformat(row["updated_at"]).timestamp())

    def schedule(self, ticket_ids: list[int], at: float | None) -> None:
        """Look at the requests at `at` (None: when the helpdesk's webhook says they changed)."""
        with self.store.transaction() as db:
            db.executemany(SCHEDULE, [(at, ticket_id) for ticket_id in ticket_ids])

    def sync_soon(self, remote_id: str) -> bool:
        """Look at the helpdesk's request `remote_id` now; whether it is one of ours."""
        with self.store.transaction() as db:
            return (
                db.execute(
                    "UPDATE deliveries SET sync_due_at = 0 WHERE remote_id = ? "
                    "AND state = 'delivered'",
                    (remote_id,),
                ).rowcount
                > 0
            )

    def apply(self, ticket_id: int, state: RequestState, now: float) -> None:
        """Bring the request of `ticket_id` up to what the helpdesk says: its new public comments
        stored, the reader's own matched to the replies written here, its status."""
        with self.store.transaction() as db:
            ticket = db.execute(
                "SELECT status, updated_at FROM tickets WHERE id = ?"
                + self.store.engine.for_update,
                (ticket_id,),
            ).fetchone()
            if ticket is None:
                raise LookupError(f"no ticket {ticket_id}")
            known = {
                row["remote_id"]
                for row in db.execute(
                    "SELECT remote_id FROM comments WHERE ticket_id = ? AND remote_id != ''",
                    (ticket_id,),
                )
            }
            # The reader's replies not yet seen in the helpdesk: id, text, when written.
            unmatched = [
                (row["id"], same_text(row["body"]), moment_of(row["created_at"]) or now)
                for row in db.execute(
                    "SELECT id, body, created_at FROM comments WHERE ticket_id = ? "
                    "AND author = ? AND remote_id = '' ORDER BY id",
                    (ticket_id, REQUESTER),
                )
            ]
            newest: float | None = None  # the time of the newest comment added
            for comment in state.comments[1:]:  # the first is the request's message
                if comment.id in known:
                    continue
                known.add(comment.id)
                mine = comment.author_id == state.requester_id
                text = same_text(comment.body)
                # One of the reader's replies, sent before the helpdesk got this comment?
                reply_id = next(
                    (
                        local_id
                        for local_id, local_text, written in unmatched
                        if mine
                        and local_text == text
                        and comment.created_at >= written - CLOCK_TOLERANCE_SECONDS
                    ),
                    None,
                )
                if reply_id is not None:
                    unmatched = [entry for entry in unmatched if entry[0] != reply_id]
                    db.execute(
                        "UPDATE comments SET remote_id = ? WHERE id = ?", (comment.id, reply_id)
                    )
                    db.execute(
                        "UPDATE reply_deliveries SET state = 'delivered', last_error = '', "
                        "delivered_at = ? WHERE comment_id = ? AND state != 'delivered'",
                        (iso(now), reply_id),
                    )
                    continue
                db.execute(
                    "INSERT INTO comments (ticket_id, author, author_name, public, body, "
                    "created_at, remote_id) VALUES (?, ?, ?, 1, ?, ?, ?)",
                    (
                        ticket_id,
                        REQUESTER if mine else AGENT,
                        "" if mine else comment.author_name,
                        comment.text,
                        iso(comment.created_at),
                        comment.id,
                    ),
                )
                newest = comment.created_at  # (oldest first: the last added is the newest)
            on_their_way = db.execute(
                "SELECT COUNT(*) FROM reply_deliveries r JOIN comments c ON c.id = r.comment_id "
                "WHERE c.ticket_id = ? AND r.state = 'pending'",
                (ticket_id,),
            ).fetchone()[0]
            status = ticket["status"] if on_their_way else state.status
            if newest is not None or status != ticket["status"]:
                # When it happened in the helpdesk (a status changed when the request last did),
                # never later than now, nor before the last activity here (a reply written
                # since).
                moment = state.updated_at if status != ticket["status"] else newest
                since = moment_of(ticket["updated_at"]) or 0.0
                at = min(now, max(since, now if moment is None else moment))
                record_activity(db, ticket_id, ticket["status"], status, at)

    # The outbox of the readers' replies.

    def due_replies(self, now: float, claim_for: float, limit: int = BATCH) -> list[int]:
        """The replies due for an attempt whose ticket is delivered, each after the replies
        before it on its request; claimed by the caller for `claim_for` seconds, as
        `due_requests` claims requests, until it records the attempt or lets them go."""
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT r.comment_id FROM reply_deliveries r "
                "JOIN comments c ON c.id = r.comment_id "
                "JOIN deliveries d ON d.ticket_id = c.ticket_id "
                "WHERE r.state = 'pending' AND r.next_attempt_at <= ? AND d.state = 'delivered' "
                "AND NOT EXISTS (SELECT 1 FROM reply_deliveries e "
                "JOIN comments o ON o.id = e.comment_id WHERE o.ticket_id = c.ticket_id "
                "AND e.state = 'pending' AND e.comment_id < r.comment_id) "
                "ORDER BY r.next_attempt_at, r.comment_id LIMIT ?"
                + self.store.engine.skip_locked("r"),
                (now, limit),
            ).fetchall()
            due = [row["comment_id"] for row in rows]
            db.executemany(RETRY, [(now + claim_for, comment_id) for comment_id in due])
        return due

    def retry_replies(self, comment_ids: list[int], at: float) -> None:
        """Try the replies at `at` (claimed ones not tried: for whichever sync looks next)."""
        with self.store.transaction() as db:
            db.executemany(RETRY, [(at, comment_id) for comment_id in comment_ids])

    def pending_reply(self, comment_id: int) -> PendingReply:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT c.ticket_id, c.body, r.attempts FROM comments c "
                "JOIN reply_deliveries r ON r.comment_id = c.id WHERE c.id = ?",
                (comment_id,),
            ).fetchone()
            files = db.execute(
                "SELECT filename, content_type, content FROM attachments WHERE comment_id = ? "
                "ORDER BY id",
                (comment_id,),
            ).fetchall()
        if row is None:
            raise LookupError(f"no reply {comment_id} in the outbox")
        return PendingReply(
            comment_id,
            self.followed(row["ticket_id"]),
            row["body"],
            [Attachment(f["filename"], f["content_type"], f["content"]) for f in files],
            row["attempts"],
        )

    def reply_delivered(self, comment_id: int) -> bool:
        with self.store.reading() as db:
            row = db.execute(
                "SELECT state FROM reply_deliveries WHERE comment_id = ?", (comment_id,)
            ).fetchone()
        return row is not None and row["state"] == "delivered"

    def mark_reply_delivered(self, comment_id: int, now: float) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE reply_deliveries SET state = 'delivered', attempts = attempts + 1, "
                "last_error = '', last_attempt_at = ?, delivered_at = ? WHERE comment_id = ?",
                (now, iso(now), comment_id),
            )

    def mark_reply_failed(
        self, comment_id: int, error: str, retry_at: float, give_up: bool, now: float
    ) -> None:
        """One more failed attempt: pending until `retry_at`, or `failed` when giving up."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE reply_deliveries SET state = ?, attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ?, last_attempt_at = ? WHERE comment_id = ?",
                ("failed" if give_up else "pending", error[:200], retry_at, now, comment_id),
            )


class HelpdeskSync:
    """Forwards the readers' replies and follows the forwarded requests, until cancelled.

    `clock` (seconds since the epoch) and `sleep` (awaitable) are the time it goes by: tests give
    their own. `wake()` (a webhook call, a new reply) ends its wait at once.
    """

    def __init__(
        self,
        store: TicketStore,
        client: HelpdeskClient,
        *,
        retries: Retries | None = None,
        poll_seconds: float = 60,
        poll_max_seconds: float = 3600,
        webhook_secret: str | None = None,
        tick_seconds: float = 1.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.mirror = SyncStore(store)
        self.client = client
        self.retries = retries or Retries()
        self.poll_seconds = poll_seconds
        self.poll_max_seconds = poll_max_seconds
        self.webhook_secret = webhook_secret or None
        self.tick_seconds = tick_seconds
        self.clock = clock or time.time
        self.sleep = sleep
        # Failed calls in a row while the helpdesk is unavailable; nothing asked of it before
        # `resume_at`.
        self.outages = 0
        self.resume_at = 0.0
        # Looks in a row that failed for one request (the helpdesk answering), by ticket id.
        self.failed_looks: dict[int, int] = {}
        self.woken = asyncio.Event()

    def wake(self) -> None:
        """Look at what is due now (from the event loop the sync runs in)."""
        self.woken.set()

    def authentic(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether a webhook call is the helpdesk's: signed with the secret, lately."""
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        signed_at = moment_of(timestamp)
        if not self.webhook_secret or not signature or signed_at is None:
            return False
        if abs(self.clock() - signed_at) > WEBHOOK_TOLERANCE_SECONDS:
            return False
        expected = webhook_signature(self.webhook_secret, timestamp, body)
        return hmac.compare_digest(expected.encode(), signature.encode())

    def next_look(self, idle: float) -> float | None:
        """Seconds before a request idle for `idle` seconds is looked at again; None: when the
        webhook says."""
        if self.poll_seconds <= 0:
            return None
        return max(self.poll_seconds, min(self.poll_max_seconds, idle / IDLE_SHARE))

    def work(self) -> int:
        """Deliver the due replies, then look at the due requests, each claimed from the syncs
        of other processes; how many were tried."""
        now = self.clock()
        if now < self.resume_at:
            return 0
        replies = self.mirror.due_replies(now, claim_for=CLAIM_SECONDS)
        tried = self.each(replies, self.deliver_reply, self.mirror.retry_replies, now)
        if self.clock() < self.resume_at:
            return tried
        requests = self.mirror.due_requests(now, claim_for=CLAIM_SECONDS)
        return tried + self.each(requests, self.follow, self.mirror.schedule, now)

    def each(
        self,
        claimed: list[int],
        act: Callable[[int], bool],
        release: Callable[[list[int], float], None],
        now: float,
    ) -> int:
        """`act` on each of `claimed` until the helpdesk is unavailable; then the others are
        released (due at `now` again, for whichever sync looks first once it is back); how many
        were acted on."""
        for done, item in enumerate(claimed, 1):
            act(item)
            if self.clock() < self.resume_at:
                if claimed[done:]:
                    release(claimed[done:], now)
                return done
        return len(claimed)

    def refresh(self, request: Followed) -> None:
        """Read the request in the helpdesk and bring its copy here up to date."""
        state = self.client.request_state(request.remote_id, request.email)
        self.available()
        self.mirror.apply(request.ticket_id, state, self.clock())

    def follow(self, ticket_id: int) -> bool:
        """One look at a forwarded request; whether the helpdesk showed it. Only the store
        failing gets out of here."""
        request = self.mirror.followed(ticket_id)
        now = self.clock()
        try:
            self.refresh(request)
        except StorageUnavailable:
            raise
        except DeliveryError as error:
            if error.outage:
                self.unavailable(error)
                self.mirror.schedule([ticket_id], now)  # due again (claimed no more)
                return False
            failure = str(error)
        except Exception as error:  # a bug must not stop the others: this one waits
            failure = unexpected(error)
        else:
            self.failed_looks.pop(ticket_id, None)
            step = self.next_look(self.mirror.idle_seconds(ticket_id, now))
            self.mirror.schedule([ticket_id], None if step is None else now + step)
            return True
        self.look_failed(request, failure, now)
        return False

    def look_failed(self, request: Followed, failure: str, now: float) -> None:
        """A look at one request failed, the helpdesk answering: that request waits (the others
        go on), and after FAILED_LOOKS in a row, or with polling off, it is looked at when the
        webhook names it (or a reply of the reader is delivered). Logged once a request."""
        looks = self.failed_looks.get(request.ticket_id, 0) + 1
        self.failed_looks[request.ticket_id] = looks
        polled = self.poll_seconds > 0 and looks < FAILED_LOOKS
        self.mirror.schedule([request.ticket_id], now + self.poll_max_seconds if polled else None)
        if looks == 1:
            plan = (
                f"looked at again every {round(self.poll_max_seconds)}s, after {FAILED_LOOKS} "
                "failed looks only when the helpdesk's webhook names it"
                if polled
                else "looked at again when the helpdesk's webhook names it"
            )
            logger.warning(
                "Ticket %s: the helpdesk's request %s cannot be read (%s); %s",
                request.reference,
                request.remote_id,
                failure,
                plan,
            )

    def deliver_reply(self, comment_id: int) -> bool:
        """One attempt at adding a reply to its request; whether it is there now."""
        reply = self.mirror.pending_reply(comment_id)
        request = reply.request
        try:
            # Already there (an attempt whose answer was lost)? Then recorded, not sent again.
            self.refresh(request)
            if self.mirror.reply_delivered(comment_id):
                return True
            self.client.add_comment(
                request.remote_id,
                request.email,
                reply.body,
                reply.attachments,
                f"{request.reference}-reply-{comment_id}",
            )
        except StorageUnavailable:
            raise
        except DeliveryError as error:
            self.reply_failed(reply, str(error), error.retry_after, error.permanent)
            if error.outage:
                self.unavailable(error)
            return False
        except Exception as error:  # a bug must not stop the outbox: recorded like any failure
            self.reply_failed(reply, unexpected(error), None, False)
            return False
        self.mirror.mark_reply_delivered(comment_id, self.clock())
        self.follow(request.ticket_id)  # its helpdesk id, and the status the reply moved it to
        return True

    def reply_failed(
        self, reply: PendingReply, error: str, retry_after: float | None, permanent: bool
    ) -> None:
        now = self.clock()
        attempts = reply.attempts + 1
        give_up = self.retries.gives_up(attempts, permanent)
        wait = self.retries.wait(attempts, retry_after)
        self.mirror.mark_reply_failed(reply.comment_id, error, now + wait, give_up, now)
        self.retries.log_failure(
            f"Ticket {reply.request.reference}: reply delivery", attempts, error, wait, give_up
        )

    def unavailable(self, error: DeliveryError) -> None:
        """The helpdesk failed a call: ask it nothing for a while, longer each time."""
        self.outages += 1
        wait = self.retries.wait(self.outages, error.retry_after)
        self.resume_at = self.clock() + wait
        if self.outages == 1:
            hint = (
                f" (is {TOKEN_VARIABLE} an OAuth token with the impersonate scope?)"
                if error.status == 401
                else ""
            )
            logger.warning(
                "The helpdesk is unavailable (%s)%s: requests are not followed for %ds, then "
                "less and less often until it answers",
                error,
                hint,
                round(wait),
            )

    def available(self) -> None:
        if self.outages:
            logger.warning("The helpdesk answers again, after %d failed calls", self.outages)
        self.outages = 0

    async def pause(self, seconds: float) -> None:
        """Wait `seconds`, or until woken."""
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        woken = asyncio.ensure_future(self.woken.wait())
        try:
            await asyncio.wait((sleeping, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            woken.cancel()
        self.woken.clear()

    async def run(self) -> None:
        """Work until cancelled; when the database itself fails, wait longer and longer."""
        await keep_going(
            "Helpdesk sync", self.work, self.pause, self.tick_seconds, self.retries.max_backoff
        )


async def helpdesk_webhook(request: Request) -> Response:
    """The helpdesk says a request changed: it is read from the helpdesk at once."""
    sync: HelpdeskSync = request.app.state.service.helpdesk
    try:
        body = await request.body()
    except ClientDisconnect:
        return Response(status_code=400)
    if not sync.authentic(request.headers, body):
        return JSONResponse({"errors": {"signature": ["Not authenticated."]}}, status_code=401)
    remote_id = changed_request(body)
    if remote_id is None:
        message = 'Expected a JSON object naming the request, such as {"ticket_id": "123"}.'
        return JSONResponse({"errors": {"body": [message]}}, status_code=422)
    await run_in_threadpool(sync.mirror.sync_soon, remote_id)
    sync.wake()
    return JSONResponse({"status": "accepted"}, status_code=202)


def webhook_routes(path: str) -> list[BaseRoute]:
    """The webhook's route, at `path` (none when empty: no helpdesk, or no secret)."""
    return [Route(path, helpdesk_webhook, methods=["POST"])] if path else []
