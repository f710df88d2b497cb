"""`helpcenter init`: a new help center project, ready to build, in the languages asked for.

The starter content (`starter/<lang>/`) is original text in each language the package ships
starter content for: a home page, two categories, a plans comparison, a contact page, its
thank-you page and a privacy page. A language without starter text gets the English text to
translate, and a language without a UI catalog in the package gets one in the project's
`locales/`, to translate (the strict build names each missing string until then).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies

from helpcenter.authoring.translations import mark_up_to_date
from helpcenter.i18n.catalogs import PACKAGE_LOCALES, catalog_file, new_catalog

STARTER = Path(__file__).resolve().parent / "starter"
FALLBACK = "en"
CONTACT_CATEGORIES = ("account", "billing", "technical", "other")
# The questions a topic asks besides the form's own (see the README for `required`, `pattern`,
# choices and `helpdesk_field_id`).
CONTACT_FIELDS = {"billing": ("invoice_number",)}


class InitError(Exception):
    """The project cannot be created as asked; the message says why and what to do."""


@dataclass(frozen=True)
class StarterLanguage:
    """One language of the new project, and where its starter text comes from."""

    locale: str
    source: str  # the starter language its text is copied from

    @property
    def strings(self) -> dict:
        return yaml.safe_load((STARTER / self.source / "strings.yml").read_text(encoding="utf-8"))

    @property
    def name(self) -> str:
        if self.source == self.locale:
            return self.strings["name"]
        return Locale.parse(self.locale.replace("-", "_")).get_display_name(self.locale).title()


def starter_languages(locales: list[str]) -> list[StarterLanguage]:
    languages = []
    for locale in locales:
        try:
            Locale.parse(locale.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            raise InitError(
                f"--languages: '{locale}' is not a language code (expected codes such as de, nl, "
                "pt, ar, en)"
            ) from None
        source = locale if (STARTER / locale).is_dir() else FALLBACK
        languages.append(StarterLanguage(locale, source))
    if len({language.locale for language in languages}) != len(languages):
        raise InitError(f"--languages: a language is listed twice ({', '.join(locales)})")
    return languages


def fill(text: str, name: str, company: str) -> str:
    return text.replace("{{ name }}", name).replace("{{ company }}", company)


def localized(value: object, languages: list[StarterLanguage]) -> object:
    """The starter plans file's texts (keyed by starter language), for the project's languages."""
    if isinstance(value, dict) and FALLBACK in value:
        return {language.locale: value[language.source] for language in languages}
    if isinstance(value, dict):
        return {key: localized(item, languages) for key, item in value.items()}
    if isinstance(value, list):
        return [localized(item, languages) for item in value]
    return value


def i18n_languages(languages: list[StarterLanguage], name: str, company: str) -> list[dict]:
    year = datetime.date.today().year
    entries = []
    for position, language in enumerate(languages):
        strings = language.strings
        entry = {"locale": language.locale, "name": language.name}
        if position == 0:
            entry["default"] = True
        entry["site_name"] = strings["site_name"].format(name=name)
        entry["site_description"] = strings["site_description"].format(name=name)
        entry["copyright"] = strings["copyright"].format(year=year, company=company)
        entry["admonition_translations"] = strings["admonition_translations"]
        entries.append(entry)
    return entries


def indented(data: object, spaces: int) -> str:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return "".join(" " * spaces + line for line in text.splitlines(keepends=True))


def contact_field(field: str, languages: list[StarterLanguage]) -> dict:
    """One of the starter's topic questions, optional, its texts in each language."""
    texts = {language.locale: language.strings["contact_fields"][field] for language in languages}
    return {
        "id": field,
        "label": {locale: text["label"] for locale, text in texts.items()},
        "hint": {locale: text["hint"] for locale, text in texts.items()},
        "max_length": 40,
    }


def mkdocs_yml(languages: list[StarterLanguage], name: str, company: str, site_url: str) -> str:
    categories = [
        {
            "id": category,
            "label": {
                language.locale: language.strings["contact_categories"][category]
                for language in languages
            },
        }
        | (
            {"fields": [contact_field(field, languages) for field in CONTACT_FIELDS[category]]}
            if category in CONTACT_FIELDS
            else {}
        )
        for category in CONTACT_CATEGORIES
    ]
    default = languages[0]
    return f"""# The {name} help center. `helpcenter build` builds each language into site/<lang>/;
# `helpcenter serve` serves the site with the ticket endpoint. See the helpcenter README.
site_name: {json.dumps(default.strings["site_name"].format(name=name), ensure_ascii=False)}
site_url: !ENV [HELPCENTER_SITE_URL, "{site_url}"]
docs_dir: docs
strict: true
# Reached from every article's "Still need help?" block rather than from the tabs.
not_in_nav: |
  contact/
  privacy.md

theme:
  name: material
  features:
    - navigation.tabs
    - navigation.indexes
    - navigation.path
    - navigation.prune
    - navigation.footer
    - navigation.top
    - toc.follow

extra:
  generator: false

watch:
  - data

plugins:
  - i18n:
      docs_structure: folder
      # `helpcenter build` builds each language in turn; `mkdocs build` alone builds this one.
      build_only_locale: !ENV [HELPCENTER_LOCALE, {default.locale}]
      fallback_to_default: false
      languages:
{indented(i18n_languages(languages, name, company), 8)}
  - helpcenter:
      brand:
{indented({"name": name, "company": company, "primary": "#1f5f8b", "accent": "#a6420f"}, 8)}
      contact:
        endpoint: /api/tickets
        categories:
{indented(categories, 10)}
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc:
      permalink: true
      # Anchors keep the headings' own letters, in every script (Arabic, Cyrillic...).
      slugify: !!python/object/apply:pymdownx.slugs.slugify
        kwds:
          case: lower
  - pymdownx.details
  - pymdownx.superfences

validation:
  nav:
    omitted_files: info
    not_found: warn
    absolute_links: warn
  links:
    not_found: warn
    anchors: warn
    absolute_links: warn
    unrecognized_links: warn
"""


def init_project(
    target: Path,
    name: str,
    locales: list[str],
    company: str | None = None,
    site_url: str = "https://help.example.com/",
    currency: str = "EUR",
) -> list[str]:
    """Create the project in `target` (new or empty); returns notes for the writer."""
    for option, value in (("--name", name), ("--company", company or name)):
        if not value.strip():
            raise InitError(f"{option}: empty; give the name readers know")
        if any(character in value for character in '"\\\n'):
            raise InitError(f"{option}: {value!r}: no quotes, backslashes or line breaks")
    if not locales:
        raise InitError("--languages: give at least one language, the default first (de,en)")
    if target.exists() and any(target.iterdir()):
        raise InitError(f"{target}: not empty; choose a new folder")
    if currency not in list_currencies():
        raise InitError(f"--currency: {currency!r} is not an ISO 4217 code (EUR, USD, GBP...)")
    languages = starter_languages(locales)
    company = company or name
    notes = []
    for language in languages:
        docs = target / "docs" / language.locale
        for source in sorted((STARTER / language.source / "docs").rglob("*.md")):
            page = docs / source.relative_to(STARTER / language.source / "docs")
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(fill(source.read_text(encoding="utf-8"), name, company), "utf-8")
        if language.source != language.locale:
            notes.append(
                f"docs/{language.locale}/: no starter text in '{language.locale}' yet: the "
                "English text was copied there, translate it"
            )
        if not catalog_file(PACKAGE_LOCALES, language.locale).is_file():
            catalog = new_catalog(target / "locales", language.locale)
            notes.append(
                f"{catalog.relative_to(target)}: translate the UI strings of "
                f"'{language.locale}' (the strict build lists what is left)"
            )
    # The starter translations match their source: none is flagged outdated until one changes.
    default, *others = languages
    for language in others:
        for path in sorted((target / "docs" / default.locale).rglob("*.md")):
            page = path.relative_to(target / "docs" / default.locale).as_posix()
            mark_up_to_date(target / "docs", default.locale, language.locale, page)
    plans = yaml.safe_load((STARTER / "plans.yml").read_text(encoding="utf-8"))
    (target / "data").mkdir(parents=True, exist_ok=True)
    (target / "data" / "plans.yml").write_text(
        "# Every plans table of the help center, in every language: see the helpcenter README.\n"
        + yaml.safe_dump(
            {"currency": currency, **localized(plans, languages)},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    (target / "mkdocs.yml").write_text(
        mkdocs_yml(languages, name, company, site_url), encoding="utf-8"
    )
    (target / ".gitignore").write_text("site/\nsite.*/\nvar/\n", encoding="utf-8")
    return notes
