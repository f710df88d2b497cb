/*
 * Runs a search engine script as the site ships it (helpcenter/search/browser.py's
 * SearchEngineFile: the worker, lunr.js, the stemmer, the analyzer, the index maker, the engine)
 * in Node, as a browser runs it in a Web Worker: a global `self`, `fetch` for the index and the
 * files it names, `importScripts` for the stemmers of other languages, messages.
 *
 * Reads one JSON object on stdin: `engine` (the script's source), `index` (the index file's
 * object), `files` (the other files of the search, by name beside the index), `failing` (names
 * whose download fails), `lunrLanguages` (where the lunr-languages scripts are), `texts` (to
 * analyse: the terms of each, as the engine's own analyzer gives them) and `queries` (to search,
 * through the worker's messages: `[text, limit]`, or `[text, limit, options]`, `options` being
 * the message's own (`{fallbacks: false}`) and `typedBefore`, see `search`) and `rankings` (texts
 * to rank over the whole `index`: every result, `[ref, score]`, by rank). Writes `{stems, terms,
 * results, answers, loaded, reactions, rankings}` on stdout: `results` holding each query's
 * articles' locations, `answers` each query's last answer (`{total, articles}`), `loaded` the
 * names of the files and scripts loaded after the index, by the end of each query.
 */
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const BASE = "https://help.example/search/";
const INDEX = BASE + "index.json";

function run(input) {
  const answers = new Map();
  const loaded = [];
  const files = input.files || {};
  const failing = new Set(input.failing || []);
  let reacting = null;  // see `search`
  function react() {
    if (reacting) reacting();
    reacting = null;
  }
  const context = {
    location: { hash: "#" + encodeURIComponent(INDEX) },
    fetch: (url) => {
      react();
      if (url === INDEX) return Promise.resolve({ ok: true, json: () => Promise.resolve(input.index) });
      const name = url.startsWith(BASE) ? url.slice(BASE.length) : url;
      loaded.push(name);
      const found = !failing.has(name) && Object.prototype.hasOwnProperty.call(files, name);
      return Promise.resolve({
        ok: found,
        status: found ? 200 : 404,
        json: () => Promise.resolve(files[name])
      });
    },
    importScripts: (...urls) => {
      for (const url of urls) {
        const name = path.posix.relative(BASE, url);
        loaded.push(name);
        if (failing.has(name)) throw new Error("NetworkError: " + name);  // as a browser throws
        const file = path.join(input.lunrLanguages, path.posix.basename(url));
        vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
      }
    },
    postMessage: (message) => {
      if (message.error) throw new Error(message.error);
      if (message.final) answers.get(message.id)(message);
    },
    URL: URL,
    setTimeout: (callback, delay) => {
      if (delay > 0) react();  // the worker waits for the reader to pause
      return setTimeout(callback, delay);
    },
    console: console
  };
  context.self = context;
  vm.createContext(context);
  vm.runInContext(input.engine, context, { filename: "engine.js" });

  /* Every result of each text, by an engine of its own over the (whole) index. */
  function rankings(texts) {
    if (!texts.length) return [];
    const engine = context.searchEngine.create(
      context.lunr, context.searchIndex, context.searchAnalysis, input.index);
    return texts.map((text) => engine.ranking(text));
  }
  const analyzer = context.searchAnalysis.createAnalyzer(
    context.lunr, input.index.language, input.index.stopWords, input.index.stemmer);
  const terms = (input.texts || []).map((text) => analyzer.terms(text));

  let id = 0;
  function send(text, limit, asker, options) {
    id += 1;
    const asked = id;
    return new Promise((resolve) => {
      answers.set(asked, resolve);
      const message = { id: asked, text: text, limit: limit, asker: asker };
      context.onmessage({ data: Object.assign(message, options) });
    });
  }
  /* The keystrokes `typedBefore` the query's text, from the same asker, each once the worker
     has reacted to the one before (by loading a file, waiting for a pause, or answering), as a
     reader typing on: the files each loaded by then go to `output.reactions`. */
  function search(text, limit, options) {
    const asker = "test" + (id + 1);
    const typed = (options && options.typedBefore) || [];
    return typed.reduce((done, keystroke) => done.then(() => {
      const before = loaded.length;
      return new Promise((resolve) => {
        reacting = resolve;
        send(keystroke, limit, asker).then(() => react());
      }).then(() => output.reactions.push(loaded.slice(before)));
    }), Promise.resolve()).then(() => send(text, limit, asker, options));
  }
  const output = { results: [], answers: [], loaded: [], reactions: [] };
  return (input.queries || []).reduce(
    (done, query) => done.then(() => search(query[0], query[1], query[2]).then((answer) => {
      output.results.push(answer.articles.map((article) => article.location));
      output.answers.push({ total: answer.total, articles: answer.articles });
      output.loaded.push(loaded.slice());
    })),
    Promise.resolve()
  ).then(() => Object.assign(output, {
    stems: analyzer.stems,
    terms: terms,
    rankings: rankings(input.rankings || [])
  }));
}

let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  run(JSON.parse(text)).then(
    // Now, not once the worker's warm-up is over.
    (output) => process.stdout.write(JSON.stringify(output), () => process.exit(0)),
    (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); }
  );
});
