/*
 * Text analysis for search queries: the browser's twin of helpcenter/search/analysis.py (read
 * its docstring for the why). Both must give the same terms for every word; the tests check
 * vocabularies of several languages and the site's. Works as a browser script (`searchAnalysis`,
 * on the page and in the search worker) and as a Node module.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.searchAnalysis = factory();
  }
})(this, function () {
  "use strict";

  var LIGATURES = { "œ": "oe", "æ": "ae" };
  // A word: letters, combining marks (Arabic harakat, Devanagari vowel signs) and digits.
  var SEPARATOR = /[^\p{L}\p{M}\p{N}]+/u;
  var MARKS = /\p{Mn}/gu;
  var WORD = /([\p{L}\p{M}\p{N}]+)/u;

  function spellOut(text) {
    return text.toLowerCase().replace(/[œæ]/g, function (ligature) { return LIGATURES[ligature]; });
  }

  /* The words of a text, lowercase, in order (accents kept). */
  function words(text) {
    return spellOut(text).normalize("NFC").split(SEPARATOR).filter(Boolean);
  }

  /* Lowercase, without accents, other nonspacing marks (harakat) or ligatures, and composed
     again (Hangul syllables, which decompose into letters, not marks). */
  function fold(text) {
    return spellOut(text).normalize("NFD").replace(MARKS, "").normalize("NFC");
  }

  /* The stemmer the index file names (`stemmer`, see helpcenter/search/index.py): lunr.js's
     own for `en`, lunr-languages' `lunr.<code>.stemmer` for another code (its script loaded),
     none for null. */
  function stemmerOf(lunr, name) {
    if (name === null) return null;
    if (name === "en") return lunr.stemmer;
    if (!lunr[name] || typeof lunr[name].stemmer !== "function") {
      throw new Error("search: lunr." + name + ".stemmer is not loaded");
    }
    return lunr[name].stemmer;
  }

  /* The whole analysis for one language, once lunr (and its stemmer's script) is loaded: the
     index file's `language`, `stopWords` and `stemmer` (which defaults to the language's own
     lunr-languages stemmer, `lunr[language]`, for callers that leave it out). */
  function createAnalyzer(lunr, language, stopWords, stemmer) {
    var stemToken = stemmerOf(lunr, stemmer === undefined ? language : stemmer);
    var stop = new Set(stopWords);
    var stems = new Map();

    function stem(word) {
      if (!stemToken) return word;
      var known = stems.get(word);
      if (known === undefined) {
        known = stemToken(new lunr.Token(word)).toString();
        stems.set(word, known);
      }
      return known;
    }

    function keptWords(text) {
      return words(text).filter(function (word) { return !stop.has(fold(word)); });
    }

    function wordTerms(word) {
      var folded = fold(word);
      var plain = stem(folded);
      if (folded === word) return [plain];
      var accented = fold(stem(word));
      return accented === plain ? [plain] : [plain, accented];
    }

    return {
      stems: Boolean(stemToken),
      keptWords: keptWords,
      wordTerms: wordTerms,
      terms: function (text) {
        return keptWords(text).reduce(function (all, word) {
          return all.concat(wordTerms(word));
        }, []);
      }
    };
  }

  /* Text cut into words (odd positions) and what separates them (even positions), so that
     joining the parts gives the text back. */
  function parts(text) {
    return text.split(WORD);
  }

  /* A word matches a term it analyses to, or that its folded form starts with (a stem, a
     prefix). `analyzer` is optional: a landing page highlights without loading search. */
  function matcher(terms, analyzer) {
    var known = new Set(terms);
    return function (word) {
      if (analyzer && analyzer.wordTerms(word.toLowerCase()).some(function (term) {
        return known.has(term);
      })) return true;
      var folded = fold(word);
      return Array.from(known).some(function (term) {
        return term.length > 2 && folded.indexOf(term) === 0;
      });
    };
  }

  /* The distinct words of a text that match. */
  function matchingWords(text, matches) {
    var found = new Set();
    parts(text).forEach(function (part, position) {
      if (position % 2 === 1 && matches(part)) found.add(part);
    });
    return Array.from(found);
  }

  return {
    fold: fold,
    words: words,
    parts: parts,
    matcher: matcher,
    matchingWords: matchingWords,
    createAnalyzer: createAnalyzer
  };
});
