"""The support team's dashboard: one static HTML file (`helpcenter report --html OUT.html`).

Its figures come from the functions behind the CLI reports (`feedback report`, `search-gaps
report`, `translations`, `tickets list`, the outbox), so the page and the terminal never
disagree. The file holds everything it shows (styles inline, charts as SVG, no script) and
opens from disk; each chart is followed by its table, for screen readers and for copying.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote

from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal, format_percent

from helpcenter.authoring.translations import MISSING, OUTDATED, translation_states
from helpcenter.feedback.reports import feedback_report, printable, search_gaps_report
from helpcenter.feedback.store import FeedbackStore
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.reports.charts import bar_chart
from helpcenter.tickets.store import TicketStore

# The chart of helpfulness shows the least helpful articles; its table lists them all.
CHART_ROWS = 20
TOP_TERMS = 20
# A translation outdated for longer than this is old debt.
OLD_DEBT_DAYS = 30

# A table's caption repeats the heading above its chart: read by screen readers, not shown.
STYLE = """
body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;
max-width:60rem;padding:1rem;line-height:1.5}
h1,h2,h3{line-height:1.2}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #6b6b6b;padding:.25rem .5rem;text-align:start;vertical-align:top}
td.n{text-align:end;font-variant-numeric:tabular-nums}
td ul{margin:0;padding-inline-start:1.2rem}
caption{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);
white-space:nowrap}
svg{max-width:100%;height:auto}
a{color:#0b4f8a}
"""


def isolated(text: str) -> str:
    """What readers typed, or a page's path, as HTML whose direction is its own, whatever the
    page's: `shipping/returns/` keeps its slash at its end in an Arabic table."""
    return f"<bdi>{escape(printable(text))}</bdi>"


def week_of(timestamp: str) -> date:
    """The Monday of the week of an ISO timestamp: tickets and searches are counted per week."""
    day = datetime.fromisoformat(timestamp).date()
    return day - timedelta(days=day.weekday())


def recent(rows: Iterable[dict], since_days: int | None, now: datetime) -> list[dict]:
    """The rows created in the last `since_days` days (all of them without a limit)."""
    if since_days is None:
        return list(rows)
    cutoff = now - timedelta(days=since_days)
    return [row for row in rows if datetime.fromisoformat(row["created_at"]) >= cutoff]


def per_week(rows: Iterable[dict]) -> list[tuple[date, int]]:
    return sorted(Counter(week_of(row["created_at"]) for row in rows).items())


def dashboard_data(
    feedback: FeedbackStore,
    tickets: TicketStore,
    docs_dir: Path,
    locales: tuple[str, ...],
    language: str | None = None,
    since_days: int | None = None,
    site_dir: Path | None = None,
    now: datetime | None = None,
) -> dict:
    """What the dashboard shows, as the CLI reports compute it (the tests compare the two)."""
    now = now or datetime.now(UTC)
    gaps = search_gaps_report(feedback, locales, language, site_dir, since_days)
    searches = Counter()
    for row in gaps:
        searches[row["language"]] += row["searches"]
    states = [s for s in translation_states(docs_dir, locales) if language in (None, s.locale)]
    debt = {}
    for locale in locales[1:]:
        if language not in (None, locale):
            continue
        mine = [s for s in states if s.locale == locale]
        outdated = [s for s in mine if s.state == OUTDATED]
        dates = [s.source_changed_at for s in outdated if s.source_changed_at]
        debt[locale] = {
            "missing": sum(s.state == MISSING for s in mine),
            "outdated": len(outdated),
            "old": sum(now - moment > timedelta(days=OLD_DEBT_DAYS) for moment in dates),
            "oldest": min(dates, default=None),
        }
    listed = recent(
        (t for t in tickets.list() if language in (None, t["language"])), since_days, now
    )
    return {
        "helpfulness": feedback_report(feedback, docs_dir, locales, language, since_days),
        "searches_per_language": sorted(searches.items()),
        "searches_per_week": per_week(feedback.search_gaps(language, since_days)),
        "top_terms": sorted(gaps, key=lambda row: -row["searches"])[:TOP_TERMS],
        "translation_debt": debt,
        "tickets_per_week": per_week(listed),
        "tickets_per": {
            key: sorted(Counter(t[key] or "" for t in listed).items())
            for key in ("category", "language", "plan")
        },
        "outbox": tickets.outbox(now.timestamp()),
    }


class Page:
    """The dashboard's HTML, in one language: its strings from the catalogs, its dates and
    numbers as Babel writes them there."""

    def __init__(
        self, locale: str, direction: str, gettext: Callable[[str], str], site_url: str = ""
    ) -> None:
        self.locale = locale
        self.direction = direction
        self._ = gettext
        self.site_url = site_url
        self.charts = 0

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def day(self, value: date | datetime) -> str:
        return format_date(value, format="medium", locale=self.locale)

    def table(self, caption: str, headers: list[str], rows: list[list[str | tuple[str]]]) -> str:
        """A table; a cell given as a 1-tuple is a number (aligned to the end)."""
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="n">{escape(cell[0])}</td>'
                if isinstance(cell, tuple)
                else f"<td>{cell}</td>"
                for cell in row
            )
            + "</tr>"
            for row in rows
        )
        return (
            f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def chart(
        self, title: str, description: str, header: str, counts: list[tuple[str, float, str]]
    ) -> str:
        """A bar chart and, right after it, the same figures as a table."""
        self.charts += 1
        return (
            f"<h3>{escape(title)}</h3>"
            + bar_chart(f"chart-{self.charts}", title, description, counts, self.direction)
            + self.table(
                title,
                [header, self._("Count")],
                [[escape(label), (shown,)] for label, _value, shown in counts],
            )
        )

    def counts(self, title: str, header: str, pairs: list[tuple[str, int]]) -> str:
        bars = [(label, count, self.number(count)) for label, count in pairs]
        description = self._("One bar per row of the table that follows.")
        return self.chart(title, description, header, bars)

    def helpfulness(self, report: list[dict]) -> str:
        _ = self._
        bars = [
            (
                f"{row['language']}/{row['page']}",
                row["helpful_ratio"],
                self.percent(row["helpful_ratio"]),
            )
            for row in report[:CHART_ROWS]
        ]
        title = _("Share of helpful votes per article, the least helpful first")
        description = (
            _("One bar per row of the table that follows.")
            if len(report) <= CHART_ROWS
            else _("The %(count)s least helpful articles; the table that follows lists them all.")
            % {"count": self.number(CHART_ROWS)}
        )
        chart = bar_chart("helpfulness", title, description, bars, self.direction)
        rows = [
            [
                isolated(row["page"]),
                escape(row["language"]),
                (self.number(row["votes"]),),
                (self.percent(row["helpful_ratio"]),),
                "<ul>" + "".join(f"<li>{isolated(c)}</li>" for c in row["comments"]) + "</ul>"
                if row["comments"]
                else "",
            ]
            for row in report
        ]
        headers = [_("Article"), _("Language"), _("Votes"), _("Helpful"), _("Comments")]
        return (
            f"<h3>{escape(title)}</h3>{chart}{self.table(title, headers, rows)}"
            if report
            else "<p>" + escape(_("No votes yet.")) + "</p>"
        )

    def top_terms(self, rows: list[dict]) -> str:
        _ = self._

        def answer(row: dict) -> str:
            found = row["suggestion"]
            if not found:
                return ""
            language = escape(found["language"])
            href = escape(f"{self.site_url}{found['language']}/{quote(found['page'], safe='/#%')}")
            return (
                f'<a href="{href}" hreflang="{language}" lang="{language}">'
                f"{escape(printable(found['title']))}</a> ({language})"
            )

        table = [
            [
                isolated(row["query"]),
                escape(row["language"]),
                (self.number(row["searches"]),),
                answer(row),
            ]
            for row in rows
        ]
        headers = [
            _("Search query"),
            _("Language"),
            _("Searches"),
            _("Article that answers it in another language"),
        ]
        title = _("Top searches")
        return f"<h3>{escape(title)}</h3>" + self.table(title, headers, table)

    def translation_debt(self, debt: dict) -> str:
        _ = self._
        bars = [
            (
                locale,
                row["missing"] + row["outdated"],
                self.number(row["missing"] + row["outdated"]),
            )
            for locale, row in debt.items()
        ]
        title = _("Translation debt per language")
        description = _("Missing and outdated translations per language.")
        chart = bar_chart("debt", title, description, bars, self.direction)
        rows = [
            [
                escape(locale),
                (self.number(row["missing"]),),
                (self.number(row["outdated"]),),
                (self.number(row["old"]),),
                escape(self.day(row["oldest"])) if row["oldest"] else "",
            ]
            for locale, row in debt.items()
        ]
        headers = [
            _("Language"),
            _("Missing"),
            _("Outdated"),
            _("Outdated for more than %(days)s days") % {"days": self.number(OLD_DEBT_DAYS)},
            _("Oldest source change"),
        ]
        return f"<h3>{escape(title)}</h3>{chart}{self.table(title, headers, rows)}"

    def outbox(self, outbox: dict) -> str:
        _ = self._
        age = outbox["oldest_pending_seconds"]
        rows = [
            [escape(_("Waiting")), (self.number(outbox["pending"]),)],
            [escape(_("Failed")), (self.number(outbox["failed"]),)],
            [
                escape(_("Oldest waiting for")),
                (format_timedelta(age, locale=self.locale) if age is not None else "–",),
            ],
        ]
        title = _("Forwarding to the helpdesk")
        return f"<h3>{escape(title)}</h3>" + self.table(title, [_("Deliveries"), _("Count")], rows)

    def render(self, data: dict, generated: datetime, since_days: int | None) -> str:
        _ = self._
        weeks = lambda pairs: [(self.day(week), count) for week, count in pairs]  # noqa: E731
        period = (
            _("Last %(days)s days") % {"days": self.number(since_days)}
            if since_days is not None
            else _("All time")
        )
        sections = [
            ("helpfulness", _("Helpfulness"), self.helpfulness(data["helpfulness"])),
            (
                "searches",
                _("Unanswered searches"),
                self.counts(
                    _("Unanswered searches per language"),
                    _("Language"),
                    data["searches_per_language"],
                )
                + self.counts(
                    _("Unanswered searches per week"),
                    _("Week starting"),
                    weeks(data["searches_per_week"]),
                )
                + self.top_terms(data["top_terms"]),
            ),
            (
                "translations",
                _("Translation debt"),
                self.translation_debt(data["translation_debt"]),
            ),
            (
                "tickets",
                _("Tickets"),
                self.counts(
                    _("Tickets per week"), _("Week starting"), weeks(data["tickets_per_week"])
                )
                + "".join(
                    self.counts(title, header, data["tickets_per"][key])
                    for key, title, header in (
                        ("category", _("Tickets per category"), _("Category")),
                        ("language", _("Tickets per language"), _("Language")),
                        ("plan", _("Tickets per plan"), _("Plan")),
                    )
                )
                + self.outbox(data["outbox"]),
            ),
        ]
        nav = "".join(
            f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title, _b in sections
        )
        body = "".join(
            f'<section aria-labelledby="{key}"><h2 id="{key}">{escape(title)}</h2>{html}</section>'
            for key, title, html in sections
        )
        heading = _("Support dashboard")
        return (
            f'<!DOCTYPE html><html lang="{self.locale}" dir="{self.direction}"><head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>{escape(heading)}</h1><p>"
            + escape(_("Written on %(date)s.") % {"date": self.day(generated)})
            + f" {escape(period)}</p></header>"
            + '<nav aria-label="'
            + escape(_("Sections"))
            + f'"><ul>{nav}</ul></nav><main>{body}</main></body></html>'
        )


def dashboard_html(
    data: dict,
    locale: str,
    direction: str,
    catalogs: Catalogs,
    site_url: str = "",
    since_days: int | None = None,
    generated: datetime | None = None,
) -> str:
    """`site_url`: the published site's address, that the articles are linked to; without it
    they are linked relative to the dashboard, as if it were in the site's folder."""
    page = Page(locale, direction, catalogs.gettext(locale), site_url)
    return page.render(data, generated or datetime.now(UTC), since_days)
