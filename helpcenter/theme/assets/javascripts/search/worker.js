/*
 * The search worker: loads the engine and the index, and answers every search, while the page
 * keeps answering the keyboard. A page runs the scripts it loads after the reader's keystrokes,
 * so an index made on the page was ready only once the reader paused.
 *
 * The build puts this file first in one script with lunr.js, the language's lunr-languages
 * stemmer if it has one (the index file names the stemmer to use: lunr.js's own for English,
 * none for a language lunr cannot stem), the analyzer, the index maker and the engine
 * (helpcenter/search/browser.py): one download, then the worker asks for the index, whose
 * address follows `#` in its own. The page sends `{id, text, limit, asker}` for each search;
 * the worker answers `{id, articles}` (`articles` is null for a search a later one from the
 * same asker replaced), or `{error}` when the index cannot load.
 */
(function () {
  "use strict";  // this part only: lunr and the stemmers follow in the same script

  var engine = null;

  /* Fetch the index and make the engine; the rest of this script (lunr, the stemmer, the engine)
     runs meanwhile. */
  function start(indexUrl) {
    return fetch(indexUrl).then(function (response) {
      if (!response.ok) throw new Error("search index: HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      engine = self.searchEngine.create(self.lunr, self.searchIndex, self.searchAnalysis, data);
    });
  }

  function failed(error) {
    self.postMessage({ error: String(error) });
  }

  var ready = start(decodeURIComponent(self.location.hash.slice(1)));
  ready.catch(failed);

  /* Searches not answered yet, the last of each asker: while the index loads, each keystroke
     replaces the search before it, and only the text typed by then is searched. */
  var pending = new Map();

  function answerPending() {
    pending.forEach(function (message) {
      self.postMessage({ id: message.id, articles: engine.find(message.text, message.limit) });
    });
    pending.clear();
    if (!warming) {
      warming = true;
      setTimeout(warmUp);
    }
  }

  /* After the first answer, step by step, the work later searches would wait for: a search
     waits for one step at most. */
  var warming = false;

  function warmUp() {
    if (engine.warmUp()) setTimeout(warmUp);
  }

  self.onmessage = function (event) {
    var message = event.data;
    var replaced = pending.get(message.asker);
    if (replaced) self.postMessage({ id: replaced.id, articles: null });
    pending.set(message.asker, message);
    // After the searches already sent: those that came while the index was made replace this one.
    ready.then(function () { setTimeout(answerPending); }).catch(failed);
  };
})();
