"""The UI strings: every string the code and templates use is translated in every language."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from helpcenter.i18n.catalogs import PACKAGE_LOCALES, TEMPLATE, Catalogs
from tests.conftest import PROJECT_ROOT

# Every language the package speaks out of the box.
PACKAGE_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ar")


def used_messages() -> set[str]:
    """The message ids in the sources, found as `make messages` finds them (babel.cfg)."""
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_the_sources_use_ui_strings():
    assert "Still need help?" in used_messages()


def test_the_template_holds_every_used_string():
    with TEMPLATE.open("rb") as pot:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    missing = sorted(used_messages() - template)
    assert missing == [], f"run `make messages`, then translate: {missing}"


def test_no_ui_string_hides_in_an_f_string_where_extraction_cannot_see_it():
    """Python 3.11 tokenizes an f-string as one string: `make messages` misses a `_()` in it,
    and the string stays English in every language."""
    hidden = []
    for path in sorted((PROJECT_ROOT / "helpcenter").rglob("*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for token in tokens:
            prefix = re.match(r"[A-Za-z]*", token.string).group().lower()
            formatted = token.type == tokenize.STRING and "f" in prefix
            if formatted and re.search(r"\b_\(", token.string):
                hidden.append(f"{path.relative_to(PROJECT_ROOT)}:{token.start[0]}")
    assert hidden == []


@pytest.mark.parametrize("locale", PACKAGE_LANGUAGES)
def test_catalog_translates_every_string_with_its_placeholders(locale):
    assert (PACKAGE_LOCALES / locale / "LC_MESSAGES" / "messages.po").is_file()
    assert Catalogs().problems(locale, PROJECT_ROOT) == []


def test_a_language_without_a_catalog_names_the_command_that_creates_it(tmp_path):
    problems = Catalogs(tmp_path / "locales").problems("fi", tmp_path)
    assert problems == [
        "locales/fi/LC_MESSAGES/messages.po: no catalog of UI strings for 'fi': create it with "
        "`helpcenter catalog new fi`, then translate it"
    ]


def test_a_project_catalog_rewords_the_package_strings(tmp_path):
    from babel.messages.pofile import read_po, write_po

    from helpcenter.i18n.catalogs import new_catalog

    created = new_catalog(tmp_path / "locales", "de")
    with created.open("rb") as po_file:
        catalog = read_po(po_file, locale="de")
    catalog["Still need help?"].string = "Noch Fragen?"
    with created.open("wb") as po_file:
        write_po(po_file, catalog)
    catalogs = Catalogs(tmp_path / "locales")
    assert catalogs.gettext("de")("Still need help?") == "Noch Fragen?"
    assert catalogs.gettext("de")("Search") == Catalogs().gettext("de")("Search") != "Search"
    assert catalogs.problems("de", tmp_path) == []


def make_messages(project, *variables: str) -> None:
    """`make messages` on a copy of the package's sources, with this test run's interpreter."""
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "setup",
            "messages",
            f"BIN={Path(sys.executable).parent}",
            *variables,
        ],
        cwd=project,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project(tmp_path):
    for name in ("Makefile", "babel.cfg"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    shutil.copytree(
        PROJECT_ROOT / "helpcenter",
        tmp_path / "helpcenter",
        ignore=shutil.ignore_patterns("__pycache__", "*.mo"),
    )
    return tmp_path


def catalog_files(project) -> dict[str, bytes]:
    locales = project / "helpcenter" / "i18n" / "locales"
    return {str(path.relative_to(locales)): path.read_bytes() for path in locales.rglob("*.po*")}


@pytest.mark.slow  # `make messages` on a copy of the sources
def test_make_messages_changes_no_catalog_when_no_string_changed(project):
    before = catalog_files(project)
    make_messages(project)
    assert catalog_files(project) == before


@pytest.mark.slow  # `make messages` on a copy of the sources
def test_make_messages_creates_a_new_languages_catalog(project):
    make_messages(project, "NEW=pl")
    created = project / "helpcenter" / "i18n" / "locales" / "pl" / "LC_MESSAGES" / "messages.po"
    catalog = read_po(created.open("rb"))
    assert catalog.locale_identifier == "pl"
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog}
    assert used_messages() <= ids
