"""Support channels and their hours in the plans file: each mistake's one message, naming the line,
the key and what was expected; and hours as each language writes them."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pytest
from jinja2 import Environment

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.channels import insert_channels, live_channels
from helpcenter.plans.hours import HoursWriter
from helpcenter.plans.schema import Plans, PlansError, load_plans
from helpcenter.plans.tables import TableError, insert_tables
from tests.plans.test_units import PLANS as UNITS_PLANS
from tests.plans.test_units import Table

LOCALES = ("fr", "es", "it")
CATALOGS = Catalogs()

PLANS = """\
support:
  timezone: Europe/Paris
  closed: [2026-12-25]
  channels:
    - id: email
      label: {fr: E-mail, es: Correo, it: E-mail}
    - id: chat
      label: {fr: Chat, es: Chat, it: Chat}
      hours:
        mon-fri: 09:00-18:00
families:
  - id: current
    label: {fr: Offres, es: Planes, it: Piani}
    plans: [starter, pro]
plans:
  - id: starter
    name: Starter
    price: 19
    channels: [email]
  - id: pro
    name: Pro
    price: 49
    channels: [email, chat]
    hours:
      chat:
        mon-fri: 08:00-20:00
features:
  - id: users
    label: {fr: Utilisateurs, es: Usuarios, it: Utenti}
  - id: chat
    channel: chat
  - id: chat-hours
    label: {fr: Horaires du chat, es: Horario del chat, it: Orari della chat}
    channel: chat
    show: hours
values:
  starter: {users: 1}
  pro: {users: 3}
"""
CHAT_HOURS = "        mon-fri: 09:00-18:00\n"


def load(tmp_path: Path, text: str = PLANS) -> Plans:
    path = tmp_path / "plans.yml"
    path.write_text(text, encoding="utf-8")
    return load_plans(path, LOCALES, name="data/plans.yml")


def messages(tmp_path: Path, old: str, new: str) -> tuple[list[str], str]:
    """Every line of the error loading the file with `old` changed to `new`, and that text."""
    assert PLANS.count(old) == 1, old
    text = PLANS.replace(old, new)
    with pytest.raises(PlansError) as raised:
        load(tmp_path, text)
    return str(raised.value).splitlines(), text


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line.rstrip("\n")) + 1


def test_a_closed_date_may_be_quoted(tmp_path):
    plans = load(tmp_path, PLANS.replace("[2026-12-25]", "['2026-12-25']"))
    assert plans.support.closed == [date(2026, 12, 25)]


def test_the_tests_file_is_valid_and_a_plan_may_have_hours_of_its_own(tmp_path):
    plans = load(tmp_path)
    chat = plans.channel("chat")
    assert plans.hours(plans.plan("starter"), "chat") == chat.hours
    assert plans.hours(plans.plan("pro"), "chat") != chat.hours
    assert plans.hours(plans.plan("pro"), "email") is None  # at any time


EXPECTED_DAYS = "expected a day (mon, tue, wed, thu, fri, sat, sun) or days in week order"
EXPECTED_HOURS = "expected hours such as 09:00-18:00, or several: 09:00-12:00, 14:00-18:00"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (
            "        mon-fry: 09:00-18:00\n",
            f"support.channels[1].hours.mon-fry: {EXPECTED_DAYS} such as mon-fri; got 'mon-fry'",
        ),
        (
            "        fri-mon: 09:00-18:00\n",
            f"support.channels[1].hours.fri-mon: {EXPECTED_DAYS} such as mon-fri; got 'fri-mon'",
        ),
        (
            "        wed-wed: 09:00-18:00\n",
            f"support.channels[1].hours.wed-wed: {EXPECTED_DAYS} such as mon-fri; got 'wed-wed'",
        ),
        (
            "        1: 09:00-18:00\n",
            f"support.channels[1].hours.1: {EXPECTED_DAYS} such as mon-fri; got 1",
        ),
        (
            "        mon-fri: 9-18\n",
            f"support.channels[1].hours.mon-fri: {EXPECTED_HOURS}; got '9-18'",
        ),
        (
            "        mon-fri: [09:00-18:00]\n",
            f"support.channels[1].hours.mon-fri: {EXPECTED_HOURS}; got ['09:00-18:00']",
        ),
        (
            "        mon-fri: 10:00\n",
            f"support.channels[1].hours.mon-fri: {EXPECTED_HOURS}; got a time alone, which YAML "
            "reads as 600",
        ),
        (
            "        mon-fri: 09:00-25:00\n",
            f"support.channels[1].hours.mon-fri: 25:00 is not a time of day ({EXPECTED_HOURS})",
        ),
        (
            "        sun: 24:00-02:00\n",
            f"support.channels[1].hours.sun: 24:00 is not a time of day ({EXPECTED_HOURS})",
        ),
        (
            "        mon-fri: 09:60-18:00\n",
            f"support.channels[1].hours.mon-fri: 09:60 is not a time of day ({EXPECTED_HOURS})",
        ),
        (
            "        mon-fri: 09:00-09:00\n",
            "support.channels[1].hours.mon-fri: 09:00-09:00 is empty: it ends when it starts",
        ),
        (
            "        {}\n",
            "support.channels[1].hours: expected the days and their hours, such as mon-fri: "
            "09:00-18:00 (a channel open at any time has no hours)",
        ),
        (
            "        mon-fri: 09:00-18:00\n        wed: 10:00-12:00\n",
            "support.channels[1].hours: wed is given twice (mon-fri and wed): expected each day "
            "once",
        ),
        (
            "        mon: 09:00-12:00, 11:00-14:00\n",
            "support.channels[1].hours: mon 09:00-12:00 and mon 11:00-14:00 overlap",
        ),
        (
            "        mon: 20:00-24:00, 23:00-23:30\n",
            "support.channels[1].hours: mon 20:00-24:00 and mon 23:00-23:30 overlap",
        ),
        (
            "        fri: 22:00-02:00\n        sat: 01:00-05:00\n",
            "support.channels[1].hours: fri 22:00-02:00 and sat 01:00-05:00 overlap",
        ),
        (
            "        sun: 22:00-02:00\n        mon: 01:00-05:00\n",
            "support.channels[1].hours: sun 22:00-02:00 and mon 01:00-05:00 overlap",
        ),
    ],
    ids=[
        "unknown-day",
        "days-out-of-order",
        "one-day-as-days",
        "a-number-as-day",
        "not-a-range",
        "a-list-of-ranges",
        "a-time-alone",
        "hour-25",
        "starts-at-24",
        "minute-60",
        "empty-range",
        "no-days",
        "a-day-twice",
        "ranges-overlap",
        "overlap-before-midnight",
        "overlap-after-midnight",
        "overlap-into-monday",
    ],
)
def test_each_mistake_in_hours_is_one_message_naming_the_line(tmp_path, new, message):
    found, text = messages(tmp_path, CHAT_HOURS, new)
    assert found == [f"data/plans.yml:{line_of(text, new.splitlines()[0])}: {message}"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  timezone: Europe/Paris\n",
            "  timezone: Europe/Pariss\n",
            "support.timezone: unknown time zone 'Europe/Pariss' (expected an IANA name such as "
            "Europe/Paris)",
        ),
        (
            "  closed: [2026-12-25]\n",
            "  closed: [christmas]\n",
            "support.closed[0]: expected a date as YYYY-MM-DD; got 'christmas'",
        ),
        (
            "  closed: [2026-12-25]\n",
            "  closed: [2026-02-30]\n",
            "support.closed[0]: '2026-02-30' is not a date (day is out of range for month; "
            "expected a date as YYYY-MM-DD)",
        ),
        (
            "  closed: [2026-12-25]\n",
            "  closed: ['2026-02-30']\n",
            "support.closed[0]: '2026-02-30' is not a date (day is out of range for month; "
            "expected a date as YYYY-MM-DD)",
        ),
        (
            "      label: {fr: Chat, es: Chat, it: Chat}\n",
            "      label: {fr: Chat, es: Chat}\n",
            "support.channels[1].label.it: missing translation (expected a text in each of: "
            "fr, es, it)",
        ),
        (
            "    channels: [email]\n",
            "    channels: [email, fax]\n",
            "plans[0].channels[1] (plan 'starter'): unknown channel 'fax' (expected one of: "
            "email, chat)",
        ),
        (
            "    channels: [email]\n",
            "    channels: [email, email]\n",
            "plans[0].channels[1] (plan 'starter'): 'email' is listed twice",
        ),
        (
            "    channels: [email, chat]\n    hours:\n      chat:\n        mon-fri: 08:00-20:00\n",
            "    channels: [email]\n    hours:\n      chat:\n        mon-fri: 08:00-20:00\n",
            "plans[1].hours.chat (plan 'pro'): hours of a channel the plan does not include "
            "(expected the hours of one of its channels: email)",
        ),
        (
            "        mon-fri: 08:00-20:00\n",
            "        mon-fri: 08:00-20:00\n      fax: {sat: 09:00-12:00}\n",
            "plans[1].hours.fax (plan 'pro'): hours of a channel the plan does not include "
            "(expected the hours of one of its channels: email, chat)",
        ),
        (
            CHAT_HOURS,
            CHAT_HOURS + "    - {id: email, label: {fr: Fax, es: Fax, it: Fax}}\n",
            "support.channels[2].id: duplicate id 'email'",
        ),
        (
            "  - id: users\n    label: {fr: Utilisateurs, es: Usuarios, it: Utenti}\n",
            "  - id: users\n",
            "features[0].label: required, but missing (only a channel's feature may go without "
            "one: it is labelled as its channel)",
        ),
        (
            "  pro: {users: 3}\n",
            "  pro: {users: 3, users.max: 5}\n",
            "values.pro.users.max: String should match pattern '^[a-z][a-z0-9-]*$'",
        ),
        (
            "  pro: {users: 3}\n",
            "  pro: {users: 3, chat: true}\n",
            "values.pro.chat: given by the plan's support channels (plans[1].channels): remove "
            "this value",
        ),
        (
            "    channel: chat\n    show: hours\n",
            "    show: hours\n",
            "features[2].show: hours of which channel? (expected channel: <id of a support "
            "channel> beside it)",
        ),
        (
            "  - id: chat\n    channel: chat\n",
            "  - id: chat\n    channel: fax\n",
            "features[1].channel: unknown channel 'fax' (expected one of: email, chat)",
        ),
        (
            "  pro: {users: 3}\n",
            "  pro: {users: [3]}\n",
            "values.pro.users: expected true, false, a number or a text in each language; got [3]",
        ),
        (
            "  pro: {users: 3}\n",
            "  pro: {users: {fr: 3, es: tres, it: tre}}\n",
            "values.pro.users.fr: Input should be a valid string",
        ),
    ],
    ids=[
        "time-zone",
        "closed-not-a-date",
        "closed-no-such-day",
        "closed-no-such-day-quoted",
        "channel-label",
        "unknown-channel",
        "channel-twice",
        "hours-of-a-channel-not-included",
        "hours-of-a-channel-not-included-of-two",
        "channel-twice-in-support",
        "feature-without-label-or-channel",
        "id-with-a-dot",
        "value-of-a-channel-feature",
        "hours-of-no-channel",
        "feature-of-an-unknown-channel",
        "value-as-a-list",
        "text-with-a-number",
    ],
)
def test_each_mistake_about_channels_is_one_message_naming_the_line(tmp_path, old, new, message):
    found, text = messages(tmp_path, old, new)
    assert found == [f"data/plans.yml:{line_of(text, new.splitlines()[-1])}: {message}"]


def test_every_impossible_date_is_named(tmp_path):
    found, _ = messages(tmp_path, "[2026-12-25]", "[2026-02-30, 2026-04-31]")
    assert found == [
        f"data/plans.yml:3: support.closed[{index}]: '{day}' is not a date (day is out of range "
        "for month; expected a date as YYYY-MM-DD)"
        for index, day in enumerate(("2026-02-30", "2026-04-31"))
    ]


def test_a_repeated_key_is_named_on_its_line_with_the_first_one(tmp_path):
    """YAML would keep the second silently: Wednesday's short day would replace the week."""
    new = "        mon-fri: 09:00-18:00\n        mon-fri: 10:00-12:00\n"
    found, _ = messages(tmp_path, CHAT_HOURS, new)
    assert found == [
        "data/plans.yml:11: support.channels[1].hours.mon-fri: repeated key (first on line 10; "
        "expected it once)"
    ]


def test_every_repeated_key_is_named_in_the_file_s_order(tmp_path):
    text = PLANS.replace("    name: Pro\n", "    name: Pro\n    name: Pro 2\n").replace(
        "  timezone: Europe/Paris\n", "  timezone: Europe/Paris\n  timezone: Europe/Rome\n"
    )
    with pytest.raises(PlansError) as raised:
        load(tmp_path, text)
    assert str(raised.value).splitlines() == [
        "data/plans.yml:3: support.timezone: repeated key (first on line 2; expected it once)",
        f"data/plans.yml:{line_of(text, '    name: Pro 2')}: plans[1].name: repeated key "
        f"(first on line {line_of(text, '    name: Pro')}; expected it once)",
    ]


def test_without_support_a_plan_s_channel_is_unknown_and_the_file_says_it_has_none(tmp_path):
    text = PLANS[PLANS.index("families:") :].replace("  - id: chat\n    channel: chat\n", "")
    text = text.replace("    channel: chat\n    show: hours\n", "")
    found = messages(tmp_path, PLANS, text)[0]
    assert (
        f"data/plans.yml:{line_of(text, '    channels: [email]')}: plans[0].channels[0] "
        + ("(plan 'starter'): unknown channel 'email' (the file has none)")
        in found
    )


# Hours as each language writes them


def writer(locale: str) -> HoursWriter:
    return HoursWriter(locale, CATALOGS.gettext(locale))


THIN, NARROW = "\u2009", "\u202f"  # around a span's dash; before AM and PM
NIGHTS = (
    "        mon-thu: 09:00-12:00, 14:00-18:00\n"
    "        fri: 14:00-18:00, 09:00-12:00\n"
    "        sat: 10:00-13:00\n"
    "        sun: 22:00-02:00\n"
)
WHOLE_DAYS = "        mon: 00:00-24:00\n        wed: 00:00-24:00\n"
MINUTES = "        mon-fri: 08:30-12:15, 13:45-17:59\n        sat: 23:59-24:00\n"
TOUCHING = "        mon: 00:00-12:00, 12:00-18:00\n        sun: 22:00-24:00\n"


@pytest.mark.parametrize(
    ("week", "locale", "written"),
    [
        # Each language's days and clock.
        (CHAT_HOURS, "en", f"Mon{THIN}–{THIN}Fri 9:00{NARROW}AM{THIN}–{THIN}6:00{NARROW}PM"),
        (CHAT_HOURS, "fr", f"lun.{THIN}–{THIN}ven. 09:00{THIN}–{THIN}18:00"),
        (CHAT_HOURS, "es", f"lun{THIN}–{THIN}vie 9:00–18:00"),
        (CHAT_HOURS, "it", f"lun{THIN}–{THIN}ven 09:00–18:00"),
        # Days with the same hours grouped (in any order); a night runs past midnight.
        (
            NIGHTS,
            "fr",
            f"lun.{THIN}–{THIN}ven. 09:00{THIN}–{THIN}12:00 et 14:00{THIN}–{THIN}18:00, "
            f"sam. 10:00{THIN}–{THIN}13:00 et dim. 22:00{THIN}–{THIN}02:00",
        ),
        # A whole day in words; days apart not grouped.
        (WHOLE_DAYS, "it", "lun tutto il giorno e mer tutto il giorno"),
        (WHOLE_DAYS, "en", "Mon all day and Wed all day"),
        # Minutes as given, up to the day's last.
        (
            MINUTES,
            "fr",
            f"lun.{THIN}–{THIN}ven. 08:30{THIN}–{THIN}12:15 et 13:45{THIN}–{THIN}17:59 "
            f"et sam. 23:59{THIN}–{THIN}00:00",
        ),
        (
            MINUTES,
            "en",
            f"Mon{THIN}–{THIN}Fri 8:30{NARROW}AM{THIN}–{THIN}12:15{NARROW}PM and "
            f"1:45{THIN}–{THIN}5:59{NARROW}PM and Sat 11:59{NARROW}PM{THIN}–{THIN}12:00{NARROW}AM",
        ),
        # A range may start when another ends, even across the week.
        (TOUCHING, "it", "lun 00:00–12:00 e 12:00–18:00 e dom 22:00–00:00"),
    ],
)
def test_hours_are_written_as_each_language_writes_them(tmp_path, week, locale, written):
    hours = load(tmp_path, PLANS.replace(CHAT_HOURS, week)).channel("chat").hours
    assert writer(locale).week(hours) == written


def test_a_channel_without_hours_is_open_at_any_time_in_each_language():
    """A message waits for the team: the email channel, for one, has no hours."""
    assert [writer(locale).text(None) for locale in ("en", "fr", "es", "it")] == [
        "At any time",
        "À tout moment",
        "En cualquier momento",
        "In qualsiasi momento",
    ]


def test_the_team_s_time_zone_is_named_in_each_language():
    assert writer("en").time_zone("Europe/Paris") == "Time zone: Central European Time (Paris)"
    assert writer("es").time_zone("Europe/Paris") == "Zona horaria: hora de Europa central (París)"
    assert writer("it").time_zone("America/New_York") == (
        "Fuso orario: Ora orientale USA (New York)"
    )


def test_a_channel_s_features_show_whether_a_plan_has_it_and_its_hours(tmp_path):
    plans = load(tmp_path)
    html = insert_tables("<!-- plans prices=no -->", plans, "fr", "x.md", CATALOGS.gettext("fr"))
    assert Table(html).rows == [
        ["Fonctionnalité", "Starter", "Pro"],
        ["Utilisateurs", "1", "3"],
        ["Chat", "Non inclus", "Inclus"],
        [
            "Horaires du chatFuseau horaire\u00a0: heure d’Europe centrale (Paris)",
            "Non inclus",
            "lun.\u2009–\u2009ven. 08:00\u2009–\u200920:00",
        ],
    ]


def test_the_channels_marker_without_support_in_the_file_says_what_is_missing(tmp_path):
    plans = load(tmp_path, UNITS_PLANS)  # plans, features and values: no support section
    render = partial(insert_channels, plans=plans, locale="fr", gettext=CATALOGS.gettext("fr"))
    with pytest.raises(TableError) as raised:
        render("<p>Bonjour</p>\n<!-- contact-channels -->\n", environment=Environment())
    assert str(raised.value) == (
        "<!-- contact-channels --> shows the support channels of the plans file, which has none "
        "(expected a `support:` section with its `channels:`)"
    )
    assert render("<p>Bonjour</p>", environment=Environment()) == "<p>Bonjour</p>"


def test_a_live_channel_s_plans_with_the_same_hours_are_named_together_in_the_language(tmp_path):
    text = PLANS.replace("    plans: [starter, pro]\n", "    plans: [starter, pro, team, scale]\n")
    text = text.replace(
        "features:\n",
        "  - id: team\n    name: Team\n    price: 99\n    channels: [email, chat]\n"
        "  - id: scale\n    name: Scale\n    price: 199\n    channels: [email, chat]\n"
        "features:\n",
    )
    text = text.replace(
        "  pro: {users: 3}\n", "  pro: {users: 3}\n  team: {users: 5}\n  scale: {users: 9}\n"
    )
    plans = load(tmp_path, text)
    office, extended = [[9 * 60, 18 * 60]], [[8 * 60, 20 * 60]]
    assert live_channels(plans, "fr") == [
        {"name": "Chat (Pro)", "week": [extended] * 5 + [[], []]},
        {"name": "Chat (Team et Scale)", "week": [office] * 5 + [[], []]},
    ]
    assert [channel["name"] for channel in live_channels(plans, "it")] == [
        "Chat (Pro)",
        "Chat (Team e Scale)",
    ]
