"""`helpcenter init`: a help center for another company, in German, Dutch, Arabic and English,
built strictly, served with its endpoint and used in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpcenter.config import load_project
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.server.app import site_routes
from helpcenter.tickets.app import TicketService, build_app
from tests.conftest import BackgroundServer
from tests.processes import run_helpcenter

pytestmark = pytest.mark.slow  # builds the projects it writes

LANGUAGES = ("de", "nl", "ar", "en")
# For each language: a word of a starter article's title as readers inflect it, and the article.
INFLECTED_SEARCHES = {
    "de": ("Einladungen", "getting-started/invite-your-team/"),
    "nl": ("uitnodiging", "getting-started/invite-your-team/"),
    "ar": ("الحسابات", "getting-started/create-your-account/"),
    "en": ("invitations", "getting-started/invite-your-team/"),
}


def helpcenter(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The `helpcenter` command, as an adopter runs it."""
    return run_helpcenter(*args, cwd=cwd)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new help center for Brightwave, built from the package alone; Dutch writers have not
    written a contact page yet."""
    folder = tmp_path_factory.mktemp("adopter") / "brightwave-help"
    created = helpcenter(
        "init",
        str(folder),
        "--name",
        "Brightwave",
        "--languages",
        ",".join(LANGUAGES),
        cwd=folder.parent,
    )
    assert created.returncode == 0, created.stderr
    shutil.rmtree(folder / "docs" / "nl" / "contact")
    built = helpcenter("build", "--strict", cwd=folder)
    assert built.returncode == 0, built.stderr
    return folder


class Root(HTMLParser):
    """The attributes of a page's <html> element."""

    def __init__(self) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "html" and not self.attributes:
            self.attributes = dict(attrs)


def html_attributes(page: Path) -> dict[str, str | None]:
    parser = Root()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.attributes


def test_init_writes_a_project_for_each_language(project):
    for locale in LANGUAGES:
        assert (project / "docs" / locale / "index.md").is_file()
        assert (project / "docs" / locale / "privacy.md").is_file()
        articles = list((project / "docs" / locale).glob("*/*.md"))
        assert len([a for a in articles if a.name != "index.md"]) >= 2
    assert (project / "data" / "plans.yml").is_file()
    assert "Brightwave" in (project / "mkdocs.yml").read_text(encoding="utf-8")


def test_init_refuses_a_folder_that_is_not_empty(project):
    refused = helpcenter("init", str(project), "--name", "X", "--languages", "de", cwd=project)
    assert refused.returncode == 2
    assert "not empty" in refused.stderr


def test_every_page_is_under_its_prefix_with_its_language_and_direction(project):
    site = project / "site"
    for locale in LANGUAGES:
        pages = list((site / locale).rglob("*.html"))
        assert len(pages) >= 10
        for page in pages:
            attributes = html_attributes(page)
            assert attributes.get("lang") == locale, page
            assert attributes.get("dir") == ("rtl" if locale == "ar" else "ltr"), page


def test_nothing_in_the_built_site_names_the_example_company(project):
    for path in (project / "site").rglob("*"):
        if path.is_file() and path.suffix in {".html", ".js", ".css", ".json", ".xml", ".txt"}:
            assert "colisto" not in path.read_text(encoding="utf-8").lower(), path


def test_a_language_without_a_written_contact_page_gets_one_in_its_language(project):
    catalogs = Catalogs()
    for locale in LANGUAGES:
        html = (project / "site" / locale / "contact" / "index.html").read_text(encoding="utf-8")
        _ = catalogs.gettext(locale)
        assert f'<label for="hc-name">{_("Your name")}</label>' in html
        assert _("Your name") != "Your name" or locale == "en"
        assert f'name="language" value="{locale}"' in html
        thanks = project / "site" / locale / "contact" / "thanks" / "index.html"
        assert 'data-testid="ticket-confirmation"' in thanks.read_text(encoding="utf-8")
        missing = (project / "site" / locale / "404.html").read_text(encoding="utf-8")
        assert _("Page not found") in missing


@pytest.fixture(scope="module")
def served(project, tmp_path_factory):
    """The adopter's site and endpoint, as `helpcenter serve` runs them in the project."""
    database = tmp_path_factory.mktemp("adopter-tickets") / "tickets.sqlite3"
    service = TicketService.from_project(
        load_project(project / "mkdocs.yml"), database, site_dir=project / "site"
    )
    with BackgroundServer(build_app(service, site_routes(project / "site"))) as server:
        yield server.url, database


@pytest.mark.browser
@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_reader_finds_a_starter_article_by_an_inflected_word(page, served, locale):
    url, _database = served
    word, article = INFLECTED_SEARCHES[locale]
    page.goto(f"{url}/{locale}/?q={word}")
    first = page.locator(".md-search-result__item a").first
    expect(first).to_have_attribute("href", re.compile(re.escape(article)))


@pytest.mark.browser
def test_a_ticket_sent_from_the_german_form_is_listed_as_german(page, served, project):
    url, database = served
    page.goto(f"{url}/de/contact/")
    page.locator("[name=name]").fill("Jonas Berger")
    page.locator("[name=email]").fill("jonas@example.com")
    page.locator("[name=subject]").fill("Rechnung doppelt erhalten")
    page.locator("[name=category]").select_option("billing")
    page.locator("[name=message]").fill("Ich habe die Rechnung für Oktober zweimal bekommen.")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(page.get_by_test_id("ticket-confirmation")).to_be_visible()
    listed = helpcenter("tickets", "list", "--json", "--db", str(database), cwd=project)
    [ticket] = json.loads(listed.stdout)
    assert ticket["language"] == "de"
    assert ticket["subject"] == "Rechnung doppelt erhalten"


def test_init_sets_the_plans_currency_and_refuses_an_unknown_one(tmp_path):
    made = helpcenter(
        "init", "shop", "--name", "Shop", "--languages", "en", "--currency", "USD", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    plans = load_project(tmp_path / "shop" / "mkdocs.yml").plans
    assert plans.currency == "USD"
    refused = helpcenter(
        "init", "other", "--name", "Shop", "--languages", "en", "--currency", "XYZ", cwd=tmp_path
    )
    assert refused.returncode == 2
    assert "--currency: 'XYZ' is not an ISO 4217 code" in refused.stderr
