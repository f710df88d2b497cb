/*
 * The header search box: Material's look, our own prebuilt per-language lunr index.
 *
 * Nothing is downloaded until the reader focuses the box (or opens a `?q=` link): then lunr.js,
 * the language's stemmer, the analyzer and the index are fetched once, and every keystroke is
 * answered from memory. Results: the best section of each matching article, with the matched
 * words highlighted; `?h=` on the result link highlights them again on the article.
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
  var loading = null;
  var search = null;

  function resolve(path) {
    return new URL(path, document.baseURI).href;
  }

  function loadScript(path) {
    return new Promise(function (resolveLoad, reject) {
      var script = document.createElement("script");
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
    var scripts = config.scripts.reduce(function (chain, path) {
      return chain.then(function () { return loadScript(path); });
    }, Promise.resolve());
    loading = Promise.all([index, scripts]).then(function (loaded) {
      var data = loaded[0];
      search = {
        index: window.lunr.Index.load(data.index),
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

  /* Query the index: exact stems and the last word as a prefix, else one typo per long word. */
  function query(text) {
    var analyzer = search.analyzer;
    var words = analyzer.words(text).filter(function (word) {
      return !analyzer.isStopWord(word);
    });
    if (!words.length) return [];
    var typing = !/\s$/.test(text);
    var wildcard = window.lunr.Query.wildcard.TRAILING;
    var results = search.index.query(function (q) {
      words.forEach(function (word, position) {
        var term = analyzer.stem(word);
        q.term(term, { usePipeline: false, boost: 10 });
        if (typing && position === words.length - 1) {
          q.term(word, { usePipeline: false, wildcard: wildcard });
          if (term !== word) q.term(term, { usePipeline: false, wildcard: wildcard });
        }
      });
    });
    if (results.length) return results;
    return search.index.query(function (q) {
      words.forEach(function (word) {
        var term = analyzer.stem(word);
        var distance = word.length >= TYPO_MIN_LENGTH ? 1 : 0;
        q.term(term, { usePipeline: false, editDistance: distance });
        if (term !== word) q.term(word, { usePipeline: false, editDistance: distance });
      });
    });
  }

  /* One result per article: its best section, with every term matched in the article. */
  function groupByArticle(results) {
    var articles = [];
    var byPage = new Map();
    results.forEach(function (result) {
      var doc = search.docs[Number(result.ref)];
      var page = doc[0].split("#")[0];
      var terms = Object.keys(result.matchData.metadata);
      var article = byPage.get(page);
      if (!article) {
        article = { doc: doc, terms: new Set() };
        byPage.set(page, article);
        articles.push(article);
      }
      terms.forEach(function (term) { article.terms.add(term); });
    });
    return articles.slice(0, MAX_RESULTS);
  }

  /* A word matches a term it stems to, or that its folded form starts with (a stem, a prefix). */
  function matcher(terms, stem) {
    var list = Array.from(terms);
    return function (word) {
      var folded = window.searchAnalysis.fold(word);
      if (stem && terms.has(stem(folded))) return true;
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
    var location = doc[0], title = doc[1], pageTitle = doc[2], text = doc[3];
    var url = new URL(location || "./", resolve(config.base));
    url.searchParams.set("h", Array.from(article.terms).join(" "));
    var matches = matcher(article.terms, search.analyzer.stem);
    var parts = [
      element("div", "md-search-result__icon md-icon"),
      element("div", "hc-search-result__title", [marked(pageTitle, matches)])
    ];
    if (title && title !== pageTitle) {
      parts.push(element("div", "hc-search-result__section", [marked(title, matches)]));
    }
    if (text) parts.push(element("p", "hc-search-result__text", [marked(text, matches)]));
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
    var articles = groupByArticle(query(text));
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
        return groupByArticle(query(text)).slice(0, limit).map(function (article) {
          var url = new URL(article.doc[0].split("#")[0] || "./", resolve(config.base));
          return { title: article.doc[2], url: url.href };
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

  /* Landing from a result: `?h=terms` highlights the words that matched. */
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
  }
})();
