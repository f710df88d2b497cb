"""`helpcenter review`, the job summary of a writer's pull request: on a git repository made from
the project's sources, a change (a French article edited, one added, a Spanish page touched) is
summed up as `helpcenter translations --json` and the site's URLs say; whatever a writer types
stays text. And the workflow that writes it."""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from helpcenter.authoring.review import FOLDED_LINES, build_markdown, read_build_log
from helpcenter.cli import main
from tests.conftest import PROJECT_ROOT

BASE_DATE, CHANGE_DATE = "2026-01-05T08:00:00+00:00", "2026-02-10T09:30:00+01:00"
# A writer's title that would break a table, run a script or make a link if pasted as is.
HOSTILE_TITLE = '] Retours | <script>alert("x")</script> [ici](javascript:alert(1)) **gras**'
NEW_ARTICLE = f"""---
title: '{HOSTILE_TITLE}'
description: Un nouvel article, assez long pour la vérification de la description du build.
---

Texte.
"""
SITE = "https://help.colisto.example/"
# Build logs as `make build` writes them.
PASSED = """\
.venv/bin/helpcenter build --strict
INFO - search: no stemmer for 'xx': its pages are searched by whole words
[es] WARNING -  Doc file 'es/a.md' contains a link '<script>x</script>|b.md',
  not found.
INFO    -  Cleaning site directory
Site built in site/
"""
FAILED = """\
[fr] build failed:
WARNING -  docs/fr/a.md: front matter: 'description' is missing
Aborted with 1 warnings in strict mode!
Build failed: site/ was left as it was.
"""


def git(root: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    command = ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    return subprocess.run(
        [*command, *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


@pytest.fixture
def change(project_copy: Path) -> Path:
    """The project committed on `main`, and on the branch `change` a pull request's commit."""
    git(project_copy, "init", "-q", "-b", "main")
    git(project_copy, "add", ".")
    git(project_copy, "commit", "-qm", "base", date=BASE_DATE)
    git(project_copy, "checkout", "-qb", "change")
    docs = project_copy / "docs"
    append(docs / "fr/shipping/returns.md", "\nUne nouvelle ligne.\n")
    (docs / "fr/shipping/new-article.md").write_text(NEW_ARTICLE, encoding="utf-8")
    append(docs / "es/account/invoices.md", "\nUna línea más.\n")
    git(project_copy, "add", ".")
    git(project_copy, "commit", "-qm", "change", date=CHANGE_DATE)
    return project_copy


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def table(summary: str) -> list[list[str]]:
    """The translations table's rows, each cell as the reader sees it."""
    rows = [line for line in summary.splitlines() if line.startswith("| ")][2:]  # no header
    return [
        [html.unescape(re.sub(r"</?code>", "", cell.strip())) for cell in row.split("|")[1:-1]]
        for row in rows
    ]


def test_the_translations_table_is_what_translations_json_says_of_the_changed_pages(change, capsys):
    config = str(change / "mkdocs.yml")
    code, summary, _ = run(capsys, "review", "--base", "main", "-f", config)
    assert code == 0
    _, report, _ = run(capsys, "translations", "--json", "-f", config)
    states = {(entry["locale"], entry["path"]): entry for entry in json.loads(report)}

    rows = table(summary)
    assert all(len(row) == 6 for row in rows), rows
    listed = [(locale, path) for _, path, locale, *_ in rows]
    # Edited: its translations are outdated; added: missing. Those missing before the change
    # (there are some) are not the change's.
    assert listed == [
        ("es", "shipping/new-article.md"),
        ("es", "shipping/returns.md"),
        ("it", "shipping/new-article.md"),
        ("it", "shipping/returns.md"),
    ]
    assert any(entry["state"] == "missing" for key, entry in states.items() if key not in listed)
    for _, path, locale, state, since, lines in rows:
        expected = states[(locale, path)]
        assert [state, since, lines] == [
            expected["state"],
            expected["source_changed_at"] or "",
            "" if expected["changed_lines"] is None else str(expected["changed_lines"]),
        ]
    assert rows[1][3:] == ["outdated", CHANGE_DATE, "2"]
    assert rows[0][0] == HOSTILE_TITLE
    assert git(change, "worktree", "list").count("\n") == 1  # the base's checkout is gone


def test_the_links_are_the_changed_pages_on_the_site_each_once(change, capsys):
    """Committed or not; not a page deleted, an image or a file outside the language folders."""
    docs = change / "docs"
    append(docs / "fr/shipping/returns.md", "\nPas encore commité.\n")  # changed again
    (docs / "es/shipping/new-article.md").write_text(NEW_ARTICLE, encoding="utf-8")  # untracked
    (docs / "es/support/claims.md").unlink()
    (docs / "assets/credits.md").write_text("Photos: Colisto.\n", encoding="utf-8")
    (docs / "fr/shipping/label.svg").write_text("<svg/>", encoding="utf-8")
    _, summary, _ = run(capsys, "review", "--base", "main", "-f", str(change / "mkdocs.yml"))
    links = re.findall(r"^- \[.*\]\((\S+)\)", summary, re.MULTILINE)
    assert links == [
        f"{SITE}es/account/invoices/",
        f"{SITE}es/shipping/new-article/",
        f"{SITE}fr/shipping/new-article/",
        f"{SITE}fr/shipping/returns/",
    ]


def test_what_a_writer_typed_does_not_break_the_table_or_reach_the_page_as_html(change, capsys):
    """Rendered as GitHub renders a summary: Markdown with its tables, and HTML let through."""
    _, summary, _ = run(capsys, "review", "--base", "main", "-f", str(change / "mkdocs.yml"))
    page = MarkdownIt("commonmark").enable("table").render(summary)
    assert "<script" not in page and "<strong>gras" not in page
    assert all(href.startswith(SITE) for href in re.findall(r'href="([^"]*)"', page))
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL)
    assert len(rows) == 5 and all(len(re.findall(r"<t[hd]>", row)) == 6 for row in rows)
    titles = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td><code>shipping/new-article", page
    ) + re.findall(r'<a href="[^"]*new-article/">(.*?)</a>', page)
    assert [html.unescape(title) for title in titles] == [HOSTILE_TITLE] * 3


def test_a_base_that_does_not_exist_is_one_clear_line(change, capsys):
    code, summary, error = run(
        capsys, "review", "--base", "origin/nowhere", "-f", str(change / "mkdocs.yml")
    )
    assert (code, summary) == (2, "")
    assert error.startswith("origin/nowhere: no such commit") and error.count("\n") == 1


def test_the_build_log_shows_in_the_summary_and_a_missing_one_is_one_clear_line(change, capsys):
    log = change / "build.log"
    log.write_text(FAILED, encoding="utf-8")
    config = str(change / "mkdocs.yml")
    _, summary, _ = run(capsys, "review", "--base", "main", "--build-log", str(log), "-f", config)
    assert "The build failed:" in summary and "&#x27;description&#x27; is missing" in summary
    log.unlink()
    code, summary, error = run(
        capsys, "review", "--base", "main", "--build-log", str(log), "-f", config
    )
    assert (code, summary, error) == (2, "", f"{log}: No such file or directory\n")


def test_a_folder_that_is_not_a_git_repository_is_one_clear_line(project_copy, capsys):
    code, summary, error = run(
        capsys, "review", "--base", "main", "-f", str(project_copy / "mkdocs.yml")
    )
    assert (code, summary) == (2, "")
    assert error == f"{project_copy}: not a git repository\n"


def test_a_passed_build_shows_its_warnings_only_escaped():
    build = read_build_log(PASSED)
    assert build.passed and build.problems == PASSED.splitlines()[2:4]  # and its next line
    shown = "\n".join(build_markdown(build))
    assert "passed with 1 warning:" in shown
    assert "&lt;script&gt;" in shown and "<script" not in shown


def test_a_failed_build_shows_all_it_said_but_information():
    build = read_build_log(FAILED)
    assert not build.passed and build.problems == FAILED.splitlines()
    # A build that crashed never said it passed.
    crashed = read_build_log("Traceback (most recent call last):\n  File 'x'\nKeyError: 'y'\n")
    assert not crashed.passed and len(crashed.problems) == 3


def test_a_long_build_output_folds():
    short = "\n".join(build_markdown(read_build_log(FAILED)))
    assert "<details>" not in short and "<pre>" in short
    many = "".join(f"WARNING - problem {n}\n" for n in range(FOLDED_LINES + 1)) + "Site built in s/"
    assert "<details><summary>" in "\n".join(build_markdown(read_build_log(many)))


def test_the_pull_request_workflow_builds_strictly_tests_and_always_writes_the_summary():
    workflow = yaml.safe_load(
        (PROJECT_ROOT / ".github/workflows/pull-request.yml").read_text(encoding="utf-8")
    )
    trigger = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(trigger) == {"pull_request"}
    assert "docs/**" in trigger["pull_request"]["paths"]
    assert workflow["permissions"] == {"contents": "read"}
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    build = next(step for step in steps if "make build" in step.get("run", ""))
    assert "set -o pipefail" in build["run"] and "tee build.log" in build["run"]
    tests = next(step for step in steps if "pytest" in step.get("run", ""))
    paths = [arg for arg in shlex.split(tests["run"]) if arg.startswith("tests")]
    assert paths and all((PROJECT_ROOT / path).exists() for path in paths), paths
    summary = next(step for step in steps if "helpcenter review" in step.get("run", ""))
    assert summary["if"] == "always()"
    assert '--base "$BASE" --build-log build.log >> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert summary["env"]["BASE"] == "origin/${{ github.base_ref }}"
    assert steps.index(checkout) < steps.index(build) < steps.index(tests) < steps.index(summary)
