"""Which article exists in which language, and where the switcher leads."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

from helpcenter.i18n.languages import SourceTree, page_url


def write(path: Path, text: str = "---\ntitle: T\n---\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    for locale in ("fr", "es", "it"):
        write(tmp_path / locale / "index.md")
        write(tmp_path / locale / "shipping" / "labels.md")
    write(tmp_path / "fr" / "shipping" / "customs.md")
    write(tmp_path / "it" / "shipping" / "customs.md")
    write(tmp_path / "es" / "shipping" / "spain-only.md")
    (tmp_path / "assets").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("index.md", ""),
        ("shipping/index.md", "shipping/"),
        ("shipping/labels.md", "shipping/labels/"),
    ],
)
def test_page_url_is_the_directory_url_below_the_language_root(source, url):
    assert page_url(source) == url


def test_untranslated_pages_are_the_default_languages_pages_missing_in_a_language(docs):
    tree = SourceTree.scan(docs, ("fr", "es", "it"), 1000)
    assert tree.untranslated("es") == ["shipping/customs.md"]
    assert tree.untranslated("it") == []
    assert tree.content_locale("es", "shipping/customs.md") == "fr"
    assert tree.content_locale("es", "shipping/labels.md") == "es"


def test_a_folder_for_a_language_that_is_not_configured_is_an_error_naming_it(docs):
    write(docs / "de" / "index.md")
    with pytest.raises(PluginError, match=r"de/ looks like a language folder.*fr, es, it"):
        SourceTree.scan(docs, ("fr", "es", "it"), 1000)
