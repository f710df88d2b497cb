/*
 * "Your requests": the reader's requests, listed on the contact page from the private addresses
 * this browser kept, with no account. Without JavaScript, or before this browser kept any,
 * nothing shows.
 * - An address is kept when a ticket is confirmed after the form (contact.js says so with a
 *   `helpcenter:ticket-confirmed` event) and whenever a request's private page is opened (which
 *   covers tickets sent without JavaScript). Kept: the address, reference, subject, topic,
 *   status and last activity; never the message nor the email address.
 * - The contact page asks each address for its summary (`Accept: application/json`) and shows
 *   what it says; an address the endpoint no longer knows (404) is shown as no longer
 *   available. "Forget" removes a request from this browser only.
 * - Picking a topic in which a listed request is still open offers to continue it.
 * A storage that refuses or is full (private modes), or holds something else under the key,
 * loses the list, never the page.
 * Works as a browser script (it enhances the page) and as a Node module (its logic, for tests).
 */
(function (root, factory) {
  var myRequests = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = myRequests;
  } else {
    myRequests.enhance(root);
  }
})(this, function () {
  "use strict";

  /* The key names the format: another format will be another key. */
  var KEY = "helpcenter.requests.v1";
  /* The most recently active requests kept; older ones drop off. */
  var LIMIT = 20;
  /* The endpoint's words for a request's status, as its reader reads it. */
  var STATUSES = ["open", "pending", "solved", "closed"];
  /* The statuses of a request that the reader may rather continue than start again. */
  var CONTINUABLE = ["open", "pending"];
  /* Longer text is not what this script kept: it is dropped. */
  var TEXT_LIMIT = 1000;
  /* What contact.js dispatches on its form when a ticket is confirmed. */
  var CONFIRMED = "helpcenter:ticket-confirmed";

  function text(value) {
    return typeof value === "string" && value.length <= TEXT_LIMIT ? value : "";
  }

  /* A request's private page: an http(s) address, without its query (`?notice=`) or fragment;
     "" for anything else (nothing else ever becomes a link). */
  function page(address) {
    var url;
    try {
      url = new URL(address);
    } catch (error) {
      return "";
    }
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin + url.pathname : "";
  }

  /* An ISO 8601 time, as `toISOString` writes it; "" for anything that is none. */
  function time(value) {
    var parsed = typeof value === "string" ? Date.parse(value) : NaN;
    return isNaN(parsed) ? "" : new Date(parsed).toISOString();
  }

  /* What is kept of a request, from `fields`: these facts only, each checked; null without an
     address and a reference. */
  function entry(fields) {
    if (!fields || typeof fields !== "object") return null;
    var address = page(fields.address);
    var reference = text(fields.reference);
    if (!address || !reference) return null;
    return {
      address: address,
      reference: reference,
      subject: text(fields.subject),
      category: text(fields.category),
      status: STATUSES.indexOf(fields.status) >= 0 ? fields.status : "",
      statusLabel: text(fields.statusLabel),
      updated: time(fields.updated),
      gone: fields.gone === true
    };
  }

  /* When a request was last active; a request kept before its summary came is the newest. */
  function activity(request) {
    var parsed = Date.parse(request.updated);
    return isNaN(parsed) ? Infinity : parsed;
  }

  function newestFirst(a, b) {
    var first = activity(a), second = activity(b);
    return first === second ? 0 : (first > second ? -1 : 1);
  }

  /* `entries` as they are kept: the most recently active first, one per address, LIMIT. */
  function tidy(entries) {
    var seen = new Set();
    return entries.slice().sort(newestFirst).filter(function (kept) {
      if (seen.has(kept.address)) return false;
      seen.add(kept.address);
      return true;
    }).slice(0, LIMIT);
  }

  /* The kept list from the storage's text: [] for nothing, broken or foreign data; entries
     that are not this script's are dropped. */
  function parse(stored) {
    var data;
    try {
      data = JSON.parse(stored);
    } catch (error) {
      return [];
    }
    return Array.isArray(data) ? tidy(data.map(entry).filter(Boolean)) : [];
  }

  /* `entries` with what is now known of one request (`fields`, found by its address) over what
     was kept of it: a fact now unknown keeps its kept value. */
  function merge(entries, fields) {
    var known = entry(fields);
    if (!known) return tidy(entries);
    var others = entries.filter(function (kept) { return kept.address !== known.address; });
    var before = entries.filter(function (kept) { return kept.address === known.address; })[0];
    if (before) {
      Object.keys(known).forEach(function (name) {
        if (known[name] === "") known[name] = before[name];
      });
    }
    return tidy([known].concat(others));
  }

  function remove(entries, address) {
    return entries.filter(function (kept) { return kept.address !== address; });
  }

  /* The listed request the reader may rather continue than start again about `category`: the
     most recently active one still open or awaiting the reader; null when there is none. */
  function continuable(entries, category) {
    if (!category) return null;
    return entries.filter(function (kept) {
      return kept.category === category && !kept.gone && CONTINUABLE.indexOf(kept.status) >= 0;
    }).sort(newestFirst)[0] || null;
  }

  /* What the endpoint's answer to `kept.address` (`{status, body}`) says of that request now:
     the fields to keep, or null when it said nothing usable (a failure: the kept ones stay). */
  function refreshed(kept, answer) {
    if (answer.status === 404) {
      return { address: kept.address, reference: kept.reference, gone: true };
    }
    var body = answer.body;
    if (answer.status !== 200 || !body || body.reference !== kept.reference) return null;
    return {
      address: kept.address,
      reference: body.reference,
      subject: body.subject,
      category: body.category,
      status: body.status,
      statusLabel: body.status_label,
      updated: body.updated
    };
  }

  /* The kept list in `storage` (localStorage, or null when the browser refuses it). */
  function requests(storage) {
    function read() {
      try {
        return parse(storage.getItem(KEY));
      } catch (error) {
        return [];
      }
    }

    function write(entries) {
      try {
        storage.setItem(KEY, JSON.stringify(tidy(entries)));
      } catch (error) { /* refused or full: this page still lists them */ }
      return entries;
    }

    return {
      read: read,
      /* What is now known of one request, kept; the list as it is now. */
      keep: function (fields) { return write(merge(read(), fields)); },
      /* The same for a request still kept (not forgotten meanwhile); else null. */
      update: function (fields) {
        var entries = read(), known = entry(fields);
        var listed = known && entries.some(function (kept) {
          return kept.address === known.address;
        });
        return listed ? write(merge(entries, known)) : null;
      },
      forget: function (address) { return write(remove(read(), address)); }
    };
  }

  /* `template` with each `%(name)s` replaced by `values[name]`. */
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function enhance(window) {
    var document = window.document;
    var storage = null;
    try {
      storage = window.localStorage;
    } catch (error) { /* refused: nothing is kept */ }
    var kept = requests(storage);
    /* What the endpoint says of a kept `request` now, kept; resolves to the list, or null when
       the endpoint said nothing usable or the reader forgot the request meanwhile. */
    function refresh(request) {
      return window.fetch(request.address, {
        headers: { "Accept": "application/json" },
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer"
      }).then(function (response) {
        var status = response.status;
        return (status === 200 ? response.json() : Promise.resolve(null))
          .then(function (body) { return { status: status, body: body }; });
      }).then(function (answer) {
        var fields = refreshed(request, answer);
        return fields ? kept.update(fields) : null;
      }).catch(function () { return null; });
    }

    /* A request's private page: it is one of the reader's. */
    var shown = document.querySelector("[data-testid=follow-up][data-reference]");
    var here = shown &&
      entry({ address: window.location.href, reference: shown.dataset.reference });
    if (here) {
      kept.keep(here);
      refresh(here);
    }

    var section = document.querySelector("[data-hc-my-requests]");
    var form = document.querySelector("[data-hc-contact-form]");
    if (!section || !form) return;
    var messages = JSON.parse(document.getElementById("hc-my-requests-messages").textContent);
    var list = section.querySelector("ul");
    var heading = section.querySelector("h2");
    var status = section.querySelector("[data-hc-my-requests-status]");
    var dateFormat = null;
    try {
      dateFormat = new window.Intl.DateTimeFormat(document.documentElement.lang || undefined,
        JSON.parse(section.dataset.hcTimeStyle));
    } catch (error) { /* an unknown language: the ISO time */ }

    function fact(term, detail) {
      var group = document.createElement("div");
      var dt = document.createElement("dt");
      var dd = document.createElement("dd");
      dt.textContent = term;
      dd.appendChild(detail);
      group.appendChild(dt);
      group.appendChild(dd);
      return group;
    }

    /* One request's list item: its link, its status and last activity, "Forget". */
    function item(request) {
      var li = document.createElement("li");
      li.className = "hc-my-requests__item";
      li.dataset.address = request.address;
      var link = document.createElement(request.gone ? "span" : "a");
      if (!request.gone) link.href = request.address;
      link.className = "hc-my-requests__link";
      var reference = document.createElement("span");
      reference.className = "hc-request__reference";
      reference.textContent = request.reference;
      link.appendChild(reference);
      if (request.subject) link.appendChild(document.createTextNode(" — " + request.subject));
      li.appendChild(link);
      if (request.gone) {
        var gone = document.createElement("p");
        gone.className = "hc-my-requests__gone";
        gone.textContent = messages.gone;
        li.appendChild(gone);
      } else {
        var facts = document.createElement("dl");
        facts.className = "hc-my-requests__facts";
        /* In the page's language; the endpoint's label (the request's language) otherwise. */
        var statusLabel = (messages.statuses || {})[request.status] || request.statusLabel;
        if (statusLabel) {
          var label = document.createElement("strong");
          label.className = "hc-request__status hc-request__status--" + request.status;
          label.textContent = statusLabel;
          facts.appendChild(fact(messages.status, label));
        }
        if (request.updated) {
          var when = document.createElement("time");
          when.dateTime = request.updated;
          when.textContent = dateFormat
            ? dateFormat.format(new Date(request.updated)) : request.updated;
          facts.appendChild(fact(messages.updated, when));
        }
        if (facts.childNodes.length) li.appendChild(facts);
      }
      var forget = document.createElement("button");
      forget.type = "button";
      forget.className = "md-button hc-my-requests__forget";
      forget.textContent = messages.forget;
      forget.setAttribute("aria-label", format(messages.forgetNamed,
        { reference: request.reference }));
      forget.addEventListener("click", function () { forgetRequest(request, li); });
      li.appendChild(forget);
      return li;
    }

    /* The list, shown when it has something to show. */
    function render(entries) {
      list.textContent = "";
      entries.forEach(function (request) { list.appendChild(item(request)); });
      list.hidden = entries.length === 0;
      if (entries.length) section.hidden = false;
    }

    /* The item of the request at `address` again, as `entries` now say, where it is; the
       focus stays where it was in it (on "Forget" when its link is gone). */
    function update(entries, address) {
      var now = entries.filter(function (request) { return request.address === address; })[0];
      var li = Array.prototype.filter.call(list.children, function (child) {
        return child.dataset.address === address;
      })[0];
      if (!now || !li) return;
      var focused = li.contains(document.activeElement) ? document.activeElement.tagName : "";
      var replacement = item(now);
      list.replaceChild(replacement, li);
      if (focused) {
        (replacement.querySelector(focused) || replacement.querySelector("button")).focus();
      }
    }

    /* Gone from this browser, not from the team: the focus goes to the next "Forget", else the
       previous one, else the heading. */
    function forgetRequest(request, li) {
      var next = li.nextElementSibling || li.previousElementSibling;
      kept.forget(request.address);
      list.removeChild(li);
      list.hidden = list.children.length === 0;
      status.textContent = format(messages.forgotten, { reference: request.reference });
      if (next) next.querySelector("button").focus(); else heading.focus();
      offer();
    }

    /* Next to the topic: a polite notice offering to continue an open request about it. */
    var category = form.elements.category;
    var notice = document.createElement("p");
    notice.className = "hc-continue";
    notice.dataset.testid = "continue-request";
    notice.setAttribute("role", "status");
    category.parentNode.appendChild(notice);

    function offer() {
      var open = continuable(kept.read(), category.value);
      var said = open ? open.address : "";
      if (notice.dataset.address === said) return;
      notice.dataset.address = said;
      notice.textContent = "";
      if (!open) return;
      notice.appendChild(document.createTextNode(format(messages.continueOffer,
        { reference: open.reference, subject: open.subject }) + " "));
      var link = document.createElement("a");
      link.href = open.address;
      link.textContent = messages.continueLink;
      notice.appendChild(link);
    }

    category.addEventListener("change", offer);

    var entries = kept.read();
    render(entries);
    offer();
    entries.filter(function (request) { return !request.gone; }).forEach(function (request) {
      refresh(request).then(function (now) {
        if (now) update(now, request.address);
        offer();
      });
    });

    /* A ticket just confirmed after the form: listed with the others. */
    form.addEventListener(CONFIRMED, function (event) {
      var detail = event.detail || {};
      var fields = {
        address: detail.address,
        reference: detail.reference,
        subject: detail.subject,
        category: detail.category,
        status: "open",
        updated: new Date().toISOString()
      };
      var request = entry(fields);
      if (!request) return;
      render(kept.keep(fields));
      refresh(request).then(function (now) { if (now) update(now, request.address); });
    });
  }

  return {
    KEY: KEY,
    LIMIT: LIMIT,
    entry: entry,
    parse: parse,
    merge: merge,
    remove: remove,
    continuable: continuable,
    refreshed: refreshed,
    requests: requests,
    format: format,
    enhance: enhance
  };
});
