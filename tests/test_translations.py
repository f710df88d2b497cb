"""Translation states from the source's recorded hash and git history, and the CLI around them."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpcenter.authoring.translations import (
    MISSING,
    OUTDATED,
    UP_TO_DATE,
    content_hash,
    recorded_hash,
    translation_states,
    with_source_hash,
)
from helpcenter.cli import main

LOCALES = ("fr", "es", "it")
MKDOCS_YML = """
site_name: Aide
docs_dir: docs
plugins:
  - i18n:
      languages:
        - {locale: fr, name: Français, default: true}
        - {locale: es, name: Español}
        - {locale: it, name: Italiano}
  - helpcenter:
      brand: {name: Aide}
      contact:
        categories: [{id: other, label: {fr: Autre, es: Otra, it: Altra}}]
"""


AUTHOR = ("-c", "user.name=T", "-c", "user.email=t@example.com")


def git(root: Path, *args: str, date: str | None = None) -> None:
    """`date`: the commit's (ISO 8601), for history with known dates."""
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def commit(root: Path, message: str, date: str) -> None:
    git(root, *AUTHOR, "commit", "-qam", message, date=date)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    write(tmp_path / "mkdocs.yml", MKDOCS_YML)
    source = "---\ntitle: Retours\n---\n\nUne ligne.\nDeux lignes.\n"
    write(tmp_path / "docs/fr/returns.md", source)
    write(tmp_path / "docs/es/returns.md", "---\ntitle: Devoluciones\n---\n\nUna línea.\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.com", "add", ".")
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    monkeypatch.chdir(tmp_path)
    assert main(["translations", "mark", "es/returns.md"]) == 0
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qam", "mark")
    return tmp_path


def states(project: Path) -> dict[str, str]:
    return {f"{s.locale}/{s.path}": s for s in translation_states(project / "docs", LOCALES)}


def test_marked_translations_are_up_to_date_and_absent_ones_missing(project):
    found = states(project)
    assert found["es/returns.md"].state == UP_TO_DATE
    assert found["it/returns.md"].state == MISSING


def test_a_committed_change_to_the_source_makes_the_translation_outdated(project):
    source = project / "docs/fr/returns.md"
    source.write_text(source.read_text() + "Trois lignes.\nQuatre.\n", encoding="utf-8")
    commit(project, "more", "2024-03-05T10:30:00+00:00")
    state = states(project)["es/returns.md"]
    assert state.state == OUTDATED
    assert state.changed_lines == 2
    assert state.source_changed_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)


def test_an_outdated_translation_dates_the_first_change_since_it_was_marked(project, capsys):
    """Not the source's last change: the translation has been out of date since the first."""
    source = project / "docs/fr/returns.md"
    source.write_text(source.read_text() + "Trois lignes.\n", encoding="utf-8")
    commit(project, "three", "2024-03-05T10:30:00+02:00")
    source.write_text(source.read_text() + "Quatre.\n", encoding="utf-8")
    commit(project, "four", "2024-04-10T08:00:00+00:00")
    state = states(project)["es/returns.md"]
    assert state.source_changed_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert state.changed_lines == 2  # since the marked version, both changes counted
    assert main(["translations", "--json", "--lang", "es"]) == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["source_changed_at"] == "2024-03-05T10:30:00+02:00"
    assert report["changed_lines"] == 2


def test_a_change_not_yet_committed_is_dated_by_the_file(project):
    source = project / "docs/fr/returns.md"
    source.write_text(source.read_text() + "Trois lignes.\n", encoding="utf-8")
    changed = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    os.utime(source, (changed.timestamp(), changed.timestamp()))
    state = states(project)["es/returns.md"]
    assert state.state == OUTDATED
    assert state.source_changed_at == changed
    assert state.changed_lines == 1


def test_marking_after_updating_makes_it_up_to_date_again(project):
    source = project / "docs/fr/returns.md"
    source.write_text(source.read_text() + "Trois lignes.\n", encoding="utf-8")
    assert states(project)["es/returns.md"].state == OUTDATED
    assert main(["translations", "mark", "docs/es/returns.md"]) == 0
    assert states(project)["es/returns.md"].state == UP_TO_DATE


def test_the_cli_reports_json_and_fails_on_request(project, capsys):
    assert main(["translations", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {(r["locale"], r["path"], r["state"]) for r in report} == {
        ("es", "returns.md", UP_TO_DATE),
        ("it", "returns.md", MISSING),
    }
    assert main(["translations", "--fail-on", "missing"]) == 1
    assert main(["translations", "--fail-on", "outdated"]) == 0


def test_marking_something_that_is_not_a_translation_is_refused(project, capsys):
    assert main(["translations", "mark", "fr/returns.md"]) == 2
    assert "not a translation" in capsys.readouterr().err
    assert main(["translations", "mark", ""]) == 2
    assert "not a translation" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("es/retruns.md", "docs/es/retruns.md"),  # a typo
        ("docs/es/shipping/returns.md", "docs/es/shipping/returns.md"),
        ("it/returns.md", "docs/it/returns.md"),  # not translated yet
    ],
)
def test_marking_a_file_that_does_not_exist_names_it_and_fails(project, capsys, given, missing):
    assert main(["translations", "mark", "es/returns.md", given]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{given}: the file {missing} does not exist\n"
    assert captured.out == ""  # nothing marked, not even the translation that exists


def test_source_hash_is_written_into_front_matter_without_touching_the_rest():
    text = "---\ntitle: Hola\ndescription: Algo.\n---\n\nCuerpo.\n"
    marked = with_source_hash(text, "abc123")
    assert recorded_hash(marked) == "abc123"
    assert marked.endswith("---\n\nCuerpo.\n") and "title: Hola\n" in marked
    assert recorded_hash(with_source_hash(marked, "def456")) == "def456"
    assert content_hash("a \r\nb") == content_hash("a\nb")
