/*
 * A request's private follow-up page, enhanced. Without this script the reply form still posts
 * (multipart) and the endpoint answers with the page again. With it:
 * - the reply is sent with fetch, with an idempotency key reused on retries (a double click or a
 *   retry after a lost answer adds one reply), errors show next to their fields;
 * - once the reply is taken, the page is loaded again, with it in the conversation;
 * - the address bar loses the page's `?notice=`, so that what the reader bookmarks or copies is
 *   the request's address alone, and the follow-up link shows the whole address.
 * Works as a browser script (it enhances the page) and as a Node module (its logic, for tests).
 */
(function (root, factory) {
  var followUp = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = followUp;
  } else {
    followUp.enhance(root);
  }
})(this, function () {
  "use strict";

  /* What the endpoint's answer to a reply means: `{status, body, retryAfter}` as `{kind, ...}`. */
  function outcome(answer) {
    var status = answer.status, body = answer.body || {};
    if ((status === 201 || status === 200) && body.status === "received") return { kind: "sent" };
    if ((status === 422 || status === 409 || status === 429) && body.errors) {
      return { kind: "refused", status: status, errors: body.errors, retryAfter: answer.retryAfter };
    }
    if (status === 429) return { kind: "rateLimited", retryAfter: answer.retryAfter };
    if (status === 413) return { kind: "tooLarge" };
    return { kind: "failed" };
  }

  /* A time the page gives in UTC (`<time datetime>`), in the reader's own zone and the page's
     language, as "Your requests" shows it; null when the browser cannot say it. `timeZone`
     for tests: the browser's own by default. */
  function localTime(iso, language, timeZone) {
    try {
      return new Intl.DateTimeFormat(language || undefined,
        { dateStyle: "long", timeStyle: "short", timeZone: timeZone }).format(new Date(iso));
    } catch (error) {
      return null;
    }
  }

  /* A new idempotency key from the browser's `crypto`. */
  function newKey(crypto) {
    if (crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* The seconds a Retry-After header says to wait; 60 when it says nothing usable. */
  function waitSeconds(retryAfter) {
    var text = retryAfter == null ? "" : String(retryAfter).trim();
    return /^\d+$/.test(text) ? Math.max(1, parseInt(text, 10)) : 60;
  }

  function enhance(window) {
    var document = window.document;
    var location = window.location;

    /* The address to keep is the request's, without what the last post said. */
    if (/[?&]notice=/.test(location.search) && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", location.pathname);
    }
    document.querySelectorAll("time[datetime]").forEach(function (time) {
      var text = localTime(time.getAttribute("datetime"), document.documentElement.lang);
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
    var status = form.querySelector("[data-hc-form-status]");
    var summary = form.querySelector("[data-hc-form-summary]");
    var button = form.querySelector("button[type=submit]");
    var keyName = "helpcenter.reply." + form.dataset.reference;
    var sending = false;

    /* The reply being sent keeps its key until it is taken: a retry is the same reply. */
    function key(renew) {
      var value = null;
      try {
        value = renew ? null : window.sessionStorage.getItem(keyName);
      } catch (error) { /* refused: a key for this page only */ }
      if (!value) {
        value = newKey(window.crypto);
        try {
          window.sessionStorage.setItem(keyName, value);
        } catch (error) { /* the key is kept in memory only */ }
      }
      return value;
    }

    function forget() {
      try {
        window.sessionStorage.removeItem(keyName);
      } catch (error) { /* nothing was kept */ }
    }

    function clearErrors() {
      form.querySelectorAll("[data-error-for]").forEach(function (element) {
        element.textContent = "";
        element.hidden = true;
      });
      form.querySelectorAll("[aria-invalid]").forEach(function (field) {
        field.removeAttribute("aria-invalid");
      });
      summary.hidden = true;
      summary.textContent = "";
    }

    /* The errors by their fields; the others (the request closed meanwhile...) in the summary. */
    function showErrors(errors) {
      var first = null, others = [];
      Object.keys(errors).forEach(function (name) {
        var slot = form.querySelector("[data-error-for='" + name + "']");
        var field = form.elements[name];
        var text = [].concat(errors[name]).join(" ");
        if (slot && field) {
          slot.textContent = text;
          slot.hidden = false;
          field.setAttribute("aria-invalid", "true");
          if (!first) first = field;
        } else {
          others.push(text);
        }
      });
      var paragraph = document.createElement("p");
      paragraph.textContent = others.length ? others.join(" ") : messages.invalid;
      summary.textContent = "";
      summary.appendChild(paragraph);
      summary.hidden = false;
      if (first) first.focus(); else summary.focus();
    }

    function post(idempotencyKey) {
      return window.fetch(form.action, {
        method: "POST",
        body: new window.FormData(form),
        headers: { "Accept": "application/json", "Idempotency-Key": idempotencyKey }
      }).then(function (response) {
        return response.json()
          .catch(function () { return {}; })
          .then(function (body) {
            return {
              status: response.status,
              body: body,
              retryAfter: response.headers.get("Retry-After")
            };
          });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      sending = true;
      button.disabled = true;
      clearErrors();
      status.textContent = messages.sending;
      post(key(false))
        .then(function (answer) {
          /* The key went with another reply (the reader changed it): this one is new. */
          if (answer.status === 409 && answer.body && answer.body.errors &&
              answer.body.errors.idempotency_key) {
            return post(key(true));
          }
          return answer;
        })
        .then(function (answer) {
          var result = outcome(answer);
          if (result.kind === "sent") {
            forget();
            location.replace(form.action + "?notice=replied");
            return;
          }
          status.textContent = "";
          if (result.kind === "refused") {
            showErrors(result.errors);
          } else if (result.kind === "rateLimited") {
            status.textContent = messages.rateLimited.replace(
              "%(seconds)s", waitSeconds(result.retryAfter));
          } else if (result.kind === "tooLarge") {
            showErrors({ attachments: [messages.tooLarge] });
          } else {
            status.textContent = messages.failed;
          }
        })
        .catch(function () { status.textContent = messages.network; })
        .then(function () {
          sending = false;
          button.disabled = false;
        });
    });
  }

  return {
    outcome: outcome, newKey: newKey, waitSeconds: waitSeconds, localTime: localTime,
    enhance: enhance
  };
});
