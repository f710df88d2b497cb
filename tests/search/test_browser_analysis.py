"""The browser's side of search, in Node: the engine script as the site ships it, in a worker.

The build and the browser must analyse every word identically (a query finds only the terms the
index has), in any language: the build with lunr's stemmers in Duktape, the browser with the same
scripts in its own engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpcenter.search.analysis import Analyzer, fold, words
from helpcenter.search.browser import engine_scripts
from helpcenter.search.index import Page, build_index
from helpcenter.search.stemmer import LUNR_LANGUAGES_DIR, lunr_language
from tests.search.node import run_engine

VOCABULARIES = Path(__file__).with_name("vocabulary")
# A little of many scripts, with their marks: any language's engine must analyse it as the build.
SCRIPTS_SAMPLE = [
    "Ελληνικά: λογαριασμός, λογαριασμοί, ΠΛΗΡΩΜΉ, πληρωμές",
    "Русский: счёт, счета, счетов, доставка, доставки",
    "हिन्दी: खाता, खाते, भुगतान, पैकेट",
    "עברית: חשבון, החשבונות, משלוחים, הזמנה",
    "한국어: 계정을, 주문, 배송이",
    "ไทย: บัญชี การจัดส่ง",
    "日本語: アカウント、配送、ご注文",
    "Türkçe: hesap, hesaplar, İade, ığdır, şişe",
    "Tiếng Việt: tài khoản, giao hàng",
    "Mixed: e-mail, co-op, 3D, l'œuvre, Æsir, naïve, Straße, ﬁle, 𝐀𝐁𝐂, ①②",
]


def vocabulary(language: str) -> list[str]:
    lines = (VOCABULARIES / f"{language}.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def texts_of(lines: list[str]) -> list[str]:
    """Each line, and each word of it as written and without its accents (as a reader types)."""
    found = {word for line in lines for word in words(line)}
    as_written = {word for line in lines for word in line.replace(",", " ").split()}
    return sorted(set(lines) | found | as_written | {fold(word) for word in found})


def index_of(language: str, lines: list[str]) -> dict:
    return build_index(language, [Page("vocabulary/", lines[0], "", [], " ".join(lines))])


def assert_same_analysis(language: str, lines: list[str]) -> None:
    texts = texts_of(lines)
    analyzer = Analyzer(language)
    expected = [analyzer.terms(text) for text in texts]
    browser = run_engine(language, index_of(language, lines), texts, [(lines[0], 10)])
    assert browser["stems"] == analyzer.stems
    assert browser["results"] == [["vocabulary/"]]  # the engine's own analysis finds it too
    differences = [
        (text, python, actual)
        for text, python, actual in zip(texts, expected, browser["terms"], strict=True)
        if python != actual
    ]
    assert differences == []


@pytest.mark.parametrize("language", ["de", "nl", "pt", "ar", "en", "pl"])
def test_browser_and_build_analyse_a_vocabulary_identically(language):
    lines = vocabulary(language)
    assert len({word for line in lines for word in words(line)}) >= 200
    assert_same_analysis(language, lines)


def lunr_languages() -> list[str]:
    on_disk = {path.name.split(".")[1] for path in LUNR_LANGUAGES_DIR.glob("lunr.*.min.js")}
    return [*sorted(on_disk - {"multi", "stemmer", "jp", "du"}), "en", "pt_BR", "nb", "pl"]


@pytest.mark.parametrize("language", lunr_languages())
def test_browser_and_build_analyse_every_language_identically(language):
    """Every language Material's lunr-languages has, with or without a stemmer, on its own stop
    words (real words of the language) and a sample of many scripts."""
    stop_words = list(lunr_language(language).stop_words)
    assert_same_analysis(language, [*SCRIPTS_SAMPLE, " ".join(stop_words), *stop_words])


def pages(*titles: str) -> list[Page]:
    return [Page(f"page-{number}/", title, "", [], title) for number, title in enumerate(titles)]


@pytest.mark.parametrize(
    ("language", "indexed", "other", "query"),
    [
        ("de", "Eine Rechnung herunterladen", "Ein Paket verfolgen", "Rechnungen"),
        ("de", "Ihre Bestellung ändern", "Ein Paket verfolgen", "bestellungen"),
        ("nl", "Een factuur downloaden", "Een pakket volgen", "facturen"),
        ("nl", "Uw bestelling wijzigen", "Een pakket volgen", "bestellingen "),
        ("pt", "Alterar uma encomenda", "Imprimir a etiqueta", "encomendas "),
        ("ar", "إنشاء حساب جديد", "تتبع الطرد", "الحسابات "),
        ("ar", "تحميل فاتورة", "تتبع الطرد", "بالفاتورة "),
        ("ar", "إلغاء طلب", "تتبع الطرد", "والطلبات "),
        ("ar", "الْحِسَابُ وَالْأَمَانُ", "تتبع الطرد", "حساب "),
        ("en", "Shipping a parcel abroad", "Downloading an invoice", "shipped "),
        ("en", "Downloading an invoice", "Shipping a parcel abroad", "invoices "),
        ("en", "Cancel your plan", "Shipping a parcel abroad", "cancelled "),
    ],
)
def test_an_inflected_query_finds_the_indexed_form_in_the_browser(language, indexed, other, query):
    """The query as typed in the search box (a trailing space: the word is complete, so no
    completion helps), found through the stemmer both sides share."""
    index = build_index(language, pages(other, indexed))
    found = run_engine(language, index, queries=[(query, 10)])["results"][0]
    assert found == ["page-1/"]


def test_a_language_without_stemmer_finds_its_words_as_written_and_without_accents():
    index = build_index("pl", pages("Śledzenie przesyłki", "Zwrot zamówienia"))
    assert index["stemmer"] is None and index["stopWords"] == []
    queries = [("zamówienia ", 10), ("zamowienia ", 10), ("przesył", 10), ("faktura ", 10)]
    found = run_engine("pl", index, queries=queries)["results"]
    assert found == [["page-1/"], ["page-1/"], ["page-0/"], []]


@pytest.mark.parametrize(
    ("language", "scripts"),
    [
        ("de", ["lunr.stemmer.support.min.js", "lunr.de.min.js"]),
        ("pt_BR", ["lunr.stemmer.support.min.js", "lunr.pt.min.js"]),
        ("nb", ["lunr.stemmer.support.min.js", "lunr.no.min.js"]),
        ("ar", ["lunr.stemmer.support.min.js", "lunr.ar.min.js"]),
        ("en", []),  # lunr.js's own stemmer
        ("pl", []),
        ("ja", []),  # would throw without its segmenter, and stop the worker's whole script
        ("hi", []),
    ],
)
def test_the_engine_script_has_the_stemmer_the_index_names_and_nothing_else(language, scripts):
    lunr_scripts = [path.rsplit("/", 1)[1] for path in engine_scripts(language) if "/min/" in path]
    assert lunr_scripts == scripts
    assert build_index(language, [])["stemmer"] == lunr_language(language).stemmer
