"""A request's status and times as its reader reads them: the same words on the follow-up pages
the endpoint serves and on the pages the build writes, which must not load the endpoint (its
server, database drivers and HTTP client) to say them."""

from __future__ import annotations

from helpcenter.i18n import N_

# A request's status: Zendesk's values.
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
# What `helpcenter tickets status` sets.
SETTABLE_STATUSES = ("open", "pending", "solved", "closed")
# What a reader reads of each of Zendesk's statuses: new, open and on hold are "Open".
READER_STATUSES = {
    "new": "open",
    "open": "open",
    "hold": "open",
    "pending": "pending",
    "solved": "solved",
    "closed": "closed",
}
STATUS_LABELS = {
    # A request's status, as its reader reads it.
    "open": N_("Open"),
    "pending": N_("Awaiting your reply"),
    "solved": N_("Solved"),
    "closed": N_("Closed"),
}
# How the pages say a moment, by Babel on the server and by the browser's Intl.DateTimeFormat,
# which gets it from the pages (`data-hc-time-style`) to say it again in the reader's own time
# zone.
TIME_STYLE = {"dateStyle": "long", "timeStyle": "short"}
