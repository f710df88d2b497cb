/*
 * The follow-up page's script, its logic in Node: what each answer to a reply means for the
 * reader, and times in the reader's zone. (What it shares with the contact form: forms.test.js;
 * the page itself: tests/browser/test_followup.py.)
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
  assert.deepEqual(outcome({ status: 422, body: { errors } }), { kind: "invalid", errors });
  const closed = { request: ["Cette demande n'accepte plus de réponses."] };
  assert.deepEqual(outcome({ status: 409, body: { errors: closed } }),
    { kind: "invalid", errors: closed });
  assert.deepEqual(outcome({ status: 429, body: {}, retryAfter: "7" }),
    { kind: "rateLimited", seconds: 7, errors: {} });
  assert.deepEqual(outcome({ status: 413, body: {} }), { kind: "tooLarge" });
});

test("the page's UTC times are said in the reader's zone and the page's language", () => {
  const at = "2026-11-25T23:30:00+00:00";
  const style = { dateStyle: "long", timeStyle: "short" };
  const paris = followUp.localTime(at, "fr", style, "Europe/Paris");
  assert.match(paris, /26 novembre 2026/);
  assert.match(paris, /00:30/);
  const saoPaulo = followUp.localTime(at, "es", style, "America/Sao_Paulo");
  assert.match(saoPaulo, /25 de noviembre de 2026/);
  assert.match(saoPaulo, /20:30/);
  assert.equal(followUp.localTime("not a time", "it", style, "Europe/Rome"), null);
});
