/*
 * Runs a search engine script as the site ships it (helpcenter/search/browser.py's
 * SearchEngineFile: the worker, lunr.js, the stemmer, the analyzer, the index maker, the engine)
 * in Node, as a browser runs it in a Web Worker: a global `self`, `fetch` for the index, messages.
 *
 * Reads one JSON object on stdin: `engine` (the script's source), `index` (the index file's
 * object), `texts` (to analyse: the terms of each, as the engine's own analyzer gives them) and
 * `queries` (to search, through the worker's messages: `[text, limit]`). Writes
 * `{stems, terms, results}` on stdout, `results` holding each query's articles' locations.
 */
"use strict";

const vm = require("vm");

function run(input) {
  const answers = new Map();
  const context = {
    location: { hash: "#" + encodeURIComponent("https://help.example/search/index.json") },
    fetch: () => Promise.resolve({ ok: true, json: () => Promise.resolve(input.index) }),
    postMessage: (message) => {
      if (message.error) throw new Error(message.error);
      answers.get(message.id)(message.articles);
    },
    setTimeout: setTimeout,
    console: console
  };
  context.self = context;
  vm.createContext(context);
  vm.runInContext(input.engine, context, { filename: "engine.js" });

  const analyzer = context.searchAnalysis.createAnalyzer(
    context.lunr, input.index.language, input.index.stopWords, input.index.stemmer);
  const terms = (input.texts || []).map((text) => analyzer.terms(text));

  let id = 0;
  function search(text, limit) {
    id += 1;
    const asked = id;
    return new Promise((resolve) => {
      answers.set(asked, resolve);
      context.onmessage({ data: { id: asked, text: text, limit: limit, asker: "test" + asked } });
    });
  }
  return (input.queries || []).reduce(
    (done, query) => done.then((results) => search(query[0], query[1]).then((articles) => {
      results.push(articles.map((article) => article.location));
      return results;
    })),
    Promise.resolve([])
  ).then((results) => ({ stems: analyzer.stems, terms: terms, results: results }));
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
