"""Votes and unanswered searches, in the endpoint's database. Nothing identifies a reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from helpcenter.database import Database

SCHEMA = """
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


@dataclass(frozen=True)
class Vote:
    language: str
    page: str
    helpful: bool
    comment: str = ""
    vote_id: str | None = None  # a random id the browser keeps per article: a new vote replaces


@dataclass(frozen=True)
class SearchGap:
    language: str
    page: str
    query: str
    results: int  # 0: nothing found; more: results shown but none followed


def now() -> str:
    return datetime.now(UTC).isoformat()


class FeedbackStore(Database):
    schema = SCHEMA

    def add_vote(self, vote: Vote) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO votes (vote_id, created_at, language, page, helpful, comment) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(vote_id) DO UPDATE SET "
                "created_at = excluded.created_at, helpful = excluded.helpful, "
                "comment = excluded.comment",
                (vote.vote_id, now(), vote.language, vote.page, int(vote.helpful), vote.comment),
            )

    def add_search_gaps(self, gaps: list[SearchGap]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO search_gaps (created_at, language, page, query, results) "
                "VALUES (?, ?, ?, ?, ?)",
                [(now(), g.language, g.page, g.query, g.results) for g in gaps],
            )

    def votes(self, language: str | None = None, since_days: int | None = None) -> list[dict]:
        clauses, parameters = [], []
        if language:
            clauses.append("language = ?")
            parameters.append(language)
        if since_days is not None:
            clauses.append("created_at >= ?")
            parameters.append((datetime.now(UTC) - timedelta(days=since_days)).isoformat())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.reading() as db:
            rows = db.execute(
                f"SELECT language, page, helpful, comment, created_at FROM votes {where} "
                "ORDER BY created_at DESC",
                parameters,
            ).fetchall()
        return [dict(row) for row in rows]

    def search_gaps(self, language: str | None = None) -> list[dict]:
        where, parameters = ("WHERE language = ?", [language]) if language else ("", [])
        with self.reading() as db:
            rows = db.execute(
                f"SELECT language, page, query, results, created_at FROM search_gaps {where} "
                "ORDER BY created_at DESC",
                parameters,
            ).fetchall()
        return [dict(row) for row in rows]
