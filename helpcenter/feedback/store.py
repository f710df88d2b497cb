"""Votes and unanswered searches, in the endpoint's database. Nothing identifies a reader.

How many searches one client address may store a day is counted under a salted hash of the
address and the day (see helpcenter.database), never the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from helpcenter.database import Admission, Database, iso

# The daily quota search gaps count against.
SEARCH_GAPS = "search_gaps"


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


class FeedbackStore(Database):
    def add_vote(self, vote: Vote, min_free_disk_mb: int = 0) -> None:
        with self.transaction(min_free_disk_mb) as db:
            db.execute(
                "INSERT INTO votes (vote_id, created_at, language, page, helpful, comment) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(vote_id) DO UPDATE SET "
                "created_at = excluded.created_at, helpful = excluded.helpful, "
                "comment = excluded.comment",
                (
                    vote.vote_id,
                    iso(self.clock()),
                    vote.language,
                    vote.page,
                    int(vote.helpful),
                    vote.comment,
                ),
            )

    def add_search_gaps(
        self,
        gaps: list[SearchGap],
        client: str | None = None,
        limit: int | None = None,
        min_free_disk_mb: int = 0,
    ) -> Admission:
        """Store `gaps`, unless `client` (an address) would store more than `limit` today.

        Whether they were accepted; when not, `retry_after` is the seconds until the next day.
        Raises `StorageUnavailable` when nothing can be written.
        """
        now = self.clock()
        with self.transaction(min_free_disk_mb) as db:
            if limit is not None:
                admission = self.use_quota(db, client or "", SEARCH_GAPS, len(gaps), limit, now)
                if not admission:
                    return admission
            db.executemany(
                "INSERT INTO search_gaps (created_at, language, page, query, results) "
                "VALUES (?, ?, ?, ?, ?)",
                [(iso(now), g.language, g.page, g.query, g.results) for g in gaps],
            )
        return Admission(True)

    def purge(self, before: float) -> dict[str, int]:
        """Delete the votes, their comments, and the search gaps older than `before`."""
        cutoff = iso(before)
        with self.transaction() as db:
            comments = db.execute(
                "SELECT COUNT(*) FROM votes WHERE created_at < ? AND comment != ''", (cutoff,)
            ).fetchone()[0]
            votes = db.execute("DELETE FROM votes WHERE created_at < ?", (cutoff,)).rowcount
            gaps = db.execute("DELETE FROM search_gaps WHERE created_at < ?", (cutoff,)).rowcount
        return {"votes": votes, "comments": comments, "search_gaps": gaps}

    def votes(self, language: str | None = None, since_days: int | None = None) -> list[dict]:
        return self.recent("votes", "language, page, helpful, comment", language, since_days)

    def search_gaps(self, language: str | None = None, since_days: int | None = None) -> list[dict]:
        return self.recent("search_gaps", "language, page, query, results", language, since_days)

    def recent(
        self, table: str, columns: str, language: str | None, since_days: int | None
    ) -> list[dict]:
        """The rows of `table` (one of the store's own), the newest first: of one language, of
        the last `since_days` days, or all."""
        clauses, parameters = [], []
        if language:
            clauses.append("language = ?")
            parameters.append(language)
        if since_days is not None:
            clauses.append("created_at >= ?")
            parameters.append(iso(self.clock() - timedelta(days=since_days).total_seconds()))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.reading() as db:
            rows = db.execute(
                f"SELECT {columns}, created_at FROM {table} {where} ORDER BY created_at DESC",
                parameters,
            ).fetchall()
        return [dict(row) for row in rows]
