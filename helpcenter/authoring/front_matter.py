"""What every page's front matter must hold, checked at build time with messages naming the file."""

from __future__ import annotations

import difflib
import re

import yaml

from helpcenter.authoring.translations import SOURCE_KEY

DESCRIPTION_LENGTH = (50, 160)
# title and description are the writer's; source_hash is written by `helpcenter translations
# mark`; hide (navigation, toc) and search (exclude: true) are Material's.
KNOWN_KEYS = ("title", "description", SOURCE_KEY, "hide", "search")
# MkDocs' own pattern for a YAML front matter block.
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


def body_first_line(text: str) -> int:
    """The line of a page's file where its Markdown starts: after the front matter and the blank
    lines MkDocs strips with it, so that messages give the lines the writer's editor shows."""
    block = FRONT_MATTER.match(text)
    if not block:
        return 1
    rest = text[block.end() :]
    return text[: block.end()].count("\n") + len(rest) - len(rest.lstrip("\n")) + 1


def yaml_problem(text: str, source: str) -> str | None:
    """MkDocs ignores front matter it cannot parse; say where it breaks and why."""
    block = FRONT_MATTER.match(text)
    if not block:
        return None
    try:
        data = yaml.safe_load(block.group(1))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 2}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        return (
            f"{source}: front matter: {where}{problem} (expected YAML such as "
            "`title: ...`; quote values that contain ': ' or start with a quote)"
        )
    if not isinstance(data, dict):
        return f"{source}: front matter: expected `key: value` lines, found {type(data).__name__}"
    return None


def front_matter_problems(meta: dict, source: str, text: str = "") -> list[str]:
    # MkDocs parsed it when it gave any meta: only an empty one may hide broken YAML.
    broken = None if meta else yaml_problem(text, source)
    if broken:
        return [broken]
    problems = []
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{source}: front matter: 'title' is missing (expected the page's title)")
    description = meta.get("description")
    shortest, longest = DESCRIPTION_LENGTH
    if not isinstance(description, str) or not description.strip():
        problems.append(
            f"{source}: front matter: 'description' is missing (expected a one-sentence "
            f"summary of {shortest} to {longest} characters)"
        )
    elif not shortest <= len(description.strip()) <= longest:
        problems.append(
            f"{source}: front matter: 'description' is {len(description.strip())} characters "
            f"long (expected {shortest} to {longest})"
        )
    for key in meta:
        if key not in KNOWN_KEYS:
            guess = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            problems.append(
                f"{source}: front matter: unknown key '{key}' "
                f"(expected one of: {', '.join(KNOWN_KEYS)}{hint})"
            )
    return problems
