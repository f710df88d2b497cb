"""The support channels block: which channels each plan includes and their hours, from the plans
file, wherever a writer puts the marker (the contact page):

    <!-- contact-channels -->

The table reads without JavaScript: hours as text, on the team's clock, its time zone named.
The same hours reach channels.js as data, which says in the reader's time and language whether
the live channels (those with hours: chat, phone callback...) are open now.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from babel.lists import format_list
from jinja2 import Environment
from markupsafe import Markup

from helpcenter.plans.hours import HoursWriter, Range, week
from helpcenter.plans.schema import Plan, Plans
from helpcenter.plans.tables import CROSS_ICON, TableError

MARKER = re.compile(r"<!--\s*contact-channels\s*-->")
TEMPLATE = "contact-channels.html"


def live_channels(plans: Plans, locale: str) -> list[dict]:
    """Each channel with hours, once per set of hours its plans have: `{name, week}`, `name`
    naming the plans when they differ (`Phone callback (Enterprise)`), `week` each day's
    `[start, end]` minutes on the team's clock, Monday first."""
    live = []
    for channel in plans.support.channels:
        if channel.hours is None:
            continue
        groups: dict[tuple[tuple[Range, ...], ...], list[Plan]] = {}
        for plan in plans.plans:
            hours = plans.hours(plan, channel.id)
            if channel.id in plan.channels and hours is not None:
                groups.setdefault(week(hours), []).append(plan)
        for days, group in groups.items():
            name = channel.label[locale]
            if len(groups) > 1:
                name += f" ({format_list([plan.name for plan in group], locale=locale)})"
            live.append({"name": name, "week": [[list(each) for each in day] for day in days]})
    return live


def channels_context(plans: Plans, locale: str, gettext: Callable[[str], str]) -> dict:
    """What the block's template shows in one language."""
    support = plans.support
    writer = HoursWriter(locale, gettext)

    def hours_text(plan: Plan, channel_id: str) -> str | None:
        """The channel's hours with the plan; None when the plan does not include it."""
        return writer.text(plans.hours(plan, channel_id)) if channel_id in plan.channels else None

    return {
        "channels": [channel.label[locale] for channel in support.channels],
        "rows": [
            {
                "plan": plan,
                "hours": [hours_text(plan, channel.id) for channel in support.channels],
            }
            for plan in plans.plans
        ],
        "time_zone": writer.time_zone(support.timezone),
        "closed": writer.dates(support.closed) if support.closed else "",
        "not_included_icon": Markup(CROSS_ICON),
        "status": {
            "timeZone": support.timezone,
            "closed": [day.isoformat() for day in support.closed],
            "channels": live_channels(plans, locale),
        },
    }


def insert_channels(
    html: str,
    plans: Plans,
    locale: str,
    gettext: Callable[[str], str],
    environment: Environment,
) -> str:
    """Replace the page's channels marker (an HTML comment Markdown kept) with the block, from
    `environment`'s template; TableError when the plans file has no support channels."""
    if MARKER.search(html) is None:
        return html
    if plans.support is None:
        raise TableError(
            "<!-- contact-channels --> shows the support channels of the plans file, which has "
            "none (expected a `support:` section with its `channels:`)"
        )
    block = environment.get_template(TEMPLATE).render(**channels_context(plans, locale, gettext))
    return MARKER.sub(lambda _: block, html)
