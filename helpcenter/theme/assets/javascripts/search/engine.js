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
  var MAX_ENDING = 6;  // the longest ending a stemmer removes that we still match past

  /* `lunr`, `searchIndex` (index.js) and `analysis` (analyzer.js) as loaded; `data`: the index
     file. Returns `find(text, limit)`: the best articles, each with the terms it matched, the
     section whose heading matched and the words of its title, section and summary to
     highlight. */
  function create(lunr, searchIndex, analysis, data) {
    var index = searchIndex.load(lunr, data);
    var vocabulary = Object.keys(index.invertedIndex);
    var known = new Set(vocabulary);
    var accents = data.accents || {};

    /* A word's terms, and the stems of its accented spellings when it was typed without them. */
    function termsOf(word) {
      var terms = analyzer.wordTerms(word);
      terms.slice().forEach(function (term) {
        (accents[term] || []).forEach(function (other) {
          if (terms.indexOf(other) < 0) terms.push(other);
        });
      });
      return terms;
    }
    var analyzer = analysis.createAnalyzer(lunr, data.language, data.stopWords, data.stemmer);

    /*
     * Query the index in two passes.
     * 1. Every word's terms; the last word, while it is typed, also completes (`etiq` finds
     *    `etiquet`), unless it is already a whole word of the index: `card` is not completed
     *    into every page's `cardholder`. The stem of a word still being typed is only used when it
     *    is a prefix of it: a stemmer that rewrites letters is stemming a fragment, not a word.
     * 2. Only when that finds nothing: for the last word, stems it may already extend (`pagamen`,
     *    `pag`); for each word of five letters or more, stems one typo away.
     */
    function query(text) {
      var words = analyzer.keptWords(text);
      if (!words.length) return [];
      var typing = !/\s$/.test(text);
      var wildcard = lunr.Query.wildcard.TRAILING;
      var results = index.query(function (q) {
        words.forEach(function (word, position) {
          var folded = analysis.fold(word);
          var terms = termsOf(word);
          var completing = typing && position === words.length - 1 &&
            !terms.some(function (term) { return known.has(term); });
          terms.forEach(function (term) {
            if (completing && folded.indexOf(term) !== 0) return;
            q.term(term, { usePipeline: false, boost: 10 });
            if (completing) q.term(term, { usePipeline: false, wildcard: wildcard });
          });
          if (completing) q.term(folded, { usePipeline: false, wildcard: wildcard, boost: 5 });
        });
      });
      if (results.length) return results;
      var guesses = [];
      words.forEach(function (word, position) {
        var folded = analysis.fold(word);
        if (typing && position === words.length - 1) {
          stemsOfPrefix(folded).forEach(function (term) { guesses.push([term, 3]); });
        }
        if (folded.length >= TYPO_MIN_LENGTH) {
          typoTerms(folded).forEach(function (term) { guesses.push([term, 10]); });
        }
      });
      if (!guesses.length) return [];  // a query without clauses would match every page
      return index.query(function (q) {
        guesses.forEach(function (guess) {
          q.term(guess[0], { usePipeline: false, boost: guess[1] });
        });
      });
    }

    /* Index terms the start of a word may already be the stem of (`pagamen` for `pag`, the stem
       of `pagamento`): stems are often shorter than what the reader has typed so far. */
    function stemsOfPrefix(prefix) {
      return vocabulary.filter(function (term) {
        return term.length >= 3 && prefix.length - term.length <= 4 && prefix.indexOf(term) === 0;
      });
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

    /* Index terms a mistyped word may mean: a stem that starts the word as typed, or one edit
       away from its start, the rest of the word being a plausible ending (stems are words without
       their endings). Each candidate scores its length less two per edit; the best score wins:
       `pag` (3, no edit) beats `pagh` (4, one edit) for `pagaxento`. A stem of three letters only
       counts without an edit: one edit from so few letters is noise. */
    function typoTerms(word) {
      var scored = [];
      vocabulary.forEach(function (term) {
        if (term.length < 3) return;
        if (word.indexOf(term) === 0 && word.length - term.length <= MAX_ENDING) {
          scored.push([term, term.length]);
          return;
        }
        if (term.length === 3) return;
        for (var end = term.length - 1; end <= term.length + 1; end++) {
          if (end > word.length || word.length - end > MAX_ENDING) continue;
          if (withinOneEdit(word.slice(0, end), term)) {
            scored.push([term, term.length - 2]);
            return;
          }
        }
      });
      var best = scored.reduce(function (top, entry) { return Math.max(top, entry[1]); }, 0);
      return scored
        .filter(function (entry) { return entry[1] === best; })
        .map(function (entry) { return entry[0]; });
    }

    /* Results are articles: a category's landing page follows every article that matches. */
    function articlesFirst(results) {
      var categories = results.filter(function (result) { return data.docs[Number(result.ref)][4]; });
      if (!categories.length) return results;
      return results.filter(function (result) { return !data.docs[Number(result.ref)][4]; })
        .concat(categories);
    }

    function articlesFound(results, limit) {
      return articlesFirst(results).slice(0, limit).map(function (result) {
        var doc = data.docs[Number(result.ref)];
        var terms = Object.keys(result.matchData.metadata);
        var matches = analysis.matcher(terms, analyzer);
        var section = doc[3].filter(function (heading) {
          return analysis.matchingWords(heading[1], matches).length > 0;
        })[0] || null;
        var shown = [doc[1], section ? section[1] : "", doc[2]].join(" ");
        return {
          location: doc[0],
          title: doc[1],
          summary: doc[2],
          section: section,
          terms: terms,
          words: analysis.matchingWords(shown, matches)
        };
      });
    }

    var made = 0;
    var rehearsed = 0;
    var REHEARSALS = 30;

    /* One small step of the work a first search would otherwise wait for: making the next
       postings (index.js makes each when a query first reads it, so that the first search waits
       for the download only), then searching for a few of the index's own terms, so that later
       searches run on compiled code. Returns whether any work is left. */
    function warmUp() {
      if (made < vocabulary.length) {
        var end = Math.min(made + 200, vocabulary.length);
        for (; made < end; made++) index.invertedIndex[vocabulary[made]]._index;
      } else if (rehearsed < REHEARSALS) {
        var step = Math.max(1, Math.floor(vocabulary.length / REHEARSALS));
        articlesFound(query(vocabulary[(rehearsed * step) % vocabulary.length]), 10);
        rehearsed++;
      }
      return made < vocabulary.length || rehearsed < REHEARSALS;
    }

    /* The last answers: a reader who deletes a letter and types it again, or the contact form
       asking again for the same words, has them at once. */
    var answers = new Map();
    var KEPT_ANSWERS = 100;

    function find(text, limit) {
      var key = limit + " " + text;
      var answer = answers.get(key);
      if (answer === undefined) {
        answer = articlesFound(query(text), limit);
        answers.set(key, answer);
        if (answers.size > KEPT_ANSWERS) answers.delete(answers.keys().next().value);
      }
      return answer;
    }

    return { find: find, warmUp: warmUp };
  }

  return { create: create };
});
