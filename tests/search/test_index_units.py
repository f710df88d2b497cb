"""The search index's parts, on pages of a few words: each page's terms, and the page a search
names for tools that read a built index."""

from __future__ import annotations

import json
import re

from helpcenter.search.analysis import Analyzer
from helpcenter.search.index import (
    TEXT_FILE_LENGTH,
    Counted,
    Page,
    SearchFiles,
    as_json,
    best_page,
    build_index,
    page_fields,
    searchable_page,
    text_files,
)

FRENCH = Analyzer("fr")


def test_a_page_s_fields_are_the_terms_of_its_title_headings_and_text():
    page = Page(
        "shipping/returns/",
        "Les retours",
        "Renvoyer un colis.",
        [("labels", "Étiquettes de retour"), ("fees", "Frais")],
        "Imprimez l'étiquette.",
    )
    assert page_fields(FRENCH, page) == {
        "title": ["retour"],  # `les` is a stop word
        "headings": ["etiquet", "retour", "frais"],
        "text": ["renvoi", "colis", "imprim", "etiquet"],  # the description and the body
    }


def test_a_page_s_empty_fields_have_no_terms():
    assert page_fields(FRENCH, Page("a/", "Suivi")) == {
        "title": ["suiv"],
        "headings": [],
        "text": [],
    }


def test_a_page_is_an_article_unless_said_to_be_a_category_s():
    article = searchable_page("account/plans/", "Offres", "", "<p>Texte.</p>")
    category = searchable_page("account/", "Compte", "", "<p>Texte.</p>", category=True)
    written_in = searchable_page("account/x/", "Offres", "", "<p>Text.</p>", language="en")
    docs = build_index("fr", [article, category, written_in])["docs"]
    assert docs[0] == ["account/plans/", "Offres", "Texte.", []]
    assert docs[1] == ["account/", "Compte", "Texte.", [], 1]
    assert docs[2] == ["account/x/", "Offres", "Text.", []]


def test_a_page_s_title_is_unescaped_and_its_description_on_one_line():
    page = searchable_page("a/", "Q&amp;R", "  Une description\n  sur deux   lignes. ", "<p>x</p>")
    assert (page.title, page.description) == ("Q&R", "Une description sur deux lignes.")


def test_a_text_as_long_as_a_summary_is_its_own_summary():
    exactly = "a" * 150 + " " + "b" * 9  # 160 characters
    assert Page("a/", "A", body=exactly).summary == exactly
    longer = exactly + "b"
    assert Page("a/", "A", body=longer).summary == "a" * 150 + " …"


def test_a_texts_file_is_full_at_its_length_not_before():
    bodies = ["a" * (TEXT_FILE_LENGTH - 1), "b", "c"]
    pages = [Page(f"{n}/", str(n), body=body) for n, body in enumerate(bodies)]
    assert [(first, texts) for first, texts in text_files(pages)] == [
        (0, [bodies[0], "b"]),
        (2, ["c"]),
    ]


def test_an_accentless_spelling_finds_the_stems_of_the_accented_ones():
    """`devolucion`, typed without its accent, finds `devoluciones` (stem `devolu`) too, whichever
    page of the site has the accented words."""
    pages = [
        Page("a/", "Devolución", body="Las devoluciones y la reclamación."),
        Page("b/", "Paquete", body="Correo."),
    ]
    expected = {"devolucion": ["devolu"], "reclamacion": ["reclam"]}
    assert build_index("es", pages)["accents"] == expected
    assert build_index("es", pages[::-1])["accents"] == expected
    assert build_index("es", pages[1:])["accents"] == {}


def test_the_index_counts_each_page_s_terms_in_each_field():
    """For each field (title, headings, text), each page's number of terms, stop words left out:
    what lunr's ranking weighs a match in a short field more with."""
    pages = [
        Page("a/", "Les retours", body="Renvoyer un colis."),
        Page("b/", "Suivi", headings=[("x", "Le transporteur")]),
    ]
    assert build_index("fr", pages)["lengths"] == [[1, 1], [0, 1], [2, 0]]


def test_a_language_with_no_translated_article_yet_searches_its_untranslated_ones():
    made = SearchFiles.of("de", [Page("fr/", "Titre", body="Texte.", language="fr")])
    index = json.loads(made.files[made.path])
    assert index["docs"] == []
    [fallback] = index["fallbacks"]
    assert fallback["language"] == "fr"
    french = json.loads(made.files[f"search/{fallback['index']}"])
    assert [doc[0] for doc in french["docs"]] == ["fr/"]


def terms(text: str) -> list[str]:
    return FRENCH.terms(text)


def test_the_best_page_counts_every_field_the_words_are_in():
    """A page with the words in its title and its text before one with them in its title only,
    wherever each comes in the site."""
    pages = [
        Page("a/", "Douane", body="Rien à déclarer."),
        Page("b/", "Douane", body="Les frais de douane."),
    ]
    assert best_page(build_index("fr", pages), terms("douane"))[0] == "b/"
    assert best_page(build_index("fr", pages[::-1]), terms("douane"))[0] == "b/"


def test_the_best_page_counts_every_word_searched():
    pages = [
        Page("a/", "Frais de douane", body="Payer les frais."),
        Page("b/", "Douane", body="Rien."),
    ]
    for order in (pages, pages[::-1]):
        assert best_page(build_index("fr", order), terms("frais douane"))[0] == "a/"


def test_of_pages_as_good_the_best_is_the_first_in_the_site():
    pages = [
        Page("a/", "Douane", body="Un texte."),
        Page("b/", "Douane", body="Un autre texte."),
        Page("c/", "Douane", body="Encore un texte."),
    ]
    assert best_page(build_index("fr", pages), terms("douane"))[0] == "a/"
    assert best_page(build_index("fr", pages[::-1]), terms("douane"))[0] == "c/"


def test_every_search_file_is_json_named_so():
    """The server gives each file the type its name says: an index, its texts, a fallback index."""
    pages = [Page("a/", "Titre", body="Texte."), Page("b/", "Title", body="Text.", language="en")]
    made = SearchFiles.of("fr", pages)
    assert sorted(re.sub(r"\.[0-9a-f]{10}\.", ".*.", path) for path in made.files) == [
        "search/fallback.*.json",
        "search/index.*.json",
        "search/text.*.json",
        "search/text.*.json",
    ]


def test_an_index_is_longer_than_a_limit_as_its_whole_file_would_be():
    """Whether a language's index is split is known without writing it whole."""
    pages = [
        Page("colis/", "Délai de livraison", "Le colis arrive.", [("suivi", "Suivi")], "Où ?"),
        Page("retours/", "Retours", body="Renvoyer un colis, renvoyer un colis."),
        Page("vide/", "Le"),  # no term in any field
    ]
    words, none = Counted.of("fr", pages), Counted.of("fr", pages[2:])
    assert none.terms == []
    for counted in (words, none):
        written = as_json(counted.whole(counted.terms))
        assert not counted.longer_than(counted.terms, len(written))
        assert counted.longer_than(counted.terms, len(written) - 1)
    # In bytes: `é` is two.
    assert words.longer_than(words.terms, len(as_json(words.whole(words.terms)).decode()))
