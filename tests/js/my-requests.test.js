/*
 * "Your requests" (my-requests.js, loaded as a module): what this browser keeps of the reader's
 * requests, how it survives what else may be in the storage, and when the contact page offers
 * to continue a request. The list on the page, against the real endpoint, is tested in Chromium:
 * tests/browser/test_my_requests.py.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { MemoryStorage, REFUSING, theme } = require("./helpers.js");

const myRequests = theme("my-requests.js");

/* A storage that reads but is full. */
class FullStorage extends MemoryStorage {
  setItem() { throw new Error("QuotaExceededError"); }
}

const ENDPOINT = "https://help.example/api/tickets/follow/";

function request(n, fields = {}) {
  return {
    address: `${ENDPOINT}${String(n).padStart(32, "t")}`,
    reference: `HC-${n}`,
    subject: `Sujet ${n}`,
    category: "shipping",
    status: "open",
    statusLabel: "Ouverte",
    updated: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    ...fields
  };
}

function stored(entries) {
  const storage = new MemoryStorage();
  storage.setItem(myRequests.KEY, JSON.stringify(entries));
  return storage;
}

test("only a request's public facts are kept: never its message nor its email address", () => {
  const kept = myRequests.requests(new MemoryStorage());
  const [entry] = kept.keep({
    ...request(1),
    message: "Mon colis est bloqué depuis lundi.",
    email: "camille@example.com",
    name: "Camille Martin"
  });
  assert.deepEqual(Object.keys(entry).sort(), [
    "address", "category", "gone", "reference", "status", "statusLabel", "subject", "updated"
  ]);
  const text = JSON.stringify(kept.read());
  assert.ok(!text.includes("bloqué") && !text.includes("camille@") && !text.includes("Martin"));
});

test("nothing, broken or foreign data under the key reads as an empty list", () => {
  for (const text of [null, "", "{", "42", "\"text\"", "{\"requests\": []}", "null"]) {
    const storage = new MemoryStorage();
    if (text !== null) storage.setItem(myRequests.KEY, text);
    assert.deepEqual(myRequests.requests(storage).read(), [], String(text));
  }
  assert.deepEqual(myRequests.parse("[1, null, \"x\", [], {\"reference\": \"HC-1\"}]"), []);
});

test("entries that are not this script's are dropped, the others kept", () => {
  const good = request(1);
  const entries = myRequests.parse(JSON.stringify([
    good,
    { ...request(2), address: "javascript:alert(1)" },
    { ...request(3), address: "/api/tickets/follow/relative" },
    { ...request(4), reference: 4 },
    { ...request(5), reference: "" },
    { ...request(6), subject: "x".repeat(5000) },
    { ...request(7), status: "deleted", updated: "yesterday" }
  ]));
  // The most recently active first; one whose activity is unknown before them.
  assert.deepEqual(entries.map((entry) => entry.reference), ["HC-7", "HC-6", "HC-1"]);
  assert.equal(entries[0].status, "");
  assert.equal(entries[0].updated, "");
  assert.equal(entries[1].subject, "");  // far too long: not what this script wrote
  assert.deepEqual(entries[2], { ...good, gone: false });
});

test("an address is one request: kept once, with what is known of it last", () => {
  const kept = myRequests.requests(new MemoryStorage());
  kept.keep(request(1));
  kept.keep(request(2));
  kept.keep({
    address: `${request(1).address}?notice=received#top`,  // the same page
    reference: "HC-1",
    status: "pending",
    statusLabel: "En attente de votre réponse",
    updated: "2026-02-01T10:00:00+00:00"
  });
  const entries = kept.read();
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], {
    ...request(1),
    status: "pending",
    statusLabel: "En attente de votre réponse",
    updated: "2026-02-01T10:00:00.000Z",
    gone: false
  });  // the subject and topic, unknown in the update, stay as they were
});

test("the list is bounded to the most recently active requests", () => {
  const kept = myRequests.requests(new MemoryStorage());
  for (let n = 1; n <= myRequests.LIMIT + 5; n++) kept.keep(request(n));
  const entries = kept.read();
  assert.equal(entries.length, myRequests.LIMIT);
  assert.equal(entries[0].reference, `HC-${myRequests.LIMIT + 5}`);
  assert.equal(entries.at(-1).reference, "HC-6");
  // Data written elsewhere, longer and unordered, reads the same way.
  const many = Array.from({ length: 50 }, (_, i) => request(50 - i));
  assert.deepEqual(myRequests.parse(JSON.stringify(many.reverse())).map((e) => e.reference),
    Array.from({ length: myRequests.LIMIT }, (_, i) => `HC-${50 - i}`));
});

test("a request kept before its summary came is listed first, not dropped", () => {
  const full = stored(Array.from({ length: myRequests.LIMIT }, (_, i) => request(i + 1)));
  const kept = myRequests.requests(full);
  const entries = kept.keep({ address: `${ENDPOINT}${"n".repeat(32)}`, reference: "HC-NEW" });
  assert.equal(entries.length, myRequests.LIMIT);
  assert.equal(entries[0].reference, "HC-NEW");
});

test("forgetting removes one request, and a summary that comes after does not bring it back", () => {
  const kept = myRequests.requests(stored([request(1), request(2)]));
  assert.deepEqual(kept.forget(request(1).address).map((e) => e.reference), ["HC-2"]);
  assert.equal(kept.update(request(1, { status: "pending" })), null);
  assert.deepEqual(kept.read().map((e) => e.reference), ["HC-2"]);
  assert.equal(kept.update(request(2, { status: "solved" }))[0].status, "solved");
});

test("a storage that refuses or is full breaks nothing", () => {
  for (const storage of [REFUSING, new FullStorage(), null]) {
    const kept = myRequests.requests(storage);
    assert.deepEqual(kept.read(), []);
    assert.equal(kept.keep(request(1))[0].reference, "HC-1");  // for this page only
    assert.deepEqual(kept.forget(request(1).address), []);
  }
});

test("what the endpoint's answer says of a kept request", () => {
  const kept = request(1);
  const summary = {
    reference: "HC-1",
    subject: "Sujet 1",
    category: "billing",
    language: "fr",
    status: "pending",
    status_label: "En attente de votre réponse",
    created: "2026-01-01T00:00:00+00:00",
    updated: "2026-01-02T08:30:00+00:00"
  };
  assert.deepEqual(myRequests.refreshed(kept, { status: 200, body: summary }), {
    address: kept.address,
    reference: "HC-1",
    subject: "Sujet 1",
    category: "billing",
    status: "pending",
    statusLabel: "En attente de votre réponse",
    updated: "2026-01-02T08:30:00+00:00"
  });
  assert.deepEqual(myRequests.refreshed(kept, { status: 404, body: null }),
    { address: kept.address, reference: "HC-1", gone: true });
  // A failure, or an answer about another request, changes nothing.
  for (const answer of [
    { status: 503, body: null },
    { status: 429, body: { errors: {} } },
    { status: 200, body: null },
    { status: 200, body: { ...summary, reference: "HC-2" } }
  ]) {
    assert.equal(myRequests.refreshed(kept, answer), null, JSON.stringify(answer));
  }
  // No longer available: kept as such, with what was known of it.
  const storage = myRequests.requests(stored([kept]));
  const [gone] = storage.update(myRequests.refreshed(kept, { status: 404 }));
  assert.equal(gone.gone, true);
  assert.equal(gone.subject, "Sujet 1");
});

test("a topic with an open request or one awaiting the reader offers to continue it", () => {
  const entries = [
    request(1, { category: "shipping", status: "open" }),
    request(2, { category: "billing", status: "pending" }),
    request(3, { category: "billing", status: "open" }),
    request(4, { category: "claim", status: "solved" }),
    request(5, { category: "account", status: "closed" }),
    request(6, { category: "returns", status: "open", gone: true }),
    request(7, { category: "returns", status: "" })
  ];
  const offered = (category) => myRequests.continuable(entries, category);
  assert.equal(offered("shipping").reference, "HC-1");
  assert.equal(offered("billing").reference, "HC-3");  // the most recently active
  assert.equal(offered("claim"), null);
  assert.equal(offered("account"), null);
  assert.equal(offered("returns"), null);  // no longer available, or status unknown
  assert.equal(offered(""), null);
  assert.equal(offered("other"), null);
});

test("messages take their values by name, whatever their order in a language", () => {
  assert.equal(
    myRequests.format("%(subject)s : %(reference)s, %(unknown)s",
      { reference: "HC-1", subject: "Colis $& perdu" }),
    "Colis $& perdu : HC-1, %(unknown)s"
  );
});
