"""The databases the storage tests run on: a SQLite file, or a database of a private PostgreSQL
cluster that the test session starts in a temporary folder and stops after.

The cluster is Debian's PostgreSQL (`make test` installs the `postgresql` package): its initdb and
pg_ctl, run as the `postgres` system user when the tests run as root (the server refuses root),
with the data folder owned by that user. It listens on a free port of 127.0.0.1 only, with its
socket in the temporary folder, and lets in local TCP connections without a password (`trust`),
nothing else. Each test gets a database of its own, owned by an unprivileged role as an operator's
would be, and dropped after the test.

For speed the test server does not flush to disk (`fsync=off`): the tests kill the endpoint or
the server, never the machine, so what a commit guarantees them is unchanged.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from helpcenter.engines import DatabaseURL, Target, psycopg_sql
from tests.processes import free_port

ROLE = "helpcenter"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "300",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}
START_SECONDS = 60


class PostgresMissing(Exception):
    """Debian's PostgreSQL is not installed."""


def server_programs() -> Path:
    """The folder of Debian's PostgreSQL server programs (initdb, pg_ctl), the newest there."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not found:
        raise PostgresMissing(
            "Debian's PostgreSQL is not installed: run `make test`, which installs it."
        )
    return Path(found[-1]).parent


class PostgresCluster:
    """A private PostgreSQL server, started in a temporary folder; `stop()` removes it all."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        """`settings` replace the test server's (see SERVER_SETTINGS)."""
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        self.bin = server_programs()
        self.folder = Path(tempfile.mkdtemp(prefix="helpcenter-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.names = itertools.count(1)
        # The server refuses to run as root: as root, it runs as the `postgres` system user.
        self.as_server_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_server_user:
            shutil.chown(self.folder, "postgres", "postgres")
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        self.admin.execute(f"CREATE ROLE {ROLE} LOGIN")

    def run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_server_user, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
            timeout=START_SECONDS,
        )

    def start(self) -> None:
        self.run("initdb", "--no-sync", "-D", str(self.data), "-U", "postgres", "-E", "UTF8")
        settings = {**self.settings, "port": str(self.port)}
        settings["unix_socket_directories"] = f"'{self.folder}'"
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        # Local TCP connections only, without a password; no socket connections.
        (self.data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
        self.start_server()

    def start_server(self) -> None:
        """Start the server (again: it recovers what a crash left from its log)."""
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start")
        self.admin = psycopg.connect(self.url("postgres", "postgres").url, autocommit=True)

    def stop_server(self) -> None:
        """Stop the server at once, as a crash would: every connection cut, no checkpoint."""
        self.admin.close()
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def server_pid(self) -> int:
        """The server's main process (its postmaster), parent of every connection's."""
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def url(self, database: str, user: str = ROLE) -> DatabaseURL:
        return DatabaseURL(f"postgresql://{user}@127.0.0.1:{self.port}/{database}")

    def create_database(self) -> DatabaseURL:
        """A new, empty database, owned by the unprivileged role."""
        name = f"test_{next(self.names)}"
        self.admin.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def drop_database(self, url: DatabaseURL) -> None:
        self.admin.execute(f"DROP DATABASE {database_name(url)} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self.stop_server()
        finally:
            self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def database_name(url: DatabaseURL) -> str:
    return url.url.rsplit("/", 1)[1]


@contextmanager
def write_lock(target: Target) -> Iterator[None]:
    """Another writer that does not let go, for a while: SQLite's write lock; on PostgreSQL, every
    table locked against writes (reads go on, as with SQLite's WAL)."""
    if isinstance(target, DatabaseURL):
        with psycopg.connect(target.url) as connection:
            tables = connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
            connection.execute(f"LOCK TABLE {', '.join(t for (t,) in tables)} IN EXCLUSIVE MODE")
            yield
            connection.rollback()
        return
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def rows(target: Target, sql: str, parameters: Sequence[Any] = ()) -> list[tuple]:
    """What `sql` (with `?` placeholders) selects in the database `target`, as tuples: what a
    test reads behind the stores' back, on either engine."""
    if isinstance(target, DatabaseURL):
        with psycopg.connect(target.url) as connection:
            return [tuple(row) for row in connection.execute(psycopg_sql(sql), parameters)]
    connection = sqlite3.connect(target)
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def columns(target: Target, table: str) -> set[str]:
    """The names of the columns of `table` in the database `target`."""
    if isinstance(target, DatabaseURL):
        query = "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        return {name for (name,) in rows(target, query, (table,))}
    return {row[1] for row in rows(target, f"PRAGMA table_info({table})")}


def dump(target: Target) -> str:
    """Every row of every table of the database `target`, as text: what a copy of it would give
    away."""
    if isinstance(target, DatabaseURL):
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    tables = [table for (table,) in rows(target, query)]
    return "\n".join(
        f"{table}: {row!r}" for table in tables for row in rows(target, f"SELECT * FROM {table}")
    )


def execute(target: Target, sql: str, parameters: Sequence[Any] = ()) -> None:
    """Run `sql` in the database `target` and commit it, behind the stores' back."""
    if isinstance(target, DatabaseURL):
        with psycopg.connect(target.url) as connection:
            connection.read_only = False  # whatever the database's default
            connection.execute(psycopg_sql(sql), parameters)
        return
    connection = sqlite3.connect(target)
    try:
        with connection:
            connection.execute(sql, parameters)
    finally:
        connection.close()
