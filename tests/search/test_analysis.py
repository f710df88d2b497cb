"""The Python side of search analysis, word by word, in each language."""

from __future__ import annotations

import pytest

from helpcenter.search.analysis import Analyzer, fold, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Réclamation", "reclamation"),
        ("ÉTIQUETTES", "etiquettes"),
        ("Œuvre", "oeuvre"),
        ("envío", "envio"),
        ("più", "piu"),
    ],
)
def test_fold_lowercases_and_removes_accents_and_ligatures(text, folded):
    assert fold(text) == folded


def test_words_split_on_apostrophes_hyphens_and_punctuation():
    assert words("L'abonnement d’expédition, pré-payé!") == [
        "l",
        "abonnement",
        "d",
        "expédition",
        "pré",
        "payé",
    ]


@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [
        ("fr", "l'abonnement", ["abon"]),
        ("fr", "d'expédition", ["expedit"]),
        ("fr", "Les étiquettes et l'étiquette", ["etiquet", "etiquet"]),
        ("fr", "réclamation", ["reclam"]),
        ("fr", "reclamation", ["reclam"]),
        ("es", "Las etiquetas", ["etiquet"]),
        ("es", "etiqueta", ["etiquet"]),
        ("es", "la reclamación", ["reclamacion", "reclam"]),
        ("es", "envíos y envio", ["envi", "envi"]),
        ("it", "dell'account", ["account"]),
        ("it", "un'etichetta", ["etichett"]),
        ("it", "le spedizioni della settimana", ["spedizion", "settiman"]),
        ("it", "l'indirizzo", ["indirizz"]),
    ],
)
def test_terms_drop_elisions_and_stop_words_and_stem(language, text, terms):
    assert Analyzer(language).terms(text) == terms


@pytest.mark.parametrize("language", ["fr", "es", "it"])
def test_a_word_typed_without_accents_finds_the_accented_word(language):
    analyzer = Analyzer(language)
    for word in ["réclamation", "expédié", "envío", "facturación", "città", "élève", "devolución"]:
        assert set(analyzer.terms(fold(word))) <= set(analyzer.terms(word)), word


def test_a_spanish_singular_with_its_accent_finds_the_plural():
    analyzer = Analyzer("es")
    for singular, plural in [("reclamación", "reclamaciones"), ("devolución", "devoluciones")]:
        assert set(analyzer.terms(singular)) & set(analyzer.terms(plural))


@pytest.mark.parametrize("language", ["fr", "es", "it"])
def test_stop_words_are_dropped(language):
    only_stop_words = {"fr": "le la les de du des et", "es": "el la los de y", "it": "il la di e"}
    assert Analyzer(language).terms(only_stop_words[language]) == []


def test_an_unknown_language_is_refused_clearly():
    with pytest.raises(ValueError, match=r"no analysis for language 'de'"):
        Analyzer("de")
