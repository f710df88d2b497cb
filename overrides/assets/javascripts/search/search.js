/*
 * The header search box: Material's look, our own prebuilt per-language lunr index.
 *
 * Nothing is downloaded until the reader focuses the box (or opens a `?q=` link): then lunr.js,
 * the language's stemmer, the analyzer and the index are fetched once, and every keystroke is
 * answered from memory. Results: the matching articles, with the matched words highlighted, each
 * linking to its section whose heading matched; `?h=` on the result link highlights the words
 * again on the article and scrolls to the first.
 */
(function () {
  "use strict";

  var configElement = document.getElementById("hc-search-config");
  var input = document.querySelector("[data-hc-search-input]");
  if (!configElement || !input) return;

  var config = JSON.parse(configElement.textContent);
  var toggle = document.getElementById("__search");
  var form = input.form;
  var meta = document.querySelector("[data-hc-search-meta]");
  var list = document.querySelector("[data-hc-search-list]");
  var MAX_RESULTS = 10;
  var TYPO_MIN_LENGTH = 5;
  var MAX_ENDING = 6;  // the longest ending a stemmer removes that we still match past
  var loading = null;
  var search = null;

  function resolve(path) {
    return new URL(path, document.baseURI).href;
  }

  /* Scripts added with async = false download in parallel and still run in order. */
  function loadScript(path) {
    return new Promise(function (resolveLoad, reject) {
      var script = document.createElement("script");
      script.async = false;
      script.src = resolve(path);
      script.onload = resolveLoad;
      script.onerror = function () { reject(new Error("could not load " + path)); };
      document.head.appendChild(script);
    });
  }

  /* Fetch everything search needs, once, in parallel with the scripts. */
  function load() {
    if (loading) return loading;
    var index = fetch(resolve(config.index)).then(function (response) {
      if (!response.ok) throw new Error("search index: HTTP " + response.status);
      return response.json();
    });
    var scripts = Promise.all(config.scripts.map(loadScript));
    loading = Promise.all([index, scripts]).then(function (loaded) {
      var data = loaded[0];
      var index = window.searchIndex.load(window.lunr, data);
      search = {
        index: index,
        vocabulary: Object.keys(index.invertedIndex),
        docs: data.docs,
        analyzer: window.searchAnalysis.createAnalyzer(window.lunr, data.language, data.stopWords)
      };
      return search;
    });
    loading.catch(function () {
      loading = null;
      showMeta(config.translations.unavailable);
    });
    return loading;
  }

  /*
   * Query the index in two passes.
   * 1. Every word's terms; the last word, while it is typed, also completes (`etiq` finds
   *    `etiquet`). The stem of a word still being typed is only used when it is a prefix of it:
   *    a stemmer that rewrites letters is stemming a fragment, not a word.
   * 2. Only when that finds nothing: for the last word, stems it may already extend (`pagamen`,
   *    `pag`); for each word of five letters or more, stems one typo away.
   */
  function query(text) {
    var analyzer = search.analyzer;
    var words = analyzer.keptWords(text);
    if (!words.length) return [];
    var typing = !/\s$/.test(text);
    var wildcard = window.lunr.Query.wildcard.TRAILING;
    var results = search.index.query(function (q) {
      words.forEach(function (word, position) {
        var folded = window.searchAnalysis.fold(word);
        var last = typing && position === words.length - 1;
        analyzer.wordTerms(word).forEach(function (term) {
          if (last && folded.indexOf(term) !== 0) return;
          q.term(term, { usePipeline: false, boost: 10 });
          if (last) q.term(term, { usePipeline: false, wildcard: wildcard });
        });
        if (last) q.term(folded, { usePipeline: false, wildcard: wildcard, boost: 5 });
      });
    });
    if (results.length) return results;
    var guesses = [];
    words.forEach(function (word, position) {
      var folded = window.searchAnalysis.fold(word);
      if (typing && position === words.length - 1) {
        stemsOfPrefix(folded).forEach(function (term) { guesses.push([term, 3]); });
      }
      if (folded.length >= TYPO_MIN_LENGTH) {
        typoTerms(folded).forEach(function (term) { guesses.push([term, 10]); });
      }
    });
    if (!guesses.length) return [];  // a query without clauses would match every page
    return search.index.query(function (q) {
      guesses.forEach(function (guess) {
        q.term(guess[0], { usePipeline: false, boost: guess[1] });
      });
    });
  }

  /* Index terms the start of a word may already be the stem of (`pagamen` for `pag`, the stem
     of `pagamento`): stems are often shorter than what the reader has typed so far. */
  function stemsOfPrefix(prefix) {
    return search.vocabulary.filter(function (term) {
      return term.length >= 3 && prefix.length - term.length <= 4 && prefix.indexOf(term) === 0;
    });
  }

  /* At most one edit (insertion, deletion, substitution or swap of neighbours) apart. */
  function withinOneEdit(a, b) {
    if (a === b) return true;
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      return a.slice(i + 1) === b.slice(i + 1) ||
        (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    }
    return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  /* Index terms a mistyped word may mean: a stem that starts the word as typed, or one edit
     away from its start, the rest of the word being a plausible ending (stems are words without
     their endings). Each candidate scores its length less two per edit; the best score wins:
     `pag` (3, no edit) beats `pagh` (4, one edit) for `pagaxento`. A stem of three letters only
     counts without an edit: one edit from so few letters is noise. */
  function typoTerms(word) {
    var scored = [];
    search.vocabulary.forEach(function (term) {
      if (term.length < 3) return;
      if (word.indexOf(term) === 0 && word.length - term.length <= MAX_ENDING) {
        scored.push([term, term.length]);
        return;
      }
      if (term.length === 3) return;
      for (var end = term.length - 1; end <= term.length + 1; end++) {
        if (end > word.length || word.length - end > MAX_ENDING) continue;
        if (withinOneEdit(word.slice(0, end), term)) {
          scored.push([term, term.length - 2]);
          return;
        }
      }
    });
    var best = scored.reduce(function (top, entry) { return Math.max(top, entry[1]); }, 0);
    return scored
      .filter(function (entry) { return entry[1] === best; })
      .map(function (entry) { return entry[0]; });
  }

  /* The best articles, each with the terms it matched. */
  function articlesFound(results) {
    return results.slice(0, MAX_RESULTS).map(function (result) {
      return {
        doc: search.docs[Number(result.ref)],
        terms: new Set(Object.keys(result.matchData.metadata))
      };
    });
  }

  /* A word matches a term it analyses to, or that its folded form starts with (a stem, a
     prefix). `analyzer` is optional: a landing page highlights without loading search. */
  function matcher(terms, analyzer) {
    var list = Array.from(terms);
    return function (word) {
      if (analyzer && analyzer.wordTerms(word.toLowerCase()).some(function (term) {
        return terms.has(term);
      })) return true;
      var folded = window.searchAnalysis.fold(word);
      return list.some(function (term) { return term.length > 2 && folded.indexOf(term) === 0; });
    };
  }

  /* Text as DOM nodes, the matching words wrapped in <mark>; null when nothing matches. */
  function highlighted(text, matches) {
    var fragment = document.createDocumentFragment();
    var hit = false;
    text.split(/([\p{L}\p{N}]+)/u).forEach(function (part, position) {
      if (position % 2 === 1 && matches(part)) {
        var mark = document.createElement("mark");
        mark.textContent = part;
        fragment.appendChild(mark);
        hit = true;
      } else if (part) {
        fragment.appendChild(document.createTextNode(part));
      }
    });
    return hit ? fragment : null;
  }

  function marked(text, matches) {
    return highlighted(text, matches) || document.createTextNode(text);
  }

  function element(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function renderResult(article) {
    var doc = article.doc;
    var location = doc[0], title = doc[1], summary = doc[2], headings = doc[3];
    var matches = matcher(article.terms, search.analyzer);
    var section = headings.filter(function (heading) {
      return highlighted(heading[1], matches);
    })[0];
    var url = new URL(location || "./", resolve(config.base));
    url.searchParams.set("h", Array.from(article.terms).join(" "));
    if (section) url.hash = section[0];
    var parts = [
      element("div", "md-search-result__icon md-icon"),
      element("div", "hc-search-result__title", [marked(title, matches)])
    ];
    if (section) {
      parts.push(element("div", "hc-search-result__section", [marked(section[1], matches)]));
    }
    if (summary) parts.push(element("p", "hc-search-result__text", [marked(summary, matches)]));
    var link = element("a", "md-search-result__link", [
      element("article", "md-search-result__article md-typeset", parts)
    ]);
    link.href = url.href;
    return element("li", "md-search-result__item", [link]);
  }

  function showMeta(text, withContactLink) {
    meta.textContent = text;
    if (withContactLink) {
      meta.appendChild(document.createTextNode(" "));
      var link = element("a", "hc-search-contact", [config.translations.contact]);
      link.href = resolve(config.contact);
      meta.appendChild(link);
    }
  }

  /*
   * Unanswered searches, for the writers: a search that found nothing, or whose results were
   * not followed. Only the query, the language and the page are sent, in one beacon when the
   * page is hidden; never when the reader asks not to be tracked (Do Not Track, Global Privacy
   * Control) or when no endpoint is configured.
   */
  var gaps = { pending: null, batch: [] };
  var tracking = Boolean(config.gaps) && navigator.doNotTrack !== "1" &&
    window.doNotTrack !== "1" && !navigator.globalPrivacyControl;

  function settle() {
    var pending = gaps.pending;
    gaps.pending = null;
    if (pending && !pending.followed && gaps.batch.length < 20) {
      gaps.batch.push({ query: pending.query, results: pending.results });
    }
  }

  function noteSearch(text, results) {
    var query = text.trim().slice(0, 100);
    var pending = gaps.pending;
    // Still typing the same search: it replaces the one noted; a new search settles the last.
    if (pending && query.indexOf(pending.query) !== 0 && pending.query.indexOf(query) !== 0) {
      settle();
    }
    gaps.pending = query ? { query: query, results: results, followed: false } : null;
  }

  function sendGaps() {
    settle();
    if (!tracking || !gaps.batch.length) return;
    var body = JSON.stringify({ language: config.language, page: config.page,
                                queries: gaps.batch });
    gaps.batch = [];
    navigator.sendBeacon(resolve(config.gaps),
                         new Blob([body], { type: "application/json" }));
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") sendGaps();
  });
  window.addEventListener("pagehide", sendGaps);
  list.addEventListener("click", function (event) {
    if (event.target.closest("a") && gaps.pending) gaps.pending.followed = true;
  });

  function render(text) {
    list.textContent = "";
    if (!text.trim()) {
      showMeta(config.translations.placeholder);
      return;
    }
    var articles = articlesFound(query(text));
    noteSearch(text, articles.length);
    if (!articles.length) {
      showMeta(config.translations.none, true);
      return;
    }
    showMeta(articles.length === 1
      ? config.translations.one
      : config.translations.other.replace("#", String(articles.length)));
    articles.forEach(function (article) { list.appendChild(renderResult(article)); });
  }

  function update() {
    var text = input.value;
    load().then(function () {
      if (input.value === text) render(text);
    });
  }

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    load();
  }

  function close() {
    if (toggle && toggle.checked) {
      toggle.checked = false;
      toggle.dispatchEvent(new Event("change"));
    }
    input.blur();
  }

  function resultLinks() {
    return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link"));
  }

  /* Arrow keys move between the box and the results; Escape closes. */
  function onKeydown(event) {
    var links = resultLinks();
    var position = links.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      if (position >= 0) input.focus();
      else close();
    } else if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[Math.min(position + 1, links.length - 1)].focus();
    } else if (event.key === "ArrowUp" && position >= 0) {
      event.preventDefault();
      if (position === 0) input.focus();
      else links[position - 1].focus();
    } else if (event.key === "Enter" && event.target === input) {
      event.preventDefault();
      if (links.length) links[0].click();
    }
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", update);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { render(""); input.focus(); });
  });
  form.closest("[role=dialog]").addEventListener("keydown", onKeydown);
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (toggle.checked && document.activeElement !== input) input.focus();
    });
  }

  /* "/" or "s" anywhere outside a text field opens search, as in Material. */
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/" || event.key === "s" || event.key === "f") {
      event.preventDefault();
      open();
      input.focus();
    }
  });

  /* Other search boxes of the page (the home page's) hand their words to this one. */
  document.querySelectorAll("[data-hc-search-handoff]").forEach(function (handoff) {
    var field = handoff.querySelector("input");
    field.addEventListener("focus", load);
    handoff.addEventListener("submit", function (event) {
      event.preventDefault();
      input.value = field.value;
      open();
      input.focus();
      update();
    });
    field.addEventListener("input", function () {
      input.value = field.value;
      open();
      input.focus();
      update();
    });
  });

  /* For other parts of the page (the contact form's suggestions): the best articles for a text. */
  window.helpcenterSearch = {
    suggest: function (text, limit) {
      return load().then(function () {
        return articlesFound(query(text)).slice(0, limit).map(function (article) {
          var url = new URL(article.doc[0] || "./", resolve(config.base));
          return { title: article.doc[1], url: url.href };
        });
      });
    }
  };

  /* A shared link: `?q=words` opens search with those words. */
  var params = new URLSearchParams(location.search);
  if (params.get("q")) {
    input.value = params.get("q");
    open();
    input.focus();
    update();
  }

  /* Landing from a result: `?h=terms` highlights the words that matched, and shows the first
     unless the link was to a section. */
  if (params.get("h")) highlightPage(params.get("h").split(/\s+/).filter(Boolean));

  function highlightPage(terms) {
    var content = document.querySelector(".md-content__inner");
    if (!content || !terms.length) return;
    var matches = matcher(new Set(terms), null);
    var walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      if (node.parentNode.closest("script, style, mark, .headerlink")) return;
      var fragment = highlighted(node.nodeValue, matches);
      if (fragment) node.parentNode.replaceChild(fragment, node);
    });
    var first = content.querySelector("mark");
    if (first && !location.hash) first.scrollIntoView({ block: "center" });
  }
})();
