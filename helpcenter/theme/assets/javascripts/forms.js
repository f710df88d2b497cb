/*
 * What the site's two forms that post to the endpoint share: the contact form (contact.js) and
 * the reply form of a request's private page (followup.js). Each submission carries an
 * idempotency key, kept until the endpoint takes it, so that a retry (after a failure, a reload, a
 * double click) is the same submission; one goes at a time; the endpoint's refusals show in the
 * form, by their fields, with a summary that takes the focus when no field does.
 * Loaded before both: as a browser script (`helpcenterForms`) and as a Node module (for tests).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.helpcenterForms = factory();
  }
})(this, function () {
  "use strict";

  /* The kinds of answer that took nothing: the reader corrects, waits or tries again. */
  var REFUSALS = ["invalid", "rateLimited", "tooLarge", "failed"];

  /* Whether `outcome`'s result is the form's own kind: the endpoint took the submission. */
  function taken(result) {
    return REFUSALS.indexOf(result.kind) < 0;
  }

  /* A form's draft under `name` in `storage` (localStorage, sessionStorage, or null when the
     browser refuses it): what the reader typed and the idempotency key of the submission being
     tried. A storage that refuses (private mode, full) loses drafts, never the form. */
  function drafts(storage, name) {
    function read() {
      try {
        return JSON.parse(storage.getItem(name)) || {};
      } catch (error) {
        return {};
      }
    }

    function write(draft) {
      try {
        storage.setItem(name, JSON.stringify(draft));
      } catch (error) { /* private mode: the form still works, without drafts */ }
    }

    return {
      read: read,
      /* What the fields hold now (`{name: value}`), kept with the key. */
      save: function (values) {
        var draft = read();
        Object.keys(values).forEach(function (field) { draft[field] = values[field]; });
        write(draft);
      },
      /* The idempotency key of the draft, made with `newKey()` and kept when it has none. */
      key: function (newKey) {
        var draft = read();
        if (!draft.key) {
          draft.key = newKey();
          write(draft);
        }
        return draft.key;
      },
      /* A new key, when the endpoint says the draft's went with a submission that differed (409):
         the reader changed what they had sent, so this is another one. */
      renew: function (newKey) {
        var draft = read();
        draft.key = newKey();
        write(draft);
        return draft.key;
      },
      /* Once the submission is taken: the next one is new, with a new key. */
      clear: function () {
        try {
          storage.removeItem(name);
        } catch (error) { /* nothing was kept */ }
      }
    };
  }

  /* A new idempotency key from the browser's `crypto`. */
  function newKey(crypto) {
    if (crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* The seconds a Retry-After header says to wait (`now`, in milliseconds, for one given as
     a date); 60 when it says nothing usable. */
  function waitSeconds(retryAfter, now) {
    var text = retryAfter == null ? "" : String(retryAfter).trim();
    if (/^\d+$/.test(text)) return Math.max(1, parseInt(text, 10));
    var date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
    if (!isNaN(date)) return Math.max(1, Math.ceil((date - now) / 1000));
    return 60;
  }

  /* What an answer that took nothing (`{status, body, retryAfter}`) means for the reader, as
     `{kind, ...}`. A 429 keeps the endpoint's errors: a daily quota (attachments) says in the
     reader's language, by its field, what to do and until when. */
  function refusal(answer, now) {
    var status = answer.status, body = answer.body || {};
    if ((status === 422 || status === 409) && body.errors) {
      return { kind: "invalid", errors: body.errors };
    }
    if (status === 429) {
      return {
        kind: "rateLimited",
        seconds: waitSeconds(answer.retryAfter, now === undefined ? Date.now() : now),
        errors: body.errors || {}
      };
    }
    if (status === 413) return { kind: "tooLarge" };
    return { kind: "failed" };
  }

  /* The first of `names` (the form's fields, in the form's order) that `errors` has a message
     for: where the reader goes to correct them, from the top. */
  function firstInvalid(names, errors) {
    for (var i = 0; i < names.length; i++) {
      var messages = Object.prototype.hasOwnProperty.call(errors, names[i]) && errors[names[i]];
      if (messages && messages.length) return names[i];
    }
    return null;
  }

  /* Submissions of one form: `post(key)` sends it with the idempotency key and resolves to the
     endpoint's answer, which `outcome` says the meaning of (a kind of REFUSALS, or the form's
     own for an answer that took it); it fails when nothing came back. One at a time: a
     submission while one is under way returns null. Every attempt saves `currentValues()` in
     `store` (a `drafts`) and sends its key, so a retry is the same submission; a taken one
     clears the draft, so the next is new (with a key made by `makeKey`). */
  function submitter(store, currentValues, post, makeKey, outcome) {
    var sending = false;
    return function submit() {
      if (sending) return null;
      sending = true;
      var done = function () { sending = false; };
      return new Promise(function (resolve) {
        var key = store.key(makeKey);
        store.save(currentValues());
        resolve(post(key));
      }).then(function (answer) {
        var errors = answer.status === 409 && answer.body && answer.body.errors;
        return errors && errors.idempotency_key ? post(store.renew(makeKey)) : answer;
      }).then(function (answer) {
        var result = outcome(answer);
        if (taken(result)) store.clear();
        done();
        return result;
      }, function (error) {
        done();
        throw error;
      });
    };
  }

  /* Posts `form` as it is (multipart) with the idempotency `key`, asking for JSON: the answer
     as `{status, body, retryAfter}` (the Retry-After header). */
  function send(window, form, key) {
    return window.fetch(form.action, {
      method: "POST",
      body: new window.FormData(form),
      headers: { "Accept": "application/json", "Idempotency-Key": key }
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

  function summaryOf(form) {
    return form.querySelector("[data-hc-form-summary]");
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (element) {
      element.textContent = "";
      element.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
    });
    var summary = summaryOf(form);
    summary.hidden = true;
    summary.textContent = "";
  }

  /* The errors of `errors` that a field of the form shows (not the body's, say). */
  function byField(form, errors) {
    var shown = {};
    Object.keys(errors).forEach(function (name) {
      var field = form.elements[name];
      if (form.querySelector("[data-error-for='" + name + "']") && field && field.setAttribute &&
          Array.isArray(errors[name]) && errors[name].length) {
        shown[name] = errors[name];
      }
    });
    return shown;
  }

  /* The errors by their fields, the others (the request closed meanwhile...) in the summary, or
     `invalid` there when every one has its field. The focus goes to the first invalid field from
     the top, or to the summary when none is. */
  function showErrors(form, errors, invalid) {
    var shown = byField(form, errors), others = [];
    Object.keys(errors).forEach(function (name) {
      if (shown[name]) {
        var message = form.querySelector("[data-error-for='" + name + "']");
        message.textContent = shown[name].join(" ");
        message.hidden = false;
        form.elements[name].setAttribute("aria-invalid", "true");
      } else if ([].concat(errors[name]).length) {
        others.push([].concat(errors[name]).join(" "));
      }
    });
    var summary = summaryOf(form);
    var paragraph = summary.ownerDocument.createElement("p");
    paragraph.textContent = others.length ? others.join(" ") : invalid;
    summary.textContent = "";
    summary.appendChild(paragraph);
    summary.hidden = false;
    var names = Array.prototype.map.call(form.elements, function (field) { return field.name; });
    var first = firstInvalid(names, shown);
    if (first) form.elements[first].focus(); else summary.focus();
  }

  /* A refusal (`refusal`'s), told in the form in the page's `messages`. */
  function tell(form, messages, result) {
    var status = form.querySelector("[data-hc-form-status]");
    status.textContent = "";
    if (result.kind === "invalid" ||
        (result.kind === "rateLimited" && Object.keys(byField(form, result.errors)).length)) {
      /* A daily quota too: the endpoint's words by their field, as without JavaScript. */
      showErrors(form, result.errors, messages.invalid);
    } else if (result.kind === "rateLimited") {
      status.textContent = messages.rateLimited.replace("%(seconds)s", result.seconds);
    } else if (result.kind === "tooLarge") {
      showErrors(form, { attachments: [messages.tooLarge] }, messages.invalid);
    } else {
      status.textContent = messages.failed;
    }
  }

  /* Sends `form` from `window` instead of the browser, its button disabled meanwhile, and says
     in the form's status and fields what came of it in `how.messages` (the page's words). `how`:
     `store` (a `drafts`) and `values()` for `submitter`, `outcome(answer)` the form's own, and
     `taken(result)` for an answer that took the submission. */
  function handle(window, form, how) {
    var messages = how.messages;
    var status = form.querySelector("[data-hc-form-status]");
    var button = form.querySelector("button[type=submit]");
    var submit = submitter(how.store, how.values, function (key) {
      return send(window, form, key);
    }, function () {
      return newKey(window.crypto);
    }, how.outcome);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var sent = submit();
      if (!sent) return;
      button.disabled = true;
      clearErrors(form);
      status.textContent = messages.sending;
      sent
        .then(function (result) {
          if (taken(result)) how.taken(result); else tell(form, messages, result);
        })
        .catch(function () { status.textContent = messages.network; })
        .then(function () { button.disabled = false; });
    });
  }

  return {
    drafts: drafts,
    newKey: newKey,
    waitSeconds: waitSeconds,
    refusal: refusal,
    firstInvalid: firstInvalid,
    submitter: submitter,
    handle: handle
  };
});
