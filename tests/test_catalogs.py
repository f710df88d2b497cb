"""The UI strings: every string the code and templates use is translated in every language."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from helpcenter.languages import LOCALES_DIR, PROJECT_ROOT, catalog_problems
from tests.conftest import LOCALES


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
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    missing = sorted(used_messages() - template)
    assert missing == [], f"run `make messages`, then translate: {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_string_with_its_placeholders(locale):
    assert catalog_problems(LOCALES_DIR, locale) == []
