/*
 * The contact page's channel status, its logic in Node: whether a channel is open at a given
 * moment on the team's clock and when it next opens, across time zones, nights that run past
 * midnight, weekends, holidays and changes of summer time; and the sentence a reader reads, on
 * their own clock and in their language. (The page itself: tests/browser/test_contact_channels.py.)
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { theme } = require("./helpers.js");

const channels = theme("channels.js");

const H = 60;  // minutes in an hour
const OFFICE = [9 * H, 18 * H];
const WEEKDAYS = [[OFFICE], [OFFICE], [OFFICE], [OFFICE], [OFFICE], [], []];
const MESSAGES = {
  open: "%(channel)s: open now, until %(time)s.",
  openNow: "%(channel)s: open now.",
  closed: "%(channel)s: closed now, opens %(time)s."
};

function hours(week, closed) {
  return { timeZone: "Europe/Paris", closed: closed || [], week: week };
}

function at(iso) {
  return new Date(iso);
}

function iso(date) {
  return date.toISOString();
}

/* A sentence with ICU's no-break spaces as spaces: ICU versions differ in which they put where. */
function sentence(...args) {
  return channels.sentence(...args).replace(/[\u00a0\u202f]/g, " ");
}

test("office hours are open inside them, closed outside, on the team's clock", () => {
  const team = hours(WEEKDAYS);
  // Thursday 26 November 2026, Paris is UTC+1: 09:00 there is 08:00 UTC.
  assert.deepEqual(channels.status(team, at("2026-11-26T07:59:00Z")),
    { open: false, next: at("2026-11-26T08:00:00Z") });
  assert.deepEqual(channels.status(team, at("2026-11-26T08:00:00Z")),
    { open: true, until: at("2026-11-26T17:00:00Z") });
  assert.deepEqual(channels.status(team, at("2026-11-26T16:59:59Z")),
    { open: true, until: at("2026-11-26T17:00:00Z") });
  assert.deepEqual(channels.status(team, at("2026-11-26T17:00:00Z")),
    { open: false, next: at("2026-11-27T08:00:00Z") });
});

test("after Friday's hours the next opening is Monday's", () => {
  const state = channels.status(hours(WEEKDAYS), at("2026-11-27T17:30:00Z"));
  assert.equal(iso(state.next), "2026-11-30T08:00:00.000Z");
  const sunday = channels.status(hours(WEEKDAYS), at("2026-11-29T12:00:00Z"));
  assert.equal(iso(sunday.next), "2026-11-30T08:00:00.000Z");
});

test("a closed date keeps its hours shut, and the next working day opens", () => {
  // Friday 25 December 2026 is closed: from Thursday evening, Monday 28 opens.
  const team = hours(WEEKDAYS, ["2026-12-25"]);
  assert.equal(iso(channels.status(team, at("2026-12-24T18:00:00Z")).next),
    "2026-12-28T08:00:00.000Z");
  assert.deepEqual(channels.status(team, at("2026-12-25T10:00:00Z")),
    { open: false, next: at("2026-12-28T08:00:00Z") });
  // Days around it keep their hours.
  assert.equal(channels.status(team, at("2026-12-24T10:00:00Z")).open, true);
});

test("a night runs past midnight into the next day", () => {
  const nights = [[], [], [], [], [[22 * H, 26 * H]], [], []];  // Friday 22:00 to Saturday 02:00
  const team = hours(nights);
  assert.deepEqual(channels.status(team, at("2026-11-27T20:00:00Z")),
    { open: false, next: at("2026-11-27T21:00:00Z") });
  assert.deepEqual(channels.status(team, at("2026-11-28T00:30:00Z")),  // Saturday 01:30 in Paris
    { open: true, until: at("2026-11-28T01:00:00Z") });
  assert.deepEqual(channels.status(team, at("2026-11-28T01:00:00Z")),
    { open: false, next: at("2026-12-04T21:00:00Z") });
});

test("a night that starts before a closed date still ends; one starting on it does not open", () => {
  const nights = [[], [], [], [[22 * H, 26 * H]], [[22 * H, 26 * H]], [], []];  // Thu and Fri
  const team = hours(nights, ["2026-12-25"]);
  // Thursday 24's night goes on into Friday 25, the closed date.
  assert.deepEqual(channels.status(team, at("2026-12-25T00:00:00Z")),
    { open: true, until: at("2026-12-25T01:00:00Z") });
  // Friday 25's own night stays shut: next is Thursday 31's.
  assert.equal(iso(channels.status(team, at("2026-12-25T21:30:00Z")).next),
    "2026-12-31T21:00:00.000Z");
});

test("ranges that meet make one opening", () => {
  const allDay = [0, 24 * H];
  const team = hours([[allDay], [allDay], [], [], [], [], []]);
  assert.deepEqual(channels.status(team, at("2026-11-30T12:00:00Z")),  // Monday
    { open: true, until: at("2026-12-01T23:00:00Z") });  // Wednesday 00:00 in Paris
});

test("open every hour of every day, the channel never closes", () => {
  const allDay = [0, 24 * H];
  const team = hours([[allDay], [allDay], [allDay], [allDay], [allDay], [allDay], [allDay]]);
  assert.deepEqual(channels.status(team, at("2026-11-26T12:00:00Z")), { open: true, until: null });
  assert.equal(sentence({ name: "Chat", week: team.week }, team, MESSAGES,
    at("2026-11-26T12:00:00Z"), "en", "UTC"), "Chat: open now.");
});

test("opening hours follow the team's summer time", () => {
  const team = hours(WEEKDAYS);
  // Paris goes to summer time on Sunday 28 March 2027: Monday's 09:00 is 07:00 UTC, not 08:00.
  assert.equal(iso(channels.status(team, at("2027-03-26T18:00:00Z")).next),
    "2027-03-29T07:00:00.000Z");
  // And back on Sunday 31 October 2027: Monday's 09:00 is 08:00 UTC again.
  assert.equal(iso(channels.status(team, at("2027-10-29T17:00:00Z")).next),
    "2027-11-01T08:00:00.000Z");
});

test("a night across the change to summer time ends when the team's clock says", () => {
  // Saturday 27 March 2027, 22:00 (UTC+1) to Sunday 04:00 (UTC+2): five hours, not six.
  const team = hours([[], [], [], [], [], [[22 * H, 28 * H]], []]);
  assert.deepEqual(channels.status(team, at("2027-03-27T23:00:00Z")),
    { open: true, until: at("2027-03-28T02:00:00Z") });
});

test("an opening in the hour summer time skips is taken when the clock shows it", () => {
  // Sunday 28 March 2027 has no 02:30 in Paris: 03:30 summer time, 01:30 UTC.
  const team = hours([[], [], [], [], [], [], [[2 * H + 30, 5 * H]]]);
  assert.equal(iso(channels.status(team, at("2027-03-28T00:00:00Z")).next),
    "2027-03-28T01:30:00.000Z");
});

test("the reader reads times on their own clock, their time zone named", () => {
  const team = hours(WEEKDAYS);
  const chat = { name: "Chat", week: WEEKDAYS };
  // Thursday 09:00 in Paris: 03:00 in New York, 17:00 in Tokyo.
  assert.equal(sentence(chat, team, MESSAGES, at("2026-11-26T08:00:00Z"), "en",
    "America/New_York"), "Chat: open now, until 12:00 PM EST.");
  assert.equal(sentence(chat, team, MESSAGES, at("2026-11-27T20:00:00Z"), "en",
    "Asia/Tokyo"), "Chat: closed now, opens Monday, November 30 at 5:00 PM GMT+9.");
});

test("between the two changes of summer time, New York is five hours behind Paris, not six", () => {
  // New York changed on 14 March 2027, Paris changes on 28 March.
  const team = hours(WEEKDAYS);
  const chat = { name: "Chat", week: WEEKDAYS };
  assert.equal(sentence(chat, team, MESSAGES, at("2027-03-22T06:00:00Z"), "en",
    "America/New_York"), "Chat: closed now, opens Monday, March 22 at 4:00 AM EDT.");
});

test("a closing time later the same day is the time alone; another day's has its day", () => {
  const night = { name: "Phone", week: [[], [], [], [], [[22 * H, 26 * H]], [], []] };
  const team = hours(night.week);
  // Friday 23:30 in Paris, Saturday 07:30 in Tokyo: it closes Saturday 10:00 there, that day.
  assert.equal(sentence(night, team, MESSAGES, at("2026-11-27T22:30:00Z"), "en",
    "Asia/Tokyo"), "Phone: open now, until 10:00 AM GMT+9.");
  // Friday 23:30 in London: it closes after midnight there, on Saturday.
  assert.equal(sentence(night, team, MESSAGES, at("2026-11-27T23:30:00Z"), "en",
    "Europe/London"), "Phone: open now, until Saturday, November 28 at 1:00 AM GMT.");
});

test("a channel's name is written as it is, whatever characters it has", () => {
  const team = hours(WEEKDAYS);
  const name = "Chat $& $1 %(time)s";
  assert.equal(sentence({ name: name, week: WEEKDAYS }, team, MESSAGES, at("2026-11-26T12:00:00Z"),
    "en", "Europe/Paris").startsWith(`${name}: open now, until 6:00 PM`), true);
});

test("sentences are in the page's language", () => {
  const team = hours(WEEKDAYS);
  const messages = {
    open: "%(channel)s : ouvert en ce moment, jusqu'à %(time)s.",
    openNow: "%(channel)s : ouvert en ce moment.",
    closed: "%(channel)s : fermé en ce moment, ouverture %(time)s."
  };
  const chat = { name: "Chat en direct", week: WEEKDAYS };
  assert.equal(sentence(chat, team, messages, at("2026-11-27T17:30:00Z"), "fr",
    "Europe/Paris"), "Chat en direct : fermé en ce moment, ouverture lundi 30 novembre à 09:00 UTC+1.");
  assert.equal(sentence(chat, team, messages, at("2026-11-27T10:00:00Z"), "fr",
    "Europe/Paris"), "Chat en direct : ouvert en ce moment, jusqu'à 18:00 UTC+1.");
});
