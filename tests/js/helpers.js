/*
 * What the JavaScript tests share: the theme's scripts, loaded as Node modules (they are written
 * to load both as browser scripts and as modules), and what search needs from the Python side
 * (search_fixtures.py, run with the project's virtualenv): lunr.js and the lunr-languages
 * stemmers from the pinned packages, stop words, and index files as the build makes them.
 */
"use strict";

const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS = path.join(ROOT, "helpcenter", "theme", "assets", "javascripts");

/* A theme script, fresh: each test file gets its own copy, untouched by another. */
function theme(script) {
  const file = path.join(SCRIPTS, script);
  delete require.cache[require.resolve(file)];
  return require(file);
}

function python() {
  if (process.env.PYTHON) return process.env.PYTHON;
  const venv = path.join(ROOT, ".venv", "bin", "python");
  return fs.existsSync(venv) ? venv : "python3";
}

/* search_fixtures.py's answer for `request`: `{languages, indexes}` (see its docstring). */
function searchFixtures(request) {
  const output = execFileSync(python(), [path.join(__dirname, "search_fixtures.py")], {
    cwd: ROOT,
    input: JSON.stringify(request),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  });
  return JSON.parse(output);
}

/* A lunr of its own, with the stemmer scripts of `language` loaded, as the search worker has. */
function lunrFor(fixtures, language) {
  delete require.cache[require.resolve(fixtures.lunr)];
  const lunr = require(fixtures.lunr);
  for (const script of fixtures.stemmerScripts[language]) {
    require(path.join(fixtures.lunrLanguages, script))(lunr);
  }
  return lunr;
}

/* localStorage as the browser keeps it: strings, per origin, surviving a reload. */
class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

/* A storage that refuses everything, as some private modes do. */
const REFUSING = {
  getItem() { throw new Error("SecurityError"); },
  setItem() { throw new Error("QuotaExceededError"); },
  removeItem() { throw new Error("SecurityError"); }
};

/* Idempotency keys as a form makes them, numbered: key-1, key-2... */
function keys() {
  let made = 0;
  return () => `key-${++made}`;
}

/* Submissions of a form (forms.js's `submitter` in `forms`, with its draft in `store`, the
   fields' `values()` and its `outcome`) against an endpoint that answers each post with the
   next of `answers` (`"network"`: the answer is lost); `posted` lists the keys it was sent. */
function submissions(forms, { store, values, outcome, answers, makeKey = keys() }) {
  const posted = [];
  function post(key) {
    posted.push(key);
    const answer = answers.shift();
    return answer === "network"
      ? Promise.reject(new TypeError("Failed to fetch"))
      : Promise.resolve(answer);
  }
  return { store, posted, submit: forms.submitter(store, values, post, makeKey, outcome) };
}

module.exports = {
  ROOT, MemoryStorage, REFUSING, keys, submissions, theme, searchFixtures, lunrFor
};
