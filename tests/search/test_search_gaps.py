"""The search-gaps report reads the built indexes to suggest the article another language has."""

from __future__ import annotations

from helpcenter.feedback.reports import SiteIndexes
from helpcenter.search.index import SearchFiles, searchable_page


def test_a_suggestion_may_be_a_category_s_page_and_never_an_untranslated_article(tmp_path):
    french = [
        searchable_page("account/", "Compte et abonnement", "", "<p>Tout.</p>", category=True),
        searchable_page("shipping/customs/", "Documents douaniers", "", "<p>Douane.</p>"),
    ]
    spanish = [
        searchable_page("account/", "Cuenta", "", "<p>Todo.</p>", category=True),
        searchable_page(
            "shipping/customs/", "Documents douaniers", "", "<p>Douane.</p>", False, "fr"
        ),
    ]
    for locale, pages in (("fr", french), ("es", spanish)):
        made = SearchFiles.of(locale, pages)
        for path, content in made.files.items():
            (tmp_path / locale / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / locale / path).write_bytes(content)
    indexes = SiteIndexes(tmp_path, ("fr", "es"))
    assert indexes.best_match("compte", "fr") == {
        "language": "fr",
        "title": "Compte et abonnement",
        "page": "account/",
    }
    # Spanish shows the customs article untranslated: its own index does not have it.
    assert indexes.best_match("douane", "es") is None
    assert indexes.best_match("douane", "fr")["page"] == "shipping/customs/"
