"""The date `helpcenter translations` gives an outdated translation is the one its page shows."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from helpcenter.authoring.history import last_updated
from helpcenter.authoring.translations import OUTDATED, translation_state


def test_a_never_marked_translation_of_an_uncommitted_source_gets_the_sources_date(tmp_path):
    docs = tmp_path / "docs"
    (docs / "fr").mkdir(parents=True)
    (docs / "es").mkdir()
    source = docs / "fr" / "returns.md"
    source.write_text("---\ntitle: Retours\n---\n\nUne ligne.\n", encoding="utf-8")
    (docs / "es" / "returns.md").write_text("---\ntitle: Devoluciones\n---\n", encoding="utf-8")
    changed = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    os.utime(source, (changed.timestamp(), changed.timestamp()))
    state = translation_state(docs, "fr", "es", "returns.md")
    assert state.state == OUTDATED
    assert state.source_changed_at == changed == last_updated(source, docs)
