/*
 * The search engine: the index made from the prebuilt file, and the queries a reader's words
 * become. The search worker (worker.js) runs it. Works as a browser script (`searchEngine`)
 * and as a Node module.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.searchEngine = factory();
  }
})(this, function () {
  "use strict";

  var TYPO_MIN_LENGTH = 5;
  var GUESS_MIN_LENGTH = 3;  // a stem guessed for a word has this many letters or more
  var MAX_ENDING = 6;  // the longest ending a stemmer removes that we still match past
  var MAX_TYPED_ENDING = 4;  // the same, for a word still being typed
  // A word being typed this long may be a whole word: the files of its own terms are told apart
  // from those of its completions (see `find`); a shorter one rarely is.
  var WHOLE_MIN_LENGTH = 3;
  // A passage quoted from an article's text: about as long as a summary (SUMMARY_LENGTH in
  // helpcenter/search/index.py), starting this many characters before its first matching word.
  var SNIPPET_LENGTH = 160;
  var SNIPPET_LEAD = 40;

  /* The passage of `text` to quote for the words `matches` accepts: the one of SNIPPET_LENGTH
     characters or so with the most distinct matching words, starting a little before the first,
     cut between words (anywhere in a script written without spaces), with `…` where the text
     goes on. Null when no word matches. */
  function snippet(analysis, text, matches) {
    var hits = [];
    var offset = 0;
    analysis.parts(text).forEach(function (part, position) {
      if (position % 2 === 1 && matches(part)) {
        hits.push({ start: offset, end: offset + part.length, word: analysis.fold(part) });
      }
      offset += part.length;
    });
    if (!hits.length) return null;
    var best = null;
    var bestCount = 0;
    hits.forEach(function (hit, first) {
      var words = new Set();
      for (var i = first; i < hits.length; i++) {
        if (hits[i].end - hit.start > SNIPPET_LENGTH - SNIPPET_LEAD) break;
        words.add(hits[i].word);
      }
      if (words.size > bestCount) {
        best = hit;
        bestCount = words.size;
      }
    });
    var start = 0;
    if (best.start > SNIPPET_LEAD) {
      var space = text.indexOf(" ", best.start - SNIPPET_LEAD);
      start = space >= 0 && space < best.start ? space + 1 : best.start;
    }
    var end = text.length;
    if (end - start > SNIPPET_LENGTH) {
      end = text.lastIndexOf(" ", start + SNIPPET_LENGTH);
      if (end < best.end) end = Math.max(best.end, start + SNIPPET_LENGTH);
    }
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  /* `lunr`, `searchIndex` (index.js) and `analysis` (analyzer.js) as loaded; `data`: the index
     file. Returns `find(text, limit)`: how many articles match, and the best `limit`, each with
     the terms it matched, the section whose heading matched and the words of its title, section
     and summary to highlight; when only its text matched, a passage of it with the words
     (`snippet`), once the file of its text is given (`addTexts`). A split index answers once
     the files `missing` names are given (`addShard`). */
  function create(lunr, searchIndex, analysis, data) {
    var source = searchIndex.open(lunr, data);
    var title = data.fields.map(function (field) { return field[0]; }).indexOf("title");
    var texts = new Map();  // a text file's name: its documents' texts, or null: none to quote
    var analyzer = analysis.createAnalyzer(lunr, data.language, data.stopWords, data.stemmer);
    var boosts = data.boosts;  // of each kind of term a word searches (see `query`)

    /* A word's terms, and the stems of its accented spellings when it was typed without them;
       undefined while a file that says so is missing. */
    function termsOf(word) {
      var terms = analyzer.wordTerms(word);
      var whole = true;
      terms.slice().forEach(function (term) {
        var others = source.accents(term);
        if (!others) whole = false;
        (others || []).forEach(function (other) {
          if (terms.indexOf(other) < 0) terms.push(other);
        });
      });
      return whole ? terms : undefined;
    }

    /* The words a query searches: those kept, or else the last being typed, though it is a
       stop word: `a` may be the start of `annullare`, and finds what it starts. */
    function searchedWords(text, typing) {
      var words = analyzer.keptWords(text);
      if (words.length || !typing) return words;
      return analysis.words(text).slice(-1);
    }

    /* The index's entries of `terms` (those it has). */
    function entries(terms) {
      return (terms || []).map(source.term).filter(Boolean);
    }

    // The files a query's words need for their own terms, when the last word, being typed, is
    // not known to be a whole word yet: those of its completions may wait (worker.js).
    var typedFiles = null;

    /*
     * Query the index in two passes.
     * 1. Every word's terms; the last word, while it is typed, also completes (`etiq` finds
     *    `etiquet`), unless it is already a whole word of the index: `card` is not completed
     *    into every page's `cardholder`. The stem of a word still being typed is only used when it
     *    is a prefix of it: a stemmer that rewrites letters is stemming a fragment, not a word.
     * 2. Only when that finds nothing, each word's closest guesses (see `guesses`): for the last
     *    word, stems it may already extend (`pagamen`, `pag`); for each word of five letters or
     *    more, stems one typo away.
     * Undefined while files of a split index it needs are missing (all those it can tell).
     */
    function query(text) {
      typedFiles = null;
      var typing = !/\s$/.test(text);
      var words = searchedWords(text, typing);
      if (!words.length) return { refs: [] };
      var clauses = [];
      words.forEach(function (word, position) {
        var folded = analysis.fold(word);
        var terms = termsOf(word) || analyzer.wordTerms(word);
        var found = terms.map(source.term);
        // Not known to be a whole word yet: its completions' files are asked for meanwhile.
        var completing = typing && position === words.length - 1 && !found.some(Boolean);
        if (completing && folded.length >= WHOLE_MIN_LENGTH) typedFiles = Array.from(source.missing);
        terms.forEach(function (term) {
          if (completing && folded.indexOf(term) !== 0) return;
          clauses.push({ entries: entries([term]), boost: boosts.word });
          if (completing) {
            clauses.push({
              entries: entries(source.completions(term)), boost: boosts.stemCompletion
            });
          }
        });
        if (completing) {
          clauses.push({ entries: entries(source.completions(folded)), boost: boosts.completion });
        }
      });
      if (source.missing.size) return undefined;
      var results = searchIndex.query(clauses, source.documents, data.fields.length);
      if (results.refs.length) return results;
      var guessed = [];
      words.forEach(function (word, position) {
        var typed = typing && position === words.length - 1;
        guessed = guessed.concat(guesses(analysis.fold(word), typed) || []);
      });
      if (source.missing.size) return undefined;
      return searchIndex.query(
        [{ entries: entries(guessed), boost: boosts.word }], source.documents, data.fields.length);
    }

    /* At most one edit (insertion, deletion, substitution or swap of neighbours) apart. */
    function withinOneEdit(a, b) {
      if (a === b) return true;
      if (Math.abs(a.length - b.length) > 1) return false;
      var i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      if (a.length === b.length) {
        return a.slice(i + 1) === b.slice(i + 1) ||
          (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
      }
      return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
    }

    /* Index terms a word that matched nothing may mean, the closest only (a page with several
       guesses for one word is no better for it):
       - a stem that starts the word, the rest being a plausible ending (stems are words without
         their endings): of a word being typed, which may already be past the stem of the word
         it will be (`pagamen` for `pag`, the stem of `pagamento`), or of a word of five letters
         or more, which may have a typo in its ending;
       - a stem one edit away from the start of a word of five letters or more. A stem of three
         letters only counts without an edit: one edit from so few letters is noise.
       The closest has the fewest letters to change or leave out to get from the word to the stem
       (its edit and the ending past it), then the fewest edits, then is in a title: `expedit`
       (one edit, `ion` past it: 4) beats `exped` (`xtion`: 5) for `expedxtion`; `pag` (6, no
       edit) beats `pagh` (6, one edit) for `pagaxento`. Undefined while a file it needs (the
       vocabulary, the guesses' postings) is missing. */
    function guesses(word, typed) {
      if (word.length < GUESS_MIN_LENGTH) return [];  // no stem starts it, no typo is guessed
      var typo = word.length >= TYPO_MIN_LENGTH;
      var candidates = [];
      var vocabulary = source.vocabulary();
      if (!vocabulary) return undefined;
      vocabulary.forEach(function (term) {
        if (term.length < GUESS_MIN_LENGTH) return;
        var ending = word.length - term.length;
        if (word.indexOf(term) === 0 &&
            ((typo && ending <= MAX_ENDING) || (typed && ending <= MAX_TYPED_ENDING))) {
          candidates.push([term, ending, 0]);
          return;
        }
        if (!typo || term.length === GUESS_MIN_LENGTH) return;
        for (var end = Math.min(term.length + 1, word.length); end >= term.length - 1; end--) {
          if (word.length - end > MAX_ENDING) break;
          if (withinOneEdit(word.slice(0, end), term)) {
            candidates.push([term, 1 + word.length - end, 1]);
            return;
          }
        }
      });
      var ranked = candidates.map(function (candidate) {
        return candidate.concat([inTitle(candidate[0]) ? 0 : 1]);
      });
      if (source.missing.size) return undefined;
      var best = ranked.reduce(function (top, candidate) {
        return top === null || closer(candidate, top) < 0 ? candidate : top;
      }, null);
      return ranked
        .filter(function (candidate) { return closer(candidate, best) === 0; })
        .map(function (candidate) { return candidate[0]; });
    }

    /* Compares two guesses, `[term, distance, edits, not in a title]`: negative when `a` is
       closer. */
    function closer(a, b) {
      return a[1] - b[1] || a[2] - b[2] || a[3] - b[3];
    }

    function inTitle(term) {
      var entry = source.term(term);
      return Boolean(entry && entry.fields[title].docs.length);
    }

    /* The best `count` results, by rank. Results are articles: a category's landing page
       follows every article that matches. */
    function ranked(found, count) {
      if (!found.articles) {
        found.articles = found.refs.filter(function (ref) { return !source.category(ref); });
        found.categories = found.refs.filter(source.category);
        found.ranked = [];
      }
      if (found.ranked.length < Math.min(count, found.refs.length)) {
        var articles = searchIndex.best(found.articles, found.scores, count);
        found.ranked = articles.concat(
          searchIndex.best(found.categories, found.scores, count - articles.length));
      }
      return found.ranked.slice(0, count);
    }

    /* A result as the reader sees it (null while its file of a split index is missing).
       `wanted` collects the text files it needs to quote its text (when only its text matched)
       that have not been given yet. */
    function article(results, ref, wanted) {
      var doc = source.doc(ref);
      if (!doc) return null;
      var terms = results.terms(ref);
      var matches = analysis.matcher(terms, analyzer);
      var section = doc[3].filter(function (heading) {
        return analysis.matchingWords(heading[1], matches).length > 0;
      })[0] || null;
      var shown = [doc[1], section ? section[1] : "", doc[2]].join(" ");
      var words = analysis.matchingWords(shown, matches);
      var quoted = null;
      var file = words.length ? null : source.textFile(ref);
      if (file && !texts.has(file[1])) {
        if (wanted.indexOf(file[1]) < 0) wanted.push(file[1]);
      } else if (file && texts.get(file[1])) {
        quoted = snippet(analysis, texts.get(file[1])[ref - file[0]] || "", matches);
        if (quoted) words = analysis.matchingWords(quoted, matches);
      }
      return {
        location: doc[0],
        title: doc[1],
        summary: doc[2],
        snippet: quoted,
        section: section,
        terms: terms,
        words: words
      };
    }

    /* The texts of a text file (`textFile`), as loaded, or null when it could not be: results
       then show their summary. */
    function addTexts(name, documents) {
      texts.set(name, Array.isArray(documents) ? documents : null);
    }

    /* The last searches' results: a reader who deletes a letter and types it again, asks for
       more results, or the contact form asking again for the same words, has them at once. */
    var searches = new Map();
    var KEPT_SEARCHES = 100;

    function results(text) {
      var found = searches.get(text);
      if (found === undefined) {
        found = query(text);
        if (!found) return { refs: [] };  // files it needs are missing (see `find`)
        searches.set(text, found);
        if (searches.size > KEPT_SEARCHES) searches.delete(searches.keys().next().value);
      }
      return found;
    }

    /* The results of a word searched alone, as `results` gives them, from its first results as
       the build ranked them (see index.js): of a word being typed that completes to the terms
       of several files of a split index (a letter or two: a large part of them), whose
       postings it does not wait for (`typedAlone`), or of a whole word whose term has the most
       postings, which it does not score (`searchedAlone`). Null when the build did not rank
       them, or a search asks for more; undefined while a file that tells is missing. */
    function rankedAlone(text, limit) {
      var typing = !/\s$/.test(text);
      var words = searchedWords(text, typing);
      if (words.length !== 1) return null;
      // The build ranked a word being typed with its one stem, a whole word with the terms the
      // query searches (see `searched_alone`, `ranked_alone` and `spelled_alone` in
      // helpcenter/search/index.py).
      var stems = analyzer.wordTerms(words[0]);
      var answer = typing && stems.length === 1 ?
        source.typedAlone(analysis.fold(words[0]), stems[0]) : null;
      if (answer === null) {
        var terms = termsOf(words[0]);
        answer = terms && source.searchedAlone(terms);
      }
      if (!answer) return answer;
      if (limit > answer.ranked.length && answer.total > answer.ranked.length) return null;
      var scores = new Float64Array(source.documents);  // their ranks, as scores
      var matched = new Map(answer.ranked);
      var refs = answer.ranked.map(function (entry, rank) {
        scores[entry[0]] = answer.ranked.length - rank;
        return entry[0];
      });
      return {
        refs: refs,
        scores: scores,
        total: answer.total,
        terms: function (ref) { return matched.get(ref); }
      };
    }

    /* `text`'s results, `[[ref, score], ...]` by rank, as lunr scores them; null until the
       files `find` says are missing are given. For tools that compare rankings. */
    function ranking(text) {
      source.missing.clear();
      var found = results(text);
      found = ranked(found, found.refs.length).map(function (ref) {
        return [String(ref), found.scores[ref]];
      });
      return source.missing.size ? null : found;
    }

    /* How many articles match `text` (`total`), the best `limit` of them (`articles`), the
       text files they need that have not been given (`wanted`, see `addTexts`), and the files
       of a split index to give before the answer is whole (`missing`: then nothing else, and
       `searching` when they are those of the search itself, not of the results it shows,
       `guessing` when they are for typo guesses, which load every term; `typed`: those of the
       words' own terms, when the rest are for the completions of a word being typed, which a
       whole word does not need). */
    function find(text, limit) {
      source.missing.clear();
      typedFiles = null;
      var found = rankedAlone(text, limit);
      if (found === null) found = results(text);
      if (source.missing.size) {
        return {
          missing: Array.from(source.missing),
          searching: true,
          guessing: source.missing.has(data.vocabulary),
          typed: typedFiles
        };
      }
      var wanted = [];
      var articles = ranked(found, limit).map(function (ref) {
        return article(found, ref, wanted);
      });
      if (source.missing.size) return { missing: Array.from(source.missing) };
      var total = found.total === undefined ? found.refs.length : found.total;
      return { total: total, articles: articles, wanted: wanted, missing: [] };
    }

    var rehearsed = 0;
    var REHEARSALS = 30;

    /* One small step of the work later searches would otherwise wait for: searching for one of
       the index's terms at hand, so that they run on compiled code. Returns whether any is
       left. */
    function warmUp() {
      var known = source.known();
      if (rehearsed < REHEARSALS && known.length) {
        var step = Math.max(1, Math.floor(known.length / REHEARSALS));
        find(known[(rehearsed * step) % known.length], 10);
        rehearsed++;
      }
      return rehearsed < REHEARSALS && known.length > 0;
    }

    return {
      find: find, ranking: ranking, addTexts: addTexts, addShard: source.add, warmUp: warmUp
    };
  }

  return { create: create };
});
