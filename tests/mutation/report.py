"""The report of `make mutants`: how many mutants the fast tests killed, and every survivor with its
diff, marked equivalent where tests/mutation/equivalent.toml explains why no test can tell it from
the original. Exits non-zero below the goal or with a survivor nobody has looked at, so the
scheduled workflow goes red when the tests lose strength.

Before a run (`--set-aside-equivalents`), the mutants a known reason explains by their diff alone
are set aside, not run: a survivor runs every test that reaches its function (a minute and more
for the endpoint's guards and the store), only to survive again, and most of a run's time went to
them. They count as survivors, explained; a reason taken out of equivalent.toml puts its mutants
back to be run."""

from __future__ import annotations

import argparse
import codecs
import os
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

# mutmut's own reading of its verdicts and diffs (pinned in constraints.txt), in this process:
# `mutmut show` once per survivor took seconds each, minutes for a whole report.
from mutmut.__main__ import (
    CatchOutput,
    SourceFileMutationData,
    create_mutants,
    status_by_exit_code,
)
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.utils.file_utils import (
    copy_also_copy_files,
    copy_src_dir,
    setup_source_paths,
    walk_mutatable_files,
)

GOAL = 0.85
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
CASE_ONLY = (
    "Only the case of SQL or of a row's column name changed, outside quoted values: both "
    "engines read them in any case (only_case_of_sql_or_row_keys)."
)


@dataclass(frozen=True)
class Equivalent:
    """Survivors known to behave as the original: `function` is the end of the mutants' names
    before `__mutmut_`, `was` the changed lines of their diffs and `now` what each mutant made of
    them (in equivalent.toml one text, or a list of those one reason explains), `why` the
    reason."""

    function: str
    was: str
    now: tuple[str, ...]
    why: str

    def explains(self, name: str, diff: str) -> bool:
        removed, added = changed_lines(diff)
        return (
            name.split("__mutmut_")[0].endswith(self.function)
            and removed == self.was
            and added in self.now
        )


# A statement's values between single quotes, and what makes a line SQL or a row read by name.
QUOTED = re.compile(r"'[^']*'")
SQL_OR_ROW_KEY = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|JOIN|SET|VALUES|ORDER BY|RETURNING|CREATE)\b"
    r"|[=(,]\s*\?|row\[\"[a-z_]+\"\]"  # a placeholder: `= ?`, `(?`, `, ?`
)


def only_case_of_sql_or_row_keys(diff: str) -> bool:
    """A change of letter case only, in SQL or in a row's column name, outside the statement's
    quoted values: SQLite and PostgreSQL read keywords and names in any case, and so do
    sqlite3.Row and helpcenter.engines.Row."""
    removed, added = changed_lines(diff)
    return (
        removed != added
        and removed.lower() == added.lower()
        and QUOTED.findall(removed) == QUOTED.findall(added)
        and SQL_OR_ROW_KEY.search(removed) is not None
    )


OPENAPI_WORDING = (
    "Only the wording of the OpenAPI document changed (a model's name or description, a field's "
    "description): no request is read or answered differently (only_openapi_wording)."
)
# A pydantic model's or field's description, and a model's name as create_model's first argument
# (capitalised, as only models are named; mutmut may change its case).
DESCRIPTION = re.compile(r"__doc__=.*,|Field\(description=.*\),?")
MODEL_NAME = re.compile(r'"[A-Z][A-Za-z]+",')
MUTATED_WORDING = re.compile(rf'{DESCRIPTION.pattern}|"[A-Za-z]+",')


def only_openapi_wording(diff: str) -> bool:
    """A model's or field's name or description changed, or a description dropped: pydantic
    writes them into the OpenAPI document and reads them for nothing else."""
    removed, added = changed_lines(diff)
    wording = DESCRIPTION.fullmatch(removed) is not None or (
        MODEL_NAME.fullmatch(removed) is not None and "create_model(" in diff
    )
    return wording and (added == "" or MUTATED_WORDING.fullmatch(added) is not None)


CODEC_CASE = (
    "Only the case of a codec's name changed: Python finds codecs by their name in any case "
    "(only_case_of_codec_name)."
)
STRING = re.compile(r'"([^"]*)"')


def only_case_of_codec_name(diff: str) -> bool:
    """A change of letter case only, in the names of codecs (`encoding="UTF-8"`): the same codec."""
    removed, added = changed_lines(diff)
    if removed == added or removed.lower() != added.lower():
        return False
    pairs = [
        (a, b)
        for a, b in zip(STRING.findall(removed), STRING.findall(added), strict=True)
        if a != b
    ]
    return STRING.sub('""', removed) == STRING.sub('""', added) and all(
        same_codec(a, b) for a, b in pairs
    )


def same_codec(name: str, other: str) -> bool:
    try:
        return codecs.lookup(name).name == codecs.lookup(other).name
    except LookupError:
        return False


def changed_lines(diff: str) -> tuple[str, str]:
    lines = diff.splitlines()[2:]  # past the ---/+++ header
    removed = " ".join(line[1:].strip() for line in lines if line.startswith("-"))
    added = " ".join(line[1:].strip() for line in lines if line.startswith("+"))
    return removed, added


# Kinds of survivors recognised from their diff alone, with why they behave as the original.
RULES = (
    (CASE_ONLY, only_case_of_sql_or_row_keys),
    (OPENAPI_WORDING, only_openapi_wording),
    (CODEC_CASE, only_case_of_codec_name),
)


def load_equivalents(path: Path = EQUIVALENT) -> list[Equivalent]:
    equivalents = []
    for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", []):
        now = entry["now"]
        equivalents.append(
            Equivalent(**entry | {"now": (now,) if isinstance(now, str) else (*now,)})
        )
    return equivalents


def statuses() -> dict[str, tuple[str, Path]]:
    """Every mutant's status, as `mutmut results --all true` prints them, and its file."""
    result = {}
    for path in walk_mutatable_files():
        verdicts = SourceFileMutationData(path=path)
        verdicts.load()
        for name, exit_code in verdicts.exit_code_by_key.items():
            result[name] = (status_by_exit_code[exit_code], path)
    return result


class Survivor(NamedTuple):
    name: str
    status: str
    diff: str
    why: str | None  # why it behaves as the original, when that is known


# A mutant that hangs the tests is caught as one that fails them: `make test` would not finish,
# and CI would not land it. mutmut stops it at its CPU limit (timeout), or kills it there when it
# does not stop (SIGKILL, which mutmut names a segfault, as it does a crash of the tests).
CAUGHT = ("killed", "timeout", "segfault")


def why_equivalent(name: str, diff: str, equivalents: list[Equivalent]) -> str | None:
    """Why this mutant behaves as the original, when a rule or equivalent.toml knows."""
    return next((why for why, rule in RULES if rule(diff)), None) or next(
        (e.why for e in equivalents if e.explains(name, diff)), None
    )


def survivors(found: dict[str, tuple[str, Path]]) -> list[Survivor]:
    """The mutants tested and not killed, and those set aside, each with the reason it behaves
    as the original when one is known."""
    equivalents = load_equivalents()
    result = []
    for name in sorted(found):
        status, path = found[name]
        if status in CAUGHT or status == "not checked":
            continue
        diff = get_diff_for_mutant(name, path=path).strip()
        result.append(Survivor(name, status, diff, why_equivalent(name, diff, equivalents)))
    return result


# mutmut's verdicts as it writes them: none yet (to be run), and skipped (not to be).
TO_RUN = None
SET_ASIDE = 34


def set_verdicts(found: dict[str, tuple[str, Path]], verdicts: dict[str, int | None]) -> None:
    """Write these mutants' verdicts where mutmut keeps them, for its next run to go by."""
    for path in {found[name][1] for name in verdicts}:
        data = SourceFileMutationData(path=path)
        data.load()
        for name in verdicts.keys() & data.exit_code_by_key.keys():
            data.exit_code_by_key[name] = verdicts[name]
        data.save()


def set_aside_equivalents() -> tuple[int, int]:
    """Make the mutants as `mutmut run` first does (it then finds them made), and set aside
    those not run yet that a known reason explains; those set aside that none explains any more
    go back to be run. How many were set aside, and put back."""
    with CatchOutput(spinner_title="Generating mutants"):
        copy_src_dir()
        copy_also_copy_files()
        setup_source_paths()
        create_mutants(os.cpu_count() or 1)
    found = statuses()
    equivalents = load_equivalents()
    verdicts: dict[str, int | None] = {}
    for name, (status, path) in found.items():
        if status in ("not checked", "skipped"):
            diff = get_diff_for_mutant(name, path=path).strip()
            explained = why_equivalent(name, diff, equivalents) is not None
            if explained and status == "not checked":
                verdicts[name] = SET_ASIDE
            elif not explained and status == "skipped":
                verdicts[name] = TO_RUN
    set_verdicts(found, verdicts)
    put_back = sum(verdict is TO_RUN for verdict in verdicts.values())
    return len(verdicts) - put_back, put_back


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=Path("mutants/report.md"))
    parser.add_argument(
        "--retest-survivors",
        action="store_true",
        help="forget the verdicts of the survivors not explained (and of mutants no test "
        "reached), for the next run to test them against today's tests; write no report",
    )
    parser.add_argument(
        "--set-aside-equivalents",
        action="store_true",
        help="make the mutants and set aside, not to be run, those a known reason explains "
        "by their diff; write no report",
    )
    args = parser.parse_args()

    if args.set_aside_equivalents:
        set_aside, put_back = set_aside_equivalents()
        print(f"{set_aside} known equivalents set aside, {put_back} put back to be run")
        return 0
    found = statuses()
    tested = survivors(found)
    explained = [survivor for survivor in tested if survivor.why]
    unexplained = [survivor for survivor in tested if not survivor.why]
    if args.retest_survivors:
        set_verdicts(found, dict.fromkeys((survivor.name for survivor in unexplained), TO_RUN))
        print(f"{len(unexplained)} survivors to test again")
        return 0

    counts = Counter(status for status, _ in found.values())
    # Those set aside count as survivors: the score is what the tests kill of all the mutants.
    checked = len(found) - counts["not checked"]
    killed = sum(counts[status] for status in CAUGHT)
    score = killed / checked if checked else 0.0
    lines = [
        "# Mutation testing",
        "",
        f"{len(found)} mutants of the logic, {checked - counts['skipped']} run against the fast "
        f"tests and {counts['skipped']} known equivalents set aside: "
        f"{killed} killed ({score:.0%} of both; "
        f"{counts['timeout'] + counts['segfault']} by hanging or crashing the tests), "
        f"{len(explained)} equivalent and explained, "
        f"{len(unexplained)} not, {counts['not checked']} not run yet "
        f"(goal: {GOAL:.0%} killed, none unexplained, all run).",
        "",
        "| status | mutants |",
        "|---|---|",
        *(f"| {status} | {count} |" for status, count in sorted(counts.items())),
        "",
    ]
    if unexplained:
        lines += ["## Survivors no test catches", ""]
        for name, status, diff, _ in unexplained:
            lines += [f"### {name} ({status})", "", "```diff", diff, "```", ""]
    if explained:
        lines += ["## Equivalent survivors", ""]
        for name, status, diff, reason in explained:
            lines += [f"### {name} ({status})", "", reason, "", "```diff", diff, "```", ""]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(lines[2])
    print(f"report: {args.output}")
    complete = counts["not checked"] == 0
    return 0 if complete and score >= GOAL and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
