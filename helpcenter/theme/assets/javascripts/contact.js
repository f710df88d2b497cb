/*
 * The contact form, enhanced. Without this script the form still posts (multipart) and the
 * endpoint answers with a page. With it:
 * - what the reader types is kept in localStorage until the ticket is confirmed;
 * - the form is sent with fetch, errors are shown next to their fields, in the reader's language;
 * - each submission carries an idempotency key, reused on retries, so a ticket is created once;
 * - articles that may answer the subject are suggested while it is typed.
 */
(function () {
  "use strict";

  /* The thank-you page on a static host: the reference comes from the redirect's `?ticket=`. */
  var block = document.querySelector("[data-testid=ticket-confirmation]");
  var slot = block && block.querySelector("[data-ticket-reference]");
  var ticket = new URLSearchParams(location.search).get("ticket");
  if (slot && !slot.textContent && ticket &&
      new RegExp(block.dataset.referencePattern).test(ticket)) {
    slot.textContent = ticket;
  }

  var form = document.querySelector("[data-hc-contact-form]");
  if (!form) return;
  form.noValidate = true;

  var FIELDS = ["name", "email", "subject", "category", "plan", "message"];
  var storageKey = "helpcenter.contact." + form.dataset.language;
  var messages = JSON.parse(document.getElementById("hc-contact-messages").textContent);
  var status = form.querySelector("[data-hc-form-status]");
  var summary = form.querySelector("[data-hc-form-summary]");
  var button = form.querySelector("button[type=submit]");
  var confirmation = document.querySelector("[data-testid=ticket-confirmation]");
  var sending = false;

  function readDraft() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey)) || {};
    } catch (error) {
      return {};
    }
  }

  function writeDraft(draft) {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(draft));
    } catch (error) { /* private mode: the form still works, without drafts */ }
  }

  function saveDraft() {
    var draft = readDraft();
    FIELDS.forEach(function (name) { draft[name] = form.elements[name].value; });
    writeDraft(draft);
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* Restore what was typed before a reload or a failed attempt. */
  var draft = readDraft();
  FIELDS.forEach(function (name) {
    var field = form.elements[name];
    if (draft[name] && !field.value) field.value = draft[name];
  });
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

  function showErrors(errors) {
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var message = form.querySelector("[data-error-for='" + name + "']");
      var field = form.elements[name];
      if (!message || !field || !field.setAttribute) return;
      message.textContent = errors[name].join(" ");
      message.hidden = false;
      field.setAttribute("aria-invalid", "true");
      if (!first) first = field;
    });
    summary.textContent = messages.invalid;
    summary.hidden = false;
    if (first) first.focus();
  }

  function confirm(reference) {
    window.localStorage.removeItem(storageKey);
    confirmation.querySelector("[data-ticket-reference]").textContent = reference;
    form.hidden = true;
    confirmation.hidden = false;
    confirmation.focus();
  }

  function respond(response, body) {
    if ((response.status === 201 || response.status === 200) && body.reference) {
      confirm(body.reference);
    } else if (response.status === 422 && body.errors) {
      showErrors(body.errors);
      status.textContent = "";
    } else if (response.status === 429) {
      var seconds = response.headers.get("Retry-After") || "60";
      status.textContent = messages.rateLimited.replace("%(seconds)s", seconds);
    } else if (response.status === 413) {
      showErrors({ attachments: [messages.tooLarge] });
      status.textContent = "";
    } else {
      status.textContent = messages.failed;
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    sending = true;
    button.disabled = true;
    clearErrors();
    status.textContent = messages.sending;
    var current = readDraft();
    if (!current.key) {
      current.key = newKey();
      writeDraft(current);
    }
    saveDraft();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "Idempotency-Key": current.key }
    })
      .then(function (response) {
        return response.json()
          .catch(function () { return {}; })
          .then(function (body) { respond(response, body); });
      })
      .catch(function () { status.textContent = messages.network; })
      .then(function () {
        sending = false;
        button.disabled = false;
      });
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
})();
