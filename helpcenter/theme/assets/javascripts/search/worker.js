/*
 * The search worker: loads the engine and the index, and answers every search, while the page
 * keeps answering the keyboard. A page runs the scripts it loads after the reader's keystrokes,
 * so an index made on the page was ready only once the reader paused.
 *
 * The build puts this file first in one script with lunr.js, the language's lunr-languages
 * stemmer if it has one (the index file names the stemmer to use: lunr.js's own for English,
 * none for a language lunr cannot stem), the analyzer, the index maker and the engine
 * (helpcenter/search/browser.py): one download, then the worker asks for the index, whose
 * address follows `#` in its own, followed by `&` and the words of a shared link `?q=` when the
 * page was opened from one (partials/helpcenter/search-start.html starts the worker as the page
 * loads): those are searched as soon as the index is in, and answered as search 0 (`asker`
 * "link"), which the page keeps for search.js. Results come without waiting for the page's own
 * scripts, or for a message from a page still busy running them.
 *
 * The page sends `{id, text, limit, asker, fallbacks}` for each search. The worker answers
 * `{id, total, articles, final}`: how many articles match, the best `limit`, and whether this is
 * the last answer to that search. A split index (helpcenter/search/index.py) first loads the
 * files of the postings and the results the search needs, then answers: each keystroke's search
 * starts loading those of the word being typed (a search that needs many, a word of a letter or
 * two after another, once the reader pauses; alone, such a word loads the small file of its first
 * results, which the build ranked), and they stay for the searches after. An answer
 * that waits for nothing more is the last; otherwise the worker answers at once with what it
 * has, loads what is missing, and answers again:
 * - the text files of results that matched only in their text, to quote it (see engine.js);
 * - when the reader's language finds fewer than FEW articles, the index of the untranslated
 *   articles it shows, for each language they are written in (the index's `fallbacks`), with
 *   the stemmer files that language needs: their articles follow, each with its `language`
 *   (unless `fallbacks` is false).
 * Whatever fails to load is done without. `articles` is null for a search a later one from
 * the same asker replaced; `{error}` says the index cannot load.
 */
(function () {
  "use strict";  // this part only: lunr and the stemmers follow in the same script

  // Fewer articles than this in the reader's language: the untranslated articles are searched.
  var FEW = 5;
  // A search that needs more files of a split index than this to search (a word being typed
  // after another may complete to a large part of the index), or the file of every term for
  // typo guesses (a word being typed may find nothing until its next letter), loads them only
  // once the reader has paused this long (ms) without another keystroke: longer than between
  // two keys of a reader typing on, which even a slow typist's come within; but a word being
  // typed loads the files of its own terms at once, in case it is whole.
  var EAGER_FILES = 2;
  var TYPING_PAUSE = 500;
  // The results a page asks for first (search.js's PAGE): a shared link's first answer.
  var FIRST_RESULTS = 10;

  var main = null;  // the language's own search: {engine, url}
  var fallbacks = [];  // {language, url, scripts, engine, loading, failed} by the index's order
  var loads = new Map();  // a file's address: its loading

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error("search: " + url + ": HTTP " + response.status);
      return response.json();
    });
  }

  function engineOf(data) {
    return self.searchEngine.create(self.lunr, self.searchIndex, self.searchAnalysis, data);
  }

  /* Fetch the index and make the engine; the rest of this script (lunr, the stemmer, the engine)
     runs meanwhile. */
  function start(indexUrl) {
    return fetchJson(indexUrl).then(function (data) {
      main = { engine: engineOf(data), url: indexUrl };
      fallbacks = (data.fallbacks || []).map(function (fallback) {
        return {
          language: fallback.language,
          url: new URL(fallback.index, indexUrl).href,
          scripts: fallback.scripts.map(function (script) {
            return new URL(script, indexUrl).href;
          }),
          engine: null,
          loading: null,
          failed: false
        };
      });
    });
  }

  /* The untranslated articles' index, its stemmer loaded first; once, when first needed. */
  function loadFallback(fallback) {
    if (!fallback.loading) {
      fallback.loading = fetchJson(fallback.url).then(function (data) {
        if (fallback.scripts.length) self.importScripts.apply(self, fallback.scripts);
        fallback.engine = engineOf(data);
      }).catch(function () {
        fallback.failed = true;
      });
    }
    return fallback.loading;
  }

  /* A file a search's index (`source`) names, handed to `use` once loaded, once. */
  function load(source, name, use) {
    var url = new URL(name, source.url).href;
    if (!loads.has(url)) loads.set(url, fetchJson(url).then(use));
    return loads.get(url);
  }

  /* A text file: without it, results show their summary. */
  function loadTexts(source, name) {
    return load(source, name, function (documents) {
      source.engine.addTexts(name, documents);
    }).catch(function () {
      source.engine.addTexts(name, null);
    });
  }

  /* The files of a split index a search needs before it answers. */
  function loadShards(source, names) {
    return names.map(function (name) {
      return load(source, name, function (content) { source.engine.addShard(name, content); });
    });
  }

  /* What can be answered now, and what to wait for before answering again; `partial` when
     nothing can be answered before, `pausing` when that is a typing pause (unless `paused`:
     the reader has paused since the search came). */
  function search(text, limit, withFallbacks, paused) {
    var own = main.engine.find(text, limit);
    if (own.searching && (own.guessing || own.missing.length > EAGER_FILES) && !paused) {
      // A word being typed may be whole: its own files load now, the rest once it is not.
      var typed = own.guessing ? [] : own.typed || [];
      if (typed.length && typed.length <= EAGER_FILES) {
        return { waits: loadShards(main, typed), partial: true };
      }
      return { waits: [new Promise(function (resolve) { setTimeout(resolve, TYPING_PAUSE); })],
               partial: true, pausing: true };
    }
    if (own.missing.length) return { waits: loadShards(main, own.missing), partial: true };
    var total = own.total;
    var articles = own.articles;
    var waits = own.wanted.map(function (name) { return loadTexts(main, name); });
    if (withFallbacks && own.total < FEW) {
      fallbacks.forEach(function (fallback) {
        if (fallback.failed) return;
        if (!fallback.engine) {
          waits.push(loadFallback(fallback));
          return;
        }
        var found = fallback.engine.find(text, Math.max(0, limit - articles.length));
        if (found.missing.length) {
          waits.push(Promise.all(loadShards(fallback, found.missing)).catch(function () {
            fallback.failed = true;
          }));
          return;
        }
        total += found.total;
        articles = articles.concat(found.articles.map(function (article) {
          article.language = fallback.language;
          return article;
        }));
        found.wanted.forEach(function (name) { waits.push(loadTexts(fallback, name)); });
      });
    }
    return { total: total, articles: articles, waits: waits, partial: false };
  }

  function failed(error) {
    self.postMessage({ error: String(error) });
  }

  var address = self.location.hash.slice(1).split("&").map(decodeURIComponent);
  var ready = start(address[0]);
  ready.catch(failed);

  /* Searches not answered yet, the last of each asker: while the index loads, each keystroke
     replaces the search before it, and only the text typed by then is searched. */
  var pending = new Map();
  var latest = new Map();  // each asker's last search

  function answer(message) {
    var found = search(
      message.text, message.limit, message.fallbacks !== false, Boolean(message.paused));
    if (found.pausing) message.paused = true;
    var final = !found.waits.length;
    if (!found.partial) {
      self.postMessage({
        id: message.id, total: found.total, articles: found.articles, final: final
      });
    }
    if (final) return;
    Promise.all(found.waits).then(function () {
      replaced(message) || answer(message);
    }).catch(failed);
  }

  /* Whether a later search from the same asker replaced this one (then answered as such). */
  function replaced(message) {
    if (latest.get(message.asker) === message) return false;
    self.postMessage({ id: message.id, articles: null, final: true });
    return true;
  }

  function answerPending() {
    pending.forEach(answer);
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
    if (main.engine.warmUp()) setTimeout(warmUp);
  }

  /* A shared link's words: searched at once, as search 0 (see the top of this file). */
  if (address[1]) {
    var link = { id: 0, text: address[1], limit: FIRST_RESULTS, asker: "link", paused: true };
    latest.set(link.asker, link);
    ready.then(function () { answer(link); }, function () {});
  }

  self.onmessage = function (event) {
    var message = event.data;
    var replaced = pending.get(message.asker);
    if (replaced) self.postMessage({ id: replaced.id, articles: null, final: true });
    pending.set(message.asker, message);
    latest.set(message.asker, message);
    // After the searches already sent: those that came while the index was made replace this one.
    ready.then(function () { setTimeout(answerPending); }).catch(failed);
  };
})();
