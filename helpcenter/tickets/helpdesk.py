"""Forwarding stored tickets to a Zendesk-compatible helpdesk, from the outbox.

Each ticket is delivered by Zendesk's anonymous Requests API: its attachments first
(`POST /api/v2/uploads?filename=...`, which answers a token), then the request itself
(`POST /api/v2/requests.json`). The ticket reference goes as `Idempotency-Key`, so a delivery
retried after a lost answer does not create a second request. Errors are retried with backoff,
`Retry-After` is honoured, a 422 (the helpdesk refuses the content) stops retrying; every state is
in the database (`helpcenter tickets list`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx
from starlette.concurrency import run_in_threadpool

from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import Attachment

MAX_BACKOFF_SECONDS = 600
MAX_ATTEMPTS = 50


class DeliveryError(Exception):
    """A delivery attempt failed; `retry_after` when the helpdesk said when to come back."""

    def __init__(
        self, message: str, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass
class HelpdeskClient:
    base_url: str
    timeout: float = 10.0

    def check(self, response: httpx.Response, what: str) -> dict:
        if response.status_code in (200, 201):
            return response.json()
        if response.status_code == 429:
            retry_after = response.headers.get("retry-after", "")
            seconds = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None
            raise DeliveryError(f"{what}: rate limited (429)", retry_after=seconds)
        if response.status_code == 422:
            raise DeliveryError(f"{what}: refused (422): {response.text[:300]}", permanent=True)
        raise DeliveryError(f"{what}: HTTP {response.status_code}")

    def deliver(self, ticket: dict, attachments: list[Attachment]) -> str:
        """Create the request; the helpdesk's id for it."""
        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
                tokens = []
                for attachment in attachments:
                    response = client.post(
                        "/api/v2/uploads",
                        params={"filename": attachment.filename},
                        content=attachment.content,
                        headers={"Content-Type": attachment.content_type},
                    )
                    tokens.append(self.check(response, "upload")["upload"]["token"])
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
                return str(self.check(response, "request")["request"]["id"])
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None


class Forwarder:
    """Delivers due tickets from the outbox, one at a time, until cancelled."""

    def __init__(
        self,
        store: TicketStore,
        client: HelpdeskClient,
        poll_seconds: float = 1.0,
        backoff_base: float = 2.0,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self.store = store
        self.client = client
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling from `backoff_base`, at most `max_backoff`."""
        return min(self.max_backoff, self.backoff_base * 2 ** min(attempts - 1, 12))

    def deliver_one(self, ticket_id: int) -> None:
        ticket, attachments = self.store.delivery_payload(ticket_id)
        try:
            remote_id = self.client.deliver(ticket, attachments)
        except DeliveryError as error:
            attempts = self.store.attempts(ticket_id) + 1
            wait = error.retry_after if error.retry_after is not None else self.backoff(attempts)
            self.store.mark_failed_attempt(
                ticket_id,
                str(error),
                time.time() + wait,
                give_up=error.permanent or attempts >= MAX_ATTEMPTS,
            )
        else:
            self.store.mark_delivered(ticket_id, remote_id)

    def deliver_due(self) -> int:
        due = self.store.due_deliveries(time.time())
        for ticket_id in due:
            self.deliver_one(ticket_id)
        return len(due)

    async def run(self) -> None:
        while True:
            delivered = await run_in_threadpool(self.deliver_due)
            if not delivered:
                await asyncio.sleep(self.poll_seconds)
