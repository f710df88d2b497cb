"""The contact page's support channels, rendered alone and in the built site: a table made from
data/plans.yml in each language, readable without JavaScript, and the same hours handed to
channels.js."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpcenter.contact.form import ContactForms
from helpcenter.plans.channels import insert_channels
from helpcenter.plans.schema import Plans, load_plans
from helpcenter.plans.tables import CROSS_ICON
from tests.conftest import LOCALES, PROJECT_ROOT, example_project

NOT_INCLUDED = {"fr": "Non inclus", "es": "No incluido", "it": "Non incluso"}


class ContactPage(HTMLParser):
    """What a reader gets of the channels block without JavaScript: the table's caption and
    rows (words for screen readers included), the notes below it; and the status line and the
    hours data the script reads."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables = 0
        self.caption = ""
        self.rows: list[list[str]] = []
        self.notes: list[str] = []
        self.status: dict[str, str | None] | None = None
        self.data = ""
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def inside(self, **wanted: str) -> bool:
        return any(
            all(attrs.get(name) == value for name, value in wanted.items())
            for _, attrs in self.open
        )

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.tables += 1
        if attributes.get("data-testid") == "channel-status":
            self.status = attributes
        if tag in ("br", "input", "img", "meta", "link", "hr", "source", "wbr"):
            return  # void: no end tag to wait for
        self.open.append((tag, attributes))
        if self.inside(**{"data-testid": "contact-channels"}):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("th", "td"):
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        if any(name == tag for name, _ in self.open):
            while self.open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if self.inside(**{"data-testid": "contact-channels"}):
            if self.open[-1][0] == "caption":
                self.caption += data
            elif any(name in ("th", "td") for name, _ in self.open):
                self.rows[-1][-1] += data
        elif self.inside(**{"class": "hc-channels__note"}):
            self.notes.append(data)
        elif self.inside(id="hc-channel-hours"):
            self.data += data


def contact_page(site_dir: Path, locale: str) -> ContactPage:
    return ContactPage((site_dir / locale / "contact" / "index.html").read_text(encoding="utf-8"))


EXPECTED = {
    "fr": {
        "caption": "Canaux d'assistance selon l'offre",
        "header": [
            "Offre",
            "Demande par e-mail ou formulaire",
            "Chat en direct",
            "Rappel téléphonique",
        ],
        "any_time": "À tout moment",
        "business": "lun.\u2009–\u2009ven. 09:00\u2009–\u200918:00",
        "enterprise": "lun.\u2009–\u2009ven. 08:00\u2009–\u200920:00",
        "legacy": "Ancienne offre",
        "zone": "Fuseau horaire\u00a0: heure d’Europe centrale (Paris)",
        "closed": "Jours de fermeture\u00a0: 25 décembre 2026, 1 janvier 2027, 29 mars 2027, "
        "6 mai 2027, 17 mai 2027, 14 juillet 2027, 1 novembre 2027 et 11 novembre 2027.",
    },
    "es": {
        "caption": "Canales de soporte según el plan",
        "header": [
            "Plan",
            "Solicitud por correo electrónico o formulario",
            "Chat en directo",
            "Devolución de llamada",
        ],
        "any_time": "En cualquier momento",
        "business": "lun\u2009–\u2009vie 9:00–18:00",
        "enterprise": "lun\u2009–\u2009vie 8:00–20:00",
        "legacy": "Plan anterior",
        "zone": "Zona horaria: hora de Europa central (París)",
        "closed": "Días de cierre: 25 de diciembre de 2026, 1 de enero de 2027, 29 de marzo de "
        "2027, 6 de mayo de 2027, 17 de mayo de 2027, 14 de julio de 2027, 1 de noviembre de 2027 "
        "y 11 de noviembre de 2027.",
    },
    "it": {
        "caption": "Canali di assistenza per piano",
        "header": [
            "Piano",
            "Richiesta via e-mail o modulo",
            "Chat dal vivo",
            "Richiamata telefonica",
        ],
        "any_time": "In qualsiasi momento",
        "business": "lun\u2009–\u2009ven 09:00–18:00",
        "enterprise": "lun\u2009–\u2009ven 08:00–20:00",
        "legacy": "Piano precedente",
        "zone": "Fuso orario: Ora dell’Europa centrale (Parigi)",
        "closed": "Giorni di chiusura: 25 dicembre 2026, 1 gennaio 2027, 29 marzo 2027, "
        "6 maggio 2027, 17 maggio 2027, 14 luglio 2027, 1 novembre 2027 e 11 novembre 2027.",
    },
}


def rendered_html(locale: str, plans: Plans | None = None) -> str:
    """The contact page's block as the build renders it (the project's plans, or these, its
    catalogs and template), without building the site."""
    project = example_project()
    forms = ContactForms(project.contact, project.plans.plans, project.catalogs, project.custom_dir)
    html = insert_channels(
        "<p>Bonjour</p>\n<!-- contact-channels -->\n<p>Au revoir</p>",
        plans or project.plans,
        locale,
        project.catalogs.gettext(locale),
        forms.environment(locale),
    )
    assert html.startswith('<p>Bonjour</p>\n<div class="hc-channels">')
    assert html.endswith("</div>\n<p>Au revoir</p>")
    return html


def rendered_page(locale: str) -> ContactPage:
    return ContactPage(rendered_html(locale))


def assert_channels_table(page: ContactPage, locale: str) -> None:
    expected = EXPECTED[locale]
    no = NOT_INCLUDED[locale]
    assert page.caption == expected["caption"]
    assert page.rows == [
        expected["header"],
        ["Starter", expected["any_time"], no, no],
        ["Pro", expected["any_time"], expected["business"], no],
        ["Business", expected["any_time"], expected["business"], expected["business"]],
        ["Enterprise", expected["any_time"], expected["business"], expected["enterprise"]],
        ["Classic" + expected["legacy"], expected["any_time"], no, no],
        ["Premium" + expected["legacy"], expected["any_time"], expected["business"], no],
    ]
    # The hours are on the team's clock, and the page says which.
    assert page.notes[0] == expected["zone"]
    assert page.notes[1] == expected["closed"]  # the dates in the language's own list


def test_a_channel_a_plan_lacks_shows_the_cross_and_says_so_in_words():
    html = rendered_html("fr")
    lacking = html.count('<td class="hc-plans__no">')
    assert lacking == 6  # chat: Starter, Classic; callback: Starter, Pro, Classic, Premium
    assert html.count(f'{CROSS_ICON}<span class="hc-sr-only">Non inclus</span></td>') == lacking


def test_a_team_never_closed_has_no_closed_days_note():
    plans = example_project().plans
    never_closed = plans.model_copy(
        update={"support": plans.support.model_copy(update={"closed": []})}
    )
    page = ContactPage(rendered_html("fr", never_closed))
    assert page.notes == [EXPECTED["fr"]["zone"]]


@pytest.mark.parametrize("locale", LOCALES)
def test_each_plan_s_channels_and_hours_are_a_table_in_the_page_s_language(site_dir, locale):
    assert_channels_table(contact_page(site_dir, locale), locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_channels_block_is_rendered_in_place_of_its_marker(locale):
    assert_channels_table(rendered_page(locale), locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_no_hand_written_table_is_left_on_the_contact_page(site_dir, locale):
    assert contact_page(site_dir, locale).tables == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_the_status_line_waits_for_the_script_and_is_no_live_region(site_dir, locale):
    status = contact_page(site_dir, locale).status
    assert status is not None
    assert "hidden" in status
    assert "role" not in status and "aria-live" not in status


def assert_script_data(page: ContactPage) -> None:
    plans = load_plans(PROJECT_ROOT / "data" / "plans.yml", LOCALES)
    data = json.loads(page.data)
    office = [[9 * 60, 18 * 60]]
    extended = [[8 * 60, 20 * 60]]
    assert data["hours"] == {
        "timeZone": "Europe/Paris",
        "closed": [day.isoformat() for day in plans.support.closed],
        "channels": [
            {"name": "Chat dal vivo", "week": [office] * 5 + [[], []]},
            {"name": "Richiamata telefonica (Business)", "week": [office] * 5 + [[], []]},
            {"name": "Richiamata telefonica (Enterprise)", "week": [extended] * 5 + [[], []]},
        ],
    }
    assert data["messages"]["closed"] == "%(channel)s: chiuso ora, apre %(time)s."


def test_the_script_gets_the_hours_of_the_plans_file_once_per_set_of_hours(site_dir):
    """The status line speaks of live channels, with the hours each plan has: the data come from
    data/plans.yml, as the build wrote them, not from a copy."""
    assert_script_data(contact_page(site_dir, "it"))


def test_the_rendered_block_gives_the_script_each_day_s_hours():
    assert_script_data(rendered_page("it"))


@pytest.mark.parametrize(
    ("locale", "hours"),
    [
        ("fr", "lun.\u2009–\u2009ven. 08:00\u2009–\u200920:00"),
        ("es", "lun\u2009–\u2009vie 8:00–20:00"),
        ("it", "lun\u2009–\u2009ven 08:00–20:00"),
    ],
)
def test_the_plans_comparison_shows_the_same_hours(site_dir, locale, hours):
    html = (site_dir / locale / "account" / "compare-plans" / "index.html").read_text("utf-8")
    assert f"<td>{hours}</td>" in html
