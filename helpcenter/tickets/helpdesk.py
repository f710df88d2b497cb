"""Forwarding stored tickets to a Zendesk-compatible helpdesk, from the outbox.

Each ticket is delivered by Zendesk's anonymous Requests API: its attachments first
(`POST /api/v2/uploads?filename=...`, which answers a token), then the request itself
(`POST /api/v2/requests.json`). The ticket reference goes as `Idempotency-Key`, so a delivery
retried after a lost answer does not create a second request.

The forwarder never dies: whatever goes wrong with a delivery (an error status, an answer that is
not the JSON the contract promises, a timeout, a refused connection, even a bug in reading the
answer) is recorded on the ticket (attempts, last error) and logged once, and the delivery is
tried again later, with exponential backoff or when `Retry-After` says. After `max_attempts`
(mkdocs.yml's `server.forward_attempts`) the ticket is set aside as `failed` (a dead letter:
`helpcenter tickets retry` puts it back); so is a ticket whose content the helpdesk refuses (422).
Neither the recorded error nor the log line holds anything the reader wrote.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
from starlette.concurrency import run_in_threadpool

from helpcenter.database import StorageUnavailable
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import Attachment

logger = logging.getLogger(__name__)

# Waits between attempts double from BACKOFF_BASE_SECONDS up to MAX_BACKOFF_SECONDS: with the
# default twelve attempts, a ticket is retried for about two and a half hours before it is set
# aside.
BACKOFF_BASE_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600.0
# mkdocs.yml's `server.forward_attempts` when nobody says.
DEFAULT_ATTEMPTS = 12
# Never sooner than this after a failure, whatever Retry-After says.
MIN_WAIT_SECONDS = 1.0
# A Retry-After longer than this is taken as this.
MAX_RETRY_AFTER_SECONDS = 24 * 3600


class DeliveryError(Exception):
    """A delivery attempt failed; `retry_after` when the helpdesk said when to come back.

    The message is short and names what failed, never what the reader wrote.
    """

    def __init__(
        self, message: str, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A `Retry-After` header in seconds: a number of seconds, or an HTTP date."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        reference = datetime.now(UTC).timestamp() if now is None else now
        seconds = moment.timestamp() - reference
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


@dataclass
class HelpdeskClient:
    base_url: str
    timeout: float = 10.0

    def check(self, response: httpx.Response, what: str) -> dict:
        """The answer's JSON object when it is a success; else the DeliveryError it means."""
        status = response.status_code
        if status in (200, 201):
            content_type = response.headers.get("content-type", "").split(";")[0].strip()
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, dict):
                kind = content_type[:40] or "no content type"
                raise DeliveryError(f"{what}: HTTP {status} without a JSON object ({kind})")
            return data
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 422:
            raise DeliveryError(f"{what}: refused (422){refused_fields(response)}", permanent=True)
        if status == 429:
            raise DeliveryError(f"{what}: rate limited (429)", retry_after=retry_after)
        raise DeliveryError(f"{what}: HTTP {status}", retry_after=retry_after)

    def deliver(self, ticket: dict, attachments: list[Attachment]) -> str:
        """Create the request; the helpdesk's id for it."""
        what = "connection"
        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
                tokens = []
                for attachment in attachments:
                    what = "upload"
                    response = client.post(
                        "/api/v2/uploads",
                        params={"filename": attachment.filename},
                        content=attachment.content,
                        headers={"Content-Type": attachment.content_type},
                    )
                    upload = self.check(response, what).get("upload")
                    token = upload.get("token") if isinstance(upload, dict) else None
                    if not isinstance(token, str) or not token:
                        raise DeliveryError("upload: answer without upload.token")
                    tokens.append(token)
                what = "request"
                body = ticket["message"]
                if ticket["page"]:
                    body += f"\n\n---\nPage: {ticket['page']}"
                response = client.post(
                    "/api/v2/requests.json",
                    json={
                        "request": {
                            "requester": {"name": ticket["name"], "email": ticket["email"]},
                            "subject": ticket["subject"],
                            "comment": {"body": body, "uploads": tokens},
                            "tags": [f"category_{ticket['category']}", f"lang_{ticket['language']}"]
                            + ([f"plan_{ticket['plan']}"] if ticket["plan"] else []),
                        }
                    },
                    headers={"Idempotency-Key": ticket["reference"]},
                )
                created = self.check(response, what).get("request")
                remote_id = created.get("id") if isinstance(created, dict) else None
                if remote_id is None or isinstance(remote_id, bool | dict | list):
                    raise DeliveryError("request: answer without request.id")
                return str(remote_id)
        except httpx.TimeoutException as error:
            raise DeliveryError(f"{what}: timed out ({type(error).__name__})") from None
        except httpx.ConnectError as error:
            raise DeliveryError(f"{what}: cannot connect ({type(error).__name__})") from None
        except httpx.HTTPError as error:
            # Only the error's kind: its text may hold the URL, with an attachment's name.
            raise DeliveryError(f"{what}: {type(error).__name__}") from None


def refused_fields(response: httpx.Response) -> str:
    """The fields a 422 names (`details`' keys), not what it says of them."""
    try:
        details = response.json().get("details")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(details, dict) or not details:
        return ""
    names = [str(name)[:30] for name in list(details)[:5]]
    return ": " + ", ".join(names)


def unexpected(error: BaseException) -> str:
    """A bug, in a few words: its kind and where it happened, not its message (which may quote
    what it was reading)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"unexpected {type(error).__name__}{where}"


class Forwarder:
    """Delivers due tickets from the outbox, one at a time, until cancelled.

    `clock` (seconds since the epoch) and `sleep` (awaitable) are the time it goes by; tests
    give their own to run hours of backoff in a moment.
    """

    def __init__(
        self,
        store: TicketStore,
        client: HelpdeskClient,
        poll_seconds: float = 1.0,
        backoff_base: float = BACKOFF_BASE_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
        max_attempts: int = DEFAULT_ATTEMPTS,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.client = client
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.max_attempts = max(1, max_attempts)
        self.clock = clock or time.time
        self.sleep = sleep

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling from `backoff_base`, at most `max_backoff`."""
        return min(self.max_backoff, self.backoff_base * 2 ** min(max(attempts, 1) - 1, 30))

    def deliver_one(self, ticket_id: int) -> bool:
        """One attempt at delivering a ticket; whether it was delivered.

        Only the store failing (it cannot record anything then) gets out of here.
        """
        reference = f"#{ticket_id}"
        try:
            ticket, attachments = self.store.delivery_payload(ticket_id)
            reference = ticket["reference"]
            remote_id = self.client.deliver(ticket, attachments)
        except StorageUnavailable:
            raise
        except DeliveryError as error:
            self.failed(ticket_id, reference, str(error), error.retry_after, error.permanent)
            return False
        except Exception as error:  # a bug must not stop the outbox: recorded like any failure
            self.failed(ticket_id, reference, unexpected(error), None, False)
            return False
        self.store.mark_delivered(ticket_id, remote_id, now=self.clock())
        return True

    def failed(
        self,
        ticket_id: int,
        reference: str,
        error: str,
        retry_after: float | None,
        permanent: bool,
    ) -> None:
        now = self.clock()
        attempts = self.store.attempts(ticket_id) + 1
        give_up = permanent or attempts >= self.max_attempts
        wait = max(MIN_WAIT_SECONDS, self.backoff(attempts) if retry_after is None else retry_after)
        self.store.mark_failed_attempt(ticket_id, error, now + wait, give_up=give_up, now=now)
        if give_up:
            logger.error(
                "Ticket %s: delivery attempt %d of %d failed (%s); set aside as failed "
                "(`helpcenter tickets retry %s` tries again)",
                reference,
                attempts,
                self.max_attempts,
                error,
                reference,
            )
        else:
            logger.warning(
                "Ticket %s: delivery attempt %d of %d failed (%s); next attempt in %ds",
                reference,
                attempts,
                self.max_attempts,
                error,
                round(wait),
            )

    def deliver_due(self) -> int:
        """Try every due delivery once; how many were tried."""
        due = self.store.due_deliveries(self.clock())
        for ticket_id in due:
            self.deliver_one(ticket_id)
        return len(due)

    async def run(self) -> None:
        """Deliver until cancelled. When the database itself fails, wait longer and longer."""
        outages = 0
        while True:
            try:
                tried = await run_in_threadpool(self.deliver_due)
            except Exception as error:
                outages += 1
                wait = min(self.max_backoff, self.poll_seconds * 2 ** min(outages, 10))
                reason = (
                    error.reason if isinstance(error, StorageUnavailable) else unexpected(error)
                )
                logger.error("Outbox unavailable (%s); next look in %ds", reason, wait)
                await self.sleep(wait)
                continue
            outages = 0
            if not tried:
                await self.sleep(self.poll_seconds)
