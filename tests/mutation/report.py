"""The report of `make mutants`: how many mutants the fast tests killed, and every survivor with its
diff, marked equivalent where tests/mutation/equivalent.toml explains why no test can tell it from
the original. Exits non-zero below the goal or with a survivor nobody has looked at, so the
scheduled workflow goes red when the tests lose strength."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

GOAL = 0.85
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
CASE_ONLY = (
    "Only the case of SQL or of a row's column name changed, outside quoted values: both "
    "engines read them in any case (only_case_of_sql_or_row_keys)."
)


@dataclass(frozen=True)
class Equivalent:
    """A survivor known to behave as the original: `function` is the end of the mutant's name
    before `__mutmut_`, `was` and `now` the changed lines of its diff, `why` the reason."""

    function: str
    was: str
    now: str
    why: str

    def explains(self, name: str, diff: str) -> bool:
        removed, added = changed_lines(diff)
        return name.split("__mutmut_")[0].endswith(self.function) and (removed, added) == (
            self.was,
            self.now,
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


def changed_lines(diff: str) -> tuple[str, str]:
    lines = diff.splitlines()[2:]  # past the ---/+++ header
    removed = " ".join(line[1:].strip() for line in lines if line.startswith("-"))
    added = " ".join(line[1:].strip() for line in lines if line.startswith("+"))
    return removed, added


def load_equivalents(path: Path = EQUIVALENT) -> list[Equivalent]:
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    return [Equivalent(**entry) for entry in entries]


def mutmut(mutmut_bin: str, *args: str) -> str:
    return subprocess.run([mutmut_bin, *args], check=True, capture_output=True, text=True).stdout


def statuses(mutmut_bin: str) -> dict[str, str]:
    """Every mutant's status, as `mutmut results --all true` prints them."""
    result = {}
    for line in mutmut(mutmut_bin, "results", "--all", "true").splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            result[name] = status
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mutmut", default="mutmut", help="the mutmut command")
    parser.add_argument("--output", type=Path, default=Path("mutants/report.md"))
    args = parser.parse_args()

    by_name = statuses(args.mutmut)
    counts = Counter(by_name.values())
    equivalents = load_equivalents()
    survivors = sorted(name for name, status in by_name.items() if status != "killed")
    explained, unexplained = [], []
    for name in survivors:
        diff = mutmut(args.mutmut, "show", name).split("\n", 1)[1].strip()
        reason = (
            CASE_ONLY
            if only_case_of_sql_or_row_keys(diff)
            else next((e.why for e in equivalents if e.explains(name, diff)), None)
        )
        (explained if reason else unexplained).append((name, by_name[name], diff, reason))

    checked = len(by_name) - counts["not checked"] - counts["skipped"]
    killed = counts["killed"]
    score = killed / checked if checked else 0.0
    lines = [
        "# Mutation testing",
        "",
        f"{len(by_name)} mutants of the logic, {checked} run against the fast tests: "
        f"{killed} killed ({score:.0%}), {len(explained)} equivalent and explained, "
        f"{len(unexplained)} not (goal: {GOAL:.0%} killed, none unexplained).",
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
    return 0 if score >= GOAL and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
