"""`data/plans.yml`: what it may hold, and errors that say where it is wrong and what was expected.

One file describes every plan, in every language of the site: its `currency` (EUR by default),
families of plans (current, legacy...), plans (name, monthly price or "on request"), features
(localized label and note), and each plan's value for each feature: included (`true`), not
included (`false`), a number, or a short localized text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from babel.numbers import list_currencies as get_currency_list
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
)

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
LocalizedText = dict[str, Annotated[str, Field(min_length=1)]]


class PlansError(Exception):
    """The plans file is unusable; the message names the file, the place in it and what's wrong."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feature(Strict):
    id: Identifier
    label: LocalizedText
    note: LocalizedText | None = None


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


FeatureValue = StrictBool | StrictInt | StrictFloat | LocalizedText


class Family(Strict):
    id: Identifier
    label: LocalizedText
    plans: Annotated[list[Identifier], Field(min_length=1)]


def known_currency(code: str) -> str:
    if code not in get_currency_list():
        raise ValueError(f"unknown currency {code!r} (expected an ISO 4217 code such as EUR, USD)")
    return code


class Plans(Strict):
    # The currency of every price (ISO 4217), written in each language's way by Babel.
    currency: Annotated[str, AfterValidator(known_currency)] = "EUR"
    families: Annotated[list[Family], Field(min_length=1)]
    plans: Annotated[list[Plan], Field(min_length=1)]
    features: Annotated[list[Feature], Field(min_length=1)]
    values: dict[Identifier, dict[Identifier, FeatureValue]]

    def plan(self, plan_id: str) -> Plan:
        return next(plan for plan in self.plans if plan.id == plan_id)

    def family(self, family_id: str) -> Family:
        return next(family for family in self.families if family.id == family_id)


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


def reference_problems(plans: Plans) -> list[str]:
    plan_ids = [plan.id for plan in plans.plans]
    feature_ids = [feature.id for feature in plans.features]
    problems = []
    for kind, ids in (
        ("families", [family.id for family in plans.families]),
        ("plans", plan_ids),
        ("features", feature_ids),
    ):
        for position, identifier in enumerate(ids):
            if identifier in ids[:position]:
                problems.append(f"{kind}[{position}].id: duplicate id '{identifier}'")
    for index, family in enumerate(plans.families):
        for position, plan_id in enumerate(family.plans):
            if plan_id not in plan_ids:
                problems.append(
                    f"families[{index}].plans[{position}]: unknown plan '{plan_id}' "
                    f"(expected one of: {', '.join(plan_ids)})"
                )
    for plan_id, plan_values in plans.values.items():
        if plan_id not in plan_ids:
            problems.append(
                f"values.{plan_id}: unknown plan '{plan_id}' "
                f"(expected one of: {', '.join(plan_ids)})"
            )
            continue
        problems += [
            f"values.{plan_id}.{feature_id}: unknown feature '{feature_id}' "
            f"(expected one of: {', '.join(feature_ids)})"
            for feature_id in plan_values
            if feature_id not in feature_ids
        ]
    for plan_id in plan_ids:
        problems += [
            f"values.{plan_id}.{feature_id}: missing value "
            "(expected true, false, a number or a text in each language)"
            for feature_id in feature_ids
            if feature_id not in plans.values.get(plan_id, {})
        ]
    return problems


def all_translation_problems(plans: Plans, locales: tuple[str, ...]) -> list[str]:
    problems = []
    for index, family in enumerate(plans.families):
        problems += translation_problems(f"families[{index}].label", family.label, locales)
    for index, feature in enumerate(plans.features):
        problems += translation_problems(f"features[{index}].label", feature.label, locales)
        problems += translation_problems(f"features[{index}].note", feature.note, locales)
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
            if isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
                node = node.value[int(index)]
            elif isinstance(node, yaml.MappingNode) and key:
                found = [value for name, value in node.value if name.value == key]
                if not found:
                    break
                node = found[0]
            else:
                break
            line = node.start_mark.line + 1
        return line


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


def error_path(location: tuple[str | int, ...]) -> str:
    """Pydantic's location as a writer reads it: `features[3].label.it`."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("function-after", "function-plain") or "[" in str(part):
            continue  # pydantic's names for validators and union members
        else:
            path += f".{part}" if path else str(part)
    return path


def describe(error: dict) -> str:
    """A validation error as `path: message`, without the validation library's words."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "required, but missing"
    elif error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{error_path(error['loc'])}: {message}"


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
    if not isinstance(data, dict):
        raise PlansError(
            f"{source}: expected a mapping with the keys families, plans, features and values"
        )
    lines = SourceLines(text)
    try:
        plans = Plans.model_validate(data)
    except ValidationError as error:
        problems = [describe(detail) for detail in error.errors(include_url=False)]
    else:
        problems = reference_problems(plans) + all_translation_problems(plans, locales)
    if problems:
        raise PlansError("\n".join(located(source, lines, data, problem) for problem in problems))
    return plans
