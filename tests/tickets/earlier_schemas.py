"""The ticket tables of helpcenter's earlier versions, frozen: the tests of upgrades
(tests/tickets/test_storage.py, test_store_units.py, test_followup.py) fill them as those
versions did and open them with today's code."""

TICKETS = """
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE, idempotency_key TEXT UNIQUE,
    created_at TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL,
    category TEXT NOT NULL, plan TEXT NOT NULL, message TEXT NOT NULL, language TEXT NOT NULL,
    page TEXT NOT NULL
);
"""

# The first versions: tickets, their attachments, their deliveries to the helpdesk.
FIRST_TABLES = (
    TICKETS
    + """
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE deliveries (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id), state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '', remote_id TEXT NOT NULL DEFAULT '',
    delivered_at TEXT NOT NULL DEFAULT ''
);
"""
)

# A later one: attachments purged once delivered, idempotency keys in a table of their own.
KEYED_TABLES = (
    TICKETS
    + """
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    filename TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
    content BLOB NOT NULL, purged_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY, request_hash TEXT, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    created_at REAL NOT NULL
);
"""
)
