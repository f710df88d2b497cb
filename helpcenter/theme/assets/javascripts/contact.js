/*
 * The contact form, enhanced. Without this script the form still posts (multipart) and the
 * endpoint answers with a page. With it:
 * - what the reader types is kept in localStorage until the ticket is confirmed;
 * - the form is sent with fetch, errors are shown next to their fields, in the reader's language;
 * - each submission carries an idempotency key, reused on retries, so a ticket is created once;
 * - articles that may answer the subject are suggested while it is typed;
 * - only the chosen topic's own questions show (without it, every topic's do, each labelled).
 * What it shares with the reply form (keys, sending, errors) is forms.js's, loaded before it.
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

  var FIELDS = ["name", "email", "subject", "category", "plan", "message"];

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

  /* What the endpoint's answer means for the reader: `{status, body, retryAfter}` (the
     Retry-After header) as `{kind, ...}`, a ticket confirmed or one of forms.js's refusals. */
  function outcome(answer, now) {
    var body = answer.body || {};
    if ((answer.status === 201 || answer.status === 200) && body.reference) {
      var confirmed = { kind: "confirmed", reference: body.reference };
      /* The request's private page, to follow it and answer there. */
      if (typeof body.follow_url === "string" && body.follow_url) {
        confirmed.followUrl = body.follow_url;
      }
      return confirmed;
    }
    return forms.refusal(answer, now);
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
    var store = forms.drafts(storage, "helpcenter.contact." + form.dataset.language);
    /* Each topic's own questions (mkdocs.yml): kept in drafts like the other fields. */
    var topicFields = form.querySelectorAll("[data-hc-topic-fields]");
    var names = FIELDS.concat(Array.prototype.map.call(
      form.querySelectorAll("[data-hc-topic-fields] [name]"),
      function (field) { return field.name; }
    ));
    var messages = JSON.parse(document.getElementById("hc-contact-messages").textContent);
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

    /* The ticket taken (`outcome`'s "confirmed"): its reference, and where to follow it. */
    function confirm(result) {
      var ticketReference = result.reference, followUrl = result.followUrl;
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

    forms.handle(window, form, {
      store: store,
      values: function () { return values(form.elements, names, true); },
      outcome: outcome,
      messages: messages,
      taken: confirm
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
    values: values,
    restore: restore,
    outcome: outcome,
    shownReference: shownReference,
    enhance: enhance
  };
});
