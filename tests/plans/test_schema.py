"""Loading data/plans.yml: each kind of mistake gets a message naming the file, place and fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from helpcenter.plans.schema import PlansError, load_plans
from tests.conftest import PROJECT_ROOT

LOCALES = ("fr", "es", "it")
PLANS_FILE = PROJECT_ROOT / "data" / "plans.yml"


def project_plans() -> dict:
    return yaml.safe_load(PLANS_FILE.read_text(encoding="utf-8"))


def load(tmp_path: Path, data: dict | str):
    path = tmp_path / "plans.yml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return load_plans(path, LOCALES, name="data/plans.yml")


def test_the_projects_plans_file_is_valid():
    plans = load_plans(PLANS_FILE, LOCALES)
    assert {family.id for family in plans.families} == {"current", "legacy"}
    assert any(plan.legacy for plan in plans.plans)
    assert any(plan.price == "on request" for plan in plans.plans)


def broken(change) -> dict:
    data = project_plans()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["features"][0]["label"].pop("it"),
            r"data/plans\.yml:\d+: features\[0\]\.label\.it: missing translation "
            r"\(expected a text in each of: fr, es, it\)",
        ),
        (
            lambda d: d["families"][0]["plans"].append("platinum"),
            r"data/plans\.yml:\d+: families\[0\]\.plans\[4\]: unknown plan 'platinum' "
            r"\(expected one of: starter, ",
        ),
        (
            lambda d: d["values"]["pro"].update({"fax": True}),
            r"data/plans\.yml:\d+: values\.pro\.fax: unknown feature 'fax' "
            r"\(expected one of: users",
        ),
        (
            lambda d: d["values"]["pro"].pop("priority"),
            r"data/plans\.yml:\d+: values\.pro\.priority: missing value "
            r"\(expected true, false, a number",
        ),
        (
            lambda d: d["plans"][1].update({"price": "cheap"}),
            r"data/plans\.yml:\d+: plans\[1\]\.price \(plan 'pro'\): expected a number like "
            r"19\.90, or \"on request\"; got 'cheap'",
        ),
        (
            lambda d: d["plans"][1].update({"legacy": "maybe"}),
            r"data/plans\.yml:\d+: plans\[1\]\.legacy \(plan 'pro'\): "
            r"Input should be a valid boolean",
        ),
        (
            lambda d: d["plans"][0].pop("name"),
            r"data/plans\.yml:\d+: plans\[0\]\.name \(plan 'starter'\): required, but missing",
        ),
        (
            lambda d: d["plans"][0].update({"nmae": "Typo"}),
            r"data/plans\.yml:\d+: plans\[0\]\.nmae \(plan 'starter'\): unknown key",
        ),
        (
            lambda d: d["features"].append(dict(d["features"][0])),
            r"data/plans\.yml:\d+: features\[8\]\.id: duplicate id 'users'",
        ),
        (
            lambda d: d["values"]["pro"].update(
                {"response-time": {"fr": "1 jour", "es": "1 día", "it": "1 giorno", "de": "x"}}
            ),
            r"data/plans\.yml:\d+: values\.pro\.response-time\.de: unknown language",
        ),
    ],
)
def test_each_mistake_names_the_file_the_place_and_what_was_expected(tmp_path, change, message):
    with pytest.raises(PlansError, match=message):
        load(tmp_path, broken(change))


def test_a_price_with_a_decimal_comma_names_the_line_the_plan_and_the_expected_form(tmp_path):
    text = PLANS_FILE.read_text(encoding="utf-8").replace("price: 49", "price: 19,90", 1)
    line = text.splitlines().index("    price: 19,90") + 1
    with pytest.raises(PlansError) as raised:
        load(tmp_path, text)
    assert str(raised.value) == (
        f"data/plans.yml:{line}: plans[1].price (plan 'pro'): expected a number like 19.90, "
        "or \"on request\"; got '19,90'"
    )


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(PlansError, match=r"data/plans\.yml: invalid YAML: line 3, column 1: "):
        load(tmp_path, "families:\n  - id: current\n\tlabel: tab\n")


def test_something_else_than_a_mapping_is_refused(tmp_path):
    with pytest.raises(PlansError, match=r"data/plans\.yml: expected a mapping with the keys"):
        load(tmp_path, "- just\n- a list\n")


def test_every_error_is_reported_at_once(tmp_path):
    def two_mistakes(d):
        d["features"][0]["label"].pop("es")
        d["values"]["starter"].pop("priority")

    with pytest.raises(PlansError) as raised:
        load(tmp_path, broken(two_mistakes))
    assert "features[0].label.es" in str(raised.value)
    assert "values.starter.priority" in str(raised.value)


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["features"][2]["note"].pop("it"), "features[2].note.it"),
        (lambda d: d["values"]["pro"]["response-time"].pop("it"), "values.pro.response-time.it"),
        (lambda d: d["families"][1]["label"].pop("it"), "families[1].label.it"),
    ],
    ids=["note", "value", "family-label"],
)
def test_a_text_missing_in_a_language_fails_at_load_time_naming_its_place(tmp_path, change, place):
    """Every localized text, notes and values included: not a KeyError in the Italian build."""
    with pytest.raises(PlansError) as raised:
        load(tmp_path, broken(change))
    [message] = str(raised.value).splitlines()
    assert re.fullmatch(
        rf"data/plans\.yml(:\d+)?: {re.escape(place)}: missing translation "
        r"\(expected a text in each of: fr, es, it\)",
        message,
    ), message
