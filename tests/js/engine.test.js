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
    body: "Un colis abîmé ou perdu : ouvrez une réclamation sous trente jours après l'expédition."
  },
  {
    location: "shipping/tracking/",
    title: "Suivre un colis",
    body: "Le numéro de suivi arrive par e-mail dès l'expédition du colis."
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
    body: "Il agit pour vous à chaque expédition."
  },
  // `expédition` in the text only, as in most pages, with `expédiez` and `expédier` (`exped`),
  // which no other page has.
  {
    location: "shipping/carriers/",
    title: "Transporteurs connectés",
    body: "Expédiez avec le transporteur de votre choix : chaque expédition part le jour même. " +
      "Vous pouvez expédier le samedi, et expédier à l'étranger."
  },
  // `post` in a title, `port` in a text: `poxte` is as close to each.
  { location: "shipping/post-office/", title: "Déposer au bureau de poste", body: "Au guichet." },
  { location: "shipping/delivery/", title: "Livraison", body: "Le livreur sonne à la porte." },
  // A word deep in a long text, and nowhere else.
  {
    location: "account/security/",
    title: "Sécuriser votre compte",
    description: "Les bons réflexes pour protéger l'accès à votre espace.",
    body: "Choisissez un mot de passe long et unique, que vous n'utilisez sur aucun autre site. " +
      "Changez-le sans attendre si vous pensez qu'une autre personne le connaît. Pour aller " +
      "plus loin, activez l'authentification à deux facteurs dans les réglages : à chaque " +
      "connexion depuis un nouvel appareil, un code à usage unique vous arrive par SMS. " +
      "Si vous changez de numéro, mettez-le à jour dans votre profil avant de résilier " +
      "l'ancien. Gardez vos codes de secours en lieu sûr : ils vous permettent de vous " +
      "connecter si vous perdez votre téléphone."
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

/* A passage quoted from a page's text is made of whole words of it. */
function assertWholeWords(passage, location) {
  const text = FRENCH.find((page) => page.location === location).body.split(" ");
  for (const word of passage.replace(/^… | …$/g, "").split(" ")) {
    assert.ok(text.includes(word), `${word} is not a whole word of the text`);
  }
}

/* What the search worker does: a search, the text files it wants given, the search again. */
function findAll(text, limit, search = french, language = "fr") {
  const first = search.find(text, limit);
  for (const name of first.wanted) search.addTexts(name, fixtures.files[language][name]);
  return search.find(text, limit);
}

const french = engine("fr");

function found(text, search = french) {
  return search.find(text, 10).articles.map((article) => article.location);
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

test("a stop word being typed alone is the start of the words it begins, else a stop word", () => {
  // `en` may be on its way to `envoyer`; once followed by a space, or beside another word, it is
  // the stop word.
  assert.ok(found("en").includes("shipping/abroad/"));
  assert.ok(found("En").includes("shipping/abroad/"));
  assert.deepEqual(found("en "), []);
  assert.deepEqual(found("douane en"), found("douane "));
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

test("a typo in the middle of a word finds the closest stem, not every stem near it", () => {
  // `expédxtion`: `expedit` (`expédition`) is one letter from its start, with `ion` past it;
  // `exped` (`expédiez`, `expédier`) starts it, with `xtion` past it. Only the closest is
  // searched: the page with both in its text does not come before the title.
  assert.deepEqual(found("expédxtion "), found("expédition "));
  assert.equal(found("expédxtion ")[0], "shipping/create-label/");
  // Still being typed, the word's start is no closer to `exped`.
  assert.equal(found("expédxt")[0], "shipping/create-label/");
});

test("between guesses as close, the stem a title has wins", () => {
  assert.deepEqual(found("poste "), ["shipping/post-office/"]);
  assert.deepEqual(found("porte "), ["shipping/delivery/"]);
  // `poxte`: one letter from both `post` and `port`, with one letter past them.
  assert.deepEqual(found("poxte "), ["shipping/post-office/"]);
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
  const [article] = french.find("etiq", 10).articles;
  assert.equal(article.title, "Créer une étiquette d'expédition");
  assert.equal(article.summary, "Imprimer l'étiquette d'un colis depuis votre compte.");
  assert.deepEqual(article.section, ["formats", "Formats d'étiquette acceptés"]);
  assert.deepEqual(article.terms, ["etiquet"]);
  assert.deepEqual(article.words, ["étiquette"]);
  const [claims] = french.find("reclamation colis ", 10).articles;
  assert.equal(claims.location, "shipping/claims/");
  assert.equal(claims.section, null);  // no heading matched: the article's top
  assert.deepEqual(claims.words, ["réclamation", "colis"]);  // from the title, then the summary
});

test("at most `limit` articles, the best first, and how many match in all", () => {
  const all = found("colis ");
  assert.equal(all.length, 3);
  const firstTwo = french.find("colis ", 2);
  assert.deepEqual(firstTwo.articles.map((article) => article.location), all.slice(0, 2));
  assert.equal(firstTwo.total, 3);
  // Asking for more gives the same first ones, then the next.
  assert.deepEqual(french.find("colis ", 3).articles.map((article) => article.location), all);
  assert.equal(french.find("colis ", 1).total, 3);
});

test("a result that matched only in its text quotes the passage around the words", () => {
  const search = engine("fr");
  // Before its text file is given: the summary, and the file is wanted.
  const before = search.find("authentification ", 10);
  assert.equal(before.articles[0].snippet, null);
  assert.equal(before.wanted.length, 1);
  const [article] = findAll("authentification ", 10, search).articles;
  assert.equal(article.location, "account/security/");
  assert.match(article.snippet, /^… .*l'authentification à deux facteurs.* …$/);
  assert.ok(article.snippet.length <= 170, article.snippet);
  assert.ok(!article.snippet.includes("mot de passe"));  // the start of the text is left out
  assertWholeWords(article.snippet, article.location);
  assert.deepEqual(article.words, ["authentification"]);
  // Once given, a file is not wanted again.
  assert.deepEqual(search.find("authentification ", 10).wanted, []);
});

test("the passage is the one with the most of the words, and whole words", () => {
  const [article] = findAll("codes secours ", 10).articles;
  // `code` comes first (`un code à usage unique`), but `codes de secours` has both.
  assert.match(article.snippet, /^… .*codes de secours/);
  assert.doesNotMatch(article.snippet, /usage unique/);
  assert.deepEqual(article.words, ["codes", "secours"]);
  assertWholeWords(article.snippet, article.location);
});

test("a result whose title, section or summary matched shows them, not a passage", () => {
  const [article] = findAll("expédition ", 10).articles;
  assert.equal(article.location, "shipping/create-label/");
  assert.equal(article.snippet, null);
  assert.deepEqual(article.words, ["expédition"]);
});

test("a text file that could not be loaded leaves the summary", () => {
  const search = engine("fr");
  const { wanted } = search.find("authentification ", 10);
  search.addTexts(wanted[0], null);
  const again = search.find("authentification ", 10);
  assert.equal(again.articles[0].snippet, null);
  assert.equal(again.articles[0].summary, "Les bons réflexes pour protéger l'accès à votre espace.");
  assert.deepEqual(again.wanted, []);
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
