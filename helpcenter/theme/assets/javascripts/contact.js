/*
 * The contact form, enhanced. Without this script the form still posts (multipart) and the
 * endpoint answers with a page. With it:
 * - what the reader types is kept in localStorage until the ticket is confirmed;
 * - the form is sent with fetch, errors are shown next to their fields, in the reader's language;
 * - each submission carries an idempotency key, reused on retries, so a ticket is created once;
 * - articles that may answer the subject are suggested while it is typed;
 * - only the chosen topic's own questions show (without it, every topic's do, each labelled).
 * Works as a browser script (it enhances the page) and as a Node module (its logic, for tests).
 */
(function (root, factory) {
  var contact = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = contact;
  } else {
    contact.enhance(root);
  }
})(this, function () {
  "use strict";

  var FIELDS = ["name", "email", "subject", "category", "plan", "message"];

  /* A language's draft in `storage` (localStorage, or null when the browser refuses it): what
     the reader typed and the idempotency key of the submission being tried. A storage that
     refuses (private mode, full) loses drafts, never the form. */
  function drafts(storage, language) {
    var key = "helpcenter.contact." + language;

    function read() {
      try {
        return JSON.parse(storage.getItem(key)) || {};
      } catch (error) {
        return {};
      }
    }

    function write(draft) {
      try {
        storage.setItem(key, JSON.stringify(draft));
      } catch (error) { /* private mode: the form still works, without drafts */ }
    }

    return {
      read: read,
      /* What the fields hold now (`{name: value}`), kept with the key. */
      save: function (values) {
        var draft = read();
        Object.keys(values).forEach(function (name) { draft[name] = values[name]; });
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
      /* A new key, when the endpoint says the draft's went with a request that differed (409):
         the reader changed what they had sent, so this is another ticket. */
      renew: function (newKey) {
        var draft = read();
        draft.key = newKey();
        write(draft);
        return draft.key;
      },
      /* Once the ticket is confirmed: the next submission is a new ticket, with a new key. */
      clear: function () {
        try {
          storage.removeItem(key);
        } catch (error) { /* nothing was kept */ }
      }
    };
  }

  /* The form's values, from its `elements`: those of `names` (FIELDS by default); `sending`:
     only what the form would post, not the disabled fields (another topic's questions). */
  function values(elements, names, sending) {
    var found = {};
    (names || FIELDS).forEach(function (name) {
      var field = elements[name];
      if (!(sending && field.disabled)) found[name] = field.value;
    });
    return found;
  }

  /* Back into the form's empty fields (of `names`, FIELDS by default), what was typed before a
     reload or a failed attempt. */
  function restore(draft, elements, names) {
    (names || FIELDS).forEach(function (name) {
      var field = elements[name];
      if (draft[name] && !field.value) field.value = draft[name];
    });
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

  /* What the endpoint's answer means for the reader: `{status, body, retryAfter}` (the
     Retry-After header) as `{kind, ...}`. A 429 keeps the endpoint's errors: a daily quota
     (attachments) says in the reader's language, by its field, what to do and until when. */
  function outcome(answer, now) {
    var status = answer.status, body = answer.body || {};
    if ((status === 201 || status === 200) && body.reference) {
      var confirmed = { kind: "confirmed", reference: body.reference };
      /* The request's private page, to follow it and answer there. */
      if (typeof body.follow_url === "string" && body.follow_url) {
        confirmed.followUrl = body.follow_url;
      }
      return confirmed;
    }
    if (status === 422 && body.errors) return { kind: "invalid", errors: body.errors };
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
     endpoint's answer (`outcome`'s), or fails when nothing came back. One at a time: a submission
     while one is under way returns null. Every attempt saves the fields and sends the draft's
     key, so a retry (after a failure, a reload, a double click) is the same ticket; a confirmed
     ticket clears the draft, so the next submission is a new one. */
  function submitter(store, currentValues, post, makeKey) {
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
        return answer.status === 409 ? post(store.renew(makeKey)) : answer;
      }).then(function (answer) {
        var result = outcome(answer);
        if (result.kind === "confirmed") store.clear();
        done();
        return result;
      }, function (error) {
        done();
        throw error;
      });
    };
  }

  /* The thank-you page on a static host: the reference from the redirect's `?ticket=`, when it
     has the form of one (`pattern`); null otherwise. */
  function shownReference(search, pattern) {
    var ticket = new URLSearchParams(search).get("ticket");
    return ticket && new RegExp(pattern).test(ticket) ? ticket : null;
  }

  function enhance(window) {
    var document = window.document;
    var location = window.location;

    var block = document.querySelector("[data-testid=ticket-confirmation]");
    var slot = block && block.querySelector("[data-ticket-reference]");
    var reference = block && shownReference(location.search, block.dataset.referencePattern);
    if (slot && !slot.textContent && reference) slot.textContent = reference;

    var form = document.querySelector("[data-hc-contact-form]");
    if (!form) return;
    form.noValidate = true;

    var storage = null;
    try {
      storage = window.localStorage;
    } catch (error) { /* refused: no drafts */ }
    var store = drafts(storage, form.dataset.language);
    /* Each topic's own questions (mkdocs.yml): kept in drafts like the other fields. */
    var topicFields = form.querySelectorAll("[data-hc-topic-fields]");
    var names = FIELDS.concat(Array.prototype.map.call(
      form.querySelectorAll("[data-hc-topic-fields] [name]"),
      function (field) { return field.name; }
    ));
    var messages = JSON.parse(document.getElementById("hc-contact-messages").textContent);
    var status = form.querySelector("[data-hc-form-status]");
    var summary = form.querySelector("[data-hc-form-summary]");
    var button = form.querySelector("button[type=submit]");
    var confirmation = document.querySelector("[data-testid=ticket-confirmation]");

    function saveDraft() {
      store.save(values(form.elements, names));
    }

    /* The chosen topic's questions only: the others' are hidden, and disabled so that they are
       not sent either. */
    function showTopicFields() {
      topicFields.forEach(function (fieldset) {
        var other = fieldset.dataset.hcTopicFields !== form.elements.category.value;
        fieldset.hidden = other;
        fieldset.disabled = other;
      });
    }

    restore(store.read(), form.elements, names);
    showTopicFields();
    form.elements.category.addEventListener("change", showTopicFields);
    form.addEventListener("input", saveDraft);
    form.addEventListener("change", saveDraft);

    /* The page the reader came from, for the support team. */
    var from = new URLSearchParams(location.search).get("from");
    if (from && !form.elements.page.value) form.elements.page.value = from.slice(0, 500);

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

    /* The errors of `errors` that a field of the form shows (not the body's, say). */
    function byField(errors) {
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

    function showErrors(errors) {
      var shown = byField(errors);
      Object.keys(shown).forEach(function (name) {
        var message = form.querySelector("[data-error-for='" + name + "']");
        message.textContent = shown[name].join(" ");
        message.hidden = false;
        form.elements[name].setAttribute("aria-invalid", "true");
      });
      summary.textContent = messages.invalid;
      summary.hidden = false;
      var names = Array.prototype.map.call(form.elements, function (field) { return field.name; });
      var first = firstInvalid(names, shown);
      if (first) form.elements[first].focus();
    }

    function confirm(ticketReference, followUrl) {
      confirmation.querySelector("[data-ticket-reference]").textContent = ticketReference;
      var follow = confirmation.querySelector("[data-hc-follow]");
      if (follow && followUrl) {
        var link = follow.querySelector("[data-hc-follow-link]");
        /* Relative to the endpoint (the form's action), shown whole, to be kept. */
        link.href = new URL(followUrl, form.action).href;
        link.textContent = link.href;
        follow.hidden = false;
      }
      if (followUrl) { /* the request joins the reader's list (my-requests.js) */
        form.dispatchEvent(new window.CustomEvent("helpcenter:ticket-confirmed", { detail: {
          reference: ticketReference,
          address: new URL(followUrl, form.action).href,
          subject: form.elements.subject.value,
          category: form.elements.category.value
        } }));
      }
      form.hidden = true;
      confirmation.hidden = false;
      confirmation.focus();
    }

    function show(result) {
      if (result.kind === "confirmed") {
        confirm(result.reference, result.followUrl);
      } else if (result.kind === "invalid") {
        showErrors(result.errors);
        status.textContent = "";
      } else if (result.kind === "rateLimited" && Object.keys(byField(result.errors)).length) {
        /* A daily quota: the endpoint's words by their field, as without JavaScript. */
        showErrors(result.errors);
        status.textContent = "";
      } else if (result.kind === "rateLimited") {
        status.textContent = messages.rateLimited.replace("%(seconds)s", result.seconds);
      } else if (result.kind === "tooLarge") {
        showErrors({ attachments: [messages.tooLarge] });
        status.textContent = "";
      } else {
        status.textContent = messages.failed;
      }
    }

    function post(key) {
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

    var submit = submitter(store, function () { return values(form.elements, names, true); }, post,
      function () { return newKey(window.crypto); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var sent = submit();
      if (!sent) return;
      button.disabled = true;
      clearErrors();
      status.textContent = messages.sending;
      sent
        .then(show)
        .catch(function () { status.textContent = messages.network; })
        .then(function () { button.disabled = false; });
    });

    /* Deflection: articles of this language that may answer the subject, as it is typed. */
    var suggestions = form.querySelector("[data-testid=contact-suggestions]");
    var subject = form.elements.subject;
    var timer = null;
    function suggest() {
      var text = subject.value;
      if (!window.helpcenterSearch || text.trim().length < 3) {
        suggestions.hidden = true;
        return;
      }
      window.helpcenterSearch.suggest(text, 5).then(function (articles) {
        if (subject.value !== text) return;
        var list = suggestions.querySelector("ul");
        list.textContent = "";
        articles.forEach(function (article) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = article.url;
          link.textContent = article.title;
          item.appendChild(link);
          list.appendChild(item);
        });
        suggestions.hidden = articles.length === 0;
      });
    }
    subject.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 200);
    });
    if (subject.value) suggest();
  }

  return {
    FIELDS: FIELDS,
    drafts: drafts,
    values: values,
    restore: restore,
    newKey: newKey,
    waitSeconds: waitSeconds,
    outcome: outcome,
    firstInvalid: firstInvalid,
    submitter: submitter,
    shownReference: shownReference,
    enhance: enhance
  };
});
