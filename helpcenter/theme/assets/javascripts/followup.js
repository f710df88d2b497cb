/*
 * A request's private follow-up page, enhanced. Without this script the reply form still posts
 * (multipart) and the endpoint answers with the page again. With it:
 * - the reply is sent with fetch, with an idempotency key reused on retries (a double click or a
 *   retry after a lost answer adds one reply), errors show next to their fields;
 * - once the reply is taken, the page is loaded again, with it in the conversation;
 * - the address bar loses the page's `?notice=`, so that what the reader bookmarks or copies is
 *   the request's address alone, and the follow-up link shows the whole address.
 * What it shares with the contact form (keys, sending, errors) is forms.js's, loaded before it
 * (among the site's scripts, which the page keeps from the built page it is made from).
 * Works as a browser script (it enhances the page) and as a Node module (its logic, for tests).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./forms.js"));
  } else {
    factory(root.helpcenterForms).enhance(root);
  }
})(this, function (forms) {
  "use strict";

  /* What the endpoint's answer to a reply means: `{status, body, retryAfter}` as `{kind, ...}`,
     the reply sent or one of forms.js's refusals. */
  function outcome(answer, now) {
    var body = answer.body || {};
    if ((answer.status === 201 || answer.status === 200) && body.status === "received") {
      return { kind: "sent" };
    }
    return forms.refusal(answer, now);
  }

  /* A time the page gives in UTC (`<time datetime>`), in the reader's own zone and the page's
     language, in the page's `style` (`data-hc-time-style`, as "Your requests" says it); null
     when the browser cannot say it. `timeZone` for tests: the browser's own by default. */
  function localTime(iso, language, style, timeZone) {
    try {
      return new Intl.DateTimeFormat(language || undefined,
        Object.assign({ timeZone: timeZone }, style)).format(new Date(iso));
    } catch (error) {
      return null;
    }
  }

  function enhance(window) {
    var document = window.document;
    var location = window.location;

    /* The address to keep is the request's, without what the last post said. */
    if (/[?&]notice=/.test(location.search) && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", location.pathname);
    }
    var styled = document.querySelector("[data-hc-time-style]");
    var style = styled ? JSON.parse(styled.dataset.hcTimeStyle) : {};
    document.querySelectorAll("time[datetime]").forEach(function (time) {
      var text = localTime(time.getAttribute("datetime"), document.documentElement.lang, style);
      if (text) {
        time.title = time.textContent; /* the page's UTC time, on hover */
        time.textContent = text;
      }
    });
    document.querySelectorAll("[data-hc-follow-link]").forEach(function (link) {
      if (link.getAttribute("href") && link.getAttribute("href") !== "#") {
        link.textContent = link.href;
      }
    });

    var form = document.querySelector("[data-hc-reply-form]");
    if (!form) return;
    form.noValidate = true;
    var messages = JSON.parse(document.getElementById("hc-reply-messages").textContent);
    var storage = null;
    try {
      storage = window.sessionStorage;
    } catch (error) { /* refused: a key for each attempt */ }
    /* The reply being sent keeps its key until it is taken: a retry is the same reply. */
    var store = forms.drafts(storage, "helpcenter.reply." + form.dataset.reference);

    forms.handle(window, form, {
      store: store,
      values: function () { return {}; }, /* the reply stays in the page: only its key is kept */
      outcome: outcome,
      messages: messages,
      /* Taken: the page again, with the reply in the conversation. */
      taken: function () { location.replace(form.action + "?notice=replied"); }
    });
  }

  return { outcome: outcome, localTime: localTime, enhance: enhance };
});
