"""UI strings: the package's Babel catalogs, and a project's own over them.

The package ships a catalog for each language it speaks (`helpcenter/i18n/locales/`). A project
may add `locales/<lang>/LC_MESSAGES/messages.po` for a language the package has no catalog for
(`helpcenter catalog new <lang>` creates it from the template), or to word some strings its own
way: its translations win over the package's.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

PACKAGE_LOCALES = Path(__file__).parent / "locales"
TEMPLATE = PACKAGE_LOCALES / "messages.pot"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalog_file(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def message_key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


class Catalogs:
    """The UI strings of one project, in each of its languages."""

    def __init__(self, project_locales: Path | None = None) -> None:
        self.project_locales = project_locales
        self._translations: dict[str, NullTranslations] = {}

    def files(self, locale: str) -> list[Path]:
        """The catalogs that hold `locale`'s strings, the project's first."""
        folders = (
            [self.project_locales, PACKAGE_LOCALES] if self.project_locales else [PACKAGE_LOCALES]
        )
        return [path for path in (catalog_file(f, locale) for f in folders) if path.is_file()]

    def translations(self, locale: str) -> NullTranslations:
        """`locale`'s strings, compiled in memory (the project's over the package's)."""
        if locale not in self._translations:
            merged: NullTranslations = NullTranslations()
            for path in reversed(self.files(locale)):
                compiled = io.BytesIO()
                write_mo(compiled, read_catalog(path, locale))
                compiled.seek(0)
                layer = Translations(compiled)
                if isinstance(merged, Translations):
                    merged.merge(layer)
                else:
                    merged = layer
            self._translations[locale] = merged
        return self._translations[locale]

    def gettext(self, locale: str):
        return self.translations(locale).gettext

    def problems(self, locale: str, root: Path) -> list[str]:
        """What keeps `locale`'s pages from speaking its language, each naming the file to edit:
        no catalog at all, a string left untranslated, or a translation that lost a placeholder
        (which would break the page that shows it)."""
        files = self.files(locale)
        if not files:
            target = catalog_file(self.project_locales or Path("locales"), locale)
            return [
                f"{shown(target, root)}: no catalog of UI strings for '{locale}': create it with "
                f"`helpcenter catalog new {locale}`, then translate it"
            ]
        catalogs = [(path, read_catalog(path, locale)) for path in files]
        with TEMPLATE.open("rb") as pot_file:
            template = read_po(pot_file)
        problems = []
        for message in template:
            if not message.id:
                continue
            message_id = message_key(message.id)
            found = next(
                (
                    (path, translated)
                    for path, catalog in catalogs
                    if (translated := catalog.get(message.id)) is not None
                    and all(strings_of(translated))
                    and not translated.fuzzy
                ),
                None,
            )
            if found is None:
                problems.append(
                    f"{shown(files[0], root)}: no translation for {message_id!r} (the page would "
                    "show it in English): translate it in that file"
                )
                continue
            path, translated = found
            expected = set(PLACEHOLDER.findall(message_id))
            if any(set(PLACEHOLDER.findall(s)) != expected for s in strings_of(translated)):
                problems.append(
                    f"{shown(path, root)}: the translation of {message_id!r} must keep its "
                    f"placeholders ({', '.join(sorted(expected))})"
                )
        return problems


def strings_of(message) -> tuple[str, ...]:
    strings = message.string
    return strings if isinstance(strings, tuple) else (strings,)


def shown(path: Path, root: Path) -> str:
    """A path as the writer sees it: from the project's root, or inside the package."""
    for base in (root, PACKAGE_LOCALES.parent.parent.parent):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)


def new_catalog(locales_dir: Path, locale: str) -> Path:
    """A project's catalog for `locale`, from the template, with the package's translations
    when it has some (to reword), else empty (to translate)."""
    target = catalog_file(locales_dir, locale)
    if target.exists():
        raise FileExistsError(target)
    with TEMPLATE.open("rb") as pot_file:
        template = read_po(pot_file)
    catalog = Catalog(locale=locale, domain="messages", fuzzy=False)
    packaged = catalog_file(PACKAGE_LOCALES, locale)
    existing = read_catalog(packaged, locale) if packaged.is_file() else None
    for message in template:
        if not message.id:
            continue
        known = existing.get(message.id) if existing else None
        catalog.add(
            message.id,
            known.string
            if known
            else ("",) * catalog.num_plurals
            if isinstance(message.id, tuple)
            else "",
            flags=message.flags,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as po_file:
        write_po(po_file, catalog, width=100)
    return target
