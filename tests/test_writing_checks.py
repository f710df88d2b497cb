"""What the build tells writers, checked where each message is made, without a build.

Each message names the file, the place and what was expected. That the build stops on them,
naming the file, and keeps the previous site is checked once, on a real build, in
tests/site/test_writing.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import get_data

from helpcenter.authoring.front_matter import front_matter_problems
from helpcenter.i18n.catalogs import TEMPLATE, Catalogs, new_catalog
from helpcenter.i18n.languages import SourceTree
from tests.conftest import PROJECT_ROOT

LOCALES = ("fr", "es", "it")
YAML_HINT = (
    "(expected YAML such as `title: ...`; quote values that contain ': ' or start with a quote)"
)


def checked(source: str, text: str) -> list[str]:
    """The front matter problems of a page's text, its meta read as MkDocs reads it."""
    _, meta = get_data(text)
    return front_matter_problems(meta, source, text)


def project_page(path: str, drop: str | None = None) -> str:
    """A page of the example project, without its line starting with `drop`."""
    lines = (PROJECT_ROOT / "docs" / path).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if drop is None or not line.startswith(drop))


def test_the_projects_pages_have_nothing_to_report():
    for page in sorted((PROJECT_ROOT / "docs").rglob("*.md")):
        source = page.relative_to(PROJECT_ROOT).as_posix()
        assert checked(source, page.read_text(encoding="utf-8")) == [], source


def test_a_missing_description_says_what_one_is():
    text = project_page("it/shipping/returns.md", drop="description:")
    assert checked("docs/it/shipping/returns.md", text) == [
        "docs/it/shipping/returns.md: front matter: 'description' is missing (expected a "
        "one-sentence summary of 50 to 160 characters)"
    ]


def test_a_missing_title():
    text = project_page("fr/shipping/tracking.md", drop="title:")
    assert checked("docs/fr/shipping/tracking.md", text) == [
        "docs/fr/shipping/tracking.md: front matter: 'title' is missing (expected the page's title)"
    ]


@pytest.mark.parametrize(
    ("length", "problem"), [(49, True), (50, False), (160, False), (161, True)]
)
def test_a_description_of_50_to_160_characters(length, problem):
    text = f"---\ntitle: Factures\ndescription: {'x' * length}\n---\n\nCorps.\n"
    expected = [
        f"docs/es/account/invoices.md: front matter: 'description' is {length} characters long "
        "(expected 50 to 160)"
    ]
    assert checked("docs/es/account/invoices.md", text) == (expected if problem else [])


def test_an_unknown_key_is_named_with_the_key_it_may_be_a_typo_of():
    text = project_page("es/account/invoices.md").replace("title:", "titel: x\ntitle:", 1)
    assert checked("docs/es/account/invoices.md", text) == [
        "docs/es/account/invoices.md: front matter: unknown key 'titel' (expected one of: title, "
        "description, source_hash, hide, search; did you mean 'title'?)"
    ]
    assert checked("docs/es/x.md", "---\ntitle: T\nlayout: wide\n---\n")[-1] == (
        "docs/es/x.md: front matter: unknown key 'layout' (expected one of: title, description, "
        "source_hash, hide, search)"
    )


def test_broken_yaml_gives_the_line_and_column_in_the_file():
    """MkDocs drops front matter it cannot parse, as if the page had none: the file's own
    line (the `---` is line 1) and column say where it breaks."""
    text = "---\ntitle: Offres\ndescription: [oops\nx: 1\n---\n\nCorps.\n"
    assert checked("docs/fr/account/plans.md", text) == [
        "docs/fr/account/plans.md: front matter: line 4, column 2: expected ',' or ']', but got "
        f"':' {YAML_HINT}"
    ]


def test_an_empty_article_lacks_a_title_and_a_description():
    assert checked("docs/es/shipping/empty.md", "") == [
        "docs/es/shipping/empty.md: front matter: 'title' is missing (expected the page's title)",
        "docs/es/shipping/empty.md: front matter: 'description' is missing (expected a "
        "one-sentence summary of 50 to 160 characters)",
    ]


def write(path: Path, content: bytes = b"---\ntitle: T\n---\n") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    for locale in LOCALES:
        write(tmp_path / "docs" / locale / "index.md")
    (tmp_path / "docs" / "assets" / "images").mkdir(parents=True)
    return tmp_path / "docs"


def scan_problem(docs: Path) -> str:
    with pytest.raises(PluginError) as raised:
        SourceTree.scan(docs, LOCALES, 1000)
    return str(raised.value)


def test_a_file_that_is_not_utf8_names_the_byte_and_its_position(docs):
    write(docs / "it/shipping/latin1.md", b"---\ntitle: R\xe9clamation\n---\n")
    assert scan_problem(docs) == (
        "docs/it/shipping/latin1.md: not UTF-8 text (byte 0xe9 at position 12); save the file "
        "as UTF-8"
    )


def test_an_article_over_the_limit_says_by_how_much_and_what_to_do(docs):
    write(docs / "es/shipping/exactly.md", b"x" * 1_000_000)  # at the limit: fine
    assert SourceTree.scan(docs, LOCALES, 1000).pages["es"] == {"index.md", "shipping/exactly.md"}
    write(docs / "es/shipping/huge.md", b"x" * 1_200_000)
    assert scan_problem(docs) == (
        "docs/es/shipping/huge.md: 1200 KB, over the 1000 KB an article may weigh (readers "
        "would wait for it, and so would search; `limits.article_kb` of the helpcenter plugin); "
        "split it into several articles"
    )


def test_a_folder_named_like_an_unconfigured_language_names_the_fix(docs):
    write(docs / "de/index.md", b"# Hallo\n")
    assert scan_problem(docs) == (
        "docs/de/ looks like a language folder, but 'de' is not a configured language (expected "
        "one of: fr, es, it). Add it to the i18n plugin's languages in mkdocs.yml or rename the "
        "folder."
    )


def edit_catalog(path: Path, change) -> None:
    with path.open("rb") as po_file:
        catalog = read_po(po_file)
    change(catalog)
    with path.open("wb") as po_file:
        write_po(po_file, catalog)


def test_a_project_translation_that_loses_a_placeholder_names_the_file_and_the_string(tmp_path):
    catalog = new_catalog(tmp_path / "locales", "it")

    def rename_placeholder(messages):
        message = messages["All %(count)d articles"]
        assert message.string == "Tutti i %(count)d articoli"
        message.string = "Tutti i %(numero)d articoli"

    edit_catalog(catalog, rename_placeholder)
    assert Catalogs(tmp_path / "locales").problems("it", tmp_path) == [
        "locales/it/LC_MESSAGES/messages.po: the translation of 'All %(count)d articles' must "
        "keep its placeholders (%(count)d)"
    ]


def test_a_new_catalog_lists_every_string_left_to_translate(tmp_path):
    new_catalog(tmp_path / "locales", "fi")
    with TEMPLATE.open("rb") as pot_file:
        strings = [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot_file) if m.id]
    problems = Catalogs(tmp_path / "locales").problems("fi", tmp_path)
    assert problems == [
        f"locales/fi/LC_MESSAGES/messages.po: no translation for {string!r} (the page would show "
        "it in English): translate it in that file"
        for string in strings
    ]
