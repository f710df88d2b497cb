"""Votes and unanswered searches through the real endpoint, and the writers' reports."""

from __future__ import annotations

import json

import httpx
import pytest

from helpcenter.cli import main
from helpcenter.feedback.reports import feedback_report, search_gaps_report
from helpcenter.feedback.store import FeedbackStore
from helpcenter.tickets.app import build_app
from tests.conftest import PROJECT_ROOT, BackgroundServer, ticket_service
from tests.databases import columns, rows

LOCALES = ("fr", "es", "it")
DOCS = PROJECT_ROOT / "docs"


@pytest.fixture
def endpoint(db, tmp_path):
    """The endpoint over a site of the pages votes are sent from (a page is known by its
    index.html: the whole site need not be built)."""
    for page in ("fr/", "es/", "es/shipping/returns/", "it/", "it/shipping/tracking/"):
        (tmp_path / "site" / page).mkdir(parents=True)
        (tmp_path / "site" / page / "index.html").write_text("<!doctype html>")
    service = ticket_service(db, tmp_path / "site", rate_limit_per_minute=10_000)
    with BackgroundServer(build_app(service, [])) as server:
        yield server.url, db


def vote(url, **fields):
    body = {"language": "it", "page": "shipping/tracking/", "helpful": "no", **fields}
    return httpx.post(f"{url}/api/feedback", json=body, headers={"Accept": "application/json"})


def test_a_vote_is_stored_and_a_changed_mind_replaces_it(endpoint):
    url, database = endpoint
    assert (
        vote(url, comment="Manca lo stato «in giacenza»", vote_id="browser-one-1").status_code
        == 201
    )
    assert vote(url, helpful="yes", vote_id="browser-one-1").status_code == 201
    assert vote(url, vote_id="browser-two-2").status_code == 201
    store = FeedbackStore(database)
    votes = store.votes()
    assert sorted(v["helpful"] for v in votes) == [0, 1]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"language": "de"}, "language"),
        ({"page": "no/such/page/"}, "page"),
        ({"page": "../../etc/"}, "page"),
        ({"helpful": "maybe"}, "helpful"),
        ({"comment": "x" * 1001}, "comment"),
        ({"vote_id": "<script>"}, "vote_id"),
    ],
)
def test_invalid_votes_are_refused_field_by_field(endpoint, fields, field):
    url, database = endpoint
    response = vote(url, **fields)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert FeedbackStore(database).votes() == []


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"helpful": "forse"}, {"helpful": ["Inserisci un valore valido."]}),
        ({"page": "shipping/nowhere/"}, {"page": ["Inserisci un valore valido."]}),
        # A language the site does not have: said in the site's first one.
        ({"language": "de"}, {"language": ["Langue inconnue."]}),
        ({"language": None}, {"language": ["Langue inconnue."]}),
    ],
)
def test_a_refused_vote_says_why_in_the_readers_language(endpoint, fields, errors):
    url, _ = endpoint
    body = {"language": "it", "page": "shipping/tracking/", "helpful": "no", **fields}
    response = httpx.post(f"{url}/api/feedback", json={k: v for k, v in body.items() if v})
    assert (response.status_code, response.json()["errors"]) == (422, errors)


def test_a_comment_may_hold_several_lines(endpoint):
    url, database = endpoint
    comment = "Manca lo stato.\nE la data di consegna."
    assert vote(url, comment=comment).status_code == 201
    assert FeedbackStore(database).votes()[0]["comment"] == comment


def test_a_vote_without_javascript_returns_to_the_article_thanks(endpoint):
    url, _ = endpoint
    response = httpx.post(
        f"{url}/api/feedback",
        data={"language": "es", "page": "shipping/returns/", "helpful": "yes"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/es/shipping/returns/#feedback-thanks"


def test_search_gaps_are_stored_and_nothing_identifies_the_reader(endpoint):
    url, database = endpoint
    response = httpx.post(
        f"{url}/api/search-gaps",
        content=json.dumps(
            {
                "language": "es",
                "page": "",
                "queries": [
                    {"query": "aduanas", "results": 0},
                    {"query": "Aduana", "results": 0},
                    {"query": "etiqueta", "results": 3},
                ],
            }
        ),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 204
    stored = rows(database, "SELECT * FROM search_gaps")
    assert len(stored) == 3
    assert not {"ip", "address", "client", "user_agent"} & columns(database, "search_gaps")
    assert "127.0.0.1" not in json.dumps(stored)


def test_a_search_gaps_body_that_is_not_json_is_a_bad_request(endpoint):
    url, _ = endpoint
    assert httpx.post(f"{url}/api/search-gaps", content="not json").status_code == 400


def test_a_batch_holds_up_to_twenty_searches_of_a_character_or_more(endpoint):
    url, database = endpoint
    queries = [{"query": f"tariffa {n}", "results": 0} for n in range(19)]
    queries.append({"query": "€", "results": 0})
    body = {"language": "it", "page": "", "queries": queries}
    assert httpx.post(f"{url}/api/search-gaps", json=body).status_code == 204
    assert len(rows(database, "SELECT * FROM search_gaps")) == 20
    body["queries"] = [*queries, {"query": "una di troppo", "results": 0}]
    response = httpx.post(f"{url}/api/search-gaps", json=body)
    assert response.status_code == 422 and "queries" in response.json()["errors"]
    assert len(rows(database, "SELECT * FROM search_gaps")) == 20


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        json.dumps({"language": "es", "page": "", "queries": []}),
        json.dumps({"language": "es", "page": "", "queries": [{"query": "x" * 101, "results": 0}]}),
        json.dumps({"language": "es", "page": "", "queries": [{"query": "ok", "results": "0"}]}),
    ],
)
def test_invalid_search_gaps_are_refused(endpoint, body):
    url, _ = endpoint
    response = httpx.post(f"{url}/api/search-gaps", content=body)
    assert response.status_code == 422
    if body == "[]":
        assert response.json()["errors"] == {"body": ["Expected a JSON object."]}


def test_the_feedback_report_puts_the_least_helpful_first_with_translation_state(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite3")
    from helpcenter.feedback.store import Vote

    for helpful in (True, True, False):
        store.add_vote(Vote("fr", "shipping/returns/", helpful))
    store.add_vote(Vote("it", "shipping/tracking/", False, "Manca un esempio"))
    report = feedback_report(store, DOCS, LOCALES)
    assert [row["page"] for row in report] == ["shipping/tracking/", "shipping/returns/"]
    assert report[0]["helpful_ratio"] == 0 and report[0]["comments"] == ["Manca un esempio"]
    assert report[0]["translation"] in ("up to date", "outdated")
    assert report[1]["translation"] == "source"


def test_search_gaps_are_grouped_like_the_index_and_suggest_other_languages(tmp_path, site_dir):
    from helpcenter.feedback.store import SearchGap

    store = FeedbackStore(tmp_path / "db.sqlite3")
    store.add_search_gaps(
        [SearchGap("es", "", query, 0) for query in ("Aduanas", "aduana", "aduanas ", "EORI")]
    )
    store.add_search_gaps([SearchGap("it", "", "reclami", 2)])
    report = search_gaps_report(store, LOCALES, site_dir=site_dir)
    spanish = [row for row in report if row["language"] == "es"]
    assert spanish[0]["searches"] == 3 and spanish[0]["no_results"] == 3
    assert {row["query"] for row in spanish} >= {"EORI"}
    italian = [row for row in report if row["language"] == "it"]
    assert italian[0]["no_click"] == 1


def test_the_reports_cli_speaks_json(tmp_path, capsys, monkeypatch):
    database = tmp_path / "db.sqlite3"
    from helpcenter.feedback.store import Vote

    FeedbackStore(database).add_vote(Vote("es", "shipping/returns/", False, "Falta un ejemplo"))
    monkeypatch.chdir(PROJECT_ROOT)
    assert main(["feedback", "report", "--db", str(database), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["language"] == "es" and row["votes"] == 1
    assert main(["search-gaps", "report", "--db", str(database), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
