"""The endpoint's SQLite database: one file for tickets, feedback and search gaps.

WAL mode and `synchronous=FULL`: a transaction is on disk when it commits, and readers never wait
for the writer. A connection is shared between threads under a lock: SQLite has one writer at a
time anyway.

Storage failures are never a false "received" nor a 500: a full disk, a database locked beyond
the busy timeout, a read-only file or free disk below the watermark raise `StorageUnavailable`,
which the endpoint answers 503 with `Retry-After`. A database that cannot be written at start-up
ends the command with one line saying why (`DatabaseUnavailable`).

What one client may store in a day is counted in `daily_usage`, keyed by a hash of a random
salt kept in the database, the day and the client's address: the address itself is never stored,
and a day's counters cannot be linked to another day's.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.exceptions import HTTPException

BUSY_TIMEOUT_SECONDS = 10.0
MB = 1024 * 1024

BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS daily_usage (
    client_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (client_key, kind)
);
CREATE INDEX IF NOT EXISTS daily_usage_day ON daily_usage(day);
"""

# Why a write failed, by SQLite's primary result code: (what to say, seconds before a retry).
LOCKED = "the database is locked"
FULL = "the disk is full"
READ_ONLY = "the database is read-only"
LOW_DISK = "free disk space is below the watermark"
STORAGE_FAILURES = {
    "SQLITE_BUSY": (LOCKED, 5),
    "SQLITE_LOCKED": (LOCKED, 5),
    "SQLITE_FULL": (FULL, 300),
    "SQLITE_READONLY": (READ_ONLY, 300),
    "SQLITE_IOERR": ("disk input/output error", 60),
    "SQLITE_CANTOPEN": ("the database file cannot be opened", 300),
    "SQLITE_PERM": ("access to the database is denied", 300),
    "SQLITE_CORRUPT": ("the database file is damaged", 300),
    "SQLITE_NOTADB": ("the file is not a database", 300),
}


class StorageUnavailable(HTTPException):
    """Nothing could be stored; try again after `retry_after` seconds.

    An HTTP exception (503 with `Retry-After`), so that a storage failure that no endpoint turned
    into a friendlier answer is still a 503, never a 500. `reason` is short and holds nothing a
    reader sent.
    """

    def __init__(self, reason: str, retry_after: int = 60) -> None:
        super().__init__(
            503,
            "Storage is unavailable; please try again later.",
            headers={"Retry-After": str(retry_after)},
        )
        self.reason = reason
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.reason


class DatabaseUnavailable(SystemExit):
    """The database cannot be opened for writing: the command ends with this one line.

    A SystemExit, like the other start-up checks of `helpcenter serve` (a missing built site):
    Python prints the message without a traceback and exits with 1.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"Cannot use the database {path}: {reason}. Check the file's permissions and the "
            "free disk space, or give another file with --db."
        )
        self.reason = reason


def storage_failure(error: sqlite3.Error) -> StorageUnavailable | None:
    """What `error` means for storing, when it is the storage failing (not a bug in a query)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    for code, (reason, retry_after) in STORAGE_FAILURES.items():
        if name == code or name.startswith(code + "_"):
            return StorageUnavailable(reason, retry_after)
    return None


@contextmanager
def storage_errors() -> Iterator[None]:
    """SQLite errors that are the storage failing, raised as `StorageUnavailable`."""
    try:
        yield
    except sqlite3.Error as error:
        failure = storage_failure(error)
        if failure is None:
            raise
        raise failure from error


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
    """A connection to the database file, with the tables of `schema` created if missing.

    `clock` gives the time (seconds since the epoch) for everything stored; tests replace it.
    `writable=False` opens a database only to read it (`helpcenter tickets list`): a read-only
    file is then fine.
    """

    schema = ""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        writable: bool = True,
    ) -> None:
        self.path = path
        self.clock = clock
        self.lock = threading.Lock()
        self.salt = ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
        except (OSError, sqlite3.Error) as error:
            raise DatabaseUnavailable(path, describe(error)) from None
        self.connection.row_factory = sqlite3.Row
        try:
            with self.lock:
                self.connection.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=FULL")
                self.connection.execute("PRAGMA foreign_keys=ON")
            self.prepare()
            if writable:
                self.check_write()
        except (StorageUnavailable, sqlite3.Error) as error:
            read_only = isinstance(error, StorageUnavailable) and error.reason == READ_ONLY
            if writable or not read_only:
                self.connection.close()
                raise DatabaseUnavailable(path, describe(error)) from None
        # The salt of the clients' keys (quotas); none to read in a read-only database too old
        # to have one, which only reading needs no salt for.
        with suppress(sqlite3.Error, StorageUnavailable, TypeError), self.reading() as db:
            self.salt = db.execute("SELECT value FROM meta WHERE key = 'client_salt'").fetchone()[0]

    def prepare(self) -> None:
        """Create what is missing, migrate what is old, and draw the salt, in one transaction."""
        with self.transaction() as db:
            for statement in split_script(BASE_SCHEMA + self.schema):
                db.execute(statement)
            self.migrate(db)
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('client_salt', ?)",
                (secrets.token_hex(32),),
            )

    def migrate(self, db: sqlite3.Connection) -> None:
        """Bring a database made by an earlier version up to the schema (subclasses add steps)."""

    @staticmethod
    def add_column(db: sqlite3.Connection, table: str, column: str, definition: str) -> bool:
        """`ALTER TABLE ... ADD COLUMN` unless the column is there; whether it was added."""
        columns = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
        if column in columns:
            return False
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        return True

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self.lock, storage_errors():
            yield self.connection

    @contextmanager
    def transaction(self, min_free_mb: int = 0) -> Iterator[sqlite3.Connection]:
        """A write transaction, refused before it starts when free disk is below `min_free_mb`."""
        if min_free_mb:
            self.check_free_space(min_free_mb)
        with self.lock, storage_errors():
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
                self.connection.execute("COMMIT")
            except BaseException:
                # SQLite rolls some failures back itself (a full disk): roll back what is left.
                if self.connection.in_transaction:
                    with suppress(sqlite3.Error):
                        self.connection.execute("ROLLBACK")
                raise

    def check_free_space(self, min_free_mb: int) -> None:
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            return  # the write itself will say what is wrong
        if free < min_free_mb * MB:
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
        with self.lock:
            self.connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    def ping(self) -> None:
        with self.reading() as db:
            db.execute("SELECT 1").fetchone()

    # Daily quotas per client address.

    def client_key(self, client: str, day: str) -> str:
        """The key of a client's counters for a day: a salted hash, never the address."""
        text = f"{self.salt}\x00{day}\x00{client}".encode()
        return hashlib.sha256(text).hexdigest()[:32]

    def use_quota(
        self, db: sqlite3.Connection, client: str, kind: str, amount: int, limit: int, now: float
    ) -> Admission:
        """Count `amount` of `kind` for `client` today unless it takes them beyond `limit`.

        To be called inside a transaction (`db`), with what it counts.
        """
        day = utc_day(now)
        db.execute("DELETE FROM daily_usage WHERE day < ?", (day,))
        key = self.client_key(client, day)
        row = db.execute(
            "SELECT amount FROM daily_usage WHERE client_key = ? AND kind = ?", (key, kind)
        ).fetchone()
        used = row["amount"] if row else 0
        if used + amount > limit:
            return Admission(False, seconds_until_tomorrow(now))
        db.execute(
            "INSERT INTO daily_usage (client_key, kind, day, amount) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(client_key, kind) DO UPDATE SET amount = amount + excluded.amount",
            (key, kind, day, amount),
        )
        return Admission(True)

    def purge_usage(self, now: float) -> int:
        """Forget the counters of past days; how many were removed."""
        with self.transaction() as db:
            return db.execute("DELETE FROM daily_usage WHERE day < ?", (utc_day(now),)).rowcount

    def vacuum(self) -> int:
        """Give the free pages back to the file system; the bytes the file shrank by."""
        with self.lock, storage_errors():
            # Everything in the file first (WAL), then measured, rewritten, and measured again.
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = self.path.stat().st_size
            self.connection.execute("VACUUM")
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return max(0, before - self.path.stat().st_size)

    def free_pages(self) -> tuple[float, int]:
        """The share of the file that is free pages, and their bytes: what VACUUM would give."""
        with self.reading() as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        return (free / pages if pages else 0.0), free * page_size

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def describe(error: BaseException) -> str:
    """A storage error in a few words, without a traceback."""
    if isinstance(error, StorageUnavailable):
        return error.reason
    if isinstance(error, sqlite3.Error) and (failure := storage_failure(error)):
        return failure.reason
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return str(error) or type(error).__name__


def split_script(script: str) -> list[str]:
    """The statements of a schema script (they hold no `;` of their own)."""
    return [statement.strip() for statement in script.split(";") if statement.strip()]
