"""Votes and unanswered searches, from the endpoint to the writers' reports, on small data of
their own in tmp_path: a docs tree, and a site holding just what is read of it (its pages'
index.html files, its search indexes), so that they run without a build."""

from __future__ import annotations

import copy
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from helpcenter import engines
from helpcenter.authoring.translations import mark_up_to_date
from helpcenter.database import MB, StorageUnavailable
from helpcenter.feedback.api import (
    MAX_PAGE,
    post_feedback,
    post_search_gaps,
    read_fields,
    site_pages,
)
from helpcenter.feedback.reports import feedback_report, search_gaps_report
from helpcenter.feedback.store import FeedbackStore, SearchGap, Vote
from helpcenter.search.analysis import Analyzer
from helpcenter.search.index import Page, SearchFiles
from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, run_async, ticket_service

LOCALES = ("fr", "es", "it")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()
DAY = 86_400


class Clock:
    """A store's clock that the test moves."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db, clock: Clock):
    """The feedback store, on each engine."""
    store = FeedbackStore(db, clock=clock)
    yield store
    store.close()


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


# The pages votes are about ----------------------------------------------------------------------


def test_the_site_pages_are_named_as_votes_name_them(tmp_path):
    site = tmp_path / "site"
    long_page = "a" * 149 + "/" + "b" * 149 + "/"  # as long as a vote's page may be
    assert len(long_page) == MAX_PAGE
    for page in (
        "",
        "shipping/",
        "shipping/returns/",
        long_page,
        long_page[:-1] + "b/",  # longer than a vote's page may be
        "_static/",  # no page a vote can name
        "Old Page/",
    ):
        write(site / "fr" / page / "index.html", "<html></html>")
    write(site / "fr" / "shipping" / "returns" / "label.html", "<html></html>")
    write(site / "es" / "envios" / "index.html", "<html></html>")
    assert site_pages(site, "fr") == [
        "",
        long_page,
        "shipping/",
        "shipping/returns/",
    ]
    assert site_pages(site, "es") == ["envios/"]


# The feedback report ----------------------------------------------------------------------------


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """French sources; Spanish: the home translated and marked, the shipping section not
    translated, its returns article translated but never marked (outdated)."""
    docs = tmp_path / "docs"
    write(docs / "fr/index.md", "# Aide\n\nBienvenue.\n")
    write(docs / "fr/shipping/index.md", "# Livraison\n")
    write(docs / "fr/shipping/returns.md", "# Retours\n\nRenvoyer un colis.\n")
    write(docs / "es/index.md", "# Ayuda\n\nBienvenida.\n")
    write(docs / "es/shipping/returns.md", "# Devoluciones\n\nDevolver un paquete.\n")
    assert mark_up_to_date(docs, "fr", "es", "index.md")
    return docs


def report_rows(store, docs, **options) -> dict[tuple[str, str], dict]:
    return {
        (row["language"], row["page"]): row
        for row in feedback_report(store, docs, LOCALES, **options)
    }


def test_each_voted_page_shows_the_state_of_its_own_translation(store, docs):
    for language, page in [
        ("es", ""),
        ("es", "shipping/"),
        ("es", "shipping/returns/"),
        ("es", "old/page/"),  # its source was deleted since
        ("fr", "shipping/returns/"),
    ]:
        store.add_vote(Vote(language, page, False))
    states = {key: row["translation"] for key, row in report_rows(store, docs).items()}
    assert states == {
        ("es", ""): "up to date",
        ("es", "shipping/"): "missing",
        ("es", "shipping/returns/"): "outdated",
        ("es", "old/page/"): "no source",
        ("fr", "shipping/returns/"): "source",
    }


def test_the_report_counts_helpful_and_unhelpful_votes(store, docs):
    for helpful in (True, False, True):
        store.add_vote(Vote("fr", "shipping/", helpful))
    [row] = feedback_report(store, docs, LOCALES)
    assert (row["votes"], row["helpful"], row["not_helpful"]) == (3, 2, 1)
    assert row["helpful_ratio"] == 0.667  # two thirds, to a tenth of a percent


def test_among_equally_unhelpful_pages_the_most_voted_comes_first(store, docs):
    store.add_vote(Vote("fr", "a/", False))
    for _ in range(3):
        store.add_vote(Vote("fr", "b/", False))
    store.add_vote(Vote("fr", "c/", True))
    assert [row["page"] for row in feedback_report(store, docs, LOCALES)] == ["b/", "a/", "c/"]


def test_the_report_of_one_language_has_only_its_votes(store, docs):
    store.add_vote(Vote("fr", "shipping/", False))
    store.add_vote(Vote("es", "shipping/", True))
    assert list(report_rows(store, docs, language="es")) == [("es", "shipping/")]


def test_the_longest_period_is_a_hundred_years_and_longer_means_every_vote(store, docs, clock):
    store.add_vote(Vote("fr", "shipping/", False))
    clock.now += 36_501 * DAY  # the vote is a hundred years and a day old
    store.add_vote(Vote("fr", "shipping/returns/", True))
    assert list(report_rows(store, docs, since_days=36_500)) == [("fr", "shipping/returns/")]
    assert len(report_rows(store, docs, since_days=10**9)) == 2
    assert len(report_rows(store, docs, since_days=None)) == 2


# The votes as stored ----------------------------------------------------------------------------


def test_votes_are_chosen_by_language_and_by_age(store, clock):
    store.add_vote(Vote("es", "old/", True))
    store.add_vote(Vote("fr", "old/", True))
    clock.now += 3 * DAY
    store.add_vote(Vote("es", "new/", False))
    store.add_vote(Vote("fr", "new/", False))

    def pages(**options):
        return sorted((vote["language"], vote["page"]) for vote in store.votes(**options))

    assert pages(language="es") == [("es", "new/"), ("es", "old/")]
    assert pages(since_days=2) == [("es", "new/"), ("fr", "new/")]
    assert pages(since_days=4) == pages() == pages(language=None, since_days=None)
    assert len(pages()) == 4
    assert pages(language="fr", since_days=2) == [("fr", "new/")]


def test_below_the_free_disk_watermark_nothing_is_stored(tmp_path, clock):
    """The endpoint's `min_free_disk_mb`: a vote or searches refused (a 503) before writing.
    (The disk of a SQLite file: a PostgreSQL server's is not seen from here.)"""
    store = FeedbackStore(tmp_path / "feedback.sqlite3", clock=clock)
    watermark = shutil.disk_usage(tmp_path).free // MB + 1024
    with pytest.raises(StorageUnavailable):
        store.add_vote(Vote("fr", "shipping/", True), min_free_disk_mb=watermark)
    with pytest.raises(StorageUnavailable):
        store.add_search_gaps([SearchGap("fr", "", "colis", 0)], min_free_disk_mb=watermark)
    assert store.votes() == [] and store.search_gaps() == []
    store.add_vote(Vote("fr", "shipping/", True), min_free_disk_mb=1)
    store.add_search_gaps([SearchGap("fr", "", "colis", 0)], min_free_disk_mb=1)
    assert len(store.votes()) == len(store.search_gaps()) == 1


# The search-gaps report -------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Search indexes as the build writes them: the EORI article exists in French only."""
    site = tmp_path / "site"
    pages = {
        "fr": [
            Page("customs/eori/", "Numéro EORI et dédouanement", body="Le numéro EORI des envois."),
            Page("returns/", "Retours de colis", body="Renvoyer un colis abîmé."),
        ],
        "es": [Page("returns/", "Devoluciones", body="Devolver un paquete dañado.")],
    }
    for language, language_pages in pages.items():
        for path, content in SearchFiles.of(language, language_pages).files.items():
            write(site / language / path, content)
    return site


EORI = {"language": "fr", "title": "Numéro EORI et dédouanement", "page": "customs/eori/"}


def add_gaps(store, clock, gaps: list[tuple[str, str, int]]) -> None:
    """One search a minute, in this order."""
    for language, query, results in gaps:
        clock.now += 60
        store.add_search_gaps([SearchGap(language, "", query, results)])


def test_searches_are_grouped_as_the_index_sees_them_and_counted(store, clock, site):
    add_gaps(
        store,
        clock,
        [
            ("es", "aduanas", 0),
            ("es", "Aduana", 0),
            ("es", "aduanas ", 0),
            ("es", "aduanas", 1),  # results shown, none followed
            ("es", "número EORI", 0),
            ("es", "de la", 0),  # nothing but stop words: grouped as typed
            ("es", "De la ", 3),
            ("es", "de la", 0),
            ("fr", "colis perdu", 0),
            ("de", "Zoll", 0),  # a language the site no longer has
        ],
    )
    report = search_gaps_report(store, LOCALES, site_dir=site)
    rows = {row["query"]: row for row in report}
    assert [row["query"] for row in report] == ["aduanas", "de la", "número EORI", "colis perdu"]
    customs = rows["aduanas"]
    assert (customs["searches"], customs["no_results"], customs["no_click"]) == (4, 3, 1)
    assert customs["spellings"] == ["Aduana", "aduanas"]
    assert (rows["de la"]["searches"], rows["de la"]["no_results"]) == (3, 2)
    assert rows["de la"]["spellings"] == ["De la", "de la"]
    # The terms a group stands for are the query's as the index analyses it.
    spanish = Analyzer("es")
    assert set(rows["número EORI"]["terms"].split()) == set(spanish.terms("número EORI"))
    assert set(customs["terms"].split()) == set(spanish.terms("aduanas"))


def test_a_search_found_in_another_language_suggests_that_article(store, clock, site):
    add_gaps(store, clock, [("es", "número EORI", 0), ("es", "paquete perdido", 0)])
    suggestions = {
        row["query"]: row["suggestion"] for row in search_gaps_report(store, LOCALES, site_dir=site)
    }
    assert suggestions == {"número EORI": EORI, "paquete perdido": None}


def test_the_report_of_one_language_has_only_its_searches(store, clock, site):
    add_gaps(store, clock, [("es", "número EORI", 0), ("fr", "colis perdu", 0)])
    report = search_gaps_report(store, LOCALES, language="es", site_dir=site)
    assert [(row["language"], row["query"]) for row in report] == [("es", "número EORI")]


def test_the_searches_report_covers_its_period_and_a_hundred_years_at_most(store, clock, site):
    add_gaps(store, clock, [("fr", "colis perdu", 0)])
    clock.now += 36_501 * DAY  # the search is a hundred years and a day old
    add_gaps(store, clock, [("fr", "facture", 0)])
    clock.now += 3 * DAY
    add_gaps(store, clock, [("fr", "étiquette", 0)])

    def queries(since_days: int | None) -> list[str]:
        report = search_gaps_report(store, LOCALES, site_dir=site, since_days=since_days)
        return sorted(row["query"] for row in report)

    assert queries(2) == ["étiquette"]
    assert queries(36_500) == ["facture", "étiquette"]
    assert queries(10**9) == queries(None) == ["colis perdu", "facture", "étiquette"]


def test_the_reports_read_their_files_as_utf8_whatever_the_locale(
    store, clock, site, docs, ascii_locale
):
    add_gaps(store, clock, [("es", "número EORI", 0)])
    [row] = search_gaps_report(store, LOCALES, site_dir=site)
    assert row["suggestion"] == EORI
    write(docs / "fr/shipping/returns.md", "# Retours\n\nRenvoyer un colis abîmé.\n")
    write(docs / "es/index.md", "# Ayuda\n\nBienvenida, señora.\n")
    assert mark_up_to_date(docs, "fr", "es", "index.md")
    store.add_vote(Vote("es", "", True))
    [row] = feedback_report(store, docs, LOCALES)
    assert row["translation"] == "up to date"


# Votes over HTTP, against a site of their own ----------------------------------------------------

JSON = {"Accept": "application/json"}
VOTE = {"language": "fr", "page": "shipping/", "helpful": "no"}


@pytest.fixture
def endpoint(tmp_path: Path):
    """The endpoint with a small built site, and a body limit raised to 32 KB by its operator."""
    site = tmp_path / "site"
    for page in ("fr/index.html", "fr/shipping/index.html", "es/shipping/index.html"):
        write(site / page, "<html></html>")
    service = ticket_service(
        tmp_path / "db.sqlite3",
        site,
        rate_limit_per_minute=10_000,
        site_url="https://aide.example.com/",
    )
    service.server = copy.deepcopy(service.server)
    service.server.feedback_body_kb = 32
    with BackgroundServer(build_app(service, [])) as server:
        yield f"{server.url}/api/feedback", service


def votes_of(service) -> list[tuple]:
    return sorted(
        (vote["language"], vote["page"], vote["helpful"], vote["comment"])
        for vote in service.feedback.votes()
    )


def test_a_vote_with_javascript_is_recorded_and_without_returns_to_the_articles_thanks(endpoint):
    url, service = endpoint
    response = httpx.post(url, json={**VOTE, "helpful": "yes"}, headers=JSON)
    assert (response.status_code, response.json()) == (201, {"status": "recorded"})
    for page in ("shipping/", ""):
        response = httpx.post(url, data={**VOTE, "page": page, "comment": "Clair."})
        assert response.status_code == 303
        assert response.headers["location"] == f"https://aide.example.com/fr/{page}#feedback-thanks"
    assert votes_of(service) == [
        ("fr", "", 0, "Clair."),
        ("fr", "shipping/", 0, "Clair."),
        ("fr", "shipping/", 1, ""),
    ]


def test_a_changed_mind_replaces_the_vote_of_the_same_browser(endpoint):
    url, service = endpoint
    for helpful, comment, vote_id in [
        ("no", "Pas clair.", "browser-one-1"),
        ("no", "", "browser-two-2"),
        ("yes", "", "browser-one-1"),
    ]:
        vote = {**VOTE, "helpful": helpful, "comment": comment, "vote_id": vote_id}
        assert httpx.post(url, json=vote, headers=JSON).status_code == 201
    assert votes_of(service) == [("fr", "shipping/", 0, ""), ("fr", "shipping/", 1, "")]


def test_unanswered_searches_are_stored_with_their_page_and_results(endpoint):
    url, service = endpoint
    searches = {
        "language": "es",
        "page": "shipping/",
        "queries": [{"query": "aduanas", "results": 0}, {"query": "etiqueta", "results": 3}],
    }
    response = httpx.post(url.replace("/api/feedback", "/api/search-gaps"), json=searches)
    assert response.status_code == 204
    stored = sorted(
        (gap["language"], gap["page"], gap["query"], gap["results"])
        for gap in service.feedback.search_gaps()
    )
    assert stored == [("es", "shipping/", "aduanas", 0), ("es", "shipping/", "etiqueta", 3)]


def test_a_vote_is_about_a_page_of_its_languages_site(endpoint):
    url, service = endpoint
    for language, page, status in [
        ("fr", "shipping/", 201),
        ("fr", "", 201),
        ("es", "shipping/", 201),
        ("es", "", 422),  # the Spanish site has no home page here
        ("fr", "returns/", 422),
        ("fr", "shipping", 422),
    ]:
        vote = {"language": language, "page": page, "helpful": "yes"}
        response = httpx.post(url, json=vote, headers=JSON)
        assert response.status_code == status, (language, page)
        if status == 422:
            assert list(response.json()["errors"]) == ["page"]
    stored = sorted((vote["language"], vote["page"]) for vote in service.feedback.votes())
    assert stored == [("es", "shipping/"), ("fr", ""), ("fr", "shipping/")]


@pytest.mark.parametrize(
    "form",
    [
        {"files": {"comment": ("notes.txt", b"Trop long.", "text/plain")}},  # a vote has no file
        {"data": {**VOTE, **{f"field{n}": "x" for n in range(98)}}},  # 101 fields: over 100
        {"data": {**VOTE, "comment": "x" * (8 * 1024 + 1)}},  # a field over 8 KiB
    ],
)
def test_a_vote_form_beyond_what_a_vote_needs_is_refused_unread(endpoint, form):
    url, service = endpoint
    form = dict(form)  # the case stays whole for the next run of the test
    response = httpx.post(url, data=form.pop("data", VOTE), **form, headers=JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]
    assert service.feedback.votes() == []


def test_a_vote_form_of_a_hundred_fields_is_read(endpoint):
    url, service = endpoint
    fields = {**VOTE, **{f"field{n}": "x" for n in range(97)}}
    response = httpx.post(url, data=fields, headers=JSON)
    assert response.status_code == 201  # read, its unknown fields left aside
    assert len(service.feedback.votes()) == 1


def back_link(response: httpx.Response) -> str:
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    [link] = re.findall(r'<a href="([^"]*)"', response.text)
    return link


def test_a_refused_vote_without_javascript_links_back_to_its_article_if_it_is_one(endpoint):
    url, service = endpoint
    site = "https://aide.example.com"
    for language, page, back in [
        ("fr", "shipping/", f"{site}/fr/shipping/"),
        ("fr", "returns/", f"{site}/fr/"),  # no such page on the site
        ("es", "../fr/shipping/", f"{site}/es/"),  # a page of the site, but not an address
    ]:
        vote = {"language": language, "page": page, "helpful": "maybe"}
        assert back_link(httpx.post(url, data=vote)) == back
    service.site_dir = None  # without the built site, any page address is taken at its word
    long_page = "a" * 149 + "/" + "b" * 149 + "/"
    for page, back in [
        ("returns/", f"{site}/fr/returns/"),
        (long_page, f"{site}/fr/{long_page}"),
        ("../../etc/", f"{site}/fr/"),
    ]:
        vote = {"language": "fr", "page": page, "helpful": "maybe"}
        assert back_link(httpx.post(url, data=vote)) == back


def test_a_vote_form_with_a_field_sent_twice_is_refused(endpoint):
    url, service = endpoint
    fields = {**VOTE, "vote_id": ["browser-one-1", "browser-two-2"]}
    response = httpx.post(url, data=fields, headers=JSON)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["vote_id"]
    assert service.feedback.votes() == []


def test_a_vote_without_a_content_type_is_read_as_json(endpoint):
    url, service = endpoint
    response = httpx.post(url, content=json.dumps(VOTE).encode(), headers=JSON)
    assert response.status_code == 201
    assert len(service.feedback.votes()) == 1


def test_a_vote_in_another_format_is_refused_as_unsupported(endpoint):
    url, service = endpoint
    response = httpx.post(
        url, content=json.dumps(VOTE), headers={**JSON, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    [message] = response.json()["errors"]["body"]
    assert "JSON" in message and "form" in message
    assert service.feedback.votes() == []


def test_a_page_address_longer_than_a_vote_may_name_is_refused_with_the_limit(endpoint):
    url, service = endpoint
    service.site_dir = None
    vote = {**VOTE, "page": "a" * 150 + "/" + "b" * 150 + "/"}
    response = httpx.post(url, json=vote, headers=JSON)
    assert response.status_code == 422
    [message] = response.json()["errors"]["page"]
    assert "300" in message


# A vote as the endpoint reads it, called in the test's own thread -------------------------------


@pytest.fixture
def voting(tmp_path: Path):
    """The endpoint's service, with a small built site, for calling post_feedback directly."""
    site = tmp_path / "site"
    write(site / "fr/shipping/index.html", "<html></html>")
    service = ticket_service(tmp_path / "db.sqlite3", site, site_url="https://aide.example.com/")
    service.server = copy.deepcopy(service.server)
    return service


def request_of(
    service,
    body: bytes,
    headers: dict[str, str],
    disconnect: bool = False,
    path: str = "/api/feedback",
    client: tuple[str, int] | None = ("198.51.100.7", 50000),
) -> Request:
    """A POST to the feedback route (or `path`) as the app passes it on (`disconnect`: the reader
    left; `client` None: a connection without an address, such as a Unix socket's)."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": client,
        "app": SimpleNamespace(state=SimpleNamespace(service=service)),
    }

    async def receive() -> dict:
        if disconnect:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def vote_posted(service, body: bytes, headers: dict[str, str], **options) -> Response:
    return run_async(post_feedback(request_of(service, body, headers, **options)))


SEARCHES = {"language": "fr", "page": "shipping/", "queries": [{"query": "colis", "results": 0}]}


def searches_posted(service, body: bytes, headers: dict[str, str], **options) -> Response:
    request = request_of(service, body, headers, path="/api/search-gaps", **options)
    return run_async(post_search_gaps(request))


def test_a_form_with_more_fields_than_a_vote_may_have_is_refused_saying_why(voting):
    fields = urlencode({**VOTE, **{f"field{n}": "x" for n in range(98)}}).encode()
    answer = vote_posted(voting, fields, {**FORM, **JSON})
    assert answer.status_code == 400
    assert json.loads(answer.body) == {
        "errors": {"body": ["Unreadable form: Too many fields. Maximum number of fields is 100."]}
    }
    page = vote_posted(voting, fields, FORM)  # without JavaScript: a page that says so
    assert (page.status_code, page.media_type) == (400, "text/html")
    assert voting.feedback.votes() == []


def test_a_field_sent_more_than_once_is_read_as_everything_sent(voting):
    body = b"helpful=no&vote_id=browser-one-1&vote_id=browser-two-2&vote_id=browser-3&page="
    fields = run_async(read_fields(request_of(voting, body, FORM)))
    assert fields == {
        "helpful": "no",
        "vote_id": ["browser-one-1", "browser-two-2", "browser-3"],
        "page": "",
    }


def test_a_vote_in_another_format_is_told_which_formats_are_read(voting):
    answer = vote_posted(voting, json.dumps(VOTE).encode(), {**JSON, "Content-Type": "text/csv"})
    assert answer.status_code == 415
    assert json.loads(answer.body) == {"errors": {"body": ["Send the vote as JSON or as a form."]}}


def test_a_reader_who_leaves_before_the_vote_is_read_gets_a_bad_request(voting):
    answer = vote_posted(voting, b"", {**FORM, **JSON}, disconnect=True)
    assert answer.status_code == 400
    assert voting.feedback.votes() == []


def test_below_the_endpoints_free_disk_watermark_no_vote_nor_search_is_stored(voting, tmp_path):
    voting.server.min_free_disk_mb = shutil.disk_usage(tmp_path).free // MB + 1024
    with pytest.raises(StorageUnavailable):  # the app answers it with a 503 and Retry-After
        vote_posted(voting, json.dumps(VOTE).encode(), JSON)
    with pytest.raises(StorageUnavailable):
        searches_posted(voting, json.dumps(SEARCHES).encode(), {})
    assert voting.feedback.votes() == [] and voting.feedback.search_gaps() == []
    voting.server.min_free_disk_mb = 1
    assert vote_posted(voting, json.dumps(VOTE).encode(), JSON).status_code == 201
    assert searches_posted(voting, json.dumps(SEARCHES).encode(), {}).status_code == 204


def test_after_a_vote_without_javascript_the_reader_is_back_at_the_articles_thanks(voting):
    for site_url in ("https://aide.example.com/", "https://example.com/aide/FAX/"):
        voting.settings = voting.settings.model_copy(update={"site_url": site_url})
        answer = vote_posted(voting, urlencode(VOTE).encode(), FORM)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{site_url}fr/shipping/#feedback-thanks"


def test_without_a_watermark_a_nearly_full_disk_refuses_no_vote_nor_search(
    tmp_path, clock, monkeypatch
):
    """(The disk of a SQLite file: a PostgreSQL server's is not seen from here.)"""
    store = FeedbackStore(tmp_path / "feedback.sqlite3", clock=clock)
    usage = type("Usage", (), {"free": 1000})
    monkeypatch.setattr(engines.shutil, "disk_usage", lambda path: usage)
    store.add_vote(Vote("fr", "shipping/", True))
    assert store.add_search_gaps([SearchGap("fr", "", "colis", 0)])
    assert len(store.votes()) == len(store.search_gaps()) == 1


# Unanswered searches as the endpoint reads them, called in the test's own thread --------------


def test_a_beacons_searches_are_read_as_json_whatever_type_it_gives_them(voting):
    """`navigator.sendBeacon` sends a string as text/plain; a script may say JSON, or nothing."""
    for content_type in ("text/plain;charset=UTF-8", "application/json", None):
        headers = {"Content-Type": content_type} if content_type else {}
        answer = searches_posted(voting, json.dumps(SEARCHES).encode(), headers)
        assert answer.status_code == 204, content_type
    assert len(voting.feedback.search_gaps()) == 3


def test_searches_in_another_format_are_told_to_come_as_json(voting):
    body = json.dumps(SEARCHES).encode()
    answer = searches_posted(voting, body, {**JSON, "Content-Type": "text/csv"})
    assert answer.status_code == 415
    assert json.loads(answer.body) == {"errors": {"body": ["Send the searches as JSON."]}}
    # Posted by a form, without JavaScript: a page in the language of the page it came from.
    referer = {"Referer": "https://aide.example.com/es/shipping/"}
    page = searches_posted(voting, urlencode(SEARCHES).encode(), {**FORM, **referer})
    assert (page.status_code, page.media_type) == (415, "text/html")
    spanish = voting.catalogs.gettext("es")
    assert spanish("Your feedback was not sent") in page.body.decode()
    assert '<a href="https://aide.example.com/es/">' in page.body.decode()
    assert voting.feedback.search_gaps() == []


def test_a_reader_who_leaves_before_the_searches_are_read_gets_a_bad_request(voting):
    answer = searches_posted(voting, b"", {}, disconnect=True)
    assert answer.status_code == 400
    assert voting.feedback.search_gaps() == []


def test_searches_over_their_daily_limit_wait_until_tomorrow_saying_so(voting):
    """Connections without an address (a Unix socket's) count against one quota, together."""
    voting.server.daily_search_gaps = 1
    body = json.dumps(SEARCHES).encode()
    assert searches_posted(voting, body, {}, client=None).status_code == 204
    answer = searches_posted(voting, body, {}, client=None)
    assert answer.status_code == 429
    refused = json.loads(answer.body)
    wait = refused["retry_after"]
    assert 0 < wait <= DAY and answer.headers["retry-after"] == str(wait)
    message = f"Today's limit of stored searches is reached: try again in {wait} s."
    assert refused["errors"] == {"queries": [message]}
    assert len(voting.feedback.search_gaps()) == 1
