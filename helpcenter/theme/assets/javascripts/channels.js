/*
 * The support channels' status line on the contact page: whether each live channel (chat, phone
 * callback...) is open now and, if not, when it next opens, in the reader's time zone and
 * language. The hours come from data/plans.yml through the page (the JSON in #hc-channel-hours,
 * written by the build); the table above them says the same without JavaScript. The line is
 * brought up to date every minute, silently: it is no live region, so nothing is announced.
 * Works as a browser script (it fills the line) and as a Node module (its logic, for tests).
 */
(function (root, factory) {
  var channels = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = channels;
  } else {
    channels.enhance(root);
  }
})(this, function () {
  "use strict";

  var MINUTE = 60 * 1000;
  var DAY_MINUTES = 24 * 60;

  /* The wall clock in `timeZone` at the instant `ms`: its date and the minutes since midnight. */
  function wallClock(ms, timeZone) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone, hourCycle: "h23",
      year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric"
    }).formatToParts(new Date(ms)).forEach(function (part) { parts[part.type] = Number(part.value); });
    return {
      date: Date.UTC(parts.year, parts.month - 1, parts.day),  // the date's midnight, as UTC
      minutes: parts.hour * 60 + parts.minute
    };
  }

  /* How far `timeZone`'s clock is ahead of UTC at the instant `ms`, in milliseconds. */
  function offset(ms, timeZone) {
    var clock = wallClock(ms, timeZone);
    return clock.date + clock.minutes * MINUTE - (ms - ((ms % MINUTE) + MINUTE) % MINUTE);
  }

  /* The instant `timeZone`'s clock shows `minutes` after the midnight of `date` (a date as
     `wallClock` gives it; `minutes` may run into the next day). A time a change to summer time
     skips is taken an hour later, as the clock then shows it. */
  function instant(date, minutes, timeZone) {
    var local = date + minutes * MINUTE;
    var guess = local - offset(local, timeZone);
    return local - offset(guess, timeZone);
  }

  function isoDate(date) {
    return new Date(date).toISOString().slice(0, 10);
  }

  /* Whether a channel is open at `now` (a Date), by its `week` (each day's [start, end] minutes
     on the team's clock, Monday first), the team's `timeZone` and the `closed` dates
     (YYYY-MM-DD: no range starting on one of them opens). Open: `{open: true, until}`, the Date
     it closes (null when it stays open past the hours given); closed: `{open: false, next}`, the
     Date it next opens. */
  function status(hours, now) {
    var at = now.getTime();
    var today = wallClock(at, hours.timeZone).date;
    var closed = hours.closed;
    var openUntil = null;
    // From yesterday, whose last range may run past midnight, until a range opens after now:
    // within a week of each closed date and a week more.
    for (var days = -1; days <= 7 * (closed.length + 1); days += 1) {
      var date = today + days * DAY_MINUTES * MINUTE;
      if (closed.indexOf(isoDate(date)) !== -1) continue;
      var ranges = hours.week[(new Date(date).getUTCDay() + 6) % 7];
      for (var i = 0; i < ranges.length; i += 1) {
        var start = instant(date, ranges[i][0], hours.timeZone);
        var end = instant(date, ranges[i][1], hours.timeZone);
        if (openUntil !== null) {
          if (start > openUntil) return { open: true, until: new Date(openUntil) };
          openUntil = Math.max(openUntil, end);  // the next range goes on where this one ends
        } else if (start <= at && at < end) {
          openUntil = end;
        } else if (start > at) {
          return { open: false, next: new Date(start) };
        }
      }
    }
    return { open: true, until: null };
  }

  /* `date` as the reader reads it in `language`, its time zone named: with its day, or the time
     alone. `timeZone`: the reader's (undefined: the browser's). */
  function moment(date, withDay, language, timeZone) {
    var options = { timeZone: timeZone, hour: "numeric", minute: "2-digit", timeZoneName: "short" };
    if (withDay) {
      options.weekday = "long";
      options.day = "numeric";
      options.month = "long";
    }
    return new Intl.DateTimeFormat(language, options).format(date);
  }

  /* `message` with its `%(name)s` placeholders filled from `values`, taken as they are. */
  function fill(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (placeholder, name) { return values[name]; });
  }

  /* The sentence for one channel (`{name, week}`, with the team's `hours`) at `now`: open until
     a time (its day named unless it is today's, on the reader's clock), or when it next opens. */
  function sentence(channel, hours, messages, now, language, timeZone) {
    var state = status({ timeZone: hours.timeZone, closed: hours.closed, week: channel.week }, now);
    if (state.open && !state.until) return fill(messages.openNow, { channel: channel.name });
    var when = state.open ? state.until : state.next;
    var zone = timeZone || new Intl.DateTimeFormat().resolvedOptions().timeZone;
    var today = wallClock(when.getTime(), zone).date === wallClock(now.getTime(), zone).date;
    return fill(state.open ? messages.open : messages.closed, {
      channel: channel.name,
      time: moment(when, !(state.open && today), language, zone)
    });
  }

  function enhance(window) {
    var document = window.document;
    var data = document.getElementById("hc-channel-hours");
    var line = document.querySelector("[data-hc-channel-status]");
    if (!data || !line) return;
    var config = JSON.parse(data.textContent);
    // The block's language: the page's, or the article's when it is another language's.
    var language = line.closest("[lang]").lang;

    function update() {
      var now = new Date();
      line.replaceChildren.apply(line, config.hours.channels.map(function (channel) {
        var part = document.createElement("span");
        part.className = "hc-channels__state";
        part.textContent = sentence(channel, config.hours, config.messages, now, language);
        return part;
      }));
      line.hidden = line.childNodes.length === 0;
    }

    update();
    window.setInterval(update, MINUTE);
  }

  return { status: status, sentence: sentence, enhance: enhance };
});
