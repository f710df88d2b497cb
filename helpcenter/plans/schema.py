"""`data/plans.yml`: what it may hold, and errors that say where it is wrong and what was expected.

One file describes every plan, in every language of the site: its `currency` (EUR by default),
families of plans (current, legacy...), plans (name, monthly price or "on request"), features
(localized label and note), and each plan's value for each feature: included (`true`), not
included (`false`), a number, or a short localized text.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from babel.numbers import list_currencies as get_currency_list
from pydantic import (
    AfterValidator,
    BaseModel,
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


class Plan(Strict):
    id: Identifier
    name: Annotated[str, Field(min_length=1)]
    price: Annotated[Decimal, Field(ge=0)] | Literal["on request"] = Field(
        description="monthly price in the plans' currency, or 'on request'"
    )
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


def describe(error: dict, source: str) -> str:
    path = error_path(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "required, but missing"
    elif error["type"] == "extra_forbidden":
        message = "unknown key"
    prefix = f"{source}: {path}: " if path else f"{source}: "
    return "\n".join(prefix + line for line in message.splitlines())


def load_plans(path: Path, locales: tuple[str, ...], name: str | None = None) -> Plans:
    """Read and check the plans file; any problem raises PlansError listing every error."""
    source = name or str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    try:
        plans = Plans.model_validate(data)
    except ValidationError as error:
        raise PlansError(
            "\n".join(describe(detail, source) for detail in error.errors(include_url=False))
        ) from None
    problems = reference_problems(plans) + all_translation_problems(plans, locales)
    if problems:
        raise PlansError("\n".join(f"{source}: {problem}" for problem in problems))
    return plans
