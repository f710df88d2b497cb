"""Translation states: which translations are up to date, outdated or missing.

A translation records the version of its source it translates: `source_hash` in its front matter,
the hash of the source file (default language) as it was. `helpcenter translations mark` writes
it once a translation is updated. When the source changes, the hashes differ: the translation is
outdated, and git tells since when and how much changed.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from helpcenter.authoring import history

SOURCE_KEY = "source_hash"
UP_TO_DATE, OUTDATED, MISSING = "up to date", "outdated", "missing"
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
SOURCE_LINE = re.compile(rf"^{SOURCE_KEY}:.*\n", re.MULTILINE)


def content_hash(text: str) -> str:
    normalized = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").splitlines())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def recorded_hash(text: str) -> str | None:
    match = FRONT_MATTER.match(text)
    if not match:
        return None
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == SOURCE_KEY:
            return value.strip().strip("'\"") or None
    return None


def with_source_hash(text: str, source_hash: str) -> str:
    """The translation's text with `source_hash` set in its front matter, the rest untouched."""
    line = f"{SOURCE_KEY}: {source_hash}\n"
    match = FRONT_MATTER.match(text)
    if not match:
        return f"---\n{line}---\n\n{text}"
    header = match.group(1)
    header = SOURCE_LINE.sub(line, header) if SOURCE_LINE.search(header) else header + line
    return f"---\n{header}---\n{text[match.end() :]}"


@dataclass(frozen=True)
class TranslationState:
    path: str  # relative to the language folder
    locale: str
    state: str
    source_changed_at: datetime | None = None
    changed_lines: int | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["source_changed_at"] = (
            self.source_changed_at.isoformat() if self.source_changed_at else None
        )
        return data


def changed_lines(old: str, new: str) -> int:
    return sum(
        1
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def outdated_since(
    source: Path, recorded: str | None, current_text: str
) -> tuple[datetime | None, int | None]:
    """When the source left the translated version, and how many lines changed since."""
    if recorded is None:
        return None, None
    newer: history.Version | None = None
    for version in history.versions(source):
        if content_hash(version.text) == recorded:
            changed_at = (
                newer.date if newer else datetime.fromtimestamp(source.stat().st_mtime, tz=UTC)
            )
            return changed_at, changed_lines(version.text, current_text)
        newer = version
    return None, None


def is_outdated(docs_dir: Path, default: str, locale: str, path: str) -> bool:
    """A translation whose source changed since it was marked (no git needed: fast for pages)."""
    source = (docs_dir / default / path).read_text(encoding="utf-8")
    translation = (docs_dir / locale / path).read_text(encoding="utf-8")
    return recorded_hash(translation) != content_hash(source)


def translation_state(docs_dir: Path, default: str, locale: str, path: str) -> TranslationState:
    source = docs_dir / default / path
    translation = docs_dir / locale / path
    if not translation.is_file():
        return TranslationState(path, locale, MISSING)
    source_text = source.read_text(encoding="utf-8")
    recorded = recorded_hash(translation.read_text(encoding="utf-8"))
    if recorded == content_hash(source_text):
        return TranslationState(path, locale, UP_TO_DATE)
    since, lines = outdated_since(source, recorded, source_text)
    # Not found in the history (never marked, or marked on an uncommitted version): the date the
    # page itself shows, its source's last change.
    since = since or history.last_updated(source, docs_dir)
    return TranslationState(path, locale, OUTDATED, since, lines)


def source_pages(docs_dir: Path, default: str) -> list[str]:
    root = docs_dir / default
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.md"))


def translation_states(docs_dir: Path, locales: tuple[str, ...]) -> list[TranslationState]:
    default, *others = locales
    return [
        translation_state(docs_dir, default, locale, path)
        for path in source_pages(docs_dir, default)
        for locale in others
    ]


def mark_up_to_date(docs_dir: Path, default: str, locale: str, path: str) -> bool:
    """Record that the translation now matches its source; False when nothing changed."""
    source_hash = content_hash((docs_dir / default / path).read_text(encoding="utf-8"))
    translation = docs_dir / locale / path
    text = translation.read_text(encoding="utf-8")
    updated = with_source_hash(text, source_hash)
    if updated == text:
        return False
    translation.write_text(updated, encoding="utf-8")
    return True
