/*
 * The follow-up page's script, its logic in Node: what each answer to a reply means for the
 * reader, and the wait a Retry-After says. (The page itself: tests/browser/test_followup.py.)
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { theme } = require("./helpers.js");

const followUp = theme("followup.js");

test("only a reply the endpoint says it received is sent", () => {
  const outcome = followUp.outcome;
  const received = { reference: "HC-1", status: "received" };
  assert.deepEqual(outcome({ status: 201, body: received }), { kind: "sent" });
  assert.deepEqual(outcome({ status: 200, body: received }), { kind: "sent" });
  assert.deepEqual(outcome({ status: 201, body: {} }), { kind: "failed" });
  assert.deepEqual(outcome({ status: 404, body: null }), { kind: "failed" });
  assert.deepEqual(outcome({ status: 500, body: null }), { kind: "failed" });
});

test("refusals keep the endpoint's words; limits say what to do", () => {
  const outcome = followUp.outcome;
  const errors = { message: ["Ce champ est obligatoire."] };
  assert.deepEqual(outcome({ status: 422, body: { errors } }),
    { kind: "refused", status: 422, errors, retryAfter: undefined });
  const closed = { request: ["Cette demande n'accepte plus de réponses."] };
  assert.equal(outcome({ status: 409, body: { errors: closed } }).kind, "refused");
  assert.deepEqual(outcome({ status: 429, body: {}, retryAfter: "7" }),
    { kind: "rateLimited", retryAfter: "7" });
  assert.deepEqual(outcome({ status: 413, body: {} }), { kind: "tooLarge" });
});

test("a Retry-After is a number of seconds, 60 when it says nothing usable", () => {
  assert.equal(followUp.waitSeconds("12"), 12);
  assert.equal(followUp.waitSeconds("0"), 1);
  assert.equal(followUp.waitSeconds(null), 60);
  assert.equal(followUp.waitSeconds("soon"), 60);
});

test("idempotency keys are new each time", () => {
  const crypto = require("node:crypto");
  const keys = new Set([1, 2, 3].map(() => followUp.newKey(crypto)));
  assert.equal(keys.size, 3);
  const fallback = followUp.newKey({ getRandomValues: (bytes) => crypto.getRandomValues(bytes) });
  assert.match(fallback, /^[0-9a-f]{32}$/);
});

test("the page's UTC times are said in the reader's zone and the page's language", () => {
  const at = "2026-11-25T23:30:00+00:00";
  const paris = followUp.localTime(at, "fr", "Europe/Paris");
  assert.match(paris, /26 novembre 2026/);
  assert.match(paris, /00:30/);
  const saoPaulo = followUp.localTime(at, "es", "America/Sao_Paulo");
  assert.match(saoPaulo, /25 de noviembre de 2026/);
  assert.match(saoPaulo, /20:30/);
  assert.equal(followUp.localTime("not a time", "it", "Europe/Rome"), null);
});
