"""A language's index split into shards (`search.shard_kb`) finds what the whole index finds,
with the same lunr scores, while the browser loads only the shards a search needs."""

from __future__ import annotations

import json
import random
from bisect import bisect_right
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from bench.generate import harvest
from helpcenter.feedback.reports import SiteIndexes
from helpcenter.search import index as index_module
from helpcenter.search.analysis import Analyzer, fold, stop_words, words
from helpcenter.search.browser import LUNR_CORE, LUNR_CORE_SITE_PATH, engine_scripts
from helpcenter.search.index import (
    FIRST_RESULTS,
    SPLIT_TEXT_FILE_LENGTH,
    Counted,
    Page,
    SearchFiles,
    as_json,
    covering,
    cut,
    joined,
)
from tests.search.node import ThemeFiles, run_engine
from tests.search.test_fallback_search import FRENCH, SPANISH

SHARD_SIZE = 2_000  # bytes: the generated language's index is split into many shards
STOP_WORDS = set(stop_words("fr"))


def generated_pages(locale: str, count: int) -> list[Page]:
    """Articles made of the project's own sentences, titles and headings (as `make bench` makes
    them), every tenth a category's page."""
    material = harvest(locale)
    rng = random.Random(f"sharded-{locale}")
    return [
        Page(
            f"article-{number}/",
            f"{rng.choice(material.titles)} ({number})",
            rng.choice(material.sentences),
            [(f"h{n}", rng.choice(material.headings)) for n in range(rng.randint(0, 4))],
            " ".join(rng.sample(material.sentences, rng.randint(2, 12))),
            category=number % 10 == 0,
        )
        for number in range(count)
    ]


def typo(word: str) -> str:
    middle = len(word) // 2
    return word[:middle] + ("x" if word[middle] != "x" else "z") + word[middle + 1 :]


def queries(pages: list[Page]) -> list[str]:
    """Whole words, with and without accents, words being typed, typos, several words, and
    words no page has."""
    rng = random.Random("queries")
    vocabulary = sorted({word for page in pages for word in words(page.title + " " + page.body)})
    long_words = [word for word in vocabulary if len(word) >= 6]
    chosen = rng.sample(long_words, 12)
    found = [f"{word} " for word in chosen] + [fold(word) for word in chosen[:6]]
    found += [word[:3] for word in chosen[:6]] + [word[:5] for word in chosen[6:]]
    found += [typo(fold(word)) + " " for word in chosen] + [typo(fold(word)) for word in chosen[:4]]
    found += [f"{a} {b[:4]}" for a, b in zip(chosen[::2], chosen[1::2], strict=True)]
    found += ["c", "co", "zqxwvy ", "12", "1"]
    return found


def split_and_whole(locale: str, pages: list[Page]) -> tuple[SearchFiles, SearchFiles]:
    return SearchFiles.of(locale, pages, SHARD_SIZE), SearchFiles.of(locale, pages)


def by_name(made: SearchFiles) -> tuple[dict, dict[str, object]]:
    files = {Path(path).name: json.loads(content) for path, content in made.files.items()}
    return files.pop(Path(made.path).name), files


def test_a_large_index_is_split_and_a_small_one_is_not():
    pages = generated_pages("fr", 60)
    split, whole = split_and_whole("fr", pages)
    index, files = by_name(split)
    assert len(index["shards"]) >= 12 and len(index["docShards"]) >= 3
    assert "postings" not in index and "docs" not in index
    # Filled up to the size, the last term's postings and its first results' docs beyond it.
    assert all(len(split.files[f"search/{name}"]) <= 3 * SHARD_SIZE for _, name in index["shards"])
    whole_index, _ = by_name(whole)
    # No term in the first file: each shard has its range, in the whole index's order.
    assert "terms" not in index and "accents" not in index and "texts" not in index
    shards = [files[name] for _, name in index["shards"]]
    assert [term for shard in shards for term in shard["terms"]] == whole_index["terms"]
    assert [first for first, _ in index["shards"]] == [shard["terms"][0] for shard in shards]
    assert [shard["first"] for shard in shards] == [
        whole_index["terms"].index(shard["terms"][0]) for shard in shards
    ]
    assert files[index["vocabulary"]] == whole_index["terms"]
    # A result quoting its text loads a few thousand characters, not a whole index's text file:
    # each file is filled until its length is reached.
    texts = {text for _, docs in index["docShards"] for _, text in files[docs]["texts"]}
    assert len(texts) > len(whole_index["texts"])
    assert all(sum(map(len, files[text][:-1])) < SPLIT_TEXT_FILE_LENGTH for text in texts)
    # A shard is named after its content: the same pages give the same names.
    assert SearchFiles.of("fr", pages, SHARD_SIZE) == split
    assert "shards" not in by_name(SearchFiles.of("fr", pages[:3], 100_000))[0]


def test_an_index_is_split_only_when_larger_than_the_shard_size():
    pages = generated_pages("fr", 12)
    whole, _ = by_name(SearchFiles.of("fr", pages))
    # What is weighed: the index without the names of its texts' files and of its untranslated
    # articles' indexes, added once it is known to stay whole.
    del whole["texts"], whole["fallbacks"]
    size = len(as_json(whole))

    def is_split(shard_size: int) -> bool:
        return "shards" in by_name(SearchFiles.of("fr", pages, shard_size))[0]

    assert not is_split(size) and is_split(size - 1)


def test_what_several_terms_of_a_file_show_is_counted_once_in_its_size():
    # Terms of 1 byte, showing results of 5 bytes (0), 1 (1) and 5 (2), in files of 10 bytes:
    # the result two terms of a file show is in it once, so four terms fit in one file; a file
    # after it holds that result again.
    assert cut([1] * 4, 10, [[0], [1], [0], []], [5, 1]) == [(0, 4)]
    assert cut([1] * 5, 10, [[0], [1], [2], [0], [1]], [5, 1, 5]) == [(0, 3), (3, 5)]


def test_a_results_file_names_the_text_files_of_its_documents_and_no_other():
    texts = [[0, "a"], [5, "b"], [9, "c"]]  # text files from documents 0, 5 and 9 to the end
    assert covering(texts, 5, 9) == [[5, "b"]]
    assert covering(texts, 4, 6) == [[0, "a"], [5, "b"]]
    assert covering(texts, 0, 1) == [[0, "a"]]
    assert covering(texts, 10, 11) == [[9, "c"]]
    assert covering(texts, 8, 30) == [[5, "b"], [9, "c"]]


def test_a_split_index_read_back_whole_is_the_whole_index_and_the_gaps_report_reads_it(
    tmp_path,
):
    pages = generated_pages("fr", 60)
    split, whole = split_and_whole("fr", pages)
    index, files = by_name(split)
    whole_index, _ = by_name(whole)
    read_back = joined(index, files.__getitem__)
    assert read_back["postings"] == whole_index["postings"]
    assert read_back["docs"] == whole_index["docs"]
    for path, content in split.files.items():
        (tmp_path / "fr" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fr" / path).write_bytes(content)
    title = pages[7].title
    assert SiteIndexes(tmp_path, ("fr",)).best_match(title, "fr")["page"] == pages[7].location


def test_the_worker_answers_as_with_the_whole_index_loading_only_the_shards_it_needs():
    pages = generated_pages("fr", 80)
    split, whole = split_and_whole("fr", pages)
    texts = queries(pages)
    index, files = by_name(split)
    whole_index, whole_files = by_name(whole)
    expected = run_engine(
        "fr", whole_index, queries=[(text, 10) for text in texts], files=whole_files
    )
    actual = run_engine("fr", index, queries=[(text, 10) for text in texts], files=files)
    assert actual["answers"] == expected["answers"]
    shards = {name for _, name in index["shards"]}
    first = {name for name in actual["loaded"][0] if name in shards}
    assert 0 < len(first) <= 3 < len(shards)
    assert len(actual["loaded"][-1]) == len(set(actual["loaded"][-1]))  # each file once


def test_a_words_first_results_come_with_its_postings_file_alone():
    pages = generated_pages("fr", 80)
    split, whole = split_and_whole("fr", pages)
    index, files = by_name(split)
    whole_index, whole_files = by_name(whole)
    rng = random.Random("first")
    title_words = sorted({w for p in pages for w in words(p.title) if len(w) >= 6})
    plain = rng.sample([w for w in title_words if fold(w) == w], 8)
    # A word with accents searches its stem and its accented spellings', typed either way: every
    # one the language has, whichever file its stem falls in.
    text = " ".join(f"{page.title} {page.body}" for page in pages)
    accented = sorted({word for word in words(text) if fold(word) not in STOP_WORDS | {word}})
    asked = [(f"{word} ", 10) for word in plain + accented + [fold(w) for w in accented]]
    actual = run_engine("fr", index, queries=asked, files=files)
    expected = run_engine("fr", whole_index, queries=asked, files=whole_files)
    assert actual["answers"] == expected["answers"]
    assert all(answer["articles"] for answer in actual["answers"])
    # One network round: no file of docs after the word's file of postings.
    docs_files = {name for _, name in index["docShards"]}
    assert len(accented) > 50 and not docs_files & set(actual["loaded"][-1])


@pytest.mark.parametrize("articles", [300, 1000])
def test_what_a_file_brings_for_a_words_first_results_is_what_the_engine_shows_first(articles):
    # Every word of a generated language: at 300 articles rare words (categories' pages fill
    # their first page), at 1,000 common ones (ranked among many articles, where the weight of
    # each stem of a word with accents decides); twelve copies of an article: ties at the tenth.
    pages = generated_pages("fr", articles)
    pages += [replace(pages[7], location=f"copy-{number}/") for number in range(12)]
    counted = Counted.of("fr", pages)
    texts = [f"{page.title} {page.body}" for page in pages]
    vocabulary = sorted({fold(word) for text in texts for word in words(text) if len(word) > 3})
    terms_of = {
        word: [plain, *counted.accents.get(plain, [])]
        for word in vocabulary
        for plain in [counted.analyzer.word_terms(word)[0]]
        if word not in STOP_WORDS
    }
    whole_index, _ = by_name(SearchFiles.of("fr", pages))
    rankings = run_engine("fr", whole_index, rankings=[f"{word} " for word in terms_of])["rankings"]
    kinds = Counter()
    for (word, terms), ranking in zip(terms_of.items(), rankings, strict=True):
        best = counted.best_results(terms)
        # The engine's first page (articles, then categories' pages, by rank), and the score of
        # the last of each kind on it.
        scores = {int(ref): score for ref, score in ranking}
        shown = list(scores)[:FIRST_RESULTS]
        last = {pages[ref].category: scores[ref] for ref in shown}
        # What the reader sees first, and beside it only what ties with it (at most ten more).
        assert set(shown) <= set(best), word
        assert all(scores[ref] >= last[pages[ref].category] for ref in best), word
        assert len(best) <= 2 * FIRST_RESULTS, word
        kinds.update({"ties": len(best) > len(shown), "categories": len(last) > 1})
    assert kinds["ties"] > 10 and (kinds["categories"] > 10 or articles > 300)


def test_a_word_and_its_accented_spellings_first_results_come_with_its_file_alone():
    # `devolucion` searches `devolucion` and `devolu` (`devoluciones`, and `devolución`, which
    # has both): the article with both comes first, though neither alone puts it in its ten.
    pages = [Page(f"devoluciones-{n}/", f"Devoluciones {n}", body="Texto.") for n in range(11)]
    pages += [Page(f"devolucion-{n}/", f"Devolucion {n}", body="Texto.") for n in range(11)]
    pages.append(Page("both/", "Devolución de un pedido grande internacional", body="Texto."))
    index, files = by_name(SearchFiles.of("es", pages, 500))
    whole_index, whole_files = by_name(SearchFiles.of("es", pages))
    asked = [("devolucion ", 10), ("devolución ", 10)]
    actual = run_engine("es", index, queries=asked, files=files)
    assert (
        actual["answers"]
        == run_engine("es", whole_index, queries=asked, files=whole_files)["answers"]
    )
    assert actual["results"][0][0] == "both/"
    assert not {name for _, name in index["docShards"]} & set(actual["loaded"][-1])


def test_a_word_with_accents_in_the_first_file_is_found_with_all_its_spellings():
    # No digit before them: the first file holds `devolucion`, and what it stands for (`devolu`).
    spelled = ["devolución", "devoluciones", "devolucion", "envío", "envíos", "envio", "país"]
    pages = [
        Page(f"page-{n}/", word.capitalize(), body=f"{word} {spelled[(n + 3) % len(spelled)]}")
        for n, word in enumerate(spelled)
    ]
    index, files = by_name(SearchFiles.of("es", pages, 250))
    assert files[index["shards"][0][1]]["accents"]
    whole_index, whole_files = by_name(SearchFiles.of("es", pages))
    asked = [(f"{word} ", 10) for word in spelled]
    actual = run_engine("es", index, queries=asked, files=files)
    expected = run_engine("es", whole_index, queries=asked, files=whole_files)
    assert actual["answers"] == expected["answers"]
    assert "page-1/" in actual["results"][2]  # `devolucion` finds `devoluciones` (`devolu`)
    assert not {name for _, name in index["docShards"]} & set(actual["loaded"][-1])


def test_untranslated_articles_split_into_shards_are_found_as_with_their_whole_index():
    pages = SPANISH + FRENCH
    split = SearchFiles.of("es", pages, 500)
    index, files = by_name(split)
    [fallback] = index["fallbacks"]
    assert "shards" in index and "shards" in files[fallback["index"]]
    whole_index, whole_files = by_name(SearchFiles.of("es", pages))
    texts = ["douane ", "EORI ", "declaración ", "pays ", "paquete ", "numéro ", "code sh "]
    asked = [(text, 10) for text in texts]
    expected = run_engine("es", whole_index, queries=asked, files=whole_files)
    assert run_engine("es", index, queries=asked, files=files)["answers"] == expected["answers"]


def test_a_shard_that_cannot_load_makes_search_say_so():
    pages = generated_pages("fr", 40)
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE))
    with pytest.raises(AssertionError, match=r"search: .*postings"):
        run_engine(
            "fr",
            index,
            queries=[(pages[1].title, 10)],
            files=files,
            failing=[name for _, name in index["shards"]],
        )


COMPARE = """([whole, split, files, texts]) => {
    const create = (data) => window.searchEngine.create(
        window.lunr, window.searchIndex, window.searchAnalysis, data);
    const wholeEngine = create(whole), splitEngine = create(split);
    const loaded = new Set();
    // Gives the files a search says are missing: whether there were any.
    const give = (found) => {
        found.missing.forEach((name) => {
            if (loaded.has(name)) throw new Error("asked twice for " + name);
            loaded.add(name);
            splitEngine.addShard(name, files[name]);
        });
        return found.missing.length > 0;
    };
    return texts.map((text) => {
        let firstPage;
        do firstPage = splitEngine.find(text, 10); while (give(firstPage));
        while (give(splitEngine.find(text, 1000000)));
        return {
            // Before any search ranks every result: the first page is ranked on its own.
            firstTen: wholeEngine.find(text, 10).articles,
            splitFirstTen: firstPage.articles,
            text: text,
            whole: wholeEngine.ranking(text),
            split: splitEngine.ranking(text),
            wholeArticles: wholeEngine.find(text, 1000000).articles,
            splitArticles: splitEngine.find(text, 1000000).articles,
            loaded: loaded.size
        };
    });
}"""


@pytest.mark.browser
def test_in_chromium_the_split_index_ranks_and_scores_exactly_as_the_whole_one(page):
    pages = generated_pages("fr", 150)
    # Twelve articles alike but for their address: ties, ranked in the order lunr meets them.
    pages += [replace(pages[5], location=f"copy-{number}/") for number in range(12)]
    split, whole = split_and_whole("fr", pages)
    index, files = by_name(split)
    whole_index, _ = by_name(whole)
    page.set_content("<!doctype html><title>search</title>")
    theme = ThemeFiles()
    for path in engine_scripts("fr"):
        source = LUNR_CORE if path == LUNR_CORE_SITE_PATH else theme.get_file_from_path(path)
        page.add_script_tag(content=Path(str(getattr(source, "abs_src_path", source))).read_text())
    # And a letter or two typed alone, whose first page the build ranked.
    texts = [*queries(pages), pages[5].title, *index["prefixes"], "re", "de", "pa"]
    compared = page.evaluate(COMPARE, [whole_index, index, files, texts])
    found = 0
    for result in compared:
        assert result["split"] == result["whole"], result["text"]
        assert result["splitArticles"] == result["wholeArticles"], result["text"]
        # The first page is ranked without sorting every result: in the same order.
        assert result["firstTen"] == result["wholeArticles"][:10], result["text"]
        assert result["splitFirstTen"] == result["firstTen"], result["text"]
        found += bool(result["whole"])
    assert found >= len(texts) - 3  # only the words no page has find nothing
    assert any(score != int(score) for r in compared for _, score in r["whole"])
    shards = len(index["shards"]) + len(index["docShards"])
    assert compared[0]["loaded"] < shards / 20 < compared[-1]["loaded"]


def test_a_word_typed_alone_that_completes_to_several_files_shows_their_results_from_one():
    # Every prefix the build ranked, among many articles and twelve copies of one (ties at the
    # tenth), stop words included (`de`, `la`: the start of other words), typed as a reader may
    # (a capital, an accent) or after a stop word.
    pages = generated_pages("fr", 400)
    pages += [replace(pages[7], location=f"copy-{number}/") for number in range(12)]
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    # Those of a letter or two, named from the first file; the longer ones by the file of their
    # range of terms.
    ranked = {}
    unread = [index["prefixes"]]
    while unread:
        for prefix, name in unread.pop().items():
            ranked[prefix] = files[name]
            unread.append(files[name].get("prefixes", {}))
    shortest = sorted(prefix for prefix, content in ranked.items() if "ranked" in content)
    longer = sorted({prefix for _, name in index["shards"] for prefix in files[name]["prefixes"]})
    assert len(shortest) > 100 and {"a", "de", "la"} <= set(shortest) and len(longer) > 20
    assert "a" in STOP_WORDS and "de" in STOP_WORDS
    asked = [(prefix, 10) for prefix in shortest]
    asked += [("A", 10), ("à", 10), ("Dé", 10), ("le de", 10), ("co", 5)]
    asked += [(prefix, 10) for prefix in longer]
    texts = [text for text, _ in asked]
    actual = run_engine("fr", index, queries=asked, files=files)
    expected = run_engine("fr", whole_index, queries=asked, files=whole_files)
    for text, answer, whole in zip(texts, actual["answers"], expected["answers"], strict=True):
        assert answer == whole, text
    assert sum(bool(answer["articles"]) for answer in actual["answers"]) == len(asked)
    # A letter or two: nothing but their files and the files of the texts their results quote.
    loaded = set(actual["loaded"][len(asked) - len(longer) - 1])
    assert all(name.startswith(("prefix.", "text.")) for name in loaded), loaded
    # A longer one: the file of its range, then its own (not the files of all its terms).
    shards = {name for _, name in index["shards"]}
    assert len(shards.intersection(actual["loaded"][-1])) <= len(longer) < len(shards)


def test_a_letter_typed_alone_loads_the_small_file_of_its_first_results_and_more_waits():
    pages = generated_pages("fr", 80)
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE // 4))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    postings = {name for _, name in index["shards"]}
    vocabulary = {fold(w) for p in pages for w in words(p.title + " " + p.body)}
    # A word whose first letter (not a word itself) starts the most words: it completes to many
    # files.
    word = max(
        sorted(w for w in vocabulary if len(w) >= 8 and w[0] not in vocabulary | STOP_WORDS),
        key=lambda w: sum(other.startswith(w[0]) for other in vocabulary),
    )
    asked = [
        (word, 10, {"typedBefore": [word[0]]}),
        (word[0], 10),
        (word[0], 30),  # more than a first page
        (word, 10, {"typedBefore": [word + "zq"]}),
    ]
    typed = run_engine("fr", index, queries=asked, files=files)
    # The first letter loaded the file of its first results alone, and the word its own files
    # (the reader typed on); a word that finds nothing did not load every term for its typo
    # guesses.
    assert typed["reactions"][0] == [index["prefixes"][word[0]]]
    assert typed["reactions"][1] == []
    assert 0 < len(postings.intersection(typed["loaded"][0])) <= 3
    assert typed["loaded"][1] == typed["loaded"][0]
    # More results of a letter alone load the many files it completes to, once the reader pauses.
    assert len(postings.intersection(typed["loaded"][2])) > 6
    expected = run_engine(
        "fr", whole_index, queries=[(text, limit) for text, limit, *_ in asked], files=whole_files
    )
    assert typed["answers"] == expected["answers"]


def test_a_whole_word_being_typed_loads_its_own_file_at_once_and_not_its_completions():
    pages = generated_pages("fr", 80)
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE // 4))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    holding = {name: files[name]["terms"] for _, name in index["shards"]}
    analyzer = Analyzer("fr")

    def files_of(stem: str, prefix: bool) -> set[str]:
        return {
            name
            for name, terms in holding.items()
            if any(term.startswith(stem) if prefix else term == stem for term in terms)
        }

    # A word with one stem, whose stem starts the terms of three files or more: it completes to
    # them all while typed, unless it is known to be whole.
    vocabulary = {fold(w) for p in pages for w in words(p.title)} - STOP_WORDS
    word = max(
        sorted(w for w in vocabulary if len(w) >= 6 and len(analyzer.word_terms(w)) == 1),
        key=lambda w: len(files_of(analyzer.word_terms(w)[0], prefix=True)),
    )
    [stem] = analyzer.word_terms(word)
    assert len(files_of(stem, prefix=True)) > 2  # the worker's EAGER_FILES
    typed = run_engine("fr", index, queries=[(word, 10, {"typedBefore": [word]})], files=files)
    # Its own file at once (no typing pause), none of its completions'.
    assert set(typed["reactions"][0]) & holding.keys() == files_of(stem, prefix=False)
    expected = run_engine("fr", whole_index, queries=[(word, 10)], files=whole_files)
    assert typed["answers"] == expected["answers"]


def test_a_whole_word_most_articles_have_shows_the_first_results_the_build_ranked(monkeypatch):
    # Terms many articles have (here 40: the generated language is small), among twelve copies of
    # one article (ties at the tenth), searched as a reader may: pasted, typed then a space, with
    # a capital, for a second page, and with another such word (which scores their postings,
    # kept apart from their files of terms: a word alone does not load them).
    monkeypatch.setattr(index_module, "RANKED_ALONE_MIN_POSTINGS", 40)
    pages = generated_pages("fr", 400)
    pages += [replace(pages[7], location=f"copy-{number}/") for number in range(12)]
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    ranked = {
        term: (name, answer)
        for _, name in index["shards"]
        for term, answer in files[name]["ranked"].items()
    }
    analyzer = Analyzer("fr")
    vocabulary = sorted({word for page in pages for word in words(page.title + " " + page.body)})
    spelled = {}  # a word of each ranked term
    for word in vocabulary:
        terms = analyzer.word_terms(word)
        if len(terms) == 1 and terms[0] in ranked and word not in STOP_WORDS:
            spelled.setdefault(terms[0], word)
    assert len(spelled) > 20, spelled
    asked = [(word, 10) for word in spelled.values()]
    asked += [(f"{word} ", 10) for word in list(spelled.values())[:5]]
    asked += [(word.capitalize(), 10) for word in list(spelled.values())[5:10]]
    asked += [(word, 20) for word in list(spelled.values())[:3]]  # more than the build ranked
    pairs = list(zip(list(spelled.values())[:4], list(spelled.values())[4:8], strict=True))
    asked += [(f"{first} {second}", 10) for first, second in pairs]
    actual = run_engine("fr", index, queries=asked, files=files)
    expected = run_engine("fr", whole_index, queries=asked, files=whole_files)
    for (text, _), answer, whole in zip(asked, actual["answers"], expected["answers"], strict=True):
        assert answer == whole, text
        assert answer["articles"], text
    kept_apart = {
        term: file for _, name in index["shards"] for term, file in files[name]["apart"].items()
    }
    assert kept_apart.keys() == ranked.keys()
    apart = set(kept_apart.values())
    assert not apart & set(actual["loaded"][len(spelled) - 1])  # after each word alone
    assert apart & set(actual["loaded"][-1])
    # The engine shows the build's ranking, which it does not make again: reversed in its file,
    # a word's first results come reversed.
    term, (name, (total, refs)) = next(iter(ranked.items()))
    files[name]["ranked"][term] = [total, refs[::-1]]
    reversed_answer = run_engine("fr", index, queries=[(spelled[term], 10)], files=files)
    first = actual["answers"][list(spelled).index(term)]
    assert reversed_answer["answers"][0]["articles"] == first["articles"][::-1]


def test_a_word_is_ranked_by_its_postings_in_every_field(monkeypatch):
    # What the engine scores is a term's postings in all fields: `brouette` in 25 titles and 25
    # other texts (no field has 40) has 50, and is ranked at build time as the engine would rank
    # it; `chariot`, in 39 texts, is not.
    monkeypatch.setattr(index_module, "RANKED_ALONE_MIN_POSTINGS", 40)

    def with_words(number: int, page: Page) -> Page:
        if number < 25:
            return replace(page, title=f"{page.title} brouette")
        if number < 50:
            return replace(page, body=f"{page.body} brouette chariot")
        if number < 64:
            return replace(page, body=f"{page.body} chariot")
        return page

    pages = [with_words(number, page) for number, page in enumerate(generated_pages("fr", 300))]
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    ranked = {term for _, name in index["shards"] for term in files[name]["ranked"]}
    [barrow] = Analyzer("fr").word_terms("brouette")
    [cart] = Analyzer("fr").word_terms("chariot")
    assert barrow in ranked
    assert cart not in ranked
    asked = [("brouette", 10), ("chariot", 10)]
    actual = run_engine("fr", index, queries=asked, files=files)
    expected = run_engine("fr", whole_index, queries=asked, files=whole_files)
    assert actual["answers"] == expected["answers"]
    assert [answer["total"] for answer in actual["answers"]] == [50, 39]


def test_a_whole_word_with_accents_whose_terms_are_in_several_files_comes_from_its_own(
    monkeypatch,
):
    # A word's stem without accents and its accented spellings' stems (`délais`: `del`, `dela`)
    # in different files, or one of them kept apart (most articles have it, here 40): the
    # build ranks the word's first results into the file of its stem's range, and the engine
    # answers once the files of the word's own terms are in, as the whole index would.
    monkeypatch.setattr(index_module, "RANKED_ALONE_MIN_POSTINGS", 40)
    pages = generated_pages("fr", 400)
    pages += [replace(pages[7], location=f"copy-{number}/") for number in range(12)]
    index, files = by_name(SearchFiles.of("fr", pages, SHARD_SIZE))
    whole_index, whole_files = by_name(SearchFiles.of("fr", pages))
    spelled = {key: name for _, name in index["shards"] for key in files[name].get("spelled", {})}
    accents = Counted.of("fr", pages).accents
    analyzer = Analyzer("fr")
    firsts = [index_module.js_order(first) for first, _ in index["shards"]]

    def file_of(term: str) -> str:
        return index["shards"][max(0, bisect_right(firsts, index_module.js_order(term)) - 1)][1]

    text = " ".join(f"{page.title} {page.body}" for page in pages)
    asked_words = {}  # a word of each ranked spelling, typed with or without its accents
    for word in sorted({w for w in words(text) if fold(w) != w} - STOP_WORDS):
        for spelling in (word, fold(word)):
            terms = analyzer.word_terms(spelling)
            for stem in list(terms):
                terms += [other for other in accents.get(stem, []) if other not in terms]
            if " ".join(terms) in spelled:
                asked_words.setdefault(" ".join(terms), spelling)
    assert len(asked_words) > 5, asked_words
    asked = [(word, 10) for word in asked_words.values()]
    asked += [(f"{word} ", 10) for word in list(asked_words.values())[:5]]
    actual = run_engine("fr", index, queries=asked, files=files)
    expected = run_engine("fr", whole_index, queries=asked, files=whole_files)
    for (text, _), answer, whole in zip(asked, actual["answers"], expected["answers"], strict=True):
        assert answer == whole, text
        assert answer["articles"], text
    # Each word loaded no file of terms or postings but those of its own terms' ranges (and
    # then, for the passages its results quote, files of texts).
    before: list[str] = []
    for word, loaded in zip(asked_words.values(), actual["loaded"], strict=False):
        own = {file_of(term) for term in analyzer.word_terms(word)}
        new = {name for name in loaded[len(before) :] if not name.startswith("text.")}
        assert new <= own, word
        before = loaded
    # The engine shows the build's ranking, which it does not make again.
    key, word = next(iter(asked_words.items()))
    total, ranked = files[spelled[key]]["spelled"][key]
    files[spelled[key]]["spelled"][key] = [total, ranked[::-1]]
    reversed_answer = run_engine("fr", index, queries=[(word, 10)], files=files)
    first = actual["answers"][0]
    assert reversed_answer["answers"][0]["articles"] == first["articles"][::-1]
