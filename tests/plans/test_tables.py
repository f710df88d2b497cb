"""Plans tables: markers in Markdown become accessible tables in each language."""

from __future__ import annotations

import re

import pytest

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import load_plans
from helpcenter.plans.tables import TableError, insert_tables
from tests.conftest import PROJECT_ROOT

CATALOGS = Catalogs()
PLANS = load_plans(PROJECT_ROOT / "data" / "plans.yml", ("fr", "es", "it"))


def render(marker: str, locale: str = "fr") -> str:
    markdown = f"Intro.\n\n{marker}\n\nOutro.\n"
    return insert_tables(markdown, PLANS, locale, "docs/fr/x.md", CATALOGS.gettext(locale))


def test_a_family_table_has_a_caption_plan_columns_and_feature_rows():
    html = render("<!-- plans family=current -->")
    assert "<caption>Offres actuelles</caption>" in html
    for name in ("Starter", "Pro", "Business", "Enterprise"):
        assert f'<th scope="col" class="hc-plans__plan">{name}</th>' in html
    assert '<th scope="row">Chat en direct</th>' in html
    assert "Classic" not in html
    assert html.startswith("Intro.") and html.rstrip().endswith("Outro.")


def test_included_and_not_included_are_icons_with_words_for_screen_readers():
    html = render("<!-- plans family=current features=chat prices=no -->", "it")
    cells = re.findall(r"<td class=\"hc-plans__(yes|no)\">.*?</td>", html)
    assert cells == ["no", "yes", "yes", "yes"]
    assert html.count('aria-hidden="true"') == 4
    assert html.count('<span class="hc-sr-only">Non incluso</span>') == 1
    assert html.count('<span class="hc-sr-only">Incluso</span>') == 3


@pytest.mark.parametrize(
    ("locale", "price", "on_request"),
    [
        ("fr", "19\u00a0€ / mois", "Sur devis"),
        ("es", "19\u00a0€ / mes", "Precio a consultar"),
        ("it", "19\u00a0€ / mese", "Su preventivo"),
    ],
)
def test_prices_are_formatted_for_the_language(locale, price, on_request):
    html = render("<!-- plans family=current -->", locale)
    assert price in html
    assert on_request in html


@pytest.mark.parametrize(
    ("locale", "price"),
    [("fr", "19,50\u00a0€ / mois"), ("es", "19,50\u00a0€ / mes"), ("it", "19,50\u00a0€ / mese")],
)
def test_a_price_with_cents_is_written_the_languages_way(tmp_path, locale, price):
    data = (PROJECT_ROOT / "data" / "plans.yml").read_text(encoding="utf-8")
    assert "    price: 19\n" in data
    plans_file = tmp_path / "plans.yml"
    plans_file.write_text(data.replace("    price: 19\n", "    price: 19.50\n", 1), "utf-8")
    plans = load_plans(plans_file, ("fr", "es", "it"))
    html = insert_tables(
        "<!-- plans family=current -->", plans, locale, "docs/x.md", CATALOGS.gettext(locale)
    )
    assert f'<td class="hc-plans__price">{price}</td>' in html


def test_numbers_and_texts_are_localized():
    html = render("<!-- plans family=current features=users,phone-hours prices=no -->", "es")
    # Hours from the support channels, in Spanish: CLDR's day names, 24-hour clock, thin spaces.
    assert "<td>lun\u2009–\u2009vie 9:00–18:00</td>" in html
    assert "<td>lun\u2009–\u2009vie 8:00–20:00</td>" in html
    assert "<td>50</td>" in html
    assert "Precio mensual" not in html


def test_legacy_plans_are_marked_as_such():
    html = render("<!-- plans family=current,legacy -->", "fr")
    assert html.count("hc-plans__plan--legacy") == 2
    assert html.count("Ancienne offre</span>") == 2


def test_without_options_every_family_gets_its_own_table():
    assert render("<!-- plans -->").count("<table") == 2


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "<!-- plans famly=current -->",
            r"docs/fr/x\.md:3: unknown plans table option 'famly' \(expected: family, features",
        ),
        (
            "<!-- plans family=gold -->",
            r"docs/fr/x\.md:3: unknown family 'gold' in plans table "
            r"\(expected one of: current, legacy\)",
        ),
        (
            "<!-- plans features=chat,fax -->",
            r"docs/fr/x\.md:3: unknown feature 'fax' in plans table",
        ),
        ("<!-- plans prices=maybe -->", r"docs/fr/x\.md:3: prices=maybe: expected prices=yes or"),
        ("<!-- plans family -->", r"docs/fr/x\.md:3: option 'family' needs a value"),
    ],
)
def test_a_wrong_marker_names_the_article_and_line(marker, message):
    with pytest.raises(TableError, match=message):
        render(marker)
