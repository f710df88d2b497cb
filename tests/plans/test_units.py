"""Plans, from a small file of the tests' own: each mistake's message, and each table's parts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import Plans, PlansError, load_plans
from helpcenter.plans.tables import TableError, insert_tables

LOCALES = ("fr", "es", "it")
CATALOGS = Catalogs()

PLANS = """\
families:
  - id: current
    label: {fr: Offres, es: Planes, it: Piani}
    plans: [starter, pro]
  - id: legacy
    label: {fr: Anciennes offres, es: Planes anteriores, it: Piani precedenti}
    plans: [classic]
plans:
  - id: starter
    name: Starter
    price: 19
  - id: pro
    name: Pro
    price: 1290
  - id: classic
    name: Classic
    price: 9.5
    legacy: true
features:
  - id: users
    label: {fr: Utilisateurs, es: Usuarios, it: Utenti}
  - id: storage
    label: {fr: Stockage (Go), es: Almacenamiento (GB), it: Spazio (GB)}
  - id: chat
    label: {fr: Chat, es: Chat, it: Chat}
    note: {fr: En semaine, es: Entre semana, it: Nei giorni feriali}
values:
  starter: {users: 1, storage: 2.5, chat: false}
  pro: {users: 1500, storage: 100, chat: true}
  classic: {users: 1, storage: 1, chat: {fr: Le soir, es: Por la tarde, it: La sera}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plans.yml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str = PLANS) -> Plans:
    return load_plans(write(tmp_path, text), LOCALES, name="data/plans.yml")


def changed(old: str, new: str, text: str = PLANS) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, line: str, nth: int = 1) -> int:
    """The number of the file's `nth` line that is exactly `line`."""
    numbers = [number for number, each in enumerate(text.splitlines(), 1) if each == line]
    return numbers[nth - 1]


def messages(tmp_path: Path, text: str) -> list[str]:
    """Every line of the error loading `text` gives."""
    with pytest.raises(PlansError) as raised:
        load(tmp_path, text)
    return str(raised.value).splitlines()


# Loading: what the file may hold, and each mistake's message


def test_the_tests_plans_file_is_valid(tmp_path):
    plans = load(tmp_path)
    assert plans.currency == "EUR"
    assert [plan.id for plan in plans.plans] == ["starter", "pro", "classic"]


def test_a_currency_is_any_iso_4217_code(tmp_path):
    assert load(tmp_path, "currency: USD\n" + PLANS).currency == "USD"
    assert load(tmp_path, "currency: JPY\n" + PLANS).currency == "JPY"


def test_an_unknown_currency_names_the_line_and_the_expected_form(tmp_path):
    assert messages(tmp_path, "currency: EUX\n" + PLANS) == [
        "data/plans.yml:1: currency: unknown currency 'EUX' "
        "(expected an ISO 4217 code such as EUR, USD)"
    ]


def test_a_family_id_used_twice_is_a_duplicate(tmp_path):
    text = changed("  - id: legacy\n", "  - id: current\n")
    line = line_of(text, "  - id: current", nth=2)
    assert f"data/plans.yml:{line}: families[1].id: duplicate id 'current'" in messages(
        tmp_path, text
    )


def test_a_plan_id_used_twice_is_a_duplicate_named_with_its_plan(tmp_path):
    text = changed("  - id: classic\n", "  - id: pro\n")
    line = line_of(text, "  - id: pro", nth=2)
    assert f"data/plans.yml:{line}: plans[2].id (plan 'pro'): duplicate id 'pro'" in messages(
        tmp_path, text
    )


def test_values_of_an_unknown_plan_and_of_an_unknown_feature_are_both_named(tmp_path):
    text = changed("values:\n", "values:\n  platinum: {users: 1}\n")
    text = changed("pro: {users: 1500,", "pro: {fax: true, users: 1500,", text)
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line_of(text, '  platinum: {users: 1}')}: values.platinum: "
        "unknown plan 'platinum' (expected one of: starter, pro, classic)",
        f"data/plans.yml:{line_of(text, '  platinum: {users: 1}') + 2}: values.pro.fax: "
        "unknown feature 'fax' (expected one of: users, storage, chat)",
    ]


def test_a_plan_without_any_values_misses_each_of_them(tmp_path):
    text = PLANS[: PLANS.index("  classic: {")]
    line = line_of(text, "values:") + 1  # where the values begin
    expected = "(expected true, false, a number or a text in each language)"
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line}: values.classic.{feature}: missing value {expected}"
        for feature in ("users", "storage", "chat")
    ]


def test_each_family_label_missing_a_language_is_named(tmp_path):
    text = changed(", it: Piani}", "}")
    text = changed(", it: Piani precedenti}", "}", text)
    expected = "missing translation (expected a text in each of: fr, es, it)"
    assert messages(tmp_path, text) == [
        f"data/plans.yml:3: families[0].label.it: {expected}",
        f"data/plans.yml:6: families[1].label.it: {expected}",
    ]


def test_an_empty_translation_of_a_value_names_its_language(tmp_path):
    text = changed("it: La sera}", "it: ''}")
    line = line_of(
        text, "  classic: {users: 1, storage: 1, chat: {fr: Le soir, es: Por la tarde, it: ''}}"
    )
    assert (
        f"data/plans.yml:{line}: values.classic.chat.it: String should have at least 1 character"
        in messages(tmp_path, text)
    )


def test_a_value_written_as_a_list_is_one_message_saying_what_was_expected(tmp_path):
    text = changed("chat: true}", "chat: [true, true]}")
    line = line_of(text, "  pro: {users: 1500, storage: 100, chat: [true, true]}")
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line}: values.pro.chat: expected true, false, a number or a text in "
        "each language; got [True, True]"
    ]


def test_a_text_with_a_number_in_it_is_one_message_naming_its_language(tmp_path):
    text = changed("it: La sera}", "it: 7}")
    line = line_of(
        text, "  classic: {users: 1, storage: 1, chat: {fr: Le soir, es: Por la tarde, it: 7}}"
    )
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line}: values.classic.chat.it: Input should be a valid string"
    ]


def test_a_price_written_as_a_mapping_names_the_plan_and_what_was_expected(tmp_path):
    text = changed("price: 19\n", "price: {EUR: 19}\n")
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line_of(text, '    price: {EUR: 19}')}: plans[0].price "
        "(plan 'starter'): expected a number like 19.90, or \"on request\"; got {'EUR': 19}"
    ]


def test_a_plan_written_as_its_id_alone_is_refused_by_its_place(tmp_path):
    text = changed("  - id: starter\n    name: Starter\n    price: 19\n", "  - starter\n")
    [message] = messages(tmp_path, text)
    assert message.startswith(
        f"data/plans.yml:{line_of(text, '  - starter')}: plans[0]: "
        "Input should be a valid dictionary"
    )


def test_a_plan_without_an_id_is_named_by_its_place(tmp_path):
    text = changed("  - id: pro\n    name: Pro\n", "  - name: Pro\n")
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line_of(text, '  - name: Pro')}: plans[1].id: required, but missing"
    ]


def test_plans_written_as_a_yaml_set_are_refused_by_their_place(tmp_path):
    text = PLANS[: PLANS.index("plans:\n")] + "plans: !!set {starter}\n"
    text += PLANS[PLANS.index("features:\n") :]
    found = messages(tmp_path, text)
    line = line_of(text, "plans: !!set {starter}")
    assert f"data/plans.yml:{line}: plans[0]: Input should be a valid dictionary" in " ".join(found)


def test_a_key_missing_from_the_file_has_no_line_to_name(tmp_path):
    text = PLANS[PLANS.index("plans:\n") :]
    assert messages(tmp_path, text) == ["data/plans.yml: families: required, but missing"]


def test_a_repeated_key_is_named_and_what_yaml_kept_of_it_still_checked(tmp_path):
    """YAML keeps the last of a repeated key silently: the writer hears of the first one, and
    mistakes in the last are named on their own lines."""
    text = "families:\n  - id: current\n" + changed(", it: Piani precedenti}", "}")
    assert messages(tmp_path, text) == [
        "data/plans.yml:3: families: repeated key (first on line 1; expected it once)",
        "data/plans.yml:8: families[1].label.it: missing translation (expected a text in each "
        "of: fr, es, it)",
    ]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PlansError) as raised:
        load_plans(tmp_path / "plans.yml", LOCALES, name="data/plans.yml")
    assert str(raised.value) == "data/plans.yml: file not found"


def test_a_file_in_another_encoding_is_named_with_the_byte_that_is_not_utf_8(tmp_path):
    path = tmp_path / "plans.yml"
    path.write_bytes(PLANS.replace("Stockage", "Données").encode("latin-1"))
    with pytest.raises(PlansError) as raised:
        load_plans(path, LOCALES, name="data/plans.yml")
    position = PLANS.index("Stockage") + len("Donn")
    assert str(raised.value) == (
        f"data/plans.yml: not UTF-8 text (invalid continuation byte at byte {position})"
    )


def test_the_file_is_read_as_utf_8_whatever_the_machine_s_locale(tmp_path, ascii_locale):
    plans = load(tmp_path, changed("fr: Le soir", "fr: Soirée"))
    assert plans.values["classic"]["chat"]["fr"] == "Soirée"


def test_without_a_name_messages_name_the_file_s_path(tmp_path):
    path = write(tmp_path, "currency: EUX\n" + PLANS)
    with pytest.raises(PlansError) as raised:
        load_plans(path, LOCALES)
    assert str(raised.value).startswith(f"{path}:1: currency: unknown currency 'EUX'")


def test_invalid_yaml_names_the_line_the_column_and_the_problem(tmp_path):
    assert messages(tmp_path, "families:\n  - id: current\n\tlabel: tab\n") == [
        "data/plans.yml: invalid YAML: line 3, column 1: "
        "found character '\\t' that cannot start any token"
    ]


def test_a_control_character_is_invalid_yaml_named_as_such(tmp_path):
    found = messages(tmp_path, PLANS.replace("Starter", "Star\x07ter", 1))
    assert found[0] == (
        "data/plans.yml: invalid YAML: unacceptable character #x0007: "
        "special characters are not allowed"
    )


def test_a_free_plan_costs_0_and_a_negative_price_is_refused(tmp_path):
    assert load(tmp_path, changed("price: 19\n", "price: 0\n")).plan("starter").price == 0
    assert load(tmp_path, changed("price: 19\n", "price: 0.5\n")).plan("starter").price == 0.5
    text = changed("price: 19\n", "price: -1\n")
    assert messages(tmp_path, text) == [
        f"data/plans.yml:{line_of(text, '    price: -1')}: plans[0].price (plan 'starter'): "
        'expected a number like 19.90, or "on request"; got -1'
    ]


# Tables: each part a reader sees


class Table(HTMLParser):
    """What a reader sees of a plans table: its caption, rows of cells, and any stray text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.caption = ""
        self.rows: list[list[str]] = []
        self.stray: list[str] = []
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self.rows[-1].append("")
        self.open.append(tag)

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        if "caption" in self.open:
            self.caption += data
        elif {"th", "td"} & set(self.open):
            self.rows[-1][-1] += data
        elif data.strip():
            self.stray.append(data)


def tables(tmp_path: Path, marker: str, locale: str = "fr", text: str = PLANS) -> str:
    plans = load(tmp_path, text)
    return insert_tables(marker, plans, locale, "docs/x.md", CATALOGS.gettext(locale))


def test_a_table_shows_its_caption_plans_prices_and_features(tmp_path):
    table = Table(tables(tmp_path, "<!-- plans family=current -->"))
    assert table.caption == "Offres"
    assert table.rows == [
        ["Fonctionnalité", "Starter", "Pro"],
        ["Prix mensuel", "19\u00a0€ / mois", "1\u202f290\u00a0€ / mois"],
        ["Utilisateurs", "1", "1\u202f500"],
        ["Stockage (Go)", "2,5", "100"],
        ["ChatEn semaine", "Non inclus", "Inclus"],
    ]
    assert table.stray == []


def test_each_language_has_its_own_words_and_numbers(tmp_path):
    table = Table(tables(tmp_path, "<!-- plans family=current -->", "it"))
    assert table.rows == [
        ["Funzionalità", "Starter", "Pro"],
        ["Prezzo mensile", "19\u00a0€ / mese", "1.290\u00a0€ / mese"],
        ["Utenti", "1", "1.500"],
        ["Spazio (GB)", "2,5", "100"],
        ["ChatNei giorni feriali", "Non incluso", "Incluso"],
    ]


def test_prices_use_the_language_s_name_of_the_currency(tmp_path):
    html = tables(tmp_path, "<!-- plans family=current -->", "fr", "currency: USD\n" + PLANS)
    assert Table(html).rows[1] == [
        "Prix mensuel",
        "19\u00a0$US / mois",
        "1\u202f290\u00a0$US / mois",
    ]


def test_a_feature_s_note_is_shown_under_its_label(tmp_path):
    html = tables(tmp_path, "<!-- plans family=current features=chat prices=no -->", "es")
    assert '<th scope="row">Chat<span class="hc-plans__note">Entre semana</span></th>' in html


def test_families_side_by_side_share_one_table_and_caption(tmp_path):
    html = tables(tmp_path, "<!-- plans family=current,legacy features=chat -->")
    assert html.count("<table") == 1
    assert 'data-plans="current legacy"' in html
    table = Table(html)
    assert table.caption == "Offres · Anciennes offres"
    assert table.rows[0] == ["Fonctionnalité", "Starter", "Pro", "ClassicAncienne offre"]
    assert table.rows[1] == [
        "Prix mensuel",
        "19\u00a0€ / mois",
        "1\u202f290\u00a0€ / mois",
        "9,50\u00a0€ / mois",
    ]
    assert table.rows[2] == ["ChatEn semaine", "Non inclus", "Inclus", "Le soir"]
    assert table.stray == []


def test_a_table_of_legacy_plans_only_is_marked_legacy(tmp_path):
    legacy = tables(tmp_path, "<!-- plans family=legacy -->")
    current = tables(tmp_path, "<!-- plans family=current -->")
    mixed = tables(tmp_path, "<!-- plans family=current,legacy -->")
    assert re.findall(r'<div class="([^"]*)"', legacy) == ["hc-plans hc-plans--legacy"]
    assert re.findall(r'<div class="([^"]*)"', current) == ["hc-plans"]
    assert re.findall(r'<div class="([^"]*)"', mixed) == ["hc-plans"]


def test_every_family_s_table_is_a_block_of_its_own(tmp_path):
    html = tables(tmp_path, "Avant.\n\n<!-- plans -->\n\nAprès.")
    first, second = re.findall(r'<div class="hc-plans[^"]*" data-plans="(\w+)"', html)
    assert (first, second) == ("current", "legacy")
    between = html[html.index("</div>") + len("</div>") : html.rindex('<div class="hc-plans')]
    assert between == "\n\n"


def test_an_option_without_a_value_is_named(tmp_path):
    with pytest.raises(TableError, match=r"^docs/x\.md:1: option 'family' needs a value"):
        tables(tmp_path, "<!-- plans family= -->")


def test_a_marker_s_line_counts_the_blank_lines_before_it(tmp_path):
    plans = load(tmp_path)
    markdown = "\n\n<!-- plans family=gold -->\n"
    with pytest.raises(TableError, match=r"^docs/x\.md:7: unknown family 'gold'"):
        insert_tables(markdown, plans, "fr", "docs/x.md", CATALOGS.gettext("fr"), first_line=5)
