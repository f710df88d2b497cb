"""The search index file, built in Python: what a page gives to search, and the postings."""

from __future__ import annotations

from helpcenter.search.analysis import Analyzer
from helpcenter.search.index import (
    Page,
    best_page,
    build_index,
    decode_postings,
    encode_postings,
    searchable_page,
)

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
