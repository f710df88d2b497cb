"""Translation states without git: a translation is up to date while the hash its front matter
records is its source's, and `helpcenter translations mark` records it, touching nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpcenter.authoring.translations import (
    MISSING,
    OUTDATED,
    UP_TO_DATE,
    is_outdated,
    mark_up_to_date,
    translation_state,
    with_source_hash,
)

SOURCE = "# Retours\n\nRenvoyer un colis abîmé.\n"
# The hash `translations mark` has always recorded for SOURCE: the first 16 hex digits of the
# SHA-256 of its lines without trailing spaces, joined by line feeds.
SOURCE_HASH = "6abb2bd9655c62e4"
TRANSLATION = "---\ntitle: Devoluciones\n---\n\nDevolver un paquete dañado.\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def docs_with(tmp_path: Path, source: str, translation: str | None) -> Path:
    docs = tmp_path / "docs"
    write(docs / "fr/shipping/returns.md", source)
    if translation is not None:
        write(docs / "es/shipping/returns.md", translation)
    return docs


def state(docs: Path) -> str:
    return translation_state(docs, "fr", "es", "shipping/returns.md").state


def outdated(docs: Path) -> bool:
    return is_outdated(docs, "fr", "es", "shipping/returns.md")


def recorded(hash_line: str) -> str:
    return f"---\ntitle: Devoluciones\n{hash_line}\n---\n\nDevolver un paquete dañado.\n"


def test_a_translation_marked_by_an_earlier_release_stays_up_to_date(tmp_path):
    docs = docs_with(tmp_path, SOURCE, recorded(f"source_hash: {SOURCE_HASH}"))
    assert state(docs) == UP_TO_DATE and not outdated(docs)


@pytest.mark.parametrize(
    "saved_as",
    [
        "# Retours  \n\nRenvoyer un colis abîmé.\t\n",  # trailing blanks
        "# Retours\r\n\r\nRenvoyer un colis abîmé.\r\n",  # an editor's Windows line endings
    ],
)
def test_trailing_blanks_and_line_endings_do_not_change_the_source(tmp_path, saved_as):
    docs = docs_with(tmp_path, saved_as, recorded(f"source_hash: {SOURCE_HASH}"))
    assert state(docs) == UP_TO_DATE and not outdated(docs)


@pytest.mark.parametrize("quoted", [f"'{SOURCE_HASH}'", f'"{SOURCE_HASH}"', f" {SOURCE_HASH}  "])
def test_a_hash_quoted_as_yaml_allows_is_read_as_the_hash(tmp_path, quoted):
    docs = docs_with(tmp_path, SOURCE, recorded(f"source_hash: {quoted}"))
    assert state(docs) == UP_TO_DATE and not outdated(docs)


@pytest.mark.parametrize(
    "translation",
    [
        TRANSLATION,  # never marked
        recorded("source_hash:"),
        recorded("source_hash: 0123456789abcdef"),  # marked on another version of the source
        f"Devolver un paquete.\nsource_hash: {SOURCE_HASH}\n",  # not in a front matter
    ],
)
def test_a_translation_without_its_sources_hash_is_outdated(tmp_path, translation):
    docs = docs_with(tmp_path, SOURCE, translation)
    assert state(docs) == OUTDATED and outdated(docs)


def test_a_change_to_the_source_makes_a_marked_translation_outdated(tmp_path):
    docs = docs_with(tmp_path, SOURCE, TRANSLATION)
    assert mark_up_to_date(docs, "fr", "es", "shipping/returns.md")
    assert state(docs) == UP_TO_DATE and not outdated(docs)
    write(docs / "fr/shipping/returns.md", SOURCE + "\nRembourser.\n")
    assert state(docs) == OUTDATED and outdated(docs)


def test_an_untranslated_page_is_missing(tmp_path):
    assert state(docs_with(tmp_path, SOURCE, None)) == MISSING


def test_marking_records_the_hash_in_the_front_matter_and_touches_nothing_else(tmp_path):
    docs = docs_with(tmp_path, SOURCE, TRANSLATION)
    assert mark_up_to_date(docs, "fr", "es", "shipping/returns.md") is True
    translation = docs / "es/shipping/returns.md"
    marked = recorded(f"source_hash: {SOURCE_HASH}")
    assert translation.read_text(encoding="utf-8") == marked
    # Marked already: nothing to write, and `translations mark` says so.
    assert mark_up_to_date(docs, "fr", "es", "shipping/returns.md") is False
    assert translation.read_text(encoding="utf-8") == marked


def test_a_new_hash_replaces_the_recorded_one_in_place():
    text = "---\ntitle: Hola\nsource_hash: 0123456789abcdef\ndescription: Algo.\n---\n\nCuerpo.\n"
    assert with_source_hash(text, SOURCE_HASH) == (
        f"---\ntitle: Hola\nsource_hash: {SOURCE_HASH}\ndescription: Algo.\n---\n\nCuerpo.\n"
    )


def test_a_translation_without_front_matter_gets_one():
    assert with_source_hash("Cuerpo.\n", SOURCE_HASH) == (
        f"---\nsource_hash: {SOURCE_HASH}\n---\n\nCuerpo.\n"
    )


def test_states_and_marks_read_and_write_utf8_whatever_the_locale(tmp_path, ascii_locale):
    docs = docs_with(tmp_path, SOURCE, TRANSLATION)
    assert state(docs) == OUTDATED and outdated(docs)
    assert mark_up_to_date(docs, "fr", "es", "shipping/returns.md")
    assert state(docs) == UP_TO_DATE and not outdated(docs)
    marked = (docs / "es/shipping/returns.md").read_bytes().decode("utf-8")
    assert marked == recorded(f"source_hash: {SOURCE_HASH}")
