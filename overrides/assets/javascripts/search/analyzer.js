/*
 * Text analysis for search queries: the browser's twin of helpcenter/search/analysis.py (read
 * its docstring for the why). Both must give the same terms for every word; the tests check the
 * whole vocabulary. Works as a browser script (window.searchAnalysis) and as a Node module.
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
  var SEPARATOR = /[^\p{L}\p{N}]+/u;
  var MARKS = /\p{Mn}/gu;

  function spellOut(text) {
    return text.toLowerCase().replace(/[œæ]/g, function (ligature) { return LIGATURES[ligature]; });
  }

  /* The words of a text, lowercase, in order (accents kept). */
  function words(text) {
    return spellOut(text).normalize("NFC").split(SEPARATOR).filter(Boolean);
  }

  /* Lowercase, without accents or ligatures. */
  function fold(text) {
    return spellOut(text).normalize("NFD").replace(MARKS, "");
  }

  /* The whole analysis for one language, once lunr and its lunr-languages stemmer are loaded. */
  function createAnalyzer(lunr, language, stopWords) {
    var stemmer = lunr[language].stemmer;
    var stop = new Set(stopWords);
    var stems = new Map();

    function stem(word) {
      var known = stems.get(word);
      if (known === undefined) {
        known = stemmer(new lunr.Token(word)).toString();
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
      keptWords: keptWords,
      wordTerms: wordTerms,
      terms: function (text) {
        return keptWords(text).reduce(function (all, word) {
          return all.concat(wordTerms(word));
        }, []);
      }
    };
  }

  return { fold: fold, words: words, createAnalyzer: createAnalyzer };
});
