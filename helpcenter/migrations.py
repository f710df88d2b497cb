"""The database's schema, in numbered steps: each applied once, in order, when a store opens the
database, the same way on SQLite and PostgreSQL; `schema_migrations` records which were.

Step 1 is the schema of the version that started numbering them. It creates what is missing and
brings a SQLite file of any earlier version (from before the numbering, when each release added
tables and columns as it went) up to it, so that every database leaves step 1 alike and the later
steps start from there.

A new step goes at the end with the next number, and is never changed once released: a database
records the steps it went through, not what they did. A database that went through steps this
version does not know (made by a newer one) is not opened.

Tables are defined as SQLite reads them; helpcenter.engines translates their types for
PostgreSQL. All pending steps run in one transaction, under a lock: processes starting together
apply each step once, and a database is never left between two steps.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from helpcenter.engines import Engine, Session

# Step 1: the endpoint's tables, feedback's and the daily quotas'.
SCHEMA = """
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
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    idempotency_key TEXT UNIQUE,
    created_at TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    category TEXT NOT NULL,
    plan TEXT NOT NULL,
    message TEXT NOT NULL,
    language TEXT NOT NULL,
    page TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    status_changed_at TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '',
    follows TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    author TEXT NOT NULL,
    author_name TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL DEFAULT 1,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    remote_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS comments_ticket ON comments(ticket_id);
CREATE UNIQUE INDEX IF NOT EXISTS comments_remote ON comments(ticket_id, remote_id)
    WHERE remote_id != '';
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    purged_at TEXT NOT NULL DEFAULT '',
    comment_id INTEGER REFERENCES comments(id)
);
CREATE INDEX IF NOT EXISTS attachments_ticket ON attachments(ticket_id);
CREATE TABLE IF NOT EXISTS deliveries (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    delivered_at TEXT NOT NULL DEFAULT '',
    last_attempt_at REAL NOT NULL DEFAULT 0,
    sync_due_at REAL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    created_at REAL NOT NULL,
    comment_id INTEGER REFERENCES comments(id)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(created_at);
CREATE TABLE IF NOT EXISTS follow_up_tokens (
    token_hash TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS follow_up_tokens_ticket ON follow_up_tokens(ticket_id);
CREATE TABLE IF NOT EXISTS reply_deliveries (
    comment_id INTEGER PRIMARY KEY REFERENCES comments(id),
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    last_attempt_at REAL NOT NULL DEFAULT 0,
    delivered_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reply_deliveries_due ON reply_deliveries(state, next_attempt_at);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY,
    vote_id TEXT UNIQUE,
    created_at TEXT NOT NULL,
    language TEXT NOT NULL,
    page TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS votes_page ON votes(language, page);
CREATE TABLE IF NOT EXISTS search_gaps (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    language TEXT NOT NULL,
    page TEXT NOT NULL,
    query TEXT NOT NULL,
    results INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS search_gaps_language ON search_gaps(language);
"""

# The columns that tables made by versions before step 1 may lack, as each release added them.
EARLIER_COLUMNS = (
    ("deliveries", "last_attempt_at", "REAL NOT NULL DEFAULT 0"),
    # Following the helpdesk (helpcenter.tickets.sync): when a forwarded request is looked at
    # next (0: now; NULL: when the helpdesk's webhook says it changed).
    ("deliveries", "sync_due_at", "REAL DEFAULT 0"),
    ("attachments", "purged_at", "TEXT NOT NULL DEFAULT ''"),
    # Following requests: a status, a conversation, the request a new one follows up on.
    # Tickets of earlier versions are open and have no follow-up address (nobody was given one).
    ("tickets", "status", "TEXT NOT NULL DEFAULT 'new'"),
    ("tickets", "status_changed_at", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "updated_at", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "follows", "TEXT NOT NULL DEFAULT ''"),
    # The answers to the category's extra fields (mkdocs.yml), a JSON object by field id.
    ("tickets", "fields", "TEXT NOT NULL DEFAULT '{}'"),
    ("attachments", "comment_id", "INTEGER REFERENCES comments(id)"),
    ("idempotency_keys", "comment_id", "INTEGER REFERENCES comments(id)"),
)


def timestamp(text: str) -> float:
    """Seconds since the epoch of an ISO 8601 time as the tables keep it; 0 for anything else."""
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


def first_schema(db: Session, engine: Engine) -> None:
    """Step 1: the tables, and what the tables of earlier versions lack."""
    engine.run_script(db, SCHEMA)
    for table, column, definition in EARLIER_COLUMNS:
        if column not in engine.columns(db, table):
            db.execute(engine.ddl(f"ALTER TABLE {table} ADD COLUMN {column} {definition}"))
    # Tickets of earlier versions were last active when they were sent.
    db.execute(
        "UPDATE tickets SET updated_at = created_at, status_changed_at = created_at "
        "WHERE updated_at = ''"
    )
    # Keys kept on the tickets themselves before they had a lifetime and a request hash:
    # remembered without a hash (any retry matches, as then), then forgotten in time.
    kept = db.execute(
        "SELECT idempotency_key, id, created_at FROM tickets WHERE idempotency_key IS NOT NULL"
    ).fetchall()
    db.executemany(
        "INSERT INTO idempotency_keys (key, request_hash, ticket_id, created_at) "
        "VALUES (?, NULL, ?, ?) ON CONFLICT (key) DO NOTHING",
        [(key, ticket_id, timestamp(sent)) for key, ticket_id, sent in kept],
    )
    db.execute("UPDATE tickets SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL")
    # The salt of the clients' keys (quotas: see helpcenter.database), drawn once.
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('client_salt', ?) ON CONFLICT (key) DO NOTHING",
        (secrets.token_hex(32),),
    )


# Step 2: what several processes (workers, machines) sharing the database need.
SHARED = """
CREATE TABLE IF NOT EXISTS rate_limits (
    key TEXT PRIMARY KEY,
    spent_until REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_limits_spent ON rate_limits(spent_until);
CREATE INDEX IF NOT EXISTS deliveries_sync_due ON deliveries(state, sync_due_at)
"""


def shared_schema(db: Session, engine: Engine) -> None:
    """Step 2: the per-minute rate limits, counted in the database (helpcenter.database:
    `rate_limits`, keyed by a salted hash, never an address) so that they hold across processes;
    an index for the helpdesk sync's due requests, which every process claims each second."""
    engine.run_script(db, SHARED)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Session, Engine], None]


MIGRATIONS = (
    Migration(1, "tickets, feedback and daily quotas", first_schema),
    Migration(2, "rate limits shared between processes", shared_schema),
)

JOURNAL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


def migrate(engine: Engine, db: Session, applied_at: str) -> list[int]:
    """Apply the steps the database has not had, in the transaction `db`; the steps applied.

    Raises DatabaseUnavailable for a database made by a newer version.
    """
    engine.hold(db, "schema_migrations")
    engine.run_script(db, JOURNAL)
    done = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
    known = {migration.version for migration in MIGRATIONS}
    if newer := done - known:
        raise engine.unavailable(
            f"it was made by a newer version of helpcenter (schema step {max(newer)}; this "
            f"version knows steps 1 to {max(known)})"
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.version not in done:
            migration.apply(db, engine)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, applied_at),
            )
            applied.append(migration.version)
    return applied
