"""The endpoint's database: one database for tickets, feedback and search gaps, in a SQLite file
or in PostgreSQL (helpcenter.engines), its schema brought up to date at start-up
(helpcenter.migrations).

A transaction is on disk when it commits, on either engine: a ticket is stored before the reader
is told "received". Storage failures are never a false "received" nor a 500: a full disk, a
database locked beyond the busy timeout, a read-only database, a server that cannot be reached or
free disk below the watermark raise `StorageUnavailable`, which the endpoint answers 503 with
`Retry-After`. A database that cannot be written at start-up ends the command with one line
saying why (`DatabaseUnavailable`).

What one client may store in a day is counted in `daily_usage`, keyed by a hash of a random
salt kept in the database, the day and the client's address: the address itself is never stored,
and a day's counters cannot be linked to another day's. The count is one statement (an upsert
that adds only within the limit), so it holds between processes sharing a database too. So are
the per-minute rate limits when several processes share them (`rate_limits`, keyed by a salted
hash of the address and what it posts to, its row gone once its allowance is whole again).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpcenter.engines import (
    BUSY_TIMEOUT_SECONDS,
    LOW_DISK,
    READ_ONLY,
    DatabaseUnavailable,
    DatabaseURL,
    Session,
    StorageUnavailable,
    open_engine,
)
from helpcenter.migrations import migrate

__all__ = ["DatabaseUnavailable", "StorageUnavailable"]

MB = 1024 * 1024
# What the per-minute rate limits' keys are hashed with, where the daily quotas' have their day.
PER_MINUTE = "per-minute"


@dataclass(frozen=True)
class Admission:
    """Whether a daily quota let something in; when not, seconds until it resets."""

    accepted: bool
    retry_after: int = 0

    def __bool__(self) -> bool:
        return self.accepted


class QuotaExceeded(Exception):
    """A client has stored as much as it may today; 429 until `retry_after` seconds pass."""

    def __init__(self, kind: str, retry_after: int) -> None:
        super().__init__(f"daily quota of {kind} reached")
        self.kind = kind
        self.retry_after = retry_after


def utc_day(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).date().isoformat()


def seconds_until_tomorrow(now: float) -> int:
    """Seconds until the next day (UTC), when daily quotas start again; at least 1."""
    today = datetime.fromtimestamp(now, UTC).date()
    tomorrow = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, math.ceil(tomorrow.timestamp() - now))


def iso(now: float) -> str:
    """A timestamp as the tables store it: ISO 8601 in UTC."""
    return datetime.fromtimestamp(now, UTC).isoformat()


class Database:
    """A database (a SQLite file, or a PostgreSQL URL), brought up to the schema.

    `clock` gives the time (seconds since the epoch) for everything stored; tests replace it.
    `writable=False` opens a database only to read it (`helpcenter tickets list`): a read-only
    one is then fine.
    """

    def __init__(
        self,
        target: Path | DatabaseURL | str,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        writable: bool = True,
    ) -> None:
        self.clock = clock
        self.salt = ""
        self.engine = open_engine(target, busy_timeout)
        self.target = self.engine.target
        try:
            self.prepare()
            if writable:
                self.check_write()
        except (StorageUnavailable, *self.engine.errors) as error:
            read_only = isinstance(error, StorageUnavailable) and error.reason == READ_ONLY
            if writable or not read_only:
                self.engine.close()
                raise self.engine.unavailable(self.engine.describe(error)) from None
        # The salt of the clients' keys (quotas); none to read in a read-only database too old
        # to have one, which only reading needs no salt for.
        with suppress(StorageUnavailable, *self.engine.errors, TypeError), self.reading() as db:
            self.salt = db.execute("SELECT value FROM meta WHERE key = 'client_salt'").fetchone()[0]

    def prepare(self) -> None:
        """Bring the schema up to date, in one transaction (see helpcenter.migrations)."""
        with self.transaction() as db:
            migrate(self.engine, db, iso(self.clock()))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.engine.reading() as db:
            yield db

    @contextmanager
    def transaction(self, min_free_mb: int = 0) -> Iterator[Session]:
        """A write transaction, refused before it starts when free disk is below `min_free_mb`."""
        if min_free_mb:
            self.check_free_space(min_free_mb)
        with self.engine.transaction() as db:
            yield db

    def check_free_space(self, min_free_mb: int) -> None:
        """Refuse to write when the disk that holds the database has less than `min_free_mb`
        free. Only a SQLite file's disk is seen from here: a PostgreSQL server whose disk is full
        says so when written to."""
        free = self.engine.free_bytes()
        if free is not None and free < min_free_mb * MB:
            raise StorageUnavailable(LOW_DISK, retry_after=300)

    def check_write(self, min_free_mb: int = 0) -> None:
        """A real write, committed: what the health check and the start-up rely on."""
        with self.transaction(min_free_mb) as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('write_checked_at', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (iso(self.clock()),),
            )

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another writer before it fails (`the database is locked`)."""
        self.engine.set_busy_timeout(seconds)

    def ping(self) -> None:
        with self.reading() as db:
            db.execute("SELECT 1").fetchone()

    # Daily quotas per client address.

    def client_key(self, client: str, scope: str) -> str:
        """The key of a client's counters for `scope` (a day; PER_MINUTE for the rate limits): a
        salted hash, never the address."""
        text = f"{self.salt}\x00{scope}\x00{client}".encode()
        return hashlib.sha256(text).hexdigest()[:32]

    def use_quota(
        self, db: Session, client: str, kind: str, amount: int, limit: int, now: float
    ) -> Admission:
        """Count `amount` of `kind` for `client` today unless it takes them beyond `limit`.

        To be called inside a transaction (`db`), with what it counts. One statement adds to the
        count only while it stays within the limit: two processes counting at once cannot both
        take the last of it.
        """
        day = utc_day(now)
        db.execute("DELETE FROM daily_usage WHERE day < ?", (day,))
        counted = (
            amount <= limit
            and db.execute(
                "INSERT INTO daily_usage (client_key, kind, day, amount) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(client_key, kind) DO UPDATE SET "
                "amount = daily_usage.amount + excluded.amount "
                "WHERE daily_usage.amount + excluded.amount <= ? RETURNING amount",
                (self.client_key(client, day), kind, day, amount, limit),
            ).fetchone()
        )
        if not counted:
            return Admission(False, seconds_until_tomorrow(now))
        return Admission(True)

    def purge_usage(self, now: float) -> int:
        """Forget the counters of past days; how many were removed."""
        with self.transaction() as db:
            return db.execute("DELETE FROM daily_usage WHERE day < ?", (utc_day(now),)).rowcount

    # Per-minute rate limits (helpcenter.tickets.guards.SharedRateTable), shared by the
    # processes using the database.

    def spend_allowance(self, key: str, interval: float, burst: float, now: float) -> float | None:
        """Count a request of `key` (a client's address and what it posts to) against its
        allowance, as GCRA does: the time the allowance is spent until moves on by `interval`
        (from `now` when it is past), unless it is already more than `burst` ahead of `now`. None
        when the request is counted; else the time the allowance is spent until.

        One statement counts only within the allowance: processes checking a key at once share
        one allowance. The key is kept as a salted hash, never the address.
        """
        hashed = self.client_key(key, PER_MINUTE)
        with self.transaction() as db:
            counted = db.execute(
                "INSERT INTO rate_limits (key, spent_until) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET spent_until = CASE "
                "WHEN rate_limits.spent_until > ? THEN rate_limits.spent_until ELSE ? END + ? "
                "WHERE rate_limits.spent_until - ? <= ? RETURNING spent_until",
                (hashed, now + interval, now, now, interval, now, burst),
            ).fetchone()
            if counted:
                return None
            return db.execute(
                "SELECT spent_until FROM rate_limits WHERE key = ?", (hashed,)
            ).fetchone()[0]

    def forget_idle_allowances(self, now: float, at_most: int) -> int:
        """Remove up to `at_most` keys whose allowance is whole again at `now` (they count as new
        ones), the longest idle first; how many were removed. Keys another process is counting
        are left for the next time, without waiting for it."""
        with self.transaction() as db:
            return db.execute(
                "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits "
                "WHERE spent_until <= ? ORDER BY spent_until LIMIT ?"
                + self.engine.skip_locked()
                + ")",
                (now, at_most),
            ).rowcount

    def compact(self, min_ratio: float, min_bytes: int) -> int | None:
        """Give free space back to the file system when at least `min_ratio` of the database, or
        `min_bytes`, is free: the bytes it shrank by, or None when not done (too little free, or
        PostgreSQL, whose autovacuum sees to it)."""
        return self.engine.compact(min_ratio, min_bytes)

    def close(self) -> None:
        self.engine.close()
