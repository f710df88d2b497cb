"""What a change to the sources does, for whoever reviews it: the translations it makes outdated
or missing, what the build said, and where its pages will be on the site.

`helpcenter review --base REF` writes it as Markdown for a pull request's job summary
(.github/workflows/pull-request.yml). The translation states are those `helpcenter translations`
gives, computed twice: in a temporary checkout of REF and in the working tree. Everything that
comes from the sources (titles, file names, the build's messages) is escaped, so that a writer's
`|` or `<script>` shows as typed instead of breaking the table or the page.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mkdocs.utils.meta import get_data

from helpcenter.authoring import history
from helpcenter.authoring.translations import UP_TO_DATE, TranslationState, translation_states
from helpcenter.config import Project
from helpcenter.i18n.languages import page_url
from helpcenter.site.build import SITE_BUILT

# A log line's level, as MkDocs and `helpcenter build` print it, after the language if any.
LEVEL = re.compile(r"^(?:\[[\w-]+\] )?(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL)\b")
PROBLEM_LEVELS = ("WARNING", "ERROR", "CRITICAL")
# Past this many lines the build's messages fold; past the second, the job's log has the rest
# (a step summary holds 1 MiB).
FOLDED_LINES, SHOWN_LINES = 10, 200
# What Markdown would read as syntax in a table cell or a link's text.
MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]{}()#+!|~]")


class ReviewError(Exception):
    """The comparison cannot start; the message says why in one line."""


@dataclass(frozen=True)
class ChangedPage:
    locale: str
    path: str  # relative to the language folder
    title: str
    url: str


@dataclass(frozen=True)
class BuildReport:
    passed: bool
    problems: list[str]


@dataclass(frozen=True)
class Review:
    base: str
    commit: str
    debt: list[TranslationState]  # made outdated or missing by the change
    titles: dict[str, str]  # the default language's title of each page in `debt`
    pages: list[ChangedPage]
    build: BuildReport | None


def text(value: str) -> str:
    """A contributor's text as Markdown that shows it as typed, on one line: no tag, no link,
    no emphasis, no cell boundary."""
    escaped = html.escape(" ".join(value.split()))
    return MARKDOWN_SYNTAX.sub(lambda match: f"&#{ord(match[0])};", escaped)


def title_of(page: Path, fallback: str) -> str:
    try:
        title = get_data(page.read_text(encoding="utf-8", errors="replace"))[1].get("title")
    except OSError:
        return fallback
    return title.strip() if isinstance(title, str) and title.strip() else fallback


def resolved_commit(root: Path, ref: str) -> str:
    commit = history.git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if not commit:
        raise ReviewError(
            f"{ref}: no such commit in {root} (a pull request's base needs the full history: "
            "actions/checkout with fetch-depth: 0)"
        )
    return commit.strip()


@contextmanager
def checkout(root: Path, commit: str) -> Iterator[Path]:
    """The repository at `commit`, with its history (translation states read it), in a
    temporary worktree removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="helpcenter-review-") as folder:
        path = Path(folder) / "base"
        if history.git(root, "worktree", "add", "--detach", "--quiet", str(path), commit) is None:
            raise ReviewError(f"{commit}: cannot be checked out in a temporary worktree")
        try:
            yield path
        finally:
            history.git(root, "worktree", "remove", "--force", str(path))


def states(docs_dir: Path, locales: tuple[str, ...]) -> dict[tuple[str, str], TranslationState]:
    return {(state.locale, state.path): state for state in translation_states(docs_dir, locales)}


def new_debt(
    before: dict[tuple[str, str], TranslationState],
    after: dict[tuple[str, str], TranslationState],
) -> list[TranslationState]:
    """Translations outdated or missing after the change that were not in that state before;
    those already behind stay out of the way of the change's own."""
    return [
        state
        for key, state in sorted(after.items())
        if state.state != UP_TO_DATE and (key not in before or before[key].state != state.state)
    ]


def changed_pages(project: Project, root: Path, commit: str) -> list[ChangedPage]:
    """The pages added or modified since `commit`, committed or not, each once."""
    docs_dir = project.docs_dir.resolve()
    docs = docs_dir.relative_to(root).as_posix()
    changed = history.git(root, "diff", "-z", "--name-only", "--no-renames", commit, "--", docs)
    untracked = history.git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", docs)
    pages = set()
    for name in filter(None, f"{changed or ''}{untracked or ''}".split("\0")):
        locale, _, path = (root / name).relative_to(docs_dir).as_posix().partition("/")
        if locale in project.locales and path.endswith(".md") and (root / name).is_file():
            pages.add((locale, path))
    return [
        ChangedPage(
            locale,
            path,
            title_of(docs_dir / locale / path, path),
            f"{project.site_url}{locale}/{quote(page_url(path))}",
        )
        for locale, path in sorted(pages)
    ]


def read_build_log(log: str) -> BuildReport:
    """The warnings and errors of a build's output. A build passed only when it said so (a crash
    says nothing); when it failed, every line but the informational ones may tell why."""
    lines = [line.rstrip() for line in log.splitlines() if line.strip()]
    passed = any(line.startswith(SITE_BUILT) for line in lines)
    problems, keep = [], False
    for line in lines:
        if level := LEVEL.match(line):
            keep = level["level"] in PROBLEM_LEVELS
        elif not line[0].isspace():  # indented lines continue the message above
            keep = not passed
        if keep:
            problems.append(line)
    return BuildReport(passed, problems)


def review(project: Project, base: str, build_log: str | None = None) -> Review:
    """What the working tree changed since `base`; `build_log`: what its build said, if built."""
    root = history.repository_root(project.root)
    if root is None:
        raise ReviewError(f"{project.root}: not a git repository")
    commit = resolved_commit(root, base)
    docs = project.docs_dir.resolve().relative_to(root)
    with checkout(root, commit) as before:
        debt = new_debt(
            states(before / docs, project.locales), states(project.docs_dir, project.locales)
        )
    default = project.docs_dir / project.locales[0]
    return Review(
        base,
        commit,
        debt,
        {state.path: title_of(default / state.path, state.path) for state in debt},
        changed_pages(project, root, commit),
        read_build_log(build_log) if build_log is not None else None,
    )


def translations_markdown(review: Review) -> list[str]:
    if not review.debt:
        return ["No translation became outdated or missing."]
    counts: dict[str, dict[str, int]] = {}
    for state in review.debt:
        per_state = counts.setdefault(state.locale, {})
        per_state[state.state] = per_state.get(state.state, 0) + 1
    lines = [
        " · ".join(
            f"**{locale}**: "
            + ", ".join(f"{count} {name}" for name, count in sorted(found.items()))
            for locale, found in counts.items()
        ),
        "",
        "| Page | File | Language | State | Source changed | Lines changed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for state in review.debt:
        data = state.as_json()  # the values `helpcenter translations --json` gives
        lines.append(
            f"| {text(review.titles[state.path])} | <code>{text(data['path'])}</code> "
            f"| {data['locale']} | {data['state']} | {data['source_changed_at'] or ''} "
            f"| {'' if data['changed_lines'] is None else data['changed_lines']} |"
        )
    lines += [
        "",
        "Once a translation is updated: `helpcenter translations mark <language>/<file>`.",
    ]
    return lines


def build_markdown(build: BuildReport) -> list[str]:
    problems = len(build.problems)
    warnings = sum(1 for line in build.problems if LEVEL.match(line))  # not their next lines
    if build.passed:
        said = f"passed with {warnings} warning{'s' * (warnings != 1)}" if problems else "passed"
    else:
        said = "failed"
    lines = [f"The build {said}{':' if problems else '.'}"]
    if not problems:
        return lines
    shown = build.problems[:SHOWN_LINES]
    if problems > SHOWN_LINES:
        shown.append(f"… and {problems - SHOWN_LINES} more lines: see the job's log")
    block = "<pre>" + "\n".join(html.escape(line) for line in shown) + "</pre>"
    if problems > FOLDED_LINES:
        return [
            *lines,
            "",
            f"<details><summary>{problems} lines</summary>",
            "",
            block,
            "",
            "</details>",
        ]
    return [*lines, "", block]


def pages_markdown(review: Review) -> list[str]:
    if not review.pages:
        return ["No page changed."]
    return [
        f"- [{text(page.title)}]({page.url}) ({page.locale}, <code>{text(page.path)}</code>)"
        for page in review.pages
    ]


def markdown(review: Review) -> str:
    lines = [
        "## Help center review",
        "",
        f"Compared with {text(review.base)} ({review.commit[:12]}).",
        "",
        "### Translations this change makes outdated or missing",
        "",
        *translations_markdown(review),
    ]
    if review.build is not None:
        lines += ["", "### Build", "", *build_markdown(review.build)]
    lines += ["", "### Changed pages", "", *pages_markdown(review)]
    return "\n".join(lines) + "\n"
