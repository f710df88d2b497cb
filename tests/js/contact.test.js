/*
 * The contact form's logic (contact.js, loaded as a module, with forms.js's drafts and
 * submissions): what is typed is kept until the ticket is confirmed, and every attempt at one
 * ticket carries the same idempotency key. What the reply form shares: forms.test.js. The page
 * around it (fields, errors, the real endpoint) is tested in Chromium:
 * tests/browser/test_contact.py.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { MemoryStorage, keys, submissions, theme } = require("./helpers.js");

const contact = theme("contact.js");
const forms = theme("forms.js");

/* The contact form's draft in `storage`, as the Spanish page keeps it. */
function drafts(storage, language = "es") {
  return forms.drafts(storage, `helpcenter.contact.${language}`);
}

const TYPED = {
  name: "Lucía Romero",
  email: "lucia@example.com",
  subject: "Etiqueta ilegible",
  category: "shipping",
  plan: "pro",
  message: "La etiqueta sale en blanco."
};

/* The Spanish form's submissions (helpers.js `submissions`). */
function form(storage, answers, makeKey = keys()) {
  const store = drafts(storage);
  return submissions(forms, {
    store, values: () => TYPED, outcome: contact.outcome, answers, makeKey
  });
}

const CREATED = { status: 201, body: { reference: "HC-7K2M-9QX4-T3VD" } };

test("what is typed is kept, per language, and comes back into the empty fields only", () => {
  const storage = new MemoryStorage();
  drafts(storage).save(TYPED);
  // A reload: a new page, the same storage.
  const draft = drafts(storage).read();
  const fields = Object.fromEntries(contact.FIELDS.map((name) => [name, { value: "" }]));
  fields.email.value = "otra@example.com";  // filled by the page (the endpoint's answer)
  contact.restore(draft, fields);
  assert.deepEqual(contact.values(fields), { ...TYPED, email: "otra@example.com" });
  assert.deepEqual(drafts(storage, "fr").read(), {});
});

test("a failed attempt keeps the draft, and every retry sends the same key", async () => {
  const storage = new MemoryStorage();
  const page = form(storage, [
    "network",
    { status: 503, body: {} },
    { status: 429, body: {}, retryAfter: "30" },
    { status: 422, body: { errors: { email: ["Invalid."] } } }
  ]);
  await assert.rejects(page.submit());
  assert.deepEqual(await page.submit(), { kind: "failed" });
  assert.deepEqual(await page.submit(), { kind: "rateLimited", seconds: 30, errors: {} });
  assert.deepEqual(await page.submit(), { kind: "invalid", errors: { email: ["Invalid."] } });
  assert.deepEqual(page.posted, ["key-1", "key-1", "key-1", "key-1"]);
  const { key, ...draft } = drafts(storage).read();
  assert.equal(key, "key-1");
  assert.deepEqual(draft, TYPED);
});

test("the key survives a reload: the retry from the reloaded page is the same ticket",
  async () => {
    const storage = new MemoryStorage();
    const before = form(storage, ["network"], () => "key-of-the-first-page");
    await assert.rejects(before.submit());
    const after = form(storage, [CREATED], () => "key-of-the-reloaded-page");
    await after.submit();
    assert.deepEqual(after.posted, ["key-of-the-first-page"]);
  });

test("a confirmed ticket clears the draft, and the next ticket gets a new key", async () => {
  const storage = new MemoryStorage();
  const page = form(storage, ["network", CREATED, CREATED]);
  await assert.rejects(page.submit());
  assert.deepEqual(await page.submit(), { kind: "confirmed", reference: "HC-7K2M-9QX4-T3VD" });
  assert.equal(storage.getItem("helpcenter.contact.es"), null);
  await page.submit();
  assert.deepEqual(page.posted, ["key-1", "key-1", "key-2"]);
});

test("only an answer with a reference confirms the ticket", () => {
  const outcome = contact.outcome;
  assert.deepEqual(outcome(CREATED), { kind: "confirmed", reference: "HC-7K2M-9QX4-T3VD" });
  assert.deepEqual(outcome({ status: 200, body: { reference: "HC-1" } }),
    { kind: "confirmed", reference: "HC-1" });
  assert.deepEqual(outcome({ status: 201, body: {} }), { kind: "failed" });
  assert.deepEqual(outcome({ status: 202, body: { reference: "HC-1" } }), { kind: "failed" });
  assert.deepEqual(outcome({ status: 422, body: {} }), { kind: "failed" });
  assert.deepEqual(outcome({ status: 413, body: {} }), { kind: "tooLarge" });
  assert.deepEqual(outcome({ status: 429, body: {}, retryAfter: null }),
    { kind: "rateLimited", seconds: 60, errors: {} });
  assert.deepEqual(outcome({ status: 500, body: null }), { kind: "failed" });
});

test("a confirmed ticket carries the address of its private page, when the endpoint gives one", () => {
  const follow = "/api/tickets/follow/0123456789abcdefABCDEF_-01234567";
  assert.deepEqual(
    contact.outcome({ status: 201, body: { reference: "HC-1", follow_url: follow } }),
    { kind: "confirmed", reference: "HC-1", followUrl: follow });
  assert.deepEqual(
    contact.outcome({ status: 201, body: { reference: "HC-1", follow_url: 42 } }),
    { kind: "confirmed", reference: "HC-1" });
});

test("a daily quota's 429 keeps the endpoint's words, by their field, for the reader", () => {
  const quota = "Ha alcanzado el límite de archivos adjuntos de hoy. Envíe su solicitud sin " +
    "archivos adjuntos o vuelva a intentarlo mañana.";
  const answer = {
    status: 429,
    body: { errors: { attachments: [quota] }, retry_after: 43200 },
    retryAfter: "43200"
  };
  assert.deepEqual(contact.outcome(answer),
    { kind: "rateLimited", seconds: 43200, errors: { attachments: [quota] } });
});

test("the thank-you page shows a reference from its address only if it looks like one", () => {
  const pattern = "^HC-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$";
  assert.equal(contact.shownReference("?ticket=HC-7K2M-9QX4-T3VD", pattern), "HC-7K2M-9QX4-T3VD");
  assert.equal(contact.shownReference("?ticket=Call+0800+now", pattern), null);
  assert.equal(contact.shownReference("?other=1", pattern), null);
});

test("what is sent leaves out the disabled questions of the topics not chosen", () => {
  const fields = {
    subject: { value: "Colis bloqué" },
    "tracking.tracking_number": { value: "CL123456789FR" },
    "billing.invoice_number": { value: "a draft of long ago", disabled: true }
  };
  const names = Object.keys(fields);
  assert.deepEqual(contact.values(fields, names, true), {
    subject: "Colis bloqué",
    "tracking.tracking_number": "CL123456789FR"
  });
  // The draft keeps them all: choosing that topic again brings its answers back.
  assert.equal(contact.values(fields, names)["billing.invoice_number"], "a draft of long ago");
});
