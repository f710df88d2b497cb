"""The two engines the endpoint's database runs on: a SQLite file (the default, `--db FILE`) or a
PostgreSQL database (`--db postgresql://...`, or HELPCENTER_DATABASE_URL).

The stores (helpcenter.database and its subclasses) write one SQL for both: `?` placeholders,
`INSERT ... ON CONFLICT`, `RETURNING`, timestamps as ISO 8601 text in UTC or as seconds since the
epoch. What differs is here, once:

- the schema's types, written as SQLite reads them and translated for PostgreSQL (`TYPES`), so
  that both store and compare the same (64-bit integers and floats, text compared by bytes);
- placeholders: psycopg's are `%s`;
- concurrency. SQLite has one writer at a time: a write transaction (`BEGIN IMMEDIATE`) holds
  the whole database, and this process shares one connection under a lock. PostgreSQL runs
  transactions side by side (READ COMMITTED), on a pool of connections: a transaction that
  reads something and then writes according to it locks what it read first (`for_update` on
  rows, `hold(name)` for what is not a row yet, such as an idempotency key), and workers claiming
  queued rows skip those another has claimed (`skip_locked`);
- durability: a commit is on disk when it returns, on both (SQLite's WAL with
  `synchronous=FULL`; PostgreSQL's `synchronous_commit=on`, whatever the server's default);
- failures: which errors are the storage failing (`StorageUnavailable`, which the endpoint
  answers 503 with Retry-After) rather than a bug in a query, and which cannot open a database
  at start-up (`DatabaseUnavailable`, one line).
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import psycopg_pool
from starlette.exceptions import HTTPException

# How long a write waits for another writer (SQLite's busy timeout, PostgreSQL's lock timeout
# and the wait for a free connection of the pool) before it fails.
BUSY_TIMEOUT_SECONDS = 10.0
# PostgreSQL: the connections one process keeps at most, and how long the first may take.
POOL_SIZE = 10
CONNECT_TIMEOUT_SECONDS = 10
URL_SCHEMES = ("postgresql://", "postgres://")
# The environment variable that may hold the database's URL (it may hold a password).
DATABASE_URL_VARIABLE = "HELPCENTER_DATABASE_URL"

# Why storing failed, in a few words.
LOCKED = "the database is locked"
FULL = "the disk is full"
READ_ONLY = "the database is read-only"
LOW_DISK = "free disk space is below the watermark"
UNREACHABLE = "the database server cannot be reached"
DENIED = "access to the database is denied"
DAMAGED = "the database file is damaged"
IO_ERROR = "disk input/output error"
NO_CONNECTION = "no connection to the database could be had in time"

# SQLite's primary result codes that are the storage failing: (reason, seconds before a retry).
SQLITE_FAILURES = {
    "SQLITE_BUSY": (LOCKED, 5),
    "SQLITE_LOCKED": (LOCKED, 5),
    "SQLITE_FULL": (FULL, 300),
    "SQLITE_READONLY": (READ_ONLY, 300),
    "SQLITE_IOERR": (IO_ERROR, 60),
    "SQLITE_CANTOPEN": ("the database file cannot be opened", 300),
    "SQLITE_PERM": (DENIED, 300),
    "SQLITE_CORRUPT": (DAMAGED, 300),
    "SQLITE_NOTADB": ("the file is not a database", 300),
}
# PostgreSQL's SQLSTATEs that are the storage failing, by code or by class (the first two
# characters): (reason, seconds before a retry). An error with no SQLSTATE is the connection
# failing.
POSTGRES_FAILURES = {
    "08": (UNREACHABLE, 30),  # connection exceptions
    "57P": ("the database server is restarting or shutting down", 30),
    "53100": (FULL, 300),  # disk_full
    "53": ("the database server is out of resources", 60),  # memory, connections
    "25006": (READ_ONLY, 300),  # read_only_sql_transaction (a standby, or set so)
    "55P03": (LOCKED, 5),  # lock_not_available: the lock timeout passed
    "57014": (LOCKED, 5),  # query_canceled: a statement timeout passed
    "40P01": (LOCKED, 5),  # deadlock_detected
    "40001": (LOCKED, 5),  # serialization_failure
    "58": (IO_ERROR, 60),  # system errors (I/O)
    "XX001": (DAMAGED, 300),  # data_corrupted
    "XX002": (DAMAGED, 300),  # index_corrupted
    "28": (DENIED, 300),  # invalid authorization
    "42501": (DENIED, 300),  # insufficient_privilege
    "3D000": ("the database does not exist", 300),
}

# Every error the two drivers raise: the storage failing, or a bug.
DRIVER_ERRORS = (sqlite3.Error, psycopg.Error, psycopg_pool.PoolTimeout)

# The schema's types as SQLite reads them, and what stores the same in PostgreSQL: SQLite's
# integers and floats have 64 bits, its integer primary key numbers new rows, and it compares
# text by bytes (so do ISO 8601 timestamps, in time order).
TYPES = (
    (r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (r"\bINTEGER\b", "BIGINT"),
    (r"\bREAL\b", "DOUBLE PRECISION"),
    (r"\bBLOB\b", "BYTEA"),
    (r"\bTEXT\b", 'TEXT COLLATE "C"'),
)


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

    def __init__(self, shown: str, reason: str, hint: str) -> None:
        super().__init__(f"Cannot use the database {shown}: {reason}. {hint}")
        self.reason = reason


@dataclass(frozen=True)
class DatabaseURL:
    """A PostgreSQL database, `postgresql://user:password@host:port/name?option=value`: shown
    (printed, formatted, logged) without its password."""

    url: str

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        user, _, host = parts.netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}@{host}" if user else host
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        kept = urlencode([(k, v) for k, v in query if k != "password"])
        return urlunsplit(parts._replace(netloc=netloc, query=kept))

    def __repr__(self) -> str:
        return f"DatabaseURL({str(self)!r})"


Target = Path | DatabaseURL


def database_target(text: str | Path | DatabaseURL) -> Target:
    """The database `--db` or HELPCENTER_DATABASE_URL names: a PostgreSQL URL, or a SQLite file.
    Raises ValueError for a URL of another kind."""
    if isinstance(text, Path | DatabaseURL):
        return text
    if text.startswith(URL_SCHEMES):
        return DatabaseURL(text)
    if "://" in text:
        scheme = text.partition("://")[0][:20]
        raise ValueError(
            f"expected a SQLite file or a postgresql:// URL, not a {scheme}:// address"
        )
    return Path(text)


def exists(target: Target) -> bool:
    """Whether there is a database to read: a SQLite file there, or any PostgreSQL URL (the
    server says, when connected to, whether it has one)."""
    return isinstance(target, DatabaseURL) or target.is_file()


# A row, by position or by column name: sqlite3.Row, or `Row` for PostgreSQL.
Record = Any


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Session(Protocol):
    """A connection within a transaction, as the stores use it: `execute` and `executemany`
    with `?` placeholders; rows by position or by column name (`row["id"]`, `dict(row)`)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Cursor: ...


class Engine:
    """A database the stores can read and write in transactions; see the module's docstring."""

    name = ""
    # The errors of the engine's driver (those that are the storage failing, and bugs).
    errors: tuple[type[BaseException], ...] = ()
    # Appended to a SELECT whose rows the transaction will change according to what it read.
    for_update = ""
    # What to check when the database cannot be opened.
    hint = ""
    target: Target

    def reading(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def failure(self, error: BaseException) -> StorageUnavailable | None:
        """What `error` means for storing, when it is the storage failing (not a bug)."""
        raise NotImplementedError

    @contextmanager
    def storage_errors(self) -> Iterator[None]:
        """The driver's errors that are the storage failing, raised as `StorageUnavailable`."""
        try:
            yield
        except self.errors as error:
            failure = self.failure(error)
            if failure is None:
                raise
            raise failure from error

    def describe(self, error: BaseException) -> str:
        """A storage error in a few words, without a traceback."""
        if isinstance(error, StorageUnavailable):
            return error.reason
        if isinstance(error, self.errors) and (failure := self.failure(error)):
            return failure.reason
        if isinstance(error, OSError):
            return error.strerror or type(error).__name__
        return first_line(str(error)) or type(error).__name__

    def unavailable(self, reason: str) -> DatabaseUnavailable:
        return DatabaseUnavailable(str(self.target), reason, self.hint)

    def ddl(self, statement: str) -> str:
        """A schema statement, written as SQLite reads it, in this engine's types."""
        return statement

    def run_script(self, db: Session, script: str) -> None:
        """The schema statements of `script` (they hold no `;` of their own), in order."""
        for statement in script.split(";"):
            if statement.strip():
                db.execute(self.ddl(statement.strip()))

    def columns(self, db: Session, table: str) -> set[str]:
        raise NotImplementedError

    def skip_locked(self, table: str = "") -> str:
        """Appended to a SELECT that claims queued rows: those another transaction holds are
        skipped. In a join, the rows of `table` (its name or alias) are the ones claimed."""
        return ""

    def hold(self, db: Session, name: str) -> None:
        """Hold `name` until the transaction ends: the transactions that lock the same name run
        one after the other (for what is not a row to lock yet)."""

    def free_bytes(self) -> int | None:
        """Free space on the disk that holds the database, when it is this machine's."""
        return None

    def compact(self, min_ratio: float, min_bytes: int) -> int | None:
        """Give free space back to the file system when at least `min_ratio` of the database or
        `min_bytes` is free; the bytes it shrank by, or None when not done."""
        return None

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another writer before it fails (`the database is locked`)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def open_engine(target: str | Target, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """The engine of `target`, connected. Raises DatabaseUnavailable."""
    target = database_target(target)
    if isinstance(target, DatabaseURL):
        return PostgreSQL(target, busy_timeout)
    return SQLite(target, busy_timeout)


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


class SQLite(Engine):
    """A SQLite file in WAL mode with `synchronous=FULL`: a transaction is on disk when it
    commits, and readers never wait for the writer. One connection is shared between threads
    under a lock: SQLite has one writer at a time anyway."""

    name = "SQLite"
    errors = (sqlite3.Error,)
    hint = "Check the file's permissions and the free disk space, or give another file with --db."

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.target = self.path = path
        self.lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
        except (OSError, sqlite3.Error) as error:
            raise self.unavailable(self.describe(error)) from None
        self.connection.row_factory = sqlite3.Row
        # A new file is put in WAL mode by the first process to get there: one starting at the
        # same moment is told "locked" without waiting (SQLite calls no busy handler there), so
        # it tries again, within the busy timeout.
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                with self.lock:
                    self.connection.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
                    self.connection.execute("PRAGMA journal_mode=WAL")
                    self.connection.execute("PRAGMA synchronous=FULL")
                    self.connection.execute("PRAGMA foreign_keys=ON")
                break
            except sqlite3.Error as error:
                busy = getattr(error, "sqlite_errorname", "").startswith("SQLITE_BUSY")
                if busy and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                self.connection.close()
                raise self.unavailable(self.describe(error)) from None

    def failure(self, error: BaseException) -> StorageUnavailable | None:
        name = getattr(error, "sqlite_errorname", "") or ""
        for code, (reason, retry_after) in SQLITE_FAILURES.items():
            if name == code or name.startswith(code + "_"):
                return StorageUnavailable(reason, retry_after)
        return None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.lock, self.storage_errors():
            yield self.connection

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.lock, self.storage_errors():
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

    def columns(self, db: Session, table: str) -> set[str]:
        return {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}

    def free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self.path.parent).free
        except OSError:
            return None  # the write itself will say what is wrong

    def compact(self, min_ratio: float, min_bytes: int) -> int | None:
        with self.lock, self.storage_errors():
            pages = self.connection.execute("PRAGMA page_count").fetchone()[0]
            free = self.connection.execute("PRAGMA freelist_count").fetchone()[0]
            free_bytes = free * self.connection.execute("PRAGMA page_size").fetchone()[0]
            if not pages or (free / pages < min_ratio and free_bytes < min_bytes):
                return None
            # Everything in the file first (WAL), then measured, rewritten, and measured again.
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = self.path.stat().st_size
            self.connection.execute("VACUUM")
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return max(0, before - self.path.stat().st_size)

    def set_busy_timeout(self, seconds: float) -> None:
        with self.lock:
            self.connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    def close(self) -> None:
        with self.lock:
            self.connection.close()


class Row(tuple):
    """A PostgreSQL row as sqlite3.Row gives one: by position, or by column name, in any case
    (PostgreSQL's names of unquoted columns are lowercase)."""

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key):
        return super().__getitem__(self.names[key.lower()] if isinstance(key, str) else key)

    def keys(self) -> list[str]:
        return list(self.names)


def named_rows(cursor: psycopg.Cursor) -> Any:
    """psycopg's row factory for `Row`."""
    names = {column.name: i for i, column in enumerate(cursor.description or ())}
    return functools.partial(Row, names=names)


@functools.lru_cache(maxsize=1024)
def psycopg_sql(sql: str) -> str:
    """A statement with `?` placeholders as psycopg takes it: `%s`, and `%` written `%%`."""
    quoted = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(
        part.replace("%", "%%") if i % 2 else part.replace("%", "%%").replace("?", "%s")
        for i, part in enumerate(quoted)
    )


class PostgresSession:
    """A pooled connection in a transaction, taking `?` placeholders (see `Session`)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> psycopg.Cursor:
        return self.connection.execute(psycopg_sql(sql), parameters)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self.connection.cursor()
        cursor.executemany(psycopg_sql(sql), list(rows))
        return cursor


class PostgreSQL(Engine):
    """A PostgreSQL database, through a pool of connections (psycopg_pool) shared by threads.

    Each connection commits durably (`synchronous_commit=on`) and waits for a lock at most the
    busy timeout (`lock_timeout`); the pool checks a connection before lending it, so a server
    that restarted costs no failed request once it is back.
    """

    name = "PostgreSQL"
    errors = (psycopg.Error, psycopg_pool.PoolTimeout)
    for_update = " FOR UPDATE"
    hint = (
        "Check that the server is running and lets this user in, or give another database "
        f"with --db or {DATABASE_URL_VARIABLE}."
    )

    def __init__(self, target: DatabaseURL, busy_timeout: float) -> None:
        self.target = target
        self.busy_timeout = busy_timeout
        try:
            # One connection first: a server that cannot be reached, or refuses this user, says
            # why in its words.
            psycopg.connect(target.url, connect_timeout=CONNECT_TIMEOUT_SECONDS).close()
        except psycopg.Error as error:
            raise self.unavailable(first_line(str(error)) or UNREACHABLE) from None
        self.pool = psycopg_pool.ConnectionPool(
            target.url,
            min_size=1,
            max_size=POOL_SIZE,
            open=False,
            timeout=busy_timeout,
            kwargs={"autocommit": True},
            configure=self.configure,
            check=psycopg_pool.ConnectionPool.check_connection,
            name="helpcenter",
        )
        try:
            self.pool.open(wait=True, timeout=max(busy_timeout, CONNECT_TIMEOUT_SECONDS))
        except psycopg_pool.PoolTimeout:
            self.pool.close()
            raise self.unavailable(NO_CONNECTION) from None

    def configure(self, connection: psycopg.Connection) -> None:
        """Set up a new connection of the pool: rows as `Row`, durable commits, lock timeout."""
        connection.row_factory = named_rows
        connection.execute("SET synchronous_commit = on")
        connection.execute(
            "SELECT set_config('lock_timeout', %s, false)", (f"{int(self.busy_timeout * 1000)}",)
        )

    def failure(self, error: BaseException) -> StorageUnavailable | None:
        if isinstance(error, psycopg_pool.PoolTimeout):
            return StorageUnavailable(NO_CONNECTION, 10)
        code = getattr(error, "sqlstate", None)
        if code is None:
            # No SQLSTATE: the connection failed (closed, reset, timed out), not a statement.
            if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
                return StorageUnavailable(UNREACHABLE, 30)
            return None
        for key in (code, code[:3], code[:2]):
            if key in POSTGRES_FAILURES:
                return StorageUnavailable(*POSTGRES_FAILURES[key])
        return None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.transaction() as db:
            yield db

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with (
            self.storage_errors(),
            self.pool.connection() as connection,
            connection.transaction(),
        ):
            yield PostgresSession(connection)

    def ddl(self, statement: str) -> str:
        for pattern, replacement in TYPES:
            statement = re.sub(pattern, replacement, statement)
        return statement

    def columns(self, db: Session, table: str) -> set[str]:
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {row[0] for row in rows}

    def skip_locked(self, table: str = "") -> str:
        return f" FOR UPDATE{f' OF {table}' if table else ''} SKIP LOCKED"

    def hold(self, db: Session, name: str) -> None:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        db.execute("SELECT pg_advisory_xact_lock(?)", (key,))

    def set_busy_timeout(self, seconds: float) -> None:
        self.busy_timeout = seconds
        self.pool.timeout = seconds
        self.pool.drain()  # new connections, configured with the new timeout

    def close(self) -> None:
        self.pool.close()
