/*
 * The browser's text analysis (search/analyzer.js), on its own: how words are cut, folded,
 * dropped and stemmed, and which words of a result are highlighted. That it gives the build's
 * terms for whole vocabularies is checked from Python (tests/search/test_browser_analysis.py).
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { theme, searchFixtures, lunrFor } = require("./helpers.js");

const analysis = theme("search/analyzer.js");
const fixtures = searchFixtures({ languages: ["fr", "es", "en", "pl"] });

function analyzer(language, stemmer) {
  return analysis.createAnalyzer(
    lunrFor(fixtures, language), language, fixtures.stopWords[language], stemmer);
}

test("fold lowercases and removes accents, ligatures and other marks, nothing else", () => {
  assert.equal(analysis.fold("Réclamation ÉTIQUETTE"), "reclamation etiquette");
  assert.equal(analysis.fold("Œuvre ÆSIR"), "oeuvre aesir");
  assert.equal(analysis.fold("più envío"), "piu envio");
  assert.equal(analysis.fold("الْحِسَابُ"), "الحساب");  // harakat are marks too
  assert.equal(analysis.fold("한국어"), "한국어");  // Hangul decomposes into letters: composed again
});

test("words split on apostrophes, hyphens and punctuation, and keep marks and digits", () => {
  assert.deepEqual(
    analysis.words("L'abonnement d’expédition, pré-payé! 3D खाते"),
    ["l", "abonnement", "d", "expédition", "pré", "payé", "3d", "खाते"]
  );
  // Accents typed as combining marks (as some keyboards do) come out composed.
  assert.deepEqual(analysis.words("Expe\u0301dition"), ["expédition"]);
});

test("parts alternate separators and words, and join back into the text", () => {
  const text = "L'étiquette, vite.";
  const parts = analysis.parts(text);
  assert.deepEqual(parts, ["", "L", "'", "étiquette", ", ", "vite", "."]);
  assert.equal(parts.join(""), text);
});

test("stop words are dropped as the reader may type them, elided articles included", () => {
  const french = analyzer("fr");
  assert.deepEqual(
    french.keptWords("Les étiquettes et l'étiquette d'expédition"),
    ["étiquettes", "étiquette", "expédition"]
  );
  assert.deepEqual(french.terms("Les étiquettes et l'étiquette"), ["etiquet", "etiquet"]);
  assert.deepEqual(french.terms("le la les et à"), []);
});

test("a word gives the stem of its accent-free spelling, then the stem of it as written", () => {
  const spanish = analyzer("es");
  assert.deepEqual(spanish.terms("la reclamación"), ["reclamacion", "reclam"]);
  assert.deepEqual(spanish.terms("reclamacion"), ["reclamacion"]);
  assert.deepEqual(spanish.terms("reclamaciones"), ["reclam"]);
  // Both spellings stem alike: one term.
  assert.deepEqual(analyzer("fr").terms("réclamation"), ["reclam"]);
});

test("the index names the stemmer: lunr's own for en, none for a language without one", () => {
  const english = analyzer("en");
  assert.equal(english.stems, true);
  assert.deepEqual(english.terms("Shipping the parcels"), ["ship", "parcel"]);
  const polish = analyzer("pl", null);
  assert.equal(polish.stems, false);
  assert.deepEqual(polish.terms("Zwrot zamówienia"), ["zwrot", "zamowienia"]);
  // Left out, the stemmer is the language's own.
  assert.deepEqual(analyzer("fr", undefined).terms("étiquettes"), ["etiquet"]);
});

test("a stemmer whose script is not loaded is an error, not a silent whole-word search", () => {
  const lunr = lunrFor(fixtures, "pl");
  assert.throws(
    () => analysis.createAnalyzer(lunr, "de", [], "de"),
    { message: "search: lunr.de.stemmer is not loaded" }
  );
});

test("a result's words match by their terms, or by starting with a term of 3 letters or more",
  () => {
    const french = analyzer("fr");
    const matches = analysis.matcher(["etiquet"], french);
    assert.equal(matches("Étiquettes"), true);
    assert.equal(matches("étiqueté"), true);
    assert.equal(matches("colis"), false);
    // Without the analyzer (a landing page's `?h=`): prefixes only, and not of two letters.
    assert.equal(analysis.matcher(["abon"], null)("Abonnement"), true);
    assert.equal(analysis.matcher(["ab"], null)("abonnement"), false);
    assert.equal(analysis.matcher(["reclam"], null)("colis"), false);
    // The analyzer finds what no prefix does: a stem that rewrites the word's letters.
    assert.equal(analysis.matcher(["deliveri"], analyzer("en"))("Delivery"), true);
    assert.equal(analysis.matcher(["deliveri"], null)("Delivery"), false);
  });

test("the matching words of a text are listed once each, as written", () => {
  const matches = analysis.matcher(["etiquet"], analyzer("fr"));
  assert.deepEqual(
    analysis.matchingWords("Étiquette, étiquettes et Étiquette du colis", matches),
    ["Étiquette", "étiquettes"]
  );
});
