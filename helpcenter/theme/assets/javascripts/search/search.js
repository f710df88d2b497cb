/*
 * The header search box: Material's look, our own prebuilt per-language lunr index.
 *
 * Nothing is downloaded until the reader focuses the box (or opens a `?q=` link). Then the
 * search worker (search/worker.js) loads the engine and the index once, while the page keeps
 * answering the keyboard, and answers every search from memory. Results: the matching articles,
 * ten at first and ten more at each press of the button under them, with the matched words
 * highlighted (in a passage of the text when only the text matched), each linking to its section
 * whose heading matched; `?h=` on the result link highlights the words again on the article and
 * scrolls to the first. The untranslated articles the language shows follow when the language's
 * own find few, labelled with the language they are written in.
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
  var more = document.querySelector("[data-hc-search-more]");
  var analysis = window.searchAnalysis;
  var PAGE = 10;  // results shown at first, and added by each press of "more"
  var limit = PAGE;  // results asked for the text in the box
  var engine = null;  // the search worker, once started
  var asked = 0;
  var waiting = new Map();  // search number: its callbacks

  function resolve(path) {
    return new URL(path, document.baseURI).href;
  }

  /* Start the search worker, once; if search cannot load, say so, and try again next time. */
  function startEngine() {
    if (engine) return engine;
    // Started as the page loaded, for a `?q=` link (partials/helpcenter/search-start.html), or now.
    var worker = window.hcSearch.early;
    try {
      worker = worker || window.hcSearch.start();
    } catch (error) {  // a page opened from a file may not start workers
      showMeta(config.translations.unavailable);
      return null;
    }
    worker.onmessage = function (event) {
      var message = event.data;
      if (message.error) return fail();
      var callbacks = waiting.get(message.id);
      if (message.final) waiting.delete(message.id);
      if (callbacks) callbacks.answered(message);
    };
    worker.onerror = fail;
    function fail() {
      worker.terminate();
      if (engine === worker) engine = null;
      waiting.forEach(function (callbacks) { callbacks.failed(new Error("search failed")); });
      waiting.clear();
      showMeta(config.translations.unavailable);
    }
    engine = worker;
    return worker;
  }

  /* Search the worker for the best `limit` articles: `answered` gets each of its answers,
     `{total, articles, final}` (see worker.js), the last one `final`; `articles` is null when a
     later search from the same `asker` replaced this one. `fallbacks`: whether the untranslated
     articles are searched when this language finds few. */
  function find(text, limit, asker, fallbacks, answered, failed) {
    var worker = startEngine();
    if (!worker) return failed(new Error("search is unavailable"));
    asked += 1;
    waiting.set(asked, { answered: answered, failed: failed });
    worker.postMessage({
      id: asked, text: text, limit: limit, asker: asker, fallbacks: fallbacks
    });
  }

  /* Text as DOM nodes, the matching words wrapped in <mark>; null when nothing matches. The
     text between two marks is one node, not a node a word: fewer for the page to lay out each
     time the results change. */
  function highlighted(text, matches) {
    var fragment = document.createDocumentFragment();
    var hit = false;
    var plain = "";
    analysis.parts(text).forEach(function (part, position) {
      if (position % 2 === 1 && matches(part)) {
        if (plain) fragment.appendChild(document.createTextNode(plain));
        plain = "";
        var mark = document.createElement("mark");
        mark.textContent = part;
        fragment.appendChild(mark);
        hit = true;
      } else {
        plain += part;
      }
    });
    if (plain) fragment.appendChild(document.createTextNode(plain));
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

  function articleUrl(article) {
    return new URL(article.location || "./", resolve(config.base));
  }

  /* An untranslated article's text is in the language it is written in: said, for screen
     readers and hyphenation, on each part that shows it. */
  function writtenIn(node, language) {
    if (language) {
      node.lang = language.replace(/_/g, "-");  // a locale (`pt_BR`) as a language tag
      node.dir = (config.languages[language] || {}).dir || "auto";
    }
    return node;
  }

  function renderResult(article) {
    var words = new Set(article.words);
    var matches = function (word) { return words.has(word); };
    var section = article.section;
    var language = article.language;  // an untranslated article's, written in another language
    var url = articleUrl(article);
    url.searchParams.set("h", article.terms.join(" "));
    if (section) url.hash = section[0];
    var parts = [
      element("div", "md-search-result__icon md-icon"),
      writtenIn(element("div", "hc-search-result__title", [marked(article.title, matches)]),
                language)
    ];
    if (language) {
      var label = (config.languages[language] || {}).label || language;
      parts.push(element("div", "hc-search-result__language", [label]));
    }
    if (section) {
      parts.push(writtenIn(
        element("div", "hc-search-result__section", [marked(section[1], matches)]), language));
    }
    var text = article.snippet || article.summary;
    if (text) {
      parts.push(writtenIn(
        element("p", "hc-search-result__text", [marked(text, matches)]), language));
    }
    var link = element("a", "md-search-result__link", [
      element("article", "md-search-result__article md-typeset", parts)
    ]);
    link.href = url.href;
    return element("li", "md-search-result__item", [link]);
  }

  var metaShown = null;

  /* The status line. The same words are not written, so not announced, again: an answer may
     come in several times. */
  function showMeta(text, withContactLink) {
    var shown = text + (withContactLink ? "\n" + config.contact : "");
    if (shown === metaShown) return;
    metaShown = shown;
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
    if (pending && !pending.followed && gaps.batch.length < config.maxQueries) {
      gaps.batch.push({ query: pending.query, results: pending.results });
    }
  }

  function noteSearch(text, results) {
    var query = text.trim().slice(0, config.maxQuery);
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

  /* What the list shows: the search's text and total and each result's place, so that its
     answer coming in again (with passages of text) replaces only the results that changed. */
  var listed = null;

  function listing(text, found) {
    return [text, found.total].concat((found.articles || []).map(function (article) {
      return [article.location, article.section && article.section[0], article.language];
    }));
  }

  /* The results of `text`, `found` being the worker's answer: how many match in all, and the
     articles asked for so far, "more" under them while some are not shown. The result that had
     the focus keeps it when an answer comes in again with more in it. */
  function render(text, found) {
    var shows = JSON.stringify(listing(text, found));
    if (shows === listed && found.articles.length) return refresh(found);
    listed = shows;
    var focused = resultLinks().indexOf(document.activeElement);
    list.textContent = "";
    more.hidden = true;
    // More is coming: quoted passages, or untranslated articles (see worker.js).
    list.setAttribute("aria-busy", String(found.final === false));
    if (!text.trim()) {
      showMeta(config.translations.placeholder);
      return;
    }
    if (!found.total) {
      showMeta(config.translations.none, true);
      return;
    }
    showMeta(found.total === 1
      ? config.translations.one
      : config.translations.other.replace("#", String(found.total)));
    found.articles.forEach(function (article) { list.appendChild(renderResult(article)); });
    more.hidden = found.articles.length >= found.total;
    var links = resultLinks();
    if (focused >= 0 && links.length) links[Math.min(focused, links.length - 1)].focus();
  }

  /* The same results again: only those that changed (a passage of text came) are replaced, so
     that the page redraws them alone. */
  function refresh(found) {
    list.setAttribute("aria-busy", String(found.final === false));
    found.articles.forEach(function (article, position) {
      var shown = list.children[position];
      var result = renderResult(article);
      if (shown.isEqualNode(result)) return;
      var focused = shown.contains(document.activeElement);
      list.replaceChild(result, shown);
      if (focused) result.querySelector("a").focus();
    });
  }

  /* Search the text in the box for `limit` results; `then` gets the answers that render. */
  function search(then) {
    var text = input.value;
    if (!text.trim()) return render(text, { total: 0, articles: [] });
    list.setAttribute("aria-busy", "true");
    find(text, limit, "box", true, shows(text, limit, then), function () {
      list.setAttribute("aria-busy", "false");
    });
  }

  /* What shows the answers to a search of `text` for `wanted` results, while they are still
     what the box asks for. */
  function shows(text, wanted, then) {
    return function (found) {
      if (!found.articles || input.value !== text || limit !== wanted) return;
      // "Nothing found" only once the untranslated articles have been searched too.
      if (!found.total && !found.final) return;
      render(text, found);
      // Only what the reader was finally shown counts: the untranslated articles too.
      if (found.final) noteSearch(text, found.total);
      if (then) then(found);
    };
  }

  /* A new text: its first results. */
  function update() {
    limit = PAGE;
    search();
  }

  /* The next results, the focus on the first of them, where the reader goes on reading. */
  function showMore() {
    var shown = resultLinks().length;
    limit += PAGE;
    search(function (found) {
      var links = resultLinks();
      if (found.articles.length > shown && links.indexOf(document.activeElement) < shown) {
        links[shown].focus();
      }
    });
  }

  function open() {
    if (toggle && !toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    startEngine();
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

  /* Arrow keys move between the box, the results and "more"; Escape closes. */
  function onKeydown(event) {
    var links = resultLinks();
    var results = links.length;
    if (!more.hidden) links.push(more);
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
      if (results) links[0].click();
    }
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", update);
  more.addEventListener("click", showMore);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { update(); input.focus(); });
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
    field.addEventListener("focus", startEngine);
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

  /* For other parts of the page (the contact form's suggestions): the best articles of this
     language for a text (never an untranslated one: no label says its language there). */
  window.helpcenterSearch = {
    suggest: function (text, limit) {
      return new Promise(function (suggested, failed) {
        find(text, limit, "suggest", false, function (found) {
          if (!found.final) return;
          suggested((found.articles || []).map(function (article) {
            return { title: article.title, url: articleUrl(article).href };
          }));
        }, failed);
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
    // The worker started as the page loaded searches the link's words (search 0, see
    // partials/helpcenter/search-start.html): what it has found shows now, the rest as it comes.
    var early = window.hcSearch.answer;
    var answered = shows(input.value, limit);
    if (early) answered(early);
    if (engine && engine === window.hcSearch.early && !(early && early.final)) {
      waiting.set(0, { answered: answered, failed: function () {} });
    }
  }

  /* Landing from a result: `?h=terms` highlights the words that matched, and shows the first
     unless the link was to a section. */
  if (params.get("h")) highlightPage(params.get("h").split(/\s+/).filter(Boolean));

  function highlightPage(terms) {
    var content = document.querySelector(".md-content__inner");
    if (!content || !terms.length) return;
    var matches = analysis.matcher(terms, null);
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
