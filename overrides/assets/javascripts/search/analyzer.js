/*
 * Text analysis for search queries: the browser's twin of helpcenter/search/analysis.py.
 * Both must give the same terms for every word (the tests check the whole vocabulary).
 * Works as a browser script (window.searchAnalysis) and as a Node module.
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

  /* Lowercase, without accents or ligatures. */
  function fold(text) {
    return text
      .toLowerCase()
      .replace(/[œæ]/g, function (ligature) { return LIGATURES[ligature]; })
      .normalize("NFD")
      .replace(MARKS, "");
  }

  /* The folded words of a text, in order. */
  function words(text) {
    return fold(text).split(SEPARATOR).filter(Boolean);
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

    return {
      fold: fold,
      words: words,
      stem: stem,
      isStopWord: function (word) { return stop.has(word); },
      terms: function (text) {
        return words(text).filter(function (word) { return !stop.has(word); }).map(stem);
      }
    };
  }

  return { fold: fold, words: words, createAnalyzer: createAnalyzer };
});
