"""The support team's dashboard, from a database filled through the real endpoint: every chart
has its table, the tables say what the CLI reports say, nothing is fetched from elsewhere, what
readers typed stays text, and axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, parse_decimal

from helpcenter.config import load_project
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.reports.charts import LABEL_WIDTH, bar_chart
from helpcenter.reports.dashboard import CHART_ROWS, Page
from helpcenter.scaffold.project import init_project
from helpcenter.tickets.app import TicketService, build_app
from tests.conftest import BackgroundServer, example_project
from tests.processes import run_helpcenter

LOCALE = "fr"  # the example site's default language: the dashboard's
SCRIPT_COMMENT = "<script>alert('x')</script> écrivez-moi à lea@example.com"
TICKET = {
    "name": "Camille Martin",
    "email": "camille@example.com",
    "subject": "Étiquette refusée",
    "message": "Le transporteur refuse mon étiquette depuis ce matin, que faire ?",
    "page": "shipping/create-label/",
}
TICKETS = [("shipping", "pro", "fr"), ("shipping", "starter", "es"), ("billing", "pro", "it")]


def seed(url: str) -> None:
    """Votes, comments, unanswered searches and tickets, posted as the site's pages post them."""
    votes = [
        ("es", "shipping/returns/", "no", SCRIPT_COMMENT),
        ("es", "shipping/returns/", "yes", ""),
        ("fr", "shipping/returns/", "yes", ""),
        ("it", "shipping/tracking/", "no", "Manca un esempio"),
    ]
    for number, (language, page, helpful, comment) in enumerate(votes):
        body = {"language": language, "page": page, "helpful": helpful, "comment": comment}
        response = httpx.post(
            f"{url}/api/feedback",
            json=body | {"vote_id": f"dashboard-vote-{number}"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 201, response.text
    for language, queries in (
        ("es", [("aduanas", 0), ("Aduana", 0), ("etiqueta", 3), ("EORI", 0)]),
        ("it", [("reclami", 0)]),
    ):
        body = {"language": language, "page": "", "queries": []}
        body["queries"] = [{"query": q, "results": r} for q, r in queries]
        response = httpx.post(
            f"{url}/api/search-gaps",
            content=json.dumps(body),
            headers={"Content-Type": "text/plain"},
        )
        assert response.status_code == 204
    for category, plan, language in TICKETS:
        fields = TICKET | {"category": category, "plan": plan, "language": language}
        if category == "billing":
            fields["invoice_number"] = "F-2026-0042"
        response = httpx.post(
            f"{url}/api/tickets", data=fields, headers={"Accept": "application/json"}
        )
        assert response.status_code == 201, response.text


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_helpcenter(*args, env=env, check=True)


def cli_json(*args: str):
    return json.loads(cli(*args).stdout)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dashboard")
    database = folder / "helpcenter.sqlite3"
    # Tickets to forward, with no helpdesk to take them: they wait in the outbox.
    service = TicketService.from_project(example_project(), database, forward=True)
    service.settings = service.settings.model_copy(update={"rate_limit_per_minute": 10_000})
    try:
        with BackgroundServer(build_app(service, [])) as server:
            seed(server.url)
    finally:
        service.close()
    out = folder / "dashboard.html"
    cli("report", "--html", str(out), "--db", str(database))
    return out, database


class Dashboard(HTMLParser):
    """The page's charts, tables (caption and rows of cell texts), links, references to what a
    browser fetches, and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []  # the top-level elements of each section, in order
        self.tables: dict[str, list[list[str]]] = {}
        self.references: list[str] = []
        self.links: dict[str, dict[str, str | None]] = {}  # by their text
        self._link: dict[str, str | None] | None = None
        self.styles: list[str] = []
        self.text: list[str] = []
        self.svgs: list[dict] = []
        self.shapes: list[list[tuple[str, dict]]] = []  # each chart's rects and texts, in order
        self._open: list[str] = []
        self._caption = self._cell = None
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a":
            self._link = attributes | {"text": ""}
        self.references += [
            value or ""
            for name, value in attrs
            if name in ("src", "href", "xlink:href", "srcset", "action", "data", "poster")
            if tag != "a"
        ]
        if tag in ("svg", "table"):
            self.elements.append(tag)
        if tag == "svg":
            self.svgs.append(attributes)
            self.shapes.append([])
        if tag in ("rect", "text") and "svg" in self._open:
            self.shapes[-1].append((tag, attributes))
        if tag == "table":
            self._rows = []
        if tag == "caption":
            self._caption = ""
        if tag == "tr":
            self._rows.append([])
        if tag in ("td", "th"):
            self._cell = ""
        if tag == "style":
            self.styles.append("")
        if tag not in ("meta", "rect", "br", "img", "link", "input"):
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass
        if tag == "caption":
            self.tables[self._caption] = self._rows
            self._caption = None
        if tag in ("td", "th"):
            self._rows[-1].append(self._cell.strip())
            self._cell = None
        if tag == "h3":
            self.elements.append("h3")
        if tag == "a" and self._link is not None:
            self.links[self._link.pop("text")] = self._link
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self._link["text"] += data
        if self._caption is not None:
            self._caption += data
        if self._cell is not None:
            self._cell += data
        if self._open and self._open[-1] == "style":
            self.styles[-1] += data


def parsed(path: Path) -> Dashboard:
    page = Dashboard()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def number(text: str) -> float:
    return float(parse_decimal(text, locale=LOCALE, strict=False))


def counts(rows: list[list[str]]) -> dict[str, float]:
    """A counts table (header row first) as {label: number}."""
    return {label: number(count) for label, count in rows[1:]}


def test_every_chart_is_an_image_with_a_name_and_its_table_right_after_it(dashboard):
    page = parsed(dashboard[0])
    assert len(page.svgs) >= 8
    for svg in page.svgs:
        assert svg["role"] == "img" and svg["aria-labelledby"]
    for index, element in enumerate(page.elements):
        if element == "svg":
            assert page.elements[index + 1] == "table", page.elements


@pytest.mark.slow  # a dozen `helpcenter` commands: over a minute under make mutants
def test_the_tables_say_what_the_cli_reports_say(dashboard):
    out, database = dashboard
    page = parsed(out)
    db = ("--db", str(database))

    feedback = cli_json("feedback", "report", "--json", *db)
    helpfulness = next(rows for caption, rows in page.tables.items() if "utiles" in caption)
    assert [(r[0], r[1], number(r[2]), r[3]) for r in helpfulness[1:]] == [
        (r["page"], r["language"], r["votes"], format_percent(r["helpful_ratio"], locale=LOCALE))
        for r in feedback
    ]

    gaps = cli_json("search-gaps", "report", "--json", *db)
    per_language = Counter()
    for row in gaps:
        per_language[row["language"]] += row["searches"]
    assert counts(page.tables["Recherches sans réponse par langue"]) == per_language
    per_week = counts(page.tables["Recherches sans réponse par semaine"])
    assert sum(per_week.values()) == sum(per_language.values())
    top = page.tables["Recherches les plus fréquentes"][1:]
    assert sorted((r[0], r[1], number(r[2])) for r in top) == sorted(
        (r["query"], r["language"], r["searches"]) for r in gaps
    )

    states = cli_json("translations", "--json")
    debt = page.tables["Retard de traduction par langue"]
    for row in debt[1:]:
        mine = [s["state"] for s in states if s["locale"] == row[0]]
        assert (number(row[1]), number(row[2])) == (mine.count("missing"), mine.count("outdated"))
    assert {row[0] for row in debt[1:]} == {s["locale"] for s in states}

    tickets = cli_json("tickets", "list", "--json", *db)
    for key, caption in (
        ("category", "Demandes par catégorie"),
        ("language", "Demandes par langue"),
        ("plan", "Demandes par offre"),
    ):
        assert counts(page.tables[caption]) == Counter(t[key] for t in tickets)
    assert sum(counts(page.tables["Demandes par semaine"]).values()) == len(tickets)
    backlog = page.tables["Transmission au service d'assistance"]
    waiting = sum(t["delivery"]["state"] == "pending" for t in tickets)
    assert number(backlog[1][1]) == waiting == len(TICKETS)
    assert backlog[3][1] != "–"  # the oldest waiting ticket's age


def test_nothing_is_fetched_from_elsewhere(dashboard):
    page = parsed(dashboard[0])
    for reference in page.references:
        assert reference.startswith("#"), reference
    for style in page.styles:
        assert "@import" not in style and "url(" not in style


def test_what_readers_typed_is_text_and_masked(dashboard):
    page = parsed(dashboard[0])
    html = dashboard[0].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "<script>alert('x')</script> écrivez-moi à [email]" in "".join(page.text)
    assert "lea@example.com" not in html


def test_a_bar_chart_is_as_long_as_its_share_of_the_largest_value():
    svg = bar_chart("c", "Titre <b>", "Description", [("a", 2, "2"), ("b & c", 1, "1")])
    assert svg.startswith('<svg role="img"') and 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Titre &lt;b&gt;</title>' in svg
    assert 'width="360.0"' in svg and 'width="180.0"' in svg
    assert ">\u2068b &amp; c\u2069<" in svg
    long = bar_chart("d", "T", "D", [("fr/" + "a" * 40, 1, "1")])
    assert ">\u2068fr/" + "a" * 26 + "\u2026\u2069<" in long


def test_a_chart_of_the_least_helpful_articles_says_the_table_has_them_all():
    row = {"language": "fr", "page": "p/", "votes": 1, "helpful_ratio": 0.0, "comments": []}
    page = Page(LOCALE, "ltr", Catalogs().gettext(LOCALE), "")
    html = page.helpfulness([row] * (CHART_ROWS + 1))
    assert html.count("<rect") == CHART_ROWS and html.count("<tr>") == CHART_ROWS + 2
    assert "Les 20 articles les moins utiles ; le tableau qui suit les liste tous." in html


def check_with_axe(browser, dashboard: Path) -> None:
    """axe-core in Chromium finds no WCAG 2.1 AA violation, and the page fetches nothing."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(dashboard.as_uri())
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    context.close()
    assert results.violations_count == 0, results.generate_report()
    assert requests == [dashboard.as_uri()]


@pytest.mark.browser
def test_axe_finds_no_wcag_violation(dashboard, browser):
    check_with_axe(browser, dashboard[0])


@pytest.mark.slow  # several `helpcenter` commands
def test_since_and_lang_narrow_the_dashboard_as_they_narrow_the_reports(dashboard, tmp_path):
    _, database = dashboard
    db = ("--db", str(database))
    out = tmp_path / "recent.html"
    cli("report", "--html", str(out), "--since", "0", "--lang", "es", *db)
    page = parsed(out)
    assert cli_json("feedback", "report", "--json", "--since", "0", "--lang", "es", *db) == []
    assert cli_json("search-gaps", "report", "--json", "--since", "0", "--lang", "es", *db) == []
    assert "Aucun vote pour l'instant." in page.text
    for caption in ("Recherches sans réponse par langue", "Demandes par semaine"):
        assert page.tables[caption][1:] == []
    assert [row[0] for row in page.tables["Retard de traduction par langue"][1:]] == ["es"]

    out = tmp_path / "spanish.html"
    cli("report", "--html", str(out), "--lang", "es", *db)
    page = parsed(out)
    spanish = cli_json("search-gaps", "report", "--json", "--lang", "es", *db)
    assert counts(page.tables["Recherches sans réponse par langue"]) == {
        "es": sum(row["searches"] for row in spanish)
    }
    assert counts(page.tables["Demandes par langue"]) == {"es": 1}


def test_translation_debt_counts_outdated_translations_and_their_age(
    dashboard, project_copy, tmp_path
):
    source = project_copy / "docs" / "fr" / "shipping" / "returns.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nUne phrase de plus.\n")
    config = ("-f", str(project_copy / "mkdocs.yml"))
    out = tmp_path / "dashboard.html"
    cli("report", "--html", str(out), "--db", str(dashboard[1]), *config)
    states = cli_json("translations", "--json", *config)
    debt = parsed(out).tables["Retard de traduction par langue"]
    assert [row[0] for row in debt[1:]] == ["es", "it"]
    for row in debt[1:]:
        outdated = [s for s in states if s["locale"] == row[0] and s["state"] == "outdated"]
        assert number(row[2]) == len(outdated) >= 1
        oldest = min(s["source_changed_at"] for s in outdated)
        assert row[4] == format_date(date.fromisoformat(oldest[:10]), "medium", locale=LOCALE)


@pytest.mark.parametrize("site_url", ["https://help.colisto.example/", ""])
def test_a_search_answered_in_another_language_links_to_the_article(
    dashboard, site_dir, tmp_path, site_url
):
    """Linked on the published site; with no site_url, relative to the dashboard, as if it were
    in the site's folder."""
    _, database = dashboard
    options = ("--db", str(database), "--site-dir", str(site_dir))
    out = tmp_path / "dashboard.html"
    cli("report", "--html", str(out), *options, env={"HELPCENTER_SITE_URL": site_url})
    gaps = cli_json("search-gaps", "report", "--json", *options)
    answered = {row["query"]: s for row in gaps if (s := row["suggestion"])}
    assert "EORI" in answered
    page = parsed(out)
    top = page.tables["Recherches les plus fréquentes"][1:]
    assert {row[0]: row[3] for row in top if row[3]} == {
        query: f"{s['title']} ({s['language']})" for query, s in answered.items()
    }
    for s in answered.values():
        link = page.links[s["title"]]
        assert link["href"] == f"{site_url}{s['language']}/{s['page']}"
        assert link["lang"] == link["hreflang"] == s["language"]
        assert (site_dir / link["href"].removeprefix(site_url) / "index.html").is_file()


# A site whose default language is written right to left.

ARABIC = ("ar", "fr")


@pytest.fixture(scope="module")
def arabic_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard of a new project in Arabic (and French), from votes and searches posted to
    its endpoint."""
    folder = tmp_path_factory.mktemp("arabic")
    init_project(folder / "project", "Colisto", list(ARABIC))
    config = folder / "project" / "mkdocs.yml"
    database = folder / "helpcenter.sqlite3"
    service = TicketService.from_project(load_project(config), database)
    try:
        with BackgroundServer(build_app(service, [])) as server:
            for number, (language, page, helpful) in enumerate(
                [
                    ("ar", "billing/compare-plans/", "no"),
                    ("ar", "billing/compare-plans/", "yes"),
                    ("ar", "getting-started/invite-your-team/", "yes"),
                    ("fr", "billing/compare-plans/", "no"),
                ]
            ):
                body = {"language": language, "page": page, "helpful": helpful}
                response = httpx.post(
                    f"{server.url}/api/feedback",
                    json=body | {"vote_id": f"arabic-vote-{number}", "comment": ""},
                    headers={"Accept": "application/json"},
                )
                assert response.status_code == 201, response.text
            queries = [{"query": q, "results": 0} for q in ("فاتورة", "فاتورة", "EORI", "API")]
            response = httpx.post(
                f"{server.url}/api/search-gaps",
                json={"language": "ar", "page": "", "queries": queries},
            )
            assert response.status_code == 204
    finally:
        service.close()
    out = folder / "dashboard.html"
    cli("report", "--html", str(out), "--db", str(database), "-f", str(config))
    return out


def test_a_right_to_left_dashboard_reads_from_the_right(arabic_dashboard):
    html = arabic_dashboard.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="ar" dir="rtl">')
    page = parsed(arabic_dashboard)
    assert page.svgs and all(svg["direction"] == "rtl" for svg in page.svgs)
    width = float(page.svgs[0]["width"])
    bars = 0
    for shapes in page.shapes:
        for (_, label), (_, bar), (_, value) in zip(*[iter(shapes)] * 3, strict=True):
            # The label on the right, next to its bar's start; the bar grows to the left, its
            # value just past its end.
            start = float(bar["x"]) + float(bar["width"])
            assert start == width - LABEL_WIDTH
            assert float(label["x"]) > start and label["text-anchor"] == "end"
            assert float(value["x"]) < float(bar["x"]) and "text-anchor" not in value
            bars += 1
    assert bars >= 5


def test_a_right_to_left_dashboard_writes_numbers_and_dates_as_babel_does_there(arabic_dashboard):
    page = parsed(arabic_dashboard)
    _ = Catalogs().gettext("ar")
    today = datetime.now(UTC).date()
    assert format_date(today, "medium", locale="ar") in "".join(page.text)
    week = today - timedelta(days=today.weekday())
    assert page.tables[_("Unanswered searches per week")][1:] == [
        [format_date(week, "medium", locale="ar"), format_decimal(4, locale="ar")]
    ]
    helpfulness = page.tables[_("Share of helpful votes per article, the least helpful first")]
    assert [(row[0], row[1], row[3]) for row in helpfulness[1:]] == [
        ("billing/compare-plans/", "fr", format_percent(0, locale="ar")),
        ("billing/compare-plans/", "ar", format_percent(0.5, locale="ar")),
        ("getting-started/invite-your-team/", "ar", format_percent(1, locale="ar")),
    ]
    top = page.tables[_("Top searches")][1:]
    assert (top[0][0], top[0][2]) == ("فاتورة", format_decimal(2, locale="ar"))


@pytest.mark.browser
def test_axe_finds_no_wcag_violation_in_a_right_to_left_dashboard(arabic_dashboard, browser):
    check_with_axe(browser, arabic_dashboard)
