"""Opening hours: as writers write them in data/plans.yml, and as readers read them.

A channel's hours map days to time ranges on the team's clock (its time zone):

    hours:
      mon-fri: 09:00-18:00
      sat: 09:00-12:00, 14:00-17:00
      sun: 22:00-02:00            # ends at 02:00 on Monday

A key is a day (`mon` ... `sun`) or days in week order (`mon-fri`); a range ending before it
starts ends the next day, and `24:00` is midnight. Each day is given once and no two ranges
overlap, so every moment of the week is either open or closed. The text readers see is written
by Babel in each language's way (CLDR's day names, 12- or 24-hour clock).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from itertools import pairwise
from typing import Annotated, NamedTuple

from babel import Locale
from babel.dates import format_date, format_interval, get_timezone_location, get_timezone_name
from babel.lists import format_list
from pydantic import AfterValidator, BeforeValidator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
RANGE = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")
EXPECTED_RANGES = "expected hours such as 09:00-18:00, or several: 09:00-12:00, 14:00-18:00"


class Range(NamedTuple):
    """Open from `start` to `end`, in minutes after the day's midnight; an `end` beyond
    DAY_MINUTES is on the next day."""

    start: int
    end: int


# Days (Monday being 0) and their ranges, as a writer grouped them: {(0, 1, 2, 3, 4): ranges}.
DaysHours = dict[tuple[int, ...], tuple[Range, ...]]


def weekdays(key: object) -> tuple[int, ...]:
    """`mon` or `mon-fri` as the days it names, Monday being 0."""
    if isinstance(key, str):
        first, dash, last = key.partition("-")
        if first in DAYS and (not dash or (last in DAYS and DAYS.index(last) > DAYS.index(first))):
            return tuple(range(DAYS.index(first), DAYS.index(last if dash else first) + 1))
    raise ValueError(
        f"expected a day ({', '.join(DAYS)}) or days in week order such as mon-fri; got {key!r}"
    )


def minutes(hour: str, minute: str, latest: int) -> int:
    """`09`, `30` as minutes after midnight, up to `latest`."""
    value = int(hour) * 60 + int(minute)
    if int(minute) > 59 or value > latest:
        raise ValueError(f"{hour}:{minute} is not a time of day ({EXPECTED_RANGES})")
    return value


def ranges(value: object) -> tuple[Range, ...]:
    """`09:00-12:00, 14:00-18:00` as ranges, in the day's order."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads a time alone (10:00, not 09:00) as a number of minutes: 600.
        raise ValueError(f"{EXPECTED_RANGES}; got a time alone, which YAML reads as {value}")
    if not isinstance(value, str):
        raise ValueError(f"{EXPECTED_RANGES}; got {value!r}")
    found = []
    for part in value.split(","):
        match = RANGE.fullmatch(part.replace(" ", ""))
        if match is None:
            raise ValueError(f"{EXPECTED_RANGES}; got {value!r}")
        start = minutes(match[1], match[2], DAY_MINUTES - 1)
        end = minutes(match[3], match[4], DAY_MINUTES)
        if end == start:
            raise ValueError(f"{part.strip()} is empty: it ends when it starts")
        found.append(Range(start, end if end > start else end + DAY_MINUTES))
    return tuple(sorted(found))


def week(hours: DaysHours) -> tuple[tuple[Range, ...], ...]:
    """Each day's ranges, Monday first."""
    days: list[tuple[Range, ...]] = [()] * 7
    for keys, day_ranges in hours.items():
        for day in keys:
            days[day] = day_ranges
    return tuple(days)


def day_names(days: tuple[int, ...]) -> str:
    """Days as a writer wrote them: `wed`, `mon-fri`."""
    return DAYS[days[0]] if len(days) == 1 else f"{DAYS[days[0]]}-{DAYS[days[-1]]}"


def clock(value: int) -> str:
    return "24:00" if value == DAY_MINUTES else f"{value % DAY_MINUTES // 60:02}:{value % 60:02}"


def whole_week(hours: DaysHours) -> DaysHours:
    """Each day given once, and no moment of the week in two ranges (a range that crosses
    midnight runs into the next day's, Sunday's into Monday's)."""
    if not hours:
        raise ValueError(
            "expected the days and their hours, such as mon-fri: 09:00-18:00 (a channel open at "
            "any time has no hours)"
        )
    given: dict[int, tuple[int, ...]] = {}
    for keys in hours:
        for day in keys:
            if day in given:
                raise ValueError(
                    f"{DAYS[day]} is given twice ({day_names(given[day])} and "
                    f"{day_names(keys)}): expected each day once"
                )
            given[day] = keys
    spans = sorted(
        (day * DAY_MINUTES + each.start, day * DAY_MINUTES + each.end, day, each)
        for day, day_ranges in enumerate(week(hours))
        for each in day_ranges
    )
    # Each range with the one after it, the week's last with the next week's first (a lone range
    # with itself a week later, which it never reaches: a range lasts a day at most).
    ring = [*spans, (spans[0][0] + WEEK_MINUTES, *spans[0][1:])]
    for (_, end, day, first), (start, _, next_day, second) in pairwise(ring):
        if start < end:
            raise ValueError(
                f"{DAYS[day]} {clock(first.start)}-{clock(first.end)} and {DAYS[next_day]} "
                f"{clock(second.start)}-{clock(second.end)} overlap"
            )
    return hours


# `hours:` in data/plans.yml: at least one day, each day once, no overlap.
Hours = Annotated[
    dict[
        Annotated[tuple[int, ...], BeforeValidator(weekdays)],
        Annotated[tuple[Range, ...], BeforeValidator(ranges)],
    ],
    AfterValidator(whole_week),
]


class HoursWriter:
    """Hours as text in one language, in its way: in English, Mon to Fri 9:00 AM to 6:00 PM
    with dashes."""

    def __init__(self, locale: str, gettext: Callable[[str], str]) -> None:
        self.locale = locale
        parsed = Locale.parse(locale)
        self.day_names = parsed.days["stand-alone"]["abbreviated"]
        # The language's clock: 12-hour (`h`) or 24-hour (`H`), as its short time format says.
        self.skeleton = "hm" if "h" in parsed.time_formats["short"].pattern else "Hm"
        self.all_day = gettext("all day")
        self.any_time = gettext("At any time")
        self.time_zone_note = gettext("Time zone: %(zone)s")
        # How the language writes a span (`{0} – {1}`): for days, as CLDR has no day ranges.
        self.span = parsed.interval_formats[None]

    def range(self, hours: Range) -> str:
        if hours == Range(0, DAY_MINUTES):
            return self.all_day
        start, end = (
            time(value % DAY_MINUTES // 60, value % 60) for value in (hours.start, hours.end)
        )
        return format_interval(start, end, self.skeleton, locale=self.locale)

    def days(self, first: int, last: int) -> str:
        if first == last:
            return self.day_names[first]
        return self.span.format(self.day_names[first], self.day_names[last])

    def text(self, hours: DaysHours | None) -> str:
        """A channel's hours, or `At any time` for one without (a message waits for the team)."""
        return self.week(hours) if hours else self.any_time

    def week(self, hours: DaysHours) -> str:
        """Each run of days with the same hours once: the days, then their ranges."""
        groups: list[tuple[int, int, tuple[Range, ...]]] = []
        for day, day_ranges in enumerate(week(hours)):
            if groups and groups[-1][2] == day_ranges and groups[-1][1] == day - 1:
                groups[-1] = (groups[-1][0], day, day_ranges)
            elif day_ranges:
                groups.append((day, day, day_ranges))
        return format_list(
            [
                f"{self.days(first, last)} "
                + format_list([self.range(each) for each in day_ranges], locale=self.locale)
                for first, last, day_ranges in groups
            ],
            locale=self.locale,
        )

    def dates(self, dates: list[date]) -> str:
        return format_list(
            [format_date(d, "long", locale=self.locale) for d in dates], locale=self.locale
        )

    def time_zone(self, zone: str) -> str:
        """`Time zone: Central European Time (Paris)`: the zone's name in this language, and
        its city, so that a reader elsewhere knows whose clock the hours are on."""
        # A zone without a date has its generic name (not that of summer or winter time).
        name = get_timezone_name(zone, locale=self.locale)
        city = get_timezone_location(zone, locale=self.locale, return_city=True)
        return self.time_zone_note % {"zone": f"{name} ({city})"}
