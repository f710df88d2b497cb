"""The UI strings: every string the code and templates use is translated in every language."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from helpcenter.languages import LOCALES_DIR, PROJECT_ROOT
from tests.conftest import LOCALES

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


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


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_used_string_without_fuzzy_entries(locale):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    missing = sorted(used_messages() - entries.keys())
    assert missing == [], f"{locale}: run `make messages` and translate: {missing}"
    for message_id, message in entries.items():
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(translations), f"{locale}: untranslated: {message_id!r}"
        assert "fuzzy" not in message.flags, f"{locale}: fuzzy: {message_id!r}"
        for translation in translations:
            assert set(PLACEHOLDER.findall(translation)) == set(PLACEHOLDER.findall(message_id)), (
                f"{locale}: placeholders differ in {message_id!r}"
            )
