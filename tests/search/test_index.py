"""The search index file, built in Python: what a page gives to search, and the postings."""

from __future__ import annotations

import json
import re

import pytest

from helpcenter.search.analysis import Analyzer
from helpcenter.search.index import (
    Page,
    SearchFiles,
    best_page,
    build_index,
    decode_postings,
    encode_postings,
    searchable_page,
    text_files,
)
from helpcenter.search.stemmer import LUNR_LANGUAGES_DIR
from tests.search.node import engine_script

ARTICLE = """
<p>Imprimez l&#39;étiquette <a class="headerlink" href="#x">¶</a> depuis le tableau de bord.</p>
<h2 id="formats">Formats d'étiquette<a class="headerlink" href="#formats">¶</a></h2>
<p>A6 ou A4.</p><svg><text>dessin</text></svg><script>var douane = 1;</script>
<h3 id="zebra">Imprimantes <em>thermiques</em></h3><ul><li>Zebra</li><li>Dymo</li></ul>
<h2>Sans ancre</h2>
"""


def test_a_page_gives_its_text_and_the_headings_a_link_can_reach():
    page = searchable_page("shipping/labels/", "Étiquettes", "", ARTICLE)
    assert page.headings == [
        ("formats", "Formats d'étiquette"),
        ("zebra", "Imprimantes thermiques"),
    ]
    assert page.body == (
        "Imprimez l'étiquette depuis le tableau de bord. A6 ou A4. Zebra Dymo Sans ancre"
    )
    assert "douane" not in page.text and "dessin" not in page.text


def test_the_summary_is_the_description_or_the_start_of_the_text():
    described = searchable_page("a/", "A", "Une description écrite pour ce résumé.", ARTICLE)
    assert described.summary == "Une description écrite pour ce résumé."
    long_text = searchable_page("b/", "B", "", "<p>" + "mot " * 100 + "</p>")
    assert long_text.summary.endswith(" …") and len(long_text.summary) <= 162


def test_postings_are_gaps_with_frequencies_and_come_back_whole():
    documents = {0: 1, 3: 2, 4: 1, 40: 5}
    assert encode_postings(documents) == [0, -2, 2, 0, -5, 35]
    assert decode_postings(encode_postings(documents)) == documents


def test_the_best_page_has_the_words_in_its_title_before_its_text():
    pages = [
        searchable_page("tracking/", "Suivi des colis", "", "<p>Les retours se suivent aussi.</p>"),
        searchable_page("returns/", "Retours", "", "<p>Renvoyer un colis.</p>"),
    ]
    data = build_index("fr", pages)
    terms = Analyzer("fr").terms
    assert best_page(data, terms("retour"))[0] == "returns/"
    assert best_page(data, terms("suivi"))[0] == "tracking/"
    assert best_page(data, terms("inconnu")) is None


def test_the_index_names_the_stemmer_its_terms_were_made_with():
    pages = [searchable_page("a/", "Title", "", "<p>Text</p>")]
    assert build_index("de", pages)["stemmer"] == "de"
    assert build_index("pt_BR", pages)["stemmer"] == "pt"
    assert build_index("en", pages)["stemmer"] == "en"
    assert build_index("pl", pages)["stemmer"] is None


def test_terms_are_in_javascripts_order_which_lunrs_token_set_needs():
    """By UTF-16 code units: a character beyond U+FFFF comes before U+E000 to U+FFFF."""
    data = build_index("pl", [Page("a/", "ﬁle 𝐀𝐁𝐂 zebra")])
    assert data["terms"] == ["zebra", "𝐀𝐁𝐂", "ﬁle"]


def spanish_site() -> list[Page]:
    """A Spanish help center that shows a French article it has no translation of."""
    return [
        Page("shipping/tracking/", "Seguimiento de un paquete", "", [], "Llega por correo."),
        Page("shipping/returns/", "Devoluciones", "", [], "Fuera de la Unión: aduanas."),
        Page(
            "shipping/customs/",
            "Documents douaniers",
            "Quand une déclaration en douane est nécessaire.",
            [("eori", "Le numéro EORI")],
            "Pour tout envoi vers un pays hors de l'Union européenne.",
            language="fr",
        ),
    ]


def files_of(made: SearchFiles) -> dict[str, dict | list]:
    """The files by their name below `search/`, where the index names them."""
    assert all(path.startswith("search/") for path in made.files)
    return {path.removeprefix("search/"): json.loads(made.files[path]) for path in made.files}


def test_untranslated_articles_have_an_index_of_their_own_analysed_as_their_language():
    made = SearchFiles.of("es", spanish_site())
    files = files_of(made)
    index = files[made.path.removeprefix("search/")]
    assert [doc[0] for doc in index["docs"]] == ["shipping/tracking/", "shipping/returns/"]
    assert "douan" not in index["terms"]
    [fallback] = index["fallbacks"]
    assert fallback["language"] == "fr"
    assert re.fullmatch(r"fallback\.[0-9a-f]{10}\.json", fallback["index"])
    # The French stemmer is the only script the Spanish engine lacks.
    assert fallback["scripts"] == ["../assets/javascripts/lunr/min/lunr.fr.min.js"]
    french = files[fallback["index"]]
    assert french["language"] == "fr" and french["stemmer"] == "fr"
    assert french["stopWords"] == sorted(Analyzer("fr").stop_words)
    # Found at its address in the reader's language; its words analysed as French (`pays`: `pay`).
    assert [doc[0] for doc in french["docs"]] == ["shipping/customs/"]
    assert {"pay", "douan", "declar", "eori"} <= set(french["terms"])
    assert "fallbacks" not in french


def test_each_language_untranslated_articles_are_written_in_has_an_index():
    """In the order of their codes: the same pages always make the same files."""
    languages = ["it", "de", "nl", "pt", "es", "en"]
    pages = [Page("a/", "Titre", body="Texte.")]
    pages += [Page(f"{code}/", code, body="Text.", language=code) for code in languages]
    pages.append(Page("en-2/", "Two", body="More text.", language="en"))
    made = SearchFiles.of("fr", pages)
    files = files_of(made)
    fallbacks = files[made.path.removeprefix("search/")]["fallbacks"]
    assert [fallback["language"] for fallback in fallbacks] == sorted(languages)
    documents = {f["language"]: [doc[0] for doc in files[f["index"]]["docs"]] for f in fallbacks}
    assert documents["en"] == ["en/", "en-2/"] and documents["it"] == ["it/"]


def test_a_language_without_untranslated_articles_has_no_fallback_index():
    made = SearchFiles.of("fr", [Page("a/", "Titre", body="Texte.")])
    files = files_of(made)
    assert files[made.path.removeprefix("search/")]["fallbacks"] == []
    assert sorted(name.split(".")[0] for name in files) == ["index", "text"]


@pytest.mark.parametrize(
    ("language", "source", "scripts"),
    [
        ("es", "fr", ["lunr.fr.min.js"]),
        ("en", "fr", ["lunr.stemmer.support.min.js", "lunr.fr.min.js"]),  # lunr.js's stemmer
        ("pl", "de", ["lunr.stemmer.support.min.js", "lunr.de.min.js"]),  # no stemmer at all
        ("fr", "en", []),  # lunr.js's own
        ("fr", "pl", []),  # none to load
    ],
)
def test_a_fallback_index_names_the_stemmer_scripts_the_language_lacks(language, source, scripts):
    pages = [Page("a/", "A", body="a"), Page("b/", "B", body="b", language=source)]
    made = SearchFiles.of(language, pages)
    files = files_of(made)
    [fallback] = files[made.path.removeprefix("search/")]["fallbacks"]
    assert fallback["scripts"] == [f"../assets/javascripts/lunr/min/{name}" for name in scripts]
    for script in fallback["scripts"]:
        assert (LUNR_LANGUAGES_DIR / script.rsplit("/", 1)[1]).is_file()


def test_texts_are_in_files_of_bounded_length_every_page_in_one():
    bodies = ["a" * 9_000, "b" * 9_000, "c" * 3_000, "d" * 25_000, "e" * 10]
    pages = [Page(f"p{n}/", f"P{n}", body=body) for n, body in enumerate(bodies)]
    assert [(first, [len(text) for text in texts]) for first, texts in text_files(pages)] == [
        (0, [9_000, 9_000, 3_000]),  # 21 000 characters: the file is full
        (3, [25_000]),  # a longer text alone
        (4, [10]),
    ]
    exactly = [Page("a/", "A", body="a" * 20_000), Page("b/", "B", body="b")]
    assert [first for first, _ in text_files(exactly)] == [0, 1]
    made = SearchFiles.of("fr", pages)
    files = files_of(made)
    index = files[made.path.removeprefix("search/")]
    assert [first for first, _ in index["texts"]] == [0, 3, 4]
    quoted = [text for _, name in index["texts"] for text in files[name]]
    assert quoted == bodies
    assert text_files([]) == []


def test_the_texts_are_the_pages_bodies_without_headings_or_description():
    page = searchable_page("shipping/labels/", "Étiquettes", "Un résumé.", ARTICLE)
    made = SearchFiles.of("fr", [page])
    files = files_of(made)
    [[first, name]] = files[made.path.removeprefix("search/")]["texts"]
    assert first == 0
    assert files[name] == [page.body]
    assert "Formats" not in page.body and "résumé" not in page.body


def test_search_files_are_named_after_their_content():
    first = SearchFiles.of("es", spanish_site())
    assert SearchFiles.of("es", spanish_site()) == first
    changed = spanish_site()
    changed[2].body += " Les îles Canaries."
    other = SearchFiles.of("es", changed)
    # The French texts changed: so did their file, the French index naming it, and the index.
    assert other.path != first.path
    assert len(set(other.files) - set(first.files)) == 3
    assert re.fullmatch(r"search/index\.[0-9a-f]{10}\.json", other.path)
    # Compact JSON, in UTF-8 as written: every byte is downloaded.
    for content in other.files.values():
        assert b'": ' not in content and b"\\u" not in content
        assert json.loads(content) is not None


def test_a_page_says_the_language_it_is_written_in_when_not_its_index_s():
    assert searchable_page("a/", "Titre", "", "<p>Texte</p>").language is None
    assert searchable_page("a/", "Titre", "", "<p>Texte</p>", language="fr").language == "fr"


def test_the_best_page_is_an_article_before_a_category_s_page():
    pages = [
        searchable_page("account/", "Compte et abonnement", "", "<p>Tout sur le compte.</p>", True),
        searchable_page("account/plans/", "Changer d'offre", "", "<p>Votre abonnement.</p>"),
    ]
    data = build_index("fr", pages)
    terms = Analyzer("fr").terms
    assert best_page(data, terms("abonnement"))[0] == "account/plans/"
    assert best_page(data, terms("compte"))[0] == "account/"  # the only page that has it


def test_the_search_worker_script_keeps_lunrs_licence_but_not_its_documentation():
    script = engine_script("fr")
    assert "Copyright (C) 2020 Oliver Nightingale" in script and "@license MIT" in script
    assert "@param" not in script and "lunr.Index.prototype.query = function" in script
