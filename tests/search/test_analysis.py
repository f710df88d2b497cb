"""The Python side of search analysis, word by word, in each language."""

from __future__ import annotations

import re
import unicodedata

import pytest

from helpcenter.search.analysis import (
    Analyzer,
    fold,
    mark_ranges,
    stemmer_available,
    stemmer_name,
    stop_words,
    words,
)
from helpcenter.search.stemmer import LUNR_LANGUAGES_DIR, lunr_code, lunr_language

# lunr-languages' Snowball (and Arabic, Hebrew, Greek) stemmers, as Material ships them.
STEMMING = ("ar", "da", "de", "el", "es", "fi", "fr", "he", "hu", "it", "nl", "no", "pt", "ro")
STEMMING += ("ru", "sv", "tr")


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


@pytest.mark.parametrize(
    ("locale", "code"),
    [
        ("de", "de"),
        ("pt_BR", "pt"),
        ("pt-BR", "pt"),
        ("pt-br", "pt"),
        ("nb", "no"),
        ("nn", "no"),
        ("nb_NO", "no"),
        ("en_GB", "en"),
        ("zh_Hant_TW", "zh"),
        ("sr_Latn", "sr"),
    ],
)
def test_a_locale_is_its_babel_language_in_lunr_code(locale, code):
    assert lunr_code(locale) == code


@pytest.mark.parametrize("locale", [*STEMMING, "en", "en_US", "pt_BR", "nb", "nn", "de-AT"])
def test_every_language_lunr_can_stem_is_stemmed(locale):
    code = lunr_code(locale)
    assert stemmer_name(locale) == code
    assert stemmer_available(locale)
    assert Analyzer(locale).stems


@pytest.mark.parametrize(
    "locale",
    # Scripts that need a word segmenter the site does not load (ja, th, hi, ta, te, kn, sa),
    # lunr-languages without a stemmer in their pipeline (ko, hy, vi), one that leaves tokens
    # alone (zh), and languages lunr-languages does not have at all.
    ["ja", "th", "hi", "ta", "te", "kn", "sa", "ko", "hy", "vi", "zh", "pl", "cs", "xx", "../de"],
)
def test_a_language_lunr_cannot_stem_has_no_stemmer(locale):
    assert stemmer_name(locale) is None
    assert not stemmer_available(locale)
    assert not Analyzer(locale).stems


def test_every_lunr_language_on_disk_is_classified():
    """A new lunr-languages file (a Material upgrade) is either a stemmer or knowingly not."""
    codes = {path.name.split(".")[1] for path in LUNR_LANGUAGES_DIR.glob("lunr.*.min.js")}
    codes -= {"du"}  # lunr-languages' old name for Dutch (nl), which only warns that it is
    stemming = {code for code in codes if stemmer_name(code)}
    assert stemming == set(STEMMING)
    assert codes - stemming <= {
        *("ja", "jp", "th", "hi", "ta", "te", "kn", "sa", "ko", "hy", "vi", "zh"),
        *("multi", "stemmer"),  # lunr.multi.min.js, lunr.stemmer.support.min.js: no language
    }


def test_a_language_without_stemmer_is_searched_by_its_words_as_written():
    analyzer = Analyzer("pl")
    assert analyzer.stemmer_name is None
    assert analyzer.stop_words == frozenset()  # lunr has no Polish list either
    assert analyzer.terms("Zamówienia, zamówienie i faktury") == [
        "zamowienia",
        "zamowienie",
        "i",
        "faktury",
    ]
    assert analyzer.terms("zamowienia") == analyzer.terms("Zamówienia")


def test_a_language_without_stemmer_still_drops_lunrs_stop_words():
    analyzer = Analyzer("ko")
    assert not analyzer.stems
    assert "그리고" in analyzer.stop_words
    assert analyzer.terms("계정 그리고 주문") == ["계정", "주문"]


@pytest.mark.parametrize(
    ("language", "stop", "kept"),
    [
        ("de", "und der die das ist nicht", "Konto Rechnung"),
        ("nl", "de het een en niet", "factuur bestelling"),
        ("pt", "o a os de e não", "fatura encomenda"),
        ("en", "the a of and is not", "invoice parcel"),
        ("ar", "في من على إلى هذا", "حساب فاتورة"),
        ("sv", "och att det som", "faktura"),
        ("ru", "и в не что", "счёт"),
    ],
)
def test_stop_words_are_lunrs_own(language, stop, kept):
    analyzer = Analyzer(language)
    assert {fold(word) for word in lunr_language(language).stop_words} >= {
        fold(word) for word in stop.split()
    }
    assert analyzer.kept_words(f"{stop} {kept}") == words(kept)


@pytest.mark.parametrize(
    ("language", "text", "terms"),
    [
        ("fr", "jusqu'à lorsqu'il puisqu'elle quoiqu'on", []),
        ("fr", "qu'un colis", ["colis"]),
        ("it", "quest'anno quell'ordine", ["anno", "ordin"]),
        ("it", "d'Italia nell'ordine sull'etichetta", ["ital", "ordin", "etichett"]),
    ],
)
def test_elided_articles_are_dropped_with_lunrs_stop_words(language, text, terms):
    assert Analyzer(language).terms(text) == terms


def test_stop_words_are_folded_and_without_blanks():
    for language in ("fr", "es", "it", "de", "pt", "ar", "en", "ko"):
        assert all(word and word == fold(word) for word in stop_words(language)), language


def test_words_keep_their_combining_marks():
    assert words("الْكِتَابُ، كِتَابٌ") == ["الْكِتَابُ", "كِتَابٌ"]
    assert words("हिन्दी खाता") == ["हिन्दी", "खाता"]


def test_every_letter_digit_and_mark_is_in_a_word_and_nothing_else():
    """What separates words is what the browser's `[^\\p{L}\\p{M}\\p{N}]` matches (letters and
    digits as Python knows them), within the BMP and beyond it."""
    misplaced = []
    for code in [*range(0x20000), *range(0xE0000, 0xE1000)]:
        char = chr(code)
        if unicodedata.normalize("NFC", char.lower()) != char:
            continue  # another character by the time words are cut
        in_words = char.isalnum() or unicodedata.category(char).startswith("M")
        if len(words(f"a{char}b")) != (1 if in_words else 2):
            misplaced.append(f"U+{code:04X}")
    assert misplaced == []


def test_fold_drops_harakat():
    assert fold("الْكِتَابُ") == "الكتاب"


def test_fold_keeps_hangul_syllables_whole():
    assert fold("계정을") == "계정을"


@pytest.mark.parametrize(
    ("language", "query", "indexed"),
    [
        ("de", "Rechnungen", "Rechnung"),
        ("de", "Bestellungen", "Bestellung"),
        ("de", "Rücksendungen", "rucksendung"),
        ("nl", "facturen", "factuur"),
        ("nl", "bestellingen", "bestelling"),
        ("pt", "encomendas", "encomenda"),
        ("pt", "configurações", "configuração"),
        ("ar", "الحسابات", "حساب"),
        ("ar", "بالفاتورة", "فاتورة"),
        ("ar", "والطلبات", "طلب"),
        ("ar", "الْحِسَابُ", "حساب"),
        ("en", "shipped", "shipping"),
        ("en", "invoices", "invoice"),
        ("en", "cancelled", "cancel"),
    ],
)
def test_an_inflected_word_shares_a_term_with_its_indexed_form(language, query, indexed):
    analyzer = Analyzer(language)
    assert set(analyzer.terms(query)) & set(analyzer.terms(indexed)), (
        analyzer.terms(query),
        analyzer.terms(indexed),
    )


@pytest.mark.parametrize(
    ("first", "last"),
    [(0x300, 0x36F), (0x0, 0x5FF), (0x900, 0x97F), (0x1AB0, 0x1DFF), (0x1D165, 0x1D1AD)],
)
def test_mark_ranges_hold_the_combining_marks_between_their_bounds_and_nothing_else(first, last):
    marks = re.compile(f"[{mark_ranges(first, last)}]")
    for code in range(max(first - 40, 0), last + 41):
        is_mark = unicodedata.category(chr(code))[0] == "M" and first <= code <= last
        assert bool(marks.fullmatch(chr(code))) == is_mark, hex(code)


def test_mark_ranges_stop_at_their_last_bound_within_a_run_of_marks():
    """U+0300 to U+036F are all combining marks: a set up to U+030F leaves U+0310 out."""
    marks = re.compile(f"[{mark_ranges(0x301, 0x30F)}]")
    assert [bool(marks.fullmatch(chr(code))) for code in (0x300, 0x301, 0x30F, 0x310)] == [
        False,
        True,
        True,
        False,
    ]
