"""Talking to a Zendesk-compatible helpdesk, and forwarding stored tickets to it from the outbox.

Each ticket is delivered by Zendesk's anonymous Requests API: its attachments first
(`POST /api/v2/uploads?filename=...`, which answers a token), then the request itself
(`POST /api/v2/requests.json`). The ticket reference goes as `Idempotency-Key`, so a delivery
retried after a lost answer does not create a second request.

Following a forwarded request (helpcenter.tickets.sync) reads it and adds the reader's replies as
its requester, through the same Requests API: `GET /api/v2/requests/{id}.json` (its status),
`GET /api/v2/requests/{id}/comments.json` (its public comments) and `PUT /api/v2/requests/{id}.json`
with a comment. Zendesk lets an admin's OAuth token with the `impersonate` scope act for an end
user named in `X-On-Behalf-Of`: the token is `HELPCENTER_HELPDESK_TOKEN`, never in mkdocs.yml,
and goes over https only (plain http to this machine alone: 127.0.0.1, ::1, localhost).

The forwarder never dies: whatever goes wrong with a delivery (an error status, an answer that is
not the JSON the contract promises, a timeout, a refused connection, even a bug in reading the
answer) is recorded on the ticket (attempts, last error) and logged once, and the delivery is
tried again later, with exponential backoff or when `Retry-After` says (`Retries`, the same for
the readers' replies). After `max_attempts` (mkdocs.yml's `server.forward_attempts`) the ticket is
set aside as `failed` (a dead letter: `helpcenter tickets retry` puts it back); so is a ticket
whose content the helpdesk refuses (422). Neither the recorded error nor the log line holds
anything the reader wrote.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import httpx
from starlette.concurrency import run_in_threadpool

from helpcenter.contact.fields import answers, helpdesk_fields
from helpcenter.contact.settings import ContactSettings
from helpcenter.database import StorageUnavailable
from helpcenter.tickets.guards import origin_of
from helpcenter.tickets.statuses import STATUSES
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
# A forwarder claims the deliveries it takes for this long: forwarders in other processes leave
# them alone meanwhile (one delivery's calls take far less), and take them up once it has passed
# when the one that claimed them died.
CLAIM_SECONDS = 300.0
# The environment variable that holds the helpdesk's OAuth token (scopes: read, write,
# impersonate): a secret, kept out of mkdocs.yml.
TOKEN_VARIABLE = "HELPCENTER_HELPDESK_TOKEN"
# Zendesk keeps at most 5,000 comments a request, 100 a page.
MAX_COMMENT_PAGES = 50
# Answers about one request (it is gone, or not the requester's to see, or refuses a change),
# not about the helpdesk: the others (5xx, 429, 401, a timeout...) mean it is unavailable.
REQUEST_ERRORS = frozenset({400, 403, 404, 409, 410, 422})


class DeliveryError(Exception):
    """A delivery attempt failed; `retry_after` when the helpdesk said when to come back,
    `status` the HTTP status it answered (None when it did not answer).

    The message is short and names what failed, never what the reader wrote.
    """

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        permanent: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.status = status

    @property
    def outage(self) -> bool:
        """Whether it says the helpdesk is unavailable (rather than something of one request)."""
        return self.status not in REQUEST_ERRORS


class UnexpectedAnswer(DeliveryError):
    """The helpdesk answered with JSON, but not as the contract says (a field missing, a status
    it does not have...): something of the request asked about, not an outage."""

    @property
    def outage(self) -> bool:
        return False


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


@dataclass(frozen=True)
class RemoteComment:
    """A public comment of a request, as the helpdesk has it: `body` as it was written (what a
    reply sent is recognised by), `text` as it reads (Zendesk's `plain_body`: the body's
    Markdown rendered; the body when there is none)."""

    id: str
    author_id: str
    body: str
    created_at: float
    author_name: str = ""
    text: str = ""


@dataclass(frozen=True)
class RequestState:
    """What the helpdesk says of a request: its status, its requester, its public comments
    (oldest first: the first is the request's own message) and when it last changed (None when
    it does not say)."""

    status: str
    requester_id: str
    comments: tuple[RemoteComment, ...]
    updated_at: float | None = None


def identifier(value: object) -> str | None:
    """An id of the helpdesk's (a number, or a text of one), as text; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text if text and len(text) <= 40 else None


def moment_of(value: object) -> float | None:
    """An ISO 8601 time of the helpdesk's (`2030-01-01T12:00:00Z`) in seconds since the epoch."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def request_state(request: object, pages: list[dict]) -> RequestState:
    """The request and its pages of comments as the contract describes them, or the
    UnexpectedAnswer of what is not."""
    if not isinstance(request, dict) or request.get("status") not in STATUSES:
        raise UnexpectedAnswer("request: answer without a known request.status")
    requester = identifier(request.get("requester_id"))
    if requester is None:
        raise UnexpectedAnswer("request: answer without request.requester_id")
    names = {
        identifier(user.get("id")): user.get("name")
        for page in pages
        for user in page.get("users") or []
        if isinstance(user, dict)
    }
    comments = []
    for page in pages:
        listed = page.get("comments")
        if not isinstance(listed, list):
            raise UnexpectedAnswer("comments: answer without a comments list")
        for comment in listed:
            if not isinstance(comment, dict) or comment.get("public") is False:
                continue
            body, text = comment.get("body"), comment.get("plain_body")
            number, author = identifier(comment.get("id")), identifier(comment.get("author_id"))
            created = moment_of(comment.get("created_at"))
            if number is None or author is None or created is None or not isinstance(body, str):
                raise UnexpectedAnswer("comments: a comment without its id, author, time or body")
            name = names.get(author)
            comments.append(
                RemoteComment(
                    number,
                    author,
                    body,
                    created,
                    name if isinstance(name, str) else "",
                    text if isinstance(text, str) else body,
                )
            )
    # Oldest first, as Zendesk lists them: the order of the list when two share a time.
    comments.sort(key=lambda comment: comment.created_at)
    return RequestState(
        request["status"], requester, tuple(comments), moment_of(request.get("updated_at"))
    )


class Session:
    """One conversation with the helpdesk: its connection, and the step it is at (what an error
    names)."""

    def __init__(self, helpdesk: HelpdeskClient, client: httpx.Client) -> None:
        self.helpdesk = helpdesk
        self.client = client
        self.what = "connection"

    def call(self, what: str, method: str, url: str, **options) -> dict:
        """The JSON object the helpdesk answers, or the DeliveryError its answer means."""
        self.what = what
        return self.helpdesk.check(self.client.request(method, url, **options), what)

    def upload(self, attachments: list[Attachment]) -> list[str]:
        """Each attachment uploaded: the tokens a comment refers to them by."""
        tokens = []
        for attachment in attachments:
            answer = self.call(
                "upload",
                "POST",
                "/api/v2/uploads",
                params={"filename": attachment.filename},
                content=attachment.content,
                headers={"Content-Type": attachment.content_type},
            )
            upload = answer.get("upload")
            token = upload.get("token") if isinstance(upload, dict) else None
            if not isinstance(token, str) or not token:
                raise UnexpectedAnswer("upload: answer without upload.token")
            tokens.append(token)
        return tokens


@dataclass
class HelpdeskClient:
    base_url: str
    timeout: float = 10.0
    # An OAuth access token with the `impersonate` scope (TOKEN_VARIABLE): what following a
    # request, as its requester, needs. Tickets are created anonymously, without it.
    token: str | None = None
    # mkdocs.yml's contact settings: the labels and helpdesk field ids of the categories' extra
    # fields (without them, answers go into the description by their field ids).
    contact: ContactSettings | None = None

    def __post_init__(self) -> None:
        """Refuse to carry the token in clear: ValueError, saying what is expected."""
        address = urlsplit(self.base_url)
        if self.token and address.scheme == "http" and not loopback(address.hostname):
            raise ValueError(
                f"expected https://, as {TOKEN_VARIABLE} is set and plain http would carry it "
                "in clear (plain http is for this machine only: 127.0.0.1, ::1, localhost)"
            )

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
                raise DeliveryError(
                    f"{what}: HTTP {status} without a JSON object ({kind})", status=status
                )
            return data
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 422:
            raise DeliveryError(
                f"{what}: refused (422){refused_fields(response)}", permanent=True, status=status
            )
        if status == 429:
            raise DeliveryError(
                f"{what}: rate limited (429)", retry_after=retry_after, status=status
            )
        raise DeliveryError(f"{what}: HTTP {status}", retry_after=retry_after, status=status)

    @contextmanager
    def session(self, requester: str | None = None) -> Iterator[Session]:
        """A connection to the helpdesk, acting for `requester` (an email address) when given;
        whatever fails in it is a DeliveryError naming the step, never what was sent."""
        headers = {}
        if requester and self.token:
            headers = {"Authorization": f"Bearer {self.token}", "X-On-Behalf-Of": requester}
        session = Session(self, httpx.Client(base_url=self.base_url, timeout=self.timeout))
        session.client.headers.update(headers)
        try:
            with session.client:
                yield session
        except httpx.TimeoutException as error:
            kind = type(error).__name__
            raise DeliveryError(f"{session.what}: timed out ({kind})") from None
        except httpx.ConnectError as error:
            kind = type(error).__name__
            raise DeliveryError(f"{session.what}: cannot connect ({kind})") from None
        except httpx.HTTPError as error:
            # Only the error's kind: its text may hold the URL, with an attachment's name.
            raise DeliveryError(f"{session.what}: {type(error).__name__}") from None

    def deliver(self, ticket: dict, attachments: list[Attachment]) -> str:
        """Create the request; the helpdesk's id for it."""
        with self.session() as session:
            tokens = session.upload(attachments)
            # (A ticket without answers may come without `fields`.)
            found = answers(
                self.contact, ticket["category"], ticket["language"], ticket.get("fields") or {}
            )
            custom_fields, lines = helpdesk_fields(found)
            lines += [f"Page: {ticket['page']}"] if ticket["page"] else []
            body = ticket["message"] + ("\n\n---\n" + "\n".join(lines) if lines else "")
            answer = session.call(
                "request",
                "POST",
                "/api/v2/requests.json",
                json={
                    "request": {
                        "requester": {"name": ticket["name"], "email": ticket["email"]},
                        "subject": ticket["subject"],
                        "comment": {"body": body, "uploads": tokens},
                        "tags": [f"category_{ticket['category']}", f"lang_{ticket['language']}"]
                        + ([f"plan_{ticket['plan']}"] if ticket["plan"] else []),
                        **({"custom_fields": custom_fields} if custom_fields else {}),
                    }
                },
                headers={"Idempotency-Key": ticket["reference"]},
            )
            created = answer.get("request")
            remote_id = identifier(created.get("id")) if isinstance(created, dict) else None
            if remote_id is None:
                raise UnexpectedAnswer("request: answer without request.id")
            return remote_id

    def request_state(self, remote_id: str, requester: str) -> RequestState:
        """The request of `remote_id` as its requester sees it: status and public comments."""
        path = f"/api/v2/requests/{quote(remote_id, safe='')}"
        with self.session(requester) as session:
            request = session.call("request", "GET", f"{path}.json").get("request")
            pages: list[dict] = []
            url: str | None = f"{path}/comments.json"
            while url is not None and len(pages) < MAX_COMMENT_PAGES:
                page = session.call("comments", "GET", url)
                pages.append(page)
                url = self.next_page(page.get("next_page"))
        return request_state(request, pages)

    def next_page(self, address: object) -> str | None:
        """The next page's address, when the helpdesk gives one on its own origin (the token
        goes nowhere else)."""
        if not isinstance(address, str) or not address:
            return None
        absolute = urljoin(self.base_url, address)
        if origin_of(absolute) != origin_of(self.base_url):
            raise UnexpectedAnswer("comments: next_page on another origin")
        return absolute

    def add_comment(
        self,
        remote_id: str,
        requester: str,
        body: str,
        attachments: list[Attachment],
        idempotency_key: str,
    ) -> None:
        """Add the requester's public comment, with its files, to the request of `remote_id`."""
        with self.session(requester) as session:
            tokens = session.upload(attachments)
            session.call(
                "comment",
                "PUT",
                f"/api/v2/requests/{quote(remote_id, safe='')}.json",
                json={"request": {"comment": {"body": body, "uploads": tokens}}},
                headers={"Idempotency-Key": idempotency_key},
            )


def loopback(host: str | None) -> bool:
    """Whether `host` is this machine (127.0.0.0/8, ::1, localhost)."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


@dataclass(frozen=True)
class Retries:
    """When a failed delivery is tried again, and when it is set aside: the same for tickets and
    for the readers' replies."""

    backoff_base: float = BACKOFF_BASE_SECONDS
    max_backoff: float = MAX_BACKOFF_SECONDS
    max_attempts: int = DEFAULT_ATTEMPTS

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: doubling from `backoff_base`, at most `max_backoff`."""
        return min(self.max_backoff, self.backoff_base * 2 ** min(max(attempts, 1) - 1, 30))

    def wait(self, attempts: int, retry_after: float | None) -> float:
        """Seconds before the next attempt after `attempts` failed: as the helpdesk said, else
        the backoff; never less than MIN_WAIT_SECONDS."""
        return max(MIN_WAIT_SECONDS, self.backoff(attempts) if retry_after is None else retry_after)

    def gives_up(self, attempts: int, permanent: bool) -> bool:
        return permanent or attempts >= max(1, self.max_attempts)

    def log_failure(
        self, what: str, attempts: int, error: str, wait: float, give_up: bool, undo: str = ""
    ) -> None:
        """One line for a failed attempt at `what` (`Ticket HC-...: delivery`); `undo` says how
        to try again what is set aside."""
        if give_up:
            logger.error(
                "%s attempt %d of %d failed (%s); set aside as failed%s",
                what,
                attempts,
                self.max_attempts,
                error,
                f" ({undo})" if undo else "",
            )
        else:
            logger.warning(
                "%s attempt %d of %d failed (%s); next attempt in %ds",
                what,
                attempts,
                self.max_attempts,
                error,
                round(wait),
            )


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
        self.retries = Retries(backoff_base, max_backoff, max(1, max_attempts))
        self.clock = clock or time.time
        self.sleep = sleep

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
        give_up = self.retries.gives_up(attempts, permanent)
        wait = self.retries.wait(attempts, retry_after)
        self.store.mark_failed_attempt(ticket_id, error, now + wait, give_up=give_up, now=now)
        self.retries.log_failure(
            f"Ticket {reference}: delivery",
            attempts,
            error,
            wait,
            give_up,
            f"`helpcenter tickets retry {reference}` tries again",
        )

    def deliver_due(self) -> int:
        """Try every due delivery once, claimed from other forwarders; how many were tried."""
        due = self.store.due_deliveries(self.clock(), claim_for=CLAIM_SECONDS)
        for ticket_id in due:
            self.deliver_one(ticket_id)
        return len(due)

    async def run(self) -> None:
        """Deliver until cancelled. When the database itself fails, wait longer and longer."""
        await keep_going(
            "Outbox", self.deliver_due, self.sleep, self.poll_seconds, self.retries.max_backoff
        )


async def keep_going(
    name: str,
    work: Callable[[], int],
    pause: Callable[[float], Awaitable[object]],
    idle_seconds: float,
    max_backoff: float,
) -> None:
    """Run `work` in a worker thread until cancelled: again at once while it finds something to
    do (it says how many), after `idle_seconds` when not; when it fails (the database...), after
    longer and longer waits, each logged as `name` unavailable."""
    outages = 0
    while True:
        try:
            tried = await run_in_threadpool(work)
        except Exception as error:
            outages += 1
            wait = min(max_backoff, idle_seconds * 2 ** min(outages, 10))
            reason = error.reason if isinstance(error, StorageUnavailable) else unexpected(error)
            logger.error("%s unavailable (%s); next look in %ds", name, reason, wait)
            await pause(wait)
            continue
        outages = 0
        if not tried:
            await pause(idle_seconds)
