"""Plans tables in articles: a one-line marker in Markdown, an accessible HTML table in the page.

A writer puts an HTML comment on a line of its own, which Markdown previews leave invisible:

    <!-- plans -->                                   every family, one table each
    <!-- plans family=current -->                    one family
    <!-- plans family=current,legacy -->             several families side by side, one table
    <!-- plans family=legacy features=ticket,chat prices=no -->

The same line in every language renders the same data with that language's labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from babel import Locale
from babel.numbers import format_currency, format_decimal

from helpcenter.plans.hours import HoursWriter
from helpcenter.plans.schema import Family, Feature, Plan, Plans

MARKER = re.compile(r"^[ \t]*<!--\s*plans\b(?P<options>[^>]*?)-->[ \t]*$", re.MULTILINE)
OPTIONS = ("family", "features", "prices")
# What a cell shows: included or not, a number, or a text in the table's language.
Value = bool | int | float | str
CHECK_ICON = (
    '<svg class="hc-plans__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
    '<path d="M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z"/></svg>'
)
CROSS_ICON = (
    '<svg class="hc-plans__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
    '<path d="M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6'
    ' 13.4 12z"/></svg>'
)


class TableError(Exception):
    """A plans marker that cannot be rendered; the message names the file and line."""


@dataclass(frozen=True)
class TableRequest:
    families: tuple[str, ...] | None  # None: every family, one table each
    features: tuple[str, ...] | None  # None: every feature
    prices: bool = True


def parse_marker(options: str, plans: Plans, where: str) -> TableRequest:
    values: dict[str, str] = {}
    for option in options.split():
        key, equals, value = option.partition("=")
        if key not in OPTIONS:
            raise TableError(
                f"{where}: unknown plans table option '{key}' (expected: {', '.join(OPTIONS)})"
            )
        if not equals or not value:
            raise TableError(f"{where}: option '{key}' needs a value, as in {key}=...")
        values[key] = value

    def identifiers(key: str, known: list[str]) -> tuple[str, ...] | None:
        if key not in values:
            return None
        chosen = tuple(values[key].split(","))
        for identifier in chosen:
            if identifier not in known:
                raise TableError(
                    f"{where}: unknown {key.rstrip('s')} '{identifier}' in plans table "
                    f"(expected one of: {', '.join(known)})"
                )
        return chosen

    prices = values.get("prices", "yes")
    if prices not in ("yes", "no"):
        raise TableError(f"{where}: prices={prices}: expected prices=yes or prices=no")
    return TableRequest(
        families=identifiers("family", [family.id for family in plans.families]),
        features=identifiers("features", [feature.id for feature in plans.features]),
        prices=prices == "yes",
    )


class TableRenderer:
    """Renders plans tables in one language."""

    def __init__(self, plans: Plans, locale: str, gettext: Callable[[str], str]) -> None:
        self.plans = plans
        self.locale = locale
        _ = gettext
        self.included = escape(_("Included"))
        self.not_included = escape(_("Not included"))
        self.legacy_plan = escape(_("Legacy plan"))
        self.monthly_price = escape(_("Monthly price"))
        self.feature = escape(_("Feature"))
        self.on_request = escape(_("On request"))
        self.per_month = _("%(price)s / month")
        self.hours = HoursWriter(locale, gettext)

    def price(self, plan: Plan) -> str:
        if plan.price == "on request":
            return self.on_request
        price = plan.price
        if price == price.to_integral_value():
            pattern = Locale.parse(self.locale).currency_formats["standard"].pattern
            amount = format_currency(
                price,
                self.plans.currency,
                format=pattern.replace(".00", ""),
                locale=self.locale,
                currency_digits=False,
            )
        else:
            amount = format_currency(price, self.plans.currency, locale=self.locale)
        return escape(self.per_month % {"price": amount})

    def value(self, plan: Plan, feature: Feature) -> Value:
        """A plan's value for a feature in this language: written in the file, or given by the
        plan's channels."""
        if feature.channel is None:
            value = self.plans.values[plan.id][feature.id]
            return value[self.locale] if isinstance(value, dict) else value
        if feature.channel not in plan.channels or feature.show == "included":
            return feature.channel in plan.channels
        return self.hours.text(self.plans.hours(plan, feature.channel))

    def note(self, feature: Feature) -> str:
        """A feature's note; the team's time zone under hours, which are on its clock."""
        if feature.note:
            return feature.note[self.locale]
        if feature.show == "hours" and self.plans.support:
            return self.hours.time_zone(self.plans.support.timezone)
        return ""

    def cell(self, value: Value) -> str:
        if value is True:
            return (
                f'<td class="hc-plans__yes">{CHECK_ICON}'
                f'<span class="hc-sr-only">{self.included}</span></td>'
            )
        if value is False:
            return (
                f'<td class="hc-plans__no">{CROSS_ICON}'
                f'<span class="hc-sr-only">{self.not_included}</span></td>'
            )
        if isinstance(value, str):
            return f"<td>{escape(value)}</td>"
        return f"<td>{escape(format_decimal(Decimal(str(value)), locale=self.locale))}</td>"

    def table(self, families: list[Family], request: TableRequest) -> str:
        plans = [self.plans.plan(plan_id) for family in families for plan_id in family.plans]
        features = [
            feature
            for feature in self.plans.features
            if request.features is None or feature.id in request.features
        ]
        caption = " · ".join(escape(family.label[self.locale]) for family in families)
        header = "".join(
            f'<th scope="col" class="hc-plans__plan hc-plans__plan--legacy">{escape(plan.name)}'
            f'<span class="hc-plans__badge">{self.legacy_plan}</span></th>'
            if plan.legacy
            else f'<th scope="col" class="hc-plans__plan">{escape(plan.name)}</th>'
            for plan in plans
        )
        rows = []
        if request.prices:
            prices = "".join(
                f'<td class="hc-plans__price">{self.price(plan)}</td>' for plan in plans
            )
            rows.append(f'<tr><th scope="row">{self.monthly_price}</th>{prices}</tr>')
        for feature in features:
            note = self.note(feature)
            note = f'<span class="hc-plans__note">{escape(note)}</span>' if note else ""
            cells = "".join(self.cell(self.value(plan, feature)) for plan in plans)
            label = escape(self.plans.label(feature)[self.locale])
            rows.append(f'<tr><th scope="row">{label}{note}</th>{cells}</tr>')
        legacy = " hc-plans--legacy" if all(plan.legacy for plan in plans) else ""
        return (
            f'<div class="hc-plans{legacy}" data-plans="{" ".join(f.id for f in families)}" '
            f'role="region" aria-label="{caption}" tabindex="0">'
            f'<table class="hc-plans__table"><caption>{caption}</caption>'
            f'<thead><tr><th scope="col"><span class="hc-sr-only">{self.feature}</span>'
            f"</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )

    def render(self, request: TableRequest) -> str:
        if request.families is None:
            groups = [[family] for family in self.plans.families]
        else:
            groups = [[self.plans.family(family_id) for family_id in request.families]]
        return "\n\n".join(self.table(families, request) for families in groups)


def insert_tables(
    markdown: str,
    plans: Plans,
    locale: str,
    source: str,
    gettext: Callable[[str], str],
    first_line: int = 1,
) -> str:
    """Replace every plans marker of a page with its table; `source` names the page in errors,
    with the file's line (`first_line`: where `markdown` starts, after the front matter)."""
    renderer = TableRenderer(plans, locale, gettext)

    def replace(match: re.Match[str]) -> str:
        line = markdown.count("\n", 0, match.start()) + first_line
        request = parse_marker(match.group("options"), plans, f"{source}:{line}")
        return f"\n{renderer.render(request)}\n"

    return MARKER.sub(replace, markdown)
