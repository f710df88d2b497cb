/*
 * The contact form's logic (contact.js, loaded as a module): what is typed is kept until the
 * ticket is confirmed, and every attempt at one ticket carries the same idempotency key. The page
 * around it (fields, errors, the real endpoint) is tested in Chromium: tests/browser/test_contact.py.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { MemoryStorage, REFUSING, theme } = require("./helpers.js");

const contact = theme("contact.js");

const TYPED = {
  name: "Lucía Romero",
  email: "lucia@example.com",
  subject: "Etiqueta ilegible",
  category: "shipping",
  plan: "pro",
  message: "La etiqueta sale en blanco."
};

function keys() {
  let made = 0;
  return () => `key-${++made}`;
}

/* The form's submissions against an endpoint that answers each post with the next of
   `answers` (`"network"`: the answer is lost); `posted` lists the keys it was sent. */
function form(storage, answers, makeKey = keys()) {
  const posted = [];
  const store = contact.drafts(storage, "es");
  function post(key) {
    posted.push(key);
    const answer = answers.shift();
    return answer === "network"
      ? Promise.reject(new TypeError("Failed to fetch"))
      : Promise.resolve(answer);
  }
  return { store, posted, submit: contact.submitter(store, () => TYPED, post, makeKey) };
}

const CREATED = { status: 201, body: { reference: "HC-7K2M-9QX4-T3VD" } };

test("what is typed is kept, per language, and comes back into the empty fields only", () => {
  const storage = new MemoryStorage();
  contact.drafts(storage, "es").save(TYPED);
  // A reload: a new page, the same storage.
  const draft = contact.drafts(storage, "es").read();
  const fields = Object.fromEntries(contact.FIELDS.map((name) => [name, { value: "" }]));
  fields.email.value = "otra@example.com";  // filled by the page (the endpoint's answer)
  contact.restore(draft, fields);
  assert.deepEqual(contact.values(fields), { ...TYPED, email: "otra@example.com" });
  assert.deepEqual(contact.drafts(storage, "fr").read(), {});
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
  const { key, ...draft } = contact.drafts(storage, "es").read();
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

test("a key that went with a different request (409) is renewed: the edited text is a new ticket",
  async () => {
    const storage = new MemoryStorage();
    const page = form(storage, ["network", { status: 409, body: { errors: {} } }, CREATED]);
    await assert.rejects(page.submit());
    assert.deepEqual(await page.submit(), { kind: "confirmed", reference: "HC-7K2M-9QX4-T3VD" });
    assert.deepEqual(page.posted, ["key-1", "key-1", "key-2"]);
  });

test("a second submission while one is under way sends nothing", async () => {
  const storage = new MemoryStorage();
  let answer;
  const posted = [];
  const submit = contact.submitter(contact.drafts(storage, "it"), () => TYPED, (key) => {
    posted.push(key);
    return new Promise((resolve) => { answer = resolve; });
  }, keys());
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
  const submit = contact.submitter(contact.drafts(new MemoryStorage(), "fr"), () => TYPED,
    () => { throw new TypeError("FormData"); }, keys());
  await assert.rejects(submit());
  const again = submit();
  assert.notEqual(again, null);
  await assert.rejects(again);
});

test("without storage (private mode) the form still sends, with a key", async () => {
  for (const storage of [REFUSING, null]) {
    const page = form(storage, [CREATED]);
    assert.deepEqual(await page.submit(), { kind: "confirmed", reference: "HC-7K2M-9QX4-T3VD" });
    assert.deepEqual(page.posted, ["key-1"]);
    assert.deepEqual(page.store.read(), {});
  }
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

test("Retry-After is read as seconds or as a date, and never as words to show", () => {
  const now = Date.parse("2030-01-01T23:00:00Z");
  assert.equal(contact.waitSeconds("30", now), 30);
  assert.equal(contact.waitSeconds(" 3600 ", now), 3600);
  assert.equal(contact.waitSeconds("0", now), 1);
  assert.equal(contact.waitSeconds("Wed, 02 Jan 2030 00:00:00 GMT", now), 3600);
  assert.equal(contact.waitSeconds("Tue, 01 Jan 2030 22:00:00 GMT", now), 1);  // already past
  for (const nonsense of [null, undefined, "", "soon", "-5", "1.5", "in 2 hours"]) {
    assert.equal(contact.waitSeconds(nonsense, now), 60, String(nonsense));
  }
  const answer = { status: 429, body: {}, retryAfter: "Wed, 02 Jan 2030 00:00:00 GMT" };
  assert.equal(contact.outcome(answer, now).seconds, 3600);
});

test("the first invalid field is the first in the form's order, not in the answer's", () => {
  const order = ["name", "email", "subject", "category", "plan", "message", "attachments",
    "website", "language", "page"];
  const errors = { subject: ["Too short."], message: ["Empty."], email: ["Invalid."] };
  assert.equal(contact.firstInvalid(order, errors), "email");
  assert.equal(contact.firstInvalid(order, { attachments: ["Limit."], body: ["?"] }),
    "attachments");
  assert.equal(contact.firstInvalid(order, { email: [], plan: ["Unknown."] }), "plan");
  assert.equal(contact.firstInvalid(order, { body: ["Unreadable."] }), null);
  assert.equal(contact.firstInvalid(order, {}), null);
});

test("a key is a random UUID, or 32 random hexadecimal digits without randomUUID", () => {
  assert.equal(contact.newKey({ randomUUID: () => "0b5d-uuid" }), "0b5d-uuid");
  const key = contact.newKey({
    getRandomValues: (bytes) => { bytes.forEach((_, i) => { bytes[i] = i * 17; }); return bytes; }
  });
  assert.equal(key, "00112233445566778899aabbccddeeff");
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
