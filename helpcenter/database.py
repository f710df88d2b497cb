"""The endpoint's SQLite database: one file for tickets, feedback and search gaps.

WAL mode and `synchronous=FULL`: a transaction is on disk when it commits, and readers never wait
for the writer. A connection is shared between threads under a lock: SQLite has one writer at a
time anyway.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    """A connection to the database file, with the tables of `schema` created if missing."""

    schema = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.lock = threading.Lock()
        with self.lock:
            self.connection.execute("PRAGMA busy_timeout=10000")
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            self.connection.executescript(self.schema)

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            yield self.connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def ping(self) -> None:
        with self.reading() as db:
            db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self.lock:
            self.connection.close()
