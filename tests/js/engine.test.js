/*
 * The search engine (search/engine.js over search/index.js), on index files the build makes
 * (helpcenter.search.index.build_index, through search_fixtures.py): what a reader's words find,
 * in which order, and what a result says. The browser test compares the index itself with
 * lunr.py's (tests/browser/test_search.py); this one is about the queries.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { theme, searchFixtures, lunrFor } = require("./helpers.js");

const FRENCH = [
  {
    location: "shipping/create-label/",
    title: "Créer une étiquette d'expédition",
    description: "Imprimer l'étiquette d'un colis depuis votre compte.",
    headings: [["printers", "Imprimantes thermiques"], ["formats", "Formats d'étiquette acceptés"]],
    body: "Choisissez le transporteur, puis imprimez."
  },
  {
    location: "shipping/claims/",
    title: "Faire une réclamation",
    body: "Un colis abîmé ou perdu : ouvrez une réclamation sous trente jours."
  },
  {
    location: "shipping/tracking/",
    title: "Suivre un colis",
    body: "Le numéro de suivi arrive par e-mail dès le départ du colis."
  },
  // `douane` once in a text, several times in a text, in a heading, in a title.
  {
    location: "shipping/abroad/",
    title: "Envoyer à l'étranger",
    body: "Hors de l'Union, la douane contrôle les envois."
  },
  {
    location: "shipping/forms/",
    title: "Formulaires",
    body: "La douane demande des formulaires : douane, douane et douane."
  },
  {
    location: "shipping/duties/",
    title: "Payer les droits",
    headings: [["customs", "Passer la douane"]],
    body: "Les droits sont dus à l'arrivée."
  },
  { location: "shipping/customs/", title: "La douane", body: "Ce qu'il faut savoir." },
  // A longer word of the same stem, `douani`.
  {
    location: "shipping/broker/",
    title: "Passer par un transitaire",
    headings: [["agent", "Le transitaire douanier"]],
    body: "Il agit pour vous."
  }
];
const ITALIAN = [
  { location: "billing/payment/", title: "Metodi di pagamento", body: "Carta o bonifico." },
  { location: "shipping/tracking/", title: "Tracciare un pacco", body: "Il numero del pacco." },
  { location: "team/payroll/", title: "Le paghe del personale", body: "Gli stipendi." }
];

const fixtures = searchFixtures({
  languages: ["fr", "it"],
  indexes: {
    fr: { language: "fr", pages: FRENCH },
    it: { language: "it", pages: ITALIAN }
  }
});

function engine(language) {
  return theme("search/engine.js").create(
    lunrFor(fixtures, language),
    theme("search/index.js"),
    theme("search/analyzer.js"),
    fixtures.indexes[language]
  );
}

const french = engine("fr");

function found(text, search = french) {
  return search.find(text, 10).map((article) => article.location);
}

test("the word being typed is completed: its start finds the whole word", () => {
  assert.deepEqual(found("etiq"), ["shipping/create-label/"]);
  assert.deepEqual(found("réclama"), ["shipping/claims/"]);
  assert.ok(found("doua").includes("shipping/customs/"));  // `douane`
  assert.ok(found("doua").includes("shipping/broker/"));  // `douanier`
  // A start longer than the stem it extends: `pagamen` is on its way to `pagamento` (`pag`).
  assert.deepEqual(found("pagamen", engine("it")), ["billing/payment/"]);
});

test("a word typed whole is not completed into longer ones", () => {
  // `douane` is a word of the index (`douan`): not the start of `douanier` (`douani`).
  assert.ok(!found("douane").includes("shipping/broker/"));
  assert.deepEqual(found("douane"), found("douane "));
});

test("only the last word, and only while it is typed, is completed", () => {
  // A space after it: the reader has finished the word.
  assert.deepEqual(found("etiq "), []);
  // `etiq` is not the last word: only `suivi` is searched for.
  assert.deepEqual(found("etiq suivi"), ["shipping/tracking/"]);
  assert.deepEqual(found("suivi etiq"), ["shipping/create-label/", "shipping/tracking/"]);
});

test("a word of five letters or more finds its stem with one typo", () => {
  // `reclam`, the stem of `réclamation`, typed with a letter replaced, left out, added, or two
  // letters swapped.
  for (const typo of ["rexlamation ", "rclamation ", "recllamation ", "rcelamation "]) {
    assert.deepEqual(found(typo), ["shipping/claims/"], typo);
  }
  // The closest stem wins: `pag` (`pagamento`) starts `pagaxento` as typed; `pagh` (`paghe`) is
  // one letter away from its start.
  const italian = engine("it");
  assert.deepEqual(found("pagaxento ", italian), ["billing/payment/"]);
  assert.deepEqual(found("paghx ", italian), ["team/payroll/"]);
  // One letter away from a stem of three letters is noise: luggage is not about payments.
  assert.deepEqual(found("bagaglio ", italian), []);
  // Four letters are too few to guess from: `sivi` is one letter away from `suiv` (`suivi`).
  assert.deepEqual(found("sivi "), []);
});

test("a word that matches nothing, even with a typo, finds nothing rather than everything", () => {
  assert.deepEqual(found("xyzzy "), []);
  assert.deepEqual(found("xyzzy"), []);
  // Only stop words: nothing to search for.
  assert.deepEqual(found("le la les "), []);
});

test("a word in a title ranks above one in a heading, above one in the text", () => {
  assert.deepEqual(found("douane "), [
    "shipping/customs/",  // title
    "shipping/duties/",  // heading
    "shipping/forms/",  // text, four times
    "shipping/abroad/"  // text, once
  ]);
});

test("a result links to the section whose heading matched, with the words to highlight", () => {
  const [article] = french.find("etiq", 10);
  assert.equal(article.title, "Créer une étiquette d'expédition");
  assert.equal(article.summary, "Imprimer l'étiquette d'un colis depuis votre compte.");
  assert.deepEqual(article.section, ["formats", "Formats d'étiquette acceptés"]);
  assert.deepEqual(article.terms, ["etiquet"]);
  assert.deepEqual(article.words, ["étiquette"]);
  const [claims] = french.find("reclamation colis ", 10);
  assert.equal(claims.location, "shipping/claims/");
  assert.equal(claims.section, null);  // no heading matched: the article's top
  assert.deepEqual(claims.words, ["réclamation", "colis"]);  // from the title, then the summary
});

test("at most `limit` articles, the best first", () => {
  const all = found("colis ");
  assert.equal(all.length, 3);
  assert.deepEqual(
    french.find("colis ", 2).map((article) => article.location),
    all.slice(0, 2)
  );
});

test("the warm-up ends, and a warmed-up engine finds what a fresh one finds", () => {
  const warm = engine("fr");
  let steps = 0;
  while (warm.warmUp()) {
    steps += 1;
    assert.ok(steps < 1000, "the warm-up never ends");
  }
  assert.ok(steps > 0);
  for (const text of ["etiq", "douane ", "reclanation ", "suivi colis"]) {
    assert.deepEqual(found(text, warm), found(text, engine("fr")), text);
  }
});
