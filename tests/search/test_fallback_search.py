"""The search worker in Node: results quote their text, and a language that finds few articles
also searches the untranslated articles it shows, as the language they are written in, loading
their index (and its stemmer) only then."""

from __future__ import annotations

from dataclasses import replace

from helpcenter.search.analysis import Analyzer
from helpcenter.search.index import Page, SearchFiles, analyse_now
from tests.search.node import run_engine, search_files

# Spanish pages: `paquete` in five of them, `devolución` in one.
SPANISH = [
    Page(f"shipping/page-{n}/", f"Paquete {n}", "Un envío.", [], "Un paquete por correo.")
    for n in range(5)
] + [Page("shipping/returns/", "Devoluciones", "", [], "Una declaración de aduanas.")]
# Untranslated French articles the Spanish site shows.
FRENCH = [
    Page(
        "shipping/customs/",
        "Documents douaniers",
        "Quand une déclaration en douane est nécessaire.",
        [("eori", "Le numéro EORI")],
        "Pour tout envoi vers un pays hors de l'Union européenne, une déclaration décrit le "
        "contenu du colis. Enregistrez le code SH de chaque article une fois pour toutes : "
        "Colisto le reprendra à chaque envoi, et votre numéro EORI aussi.",
        language="fr",
    ),
    Page("account/team/", "Équipe", "Inviter vos collègues.", [], "Des rôles.", language="fr"),
]


def spanish_search(
    queries: list[str], failing: list[str] = (), **options
) -> tuple[dict, dict, dict]:
    index, files = search_files("es", SPANISH + FRENCH)
    [fallback] = index["fallbacks"]
    names = {"fallback": fallback["index"], "stemmer": fallback["scripts"][0]}
    failing = [names.get(name, name) for name in failing]
    found = run_engine(
        "es",
        index,
        queries=[(query, 10, options) for query in queries],
        files=files,
        failing=failing,
    )
    return found, names, files


def test_a_word_only_an_untranslated_article_has_finds_it_with_its_language():
    found, _, _ = spanish_search(["douane ", "EORI "])
    for answer in found["answers"]:
        assert answer["total"] == 1
        [article] = answer["articles"]
        assert article["location"] == "shipping/customs/"
        assert article["language"] == "fr"


def test_the_untranslated_articles_are_searched_as_the_language_they_are_written_in():
    # `pays` is `pay` in French; as Spanish, `pays`, which the French index does not have (and
    # too short a word to be guessed at).
    assert Analyzer("es").terms("pays") == ["pays"] and Analyzer("fr").terms("pays") == ["pay"]
    found, _, _ = spanish_search(["pays "])
    assert found["results"] == [["shipping/customs/"]]


def test_they_come_after_the_languages_own_articles_and_count_in_the_total():
    found, _, _ = spanish_search(["declaración "])
    assert found["results"] == [["shipping/returns/", "shipping/customs/"]]
    assert found["answers"][0]["total"] == 2
    assert [article.get("language") for article in found["answers"][0]["articles"]] == [
        None,
        "fr",
    ]


def test_their_index_and_stemmer_load_only_when_the_language_finds_few_and_once():
    found, names, _ = spanish_search(["paquete ", "douane ", "eori ", "paquete "])
    assert found["results"][0] == [f"shipping/page-{n}/" for n in range(5)]
    fallback_loads = [
        [name for name in loaded if name in names.values()] for loaded in found["loaded"]
    ]
    assert fallback_loads == [
        [],  # five Spanish articles: enough
        [names["fallback"], names["stemmer"]],
        [names["fallback"], names["stemmer"]],  # not again
        [names["fallback"], names["stemmer"]],
    ]
    assert found["results"][3] == found["results"][0]  # and not searched when not needed


def test_a_search_may_leave_the_untranslated_articles_out():
    """The contact form's suggestions: no label there says an article's language."""
    found, names, _ = spanish_search(["declaración ", "douane "], fallbacks=False)
    assert found["results"] == [["shipping/returns/"], []]
    assert names["fallback"] not in found["loaded"][-1]


def test_a_fallback_index_that_cannot_load_leaves_the_languages_own_results():
    for failing in (["fallback"], ["stemmer"]):
        found, _, _ = spanish_search(["declaración ", "douane "], failing=failing)
        assert found["results"] == [["shipping/returns/"], []], failing
        assert [answer["total"] for answer in found["answers"]] == [1, 0]


def test_a_result_that_matched_only_in_its_text_quotes_it_in_the_last_answer():
    found, _, files = spanish_search(["correo ", "numéro ", "code sh "])
    # The language's own: five articles, `correo` only in their text.
    assert [article["snippet"] for article in found["answers"][0]["articles"]] == [
        "Un paquete por correo."
    ] * 5
    found["answers"] = found["answers"][1:]
    found["loaded"] = found["loaded"][1:]
    # In a heading: the section says it, no passage, no text file needed.
    [eori] = found["answers"][0]["articles"]
    assert eori["section"] == ["eori", "Le numéro EORI"] and eori["snippet"] is None
    # Only in the text: the passage, the French texts' file loaded for it.
    [customs] = found["answers"][1]["articles"]
    assert customs["snippet"].startswith("… ") and "le code SH de chaque" in customs["snippet"]
    assert {"code", "SH"} <= set(customs["words"])
    [french_texts] = [name for name in files if name[:5] == "text." and "EORI" in str(files[name])]
    assert french_texts in found["loaded"][1]
    assert french_texts not in found["loaded"][0]


def test_the_preview_analysing_pages_as_they_are_converted_writes_the_builds_search_files():
    # The preview analyses each page as MkDocs converts it (`analyse_now`, in the build's
    # language), an untranslated one in its own: its search files are the full build's.
    early = [replace(page) for page in SPANISH + FRENCH]
    for page in early:
        analyse_now(page, "es")
    assert SearchFiles.of("es", early).files == SearchFiles.of("es", SPANISH + FRENCH).files
