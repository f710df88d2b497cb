"""`data/plans.yml`: what it may hold, and errors that say where it is wrong and what was expected.

One file describes every plan, in every language of the site: its `currency` (EUR by default),
families of plans (current, legacy...), plans (name, monthly price or "on request", the support
channels it includes), features (localized label and note), and each plan's value for each
feature: included (`true`), not included (`false`), a number, or a short localized text. A
feature may instead show a support channel: whether the plan includes it, or its hours.

`support` (optional) says how readers reach the team: its time zone, the dates it is closed, and
its channels (email, chat, phone callback...), each with its opening hours (see `hours.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel.numbers import list_currencies as get_currency_list
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    ValidationError,
)

from helpcenter.plans.hours import Hours

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
LocalizedText = dict[str, Annotated[str, Field(min_length=1)]]


class PlansError(Exception):
    """The plans file is unusable; the message names the file, the place in it and what's wrong."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feature(Strict):
    id: Identifier
    # Optional for a channel's feature, labelled as its channel by default.
    label: LocalizedText | None = None
    note: LocalizedText | None = None
    # A support channel the feature shows for each plan, rather than values given by hand.
    channel: Identifier | None = None
    # What a channel's feature shows: whether the plan includes the channel, or its hours.
    show: Literal["included", "hours"] = "included"


def price(value: object) -> Decimal | str:
    """A monthly price as writers write it: a number (19 or 19.90), or "on request"."""
    if value == "on request":
        return value
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = None
        if number is not None and number.is_finite() and number >= 0:
            return number
    raise ValueError(f'expected a number like 19.90, or "on request"; got {value!r}')


class Plan(Strict):
    id: Identifier
    name: Annotated[str, Field(min_length=1)]
    # The monthly price in the plans' currency.
    price: Annotated[Decimal | Literal["on request"], BeforeValidator(price)]
    legacy: bool = False
    # The support channels the plan includes (ids of `support.channels`).
    channels: list[Identifier] = []
    # A channel's hours for this plan, when they differ from the channel's (extended hours).
    hours: dict[Identifier, Hours] = {}


def value_shape(value: object) -> str | None:
    """Which kind of value a writer meant, so that a mistake gets that kind's message alone."""
    for shape, kind in (("bool", bool), ("int", int), ("float", float), ("text", dict)):
        if isinstance(value, kind):
            return shape
    return None


EXPECTED_VALUE = "expected true, false, a number or a text in each language"
FeatureValue = Annotated[
    Annotated[StrictBool, Tag("bool")]
    | Annotated[StrictInt, Tag("int")]
    | Annotated[StrictFloat, Tag("float")]
    | Annotated[LocalizedText, Tag("text")],
    Discriminator(
        value_shape, custom_error_type="feature_value", custom_error_message=EXPECTED_VALUE
    ),
]


class Family(Strict):
    id: Identifier
    label: LocalizedText
    plans: Annotated[list[Identifier], Field(min_length=1)]


def known_currency(code: str) -> str:
    if code not in get_currency_list():
        raise ValueError(f"unknown currency {code!r} (expected an ISO 4217 code such as EUR, USD)")
    return code


def known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (expected an IANA name such as Europe/Paris)"
        ) from None
    return name


def a_date(value: object) -> date:
    """A day as YYYY-MM-DD, which YAML reads as a date (or as a text, when quoted)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a date ({error}; expected a date as YYYY-MM-DD)"
            ) from None
    raise ValueError(f"expected a date as YYYY-MM-DD; got {value!r}")


class Channel(Strict):
    id: Identifier
    label: LocalizedText
    # When the team answers on this channel; none: at any time (a message waits for the team).
    hours: Hours | None = None


class Support(Strict):
    """How readers reach the team: its channels and their hours, on the team's clock."""

    # The team's time zone (IANA): every channel's hours are on its clock.
    timezone: Annotated[str, AfterValidator(known_time_zone)]
    # Days the team does not work (public holidays): no range starting on one of them opens.
    closed: list[Annotated[date, BeforeValidator(a_date)]] = []
    channels: Annotated[list[Channel], Field(min_length=1)]


class Plans(Strict):
    # The currency of every price (ISO 4217), written in each language's way by Babel.
    currency: Annotated[str, AfterValidator(known_currency)] = "EUR"
    families: Annotated[list[Family], Field(min_length=1)]
    plans: Annotated[list[Plan], Field(min_length=1)]
    features: Annotated[list[Feature], Field(min_length=1)]
    values: dict[Identifier, dict[Identifier, FeatureValue]]
    support: Support | None = None

    def plan(self, plan_id: str) -> Plan:
        return next(plan for plan in self.plans if plan.id == plan_id)

    def family(self, family_id: str) -> Family:
        return next(family for family in self.families if family.id == family_id)

    def channel(self, channel_id: str) -> Channel:
        """A channel the file has (a file naming channels has `support`: it was checked)."""
        return next(channel for channel in self.support.channels if channel.id == channel_id)

    def hours(self, plan: Plan, channel_id: str) -> Hours | None:
        """A channel's hours with this plan: the plan's own, or the channel's."""
        return plan.hours.get(channel_id, self.channel(channel_id).hours)

    def label(self, feature: Feature) -> LocalizedText:
        """A feature's label: its own, or its channel's (a feature without one has a channel)."""
        return feature.label if feature.label is not None else self.channel(feature.channel).label


def translation_problems(
    path: str, text: LocalizedText | None, locales: tuple[str, ...]
) -> list[str]:
    """Every configured language, and no other, so no table shows a hole or a stray language."""
    if text is None:
        return []
    expected = f"(expected a text in each of: {', '.join(locales)})"
    return [
        f"{path}.{locale}: missing translation {expected}"
        for locale in locales
        if locale not in text
    ] + [f"{path}.{key}: unknown language {expected}" for key in text if key not in locales]


def duplicates(kind: str, ids: list[str]) -> list[str]:
    return [
        f"{kind}[{position}].id: duplicate id '{identifier}'"
        for position, identifier in enumerate(ids)
        if identifier in ids[:position]
    ]


def one_of(ids: list[str]) -> str:
    return f"(expected one of: {', '.join(ids)})" if ids else "(the file has none)"


def channel_problems(plans: Plans) -> list[str]:
    """Channels named by features and plans exist; a plan's own hours are of one of its own."""
    channel_ids = [channel.id for channel in plans.support.channels] if plans.support else []
    problems = duplicates("support.channels", channel_ids)
    for index, feature in enumerate(plans.features):
        if feature.channel is not None and feature.channel not in channel_ids:
            problems.append(
                f"features[{index}].channel: unknown channel '{feature.channel}' "
                f"{one_of(channel_ids)}"
            )
        if feature.channel is None and feature.label is None:
            problems.append(
                f"features[{index}].label: required, but missing (only a channel's feature "
                "may go without one: it is labelled as its channel)"
            )
        if feature.channel is None and feature.show != "included":
            problems.append(
                f"features[{index}].show: {feature.show} of which channel? (expected channel: "
                "<id of a support channel> beside it)"
            )
    for index, plan in enumerate(plans.plans):
        for position, channel_id in enumerate(plan.channels):
            if channel_id not in channel_ids:
                problems.append(
                    f"plans[{index}].channels[{position}]: unknown channel '{channel_id}' "
                    f"{one_of(channel_ids)}"
                )
            elif channel_id in plan.channels[:position]:
                problems.append(
                    f"plans[{index}].channels[{position}]: '{channel_id}' is listed twice"
                )
        problems += [
            f"plans[{index}].hours.{channel_id}: hours of a channel the plan does not include "
            f"(expected the hours of one of its channels: {', '.join(plan.channels)})"
            for channel_id in plan.hours
            if channel_id not in plan.channels
        ]
    return problems


def reference_problems(plans: Plans) -> list[str]:
    plan_ids = [plan.id for plan in plans.plans]
    feature_ids = [feature.id for feature in plans.features]
    # Features a plan's channels give (or were meant to): their values are not written by hand.
    derived = {
        feature.id
        for feature in plans.features
        if feature.channel is not None or feature.show != "included"
    }
    problems = (
        duplicates("families", [family.id for family in plans.families])
        + duplicates("plans", plan_ids)
        + duplicates("features", feature_ids)
        + channel_problems(plans)
    )
    for index, family in enumerate(plans.families):
        for position, plan_id in enumerate(family.plans):
            if plan_id not in plan_ids:
                problems.append(
                    f"families[{index}].plans[{position}]: unknown plan '{plan_id}' "
                    f"{one_of(plan_ids)}"
                )
    for plan_id, plan_values in plans.values.items():
        if plan_id not in plan_ids:
            problems.append(f"values.{plan_id}: unknown plan '{plan_id}' {one_of(plan_ids)}")
            continue
        for feature_id in plan_values:
            if feature_id not in feature_ids:
                problems.append(
                    f"values.{plan_id}.{feature_id}: unknown feature '{feature_id}' "
                    f"{one_of(feature_ids)}"
                )
            elif feature_id in derived:
                problems.append(
                    f"values.{plan_id}.{feature_id}: given by the plan's support channels "
                    f"(plans[{plan_ids.index(plan_id)}].channels): remove this value"
                )
    for plan_id in plan_ids:
        problems += [
            f"values.{plan_id}.{feature_id}: missing value ({EXPECTED_VALUE})"
            for feature_id in feature_ids
            if feature_id not in derived and feature_id not in plans.values.get(plan_id, {})
        ]
    return problems


def all_translation_problems(plans: Plans, locales: tuple[str, ...]) -> list[str]:
    problems = []
    for index, family in enumerate(plans.families):
        problems += translation_problems(f"families[{index}].label", family.label, locales)
    for index, feature in enumerate(plans.features):
        problems += translation_problems(f"features[{index}].label", feature.label, locales)
        problems += translation_problems(f"features[{index}].note", feature.note, locales)
    for index, channel in enumerate(plans.support.channels if plans.support else []):
        problems += translation_problems(f"support.channels[{index}].label", channel.label, locales)
    for plan_id, plan_values in plans.values.items():
        for feature_id, value in plan_values.items():
            if isinstance(value, dict):
                problems += translation_problems(f"values.{plan_id}.{feature_id}", value, locales)
    return problems


PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


class SourceLines:
    """Where each place of a YAML file is, so that a message can give the writer its line."""

    def __init__(self, text: str) -> None:
        self.root = yaml.compose(text)

    def line(self, path: str) -> int | None:
        """The line of `features[3].label.it`, or of the deepest part of it the file has."""
        node, line = self.root, None
        for index, key in PATH_PART.findall(path):
            # Every index of a problem's path is that of an item the file has.
            if isinstance(node, yaml.SequenceNode) and index:
                node = node.value[int(index)]
            elif isinstance(node, yaml.MappingNode) and key:
                found = [value for name, value in node.value if name.value == key]
                if not found:
                    break
                node = found[-1]  # a repeated key's last value: the one YAML keeps
            else:
                break
            line = node.start_mark.line + 1
        return line

    def nodes(self) -> Iterator[tuple[str, yaml.Node]]:
        """Every place of the file with its path (`features[3].label`), depth first."""
        stack: list[tuple[str, yaml.Node]] = [("", self.root)]
        while stack:
            path, node = stack.pop()
            yield path, node
            if isinstance(node, yaml.SequenceNode):
                stack += [(f"{path}[{index}]", item) for index, item in enumerate(node.value)]
            elif isinstance(node, yaml.MappingNode):
                stack += [
                    (f"{path}.{key.value}" if path else key.value, value)
                    for key, value in node.value
                    if isinstance(key, yaml.ScalarNode)  # a list as a key: the schema refuses it
                ]

    def repeated_keys(self) -> list[tuple[int, str]]:
        """`(line, "path: ...")` for each key given twice in a mapping, in the file's order: YAML
        would keep the last one silently, and the writer's first one would vanish."""
        problems = []
        for path, node in self.nodes():
            if not isinstance(node, yaml.MappingNode):
                continue
            first: dict[str, int] = {}
            # Each key a scalar: YAML refused a file with a list or a mapping as a key.
            for key, _ in node.value:
                line = key.start_mark.line + 1
                if key.value in first:
                    name = f"{path}.{key.value}" if path else key.value
                    message = f"repeated key (first on line {first[key.value]}; expected it once)"
                    problems.append((line, f"{name}: {message}"))
                first.setdefault(key.value, line)
        return sorted(problems)

    def impossible_dates(self) -> list[tuple[int, str]]:
        """`(line, "path: ...")` for each value YAML reads as a date that no calendar has."""
        constructor = yaml.constructor.SafeConstructor()
        problems = []
        for path, node in self.nodes():
            if node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    constructor.construct_yaml_timestamp(node)
                except ValueError as error:
                    problems.append(
                        (
                            node.start_mark.line + 1,
                            f"{path}: {node.value!r} is not a date ({error}; expected a date "
                            "as YYYY-MM-DD)",
                        )
                    )
        return sorted(problems)


def located(source: str, lines: SourceLines, plans_data: object, problem: str) -> str:
    """`source:line: path (plan 'id'): message`: the file, the line, and the plan by its id."""
    path, _, message = problem.partition(": ")
    line = lines.line(path)
    if (match := re.match(r"plans\[(\d+)\]", path)) and isinstance(plans_data, dict):
        entries = plans_data.get("plans")
        entry = entries[int(match[1])] if isinstance(entries, list) else None
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            path += f" (plan '{entry['id']}')"
    return f"{source}:{line}: {path}: {message}" if line else f"{source}: {path}: {message}"


def error_path(location: tuple[str | int, ...], data: object = None) -> str:
    """Pydantic's location as a writer reads it: `features[3].label.it`. With the `data` it
    comes from, a part the writer did not write (a union member's tag) is left out."""
    path = ""
    for position, part in enumerate(location):
        if isinstance(part, int) and not isinstance(data, dict):  # an item of a list (or a set)
            path += f"[{part}]"
            data = data[part] if isinstance(data, list) else None
        elif "[" in str(part):
            continue  # `[key]` (the error is the key's, named before it), or a validator's name
        elif isinstance(data, dict) and part not in data and position < len(location) - 1:
            continue  # a tag pydantic gives the member of a union it chose
        else:
            path += f".{part}" if path else str(part)
            data = data.get(part) if isinstance(data, dict) else None
    return path


def describe(error: dict, data: object = None) -> str:
    """A validation error as `path: message`, without the validation library's words."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "required, but missing"
    elif error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "feature_value":
        message += f"; got {error['input']!r}"
    return f"{error_path(error['loc'], data)}: {message}"


def load_plans(path: Path, locales: tuple[str, ...], name: str | None = None) -> Plans:
    """Read and check the plans file; any problem raises PlansError listing every error."""
    source = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except FileNotFoundError:
        raise PlansError(f"{source}: file not found") from None
    except UnicodeDecodeError as error:
        raise PlansError(
            f"{source}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PlansError(f"{source}: invalid YAML: {where}{problem}") from None
    except ValueError:  # a value YAML reads as a date, and no calendar has (2026-02-30)
        raise PlansError(
            "\n".join(
                f"{source}:{line}: {problem}"
                for line, problem in SourceLines(text).impossible_dates()
            )
        ) from None
    if not isinstance(data, dict):
        raise PlansError(
            f"{source}: expected a mapping with the keys families, plans, features and values"
        )
    lines = SourceLines(text)
    try:
        plans = Plans.model_validate(data)
    except ValidationError as error:
        problems = [describe(detail, data) for detail in error.errors()]
    else:
        problems = reference_problems(plans) + all_translation_problems(plans, locales)
    repeated = [f"{source}:{line}: {problem}" for line, problem in lines.repeated_keys()]
    if problems or repeated:
        raise PlansError(
            "\n".join(repeated + [located(source, lines, data, problem) for problem in problems])
        )
    return plans
