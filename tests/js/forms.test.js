/*
 * What the contact form and the reply form share (forms.js, loaded as a module): one submission
 * at a time, each retry with the same idempotency key until the endpoint takes it, a new key when
 * the endpoint says the old one went with something else, and what its refusals mean for the
 * reader. Each form's own answers: contact.test.js, followup.test.js; the pages around them, with
 * the real endpoint: tests/browser/test_contact.py, tests/browser/test_followup.py.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { MemoryStorage, REFUSING, keys, submissions, theme } = require("./helpers.js");

const forms = theme("forms.js");
const contact = theme("contact.js");
const followUp = theme("followup.js");

const CREATED = { status: 201, body: { reference: "HC-7K2M-9QX4-T3VD" } };
const CONFIRMED = { kind: "confirmed", reference: "HC-7K2M-9QX4-T3VD" };
const RECEIVED = { status: 201, body: { reference: "HC-7K2M-9QX4-T3VD", status: "received" } };
const TYPED = { subject: "Etiqueta ilegible", message: "La etiqueta sale en blanco." };

/* Submissions of a form whose answers `outcome` reads (helpers.js `submissions`). */
function form(storage, answers, outcome = contact.outcome) {
  const store = forms.drafts(storage, "helpcenter.test");
  return submissions(forms, { store, values: () => TYPED, outcome, answers });
}

test("a key that went with a different submission (409) is renewed: the edited one is new",
  async () => {
    const conflict = { status: 409, body: { errors: { idempotency_key: ["Already used."] } } };
    const ticket = form(new MemoryStorage(), ["network", conflict, CREATED]);
    await assert.rejects(ticket.submit());
    assert.deepEqual(await ticket.submit(), CONFIRMED);
    assert.deepEqual(ticket.posted, ["key-1", "key-1", "key-2"]);
    const reply = form(new MemoryStorage(), [conflict, RECEIVED], followUp.outcome);
    assert.deepEqual(await reply.submit(), { kind: "sent" });
    assert.deepEqual(reply.posted, ["key-1", "key-2"]);
  });

test("a request closed meanwhile (409) is said to the reader, with the key kept", async () => {
  const closed = { request: ["Cette demande n'accepte plus de réponses."] };
  const storage = new MemoryStorage();
  const reply = form(storage, [{ status: 409, body: { errors: closed } }, RECEIVED],
    followUp.outcome);
  assert.deepEqual(await reply.submit(), { kind: "invalid", errors: closed });
  assert.deepEqual(await reply.submit(), { kind: "sent" });
  assert.deepEqual(reply.posted, ["key-1", "key-1"]);
  assert.equal(storage.getItem("helpcenter.test"), null);  // taken: the next reply is new
});

test("a second submission while one is under way sends nothing", async () => {
  const storage = new MemoryStorage();
  let answer;
  const posted = [];
  const submit = forms.submitter(forms.drafts(storage, "it"), () => TYPED, (key) => {
    posted.push(key);
    return new Promise((resolve) => { answer = resolve; });
  }, keys(), contact.outcome);
  const first = submit();
  assert.equal(submit(), null);  // a double click
  answer(CREATED);
  await first;
  assert.deepEqual(posted, ["key-1"]);
  // Once answered, the form sends again.
  const next = submit();
  assert.notEqual(next, null);
  answer(CREATED);
  await next;
  assert.deepEqual(posted, ["key-1", "key-2"]);
});

test("a failure that throws before anything is sent does not lock the form", async () => {
  const submit = forms.submitter(forms.drafts(new MemoryStorage(), "fr"), () => TYPED,
    () => { throw new TypeError("FormData"); }, keys(), followUp.outcome);
  await assert.rejects(submit());
  const again = submit();
  assert.notEqual(again, null);
  await assert.rejects(again);
});

test("without storage (private mode) the form still sends, with a key", async () => {
  for (const storage of [REFUSING, null]) {
    const page = form(storage, [CREATED]);
    assert.deepEqual(await page.submit(), CONFIRMED);
    assert.deepEqual(page.posted, ["key-1"]);
    assert.deepEqual(page.store.read(), {});
  }
});

test("refusals keep the endpoint's words; limits say what to do", () => {
  const errors = { message: ["Ce champ est obligatoire."] };
  assert.deepEqual(forms.refusal({ status: 422, body: { errors } }), { kind: "invalid", errors });
  assert.deepEqual(forms.refusal({ status: 422, body: {} }), { kind: "failed" });
  assert.deepEqual(forms.refusal({ status: 429, body: {}, retryAfter: "7" }),
    { kind: "rateLimited", seconds: 7, errors: {} });
  // A client over the per-minute limit: the page's own words, not the endpoint's English.
  const tooMany = { body: ["Too many requests: try again in 30 seconds."] };
  assert.deepEqual(forms.refusal({ status: 429, body: { errors: tooMany }, retryAfter: "30" }),
    { kind: "rateLimited", seconds: 30, errors: tooMany });
  assert.deepEqual(forms.refusal({ status: 413, body: {} }), { kind: "tooLarge" });
  assert.deepEqual(forms.refusal({ status: 503, body: { errors: { storage: ["?"] } } }),
    { kind: "failed" });
  assert.deepEqual(forms.refusal({ status: 500, body: null }), { kind: "failed" });
});

test("Retry-After is read as seconds or as a date, and never as words to show", () => {
  const now = Date.parse("2030-01-01T23:00:00Z");
  assert.equal(forms.waitSeconds("30", now), 30);
  assert.equal(forms.waitSeconds(" 3600 ", now), 3600);
  assert.equal(forms.waitSeconds("0", now), 1);
  assert.equal(forms.waitSeconds("Wed, 02 Jan 2030 00:00:00 GMT", now), 3600);
  assert.equal(forms.waitSeconds("Tue, 01 Jan 2030 22:00:00 GMT", now), 1);  // already past
  for (const nonsense of [null, undefined, "", "soon", "-5", "1.5", "in 2 hours"]) {
    assert.equal(forms.waitSeconds(nonsense, now), 60, String(nonsense));
  }
  const answer = { status: 429, body: {}, retryAfter: "Wed, 02 Jan 2030 00:00:00 GMT" };
  assert.equal(forms.refusal(answer, now).seconds, 3600);
});

test("the first invalid field is the first in the form's order, not in the answer's", () => {
  const order = ["name", "email", "subject", "category", "plan", "message", "attachments",
    "website", "language", "page"];
  const errors = { subject: ["Too short."], message: ["Empty."], email: ["Invalid."] };
  assert.equal(forms.firstInvalid(order, errors), "email");
  assert.equal(forms.firstInvalid(order, { attachments: ["Limit."], body: ["?"] }),
    "attachments");
  assert.equal(forms.firstInvalid(order, { email: [], plan: ["Unknown."] }), "plan");
  assert.equal(forms.firstInvalid(order, { body: ["Unreadable."] }), null);
  assert.equal(forms.firstInvalid(order, {}), null);
});

test("a key is a random UUID, or 32 random hexadecimal digits without randomUUID", () => {
  assert.equal(forms.newKey({ randomUUID: () => "0b5d-uuid" }), "0b5d-uuid");
  const key = forms.newKey({
    getRandomValues: (bytes) => { bytes.forEach((_, i) => { bytes[i] = i * 17; }); return bytes; }
  });
  assert.equal(key, "00112233445566778899aabbccddeeff");
  const crypto = require("node:crypto");
  const keys = new Set([1, 2, 3].map(() => forms.newKey(crypto)));
  assert.equal(keys.size, 3);
});
