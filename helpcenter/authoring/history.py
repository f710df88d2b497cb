"""What git knows about the articles: when each last changed, and its earlier versions.

Every call degrades gracefully outside a git checkout (a downloaded archive, a fresh folder):
dates fall back to the file's modification time and history is empty.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path


def git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.decode("utf-8", errors="replace")


@cache
def repository_root(path: Path) -> Path | None:
    output = git(path, "rev-parse", "--show-toplevel")
    return Path(output.strip()) if output else None


@cache
def last_commit_dates(folder: Path) -> dict[Path, datetime]:
    """When each file below `folder` was last committed, in one `git log`."""
    root = repository_root(folder)
    if root is None:
        return {}
    output = git(
        root,
        "log",
        "--format=%x00%cI",
        "--name-only",
        "--no-renames",
        "--",
        str(folder.resolve().relative_to(root)),
    )
    dates: dict[Path, datetime] = {}
    current: datetime | None = None
    for line in (output or "").splitlines():
        if line.startswith("\x00"):
            current = datetime.fromisoformat(line[1:])
        elif line and current is not None:
            dates.setdefault((root / line).resolve(), current)
    return dates


@cache
def modified_files(folder: Path) -> frozenset[Path]:
    """Files below `folder` changed or added since the last commit."""
    root = repository_root(folder)
    if root is None:
        return frozenset()
    output = git(root, "status", "--porcelain", "--untracked-files=all", "--", str(folder)) or ""
    return frozenset((root / line[3:]).resolve() for line in output.splitlines() if line[3:])


def last_updated(path: Path, docs_dir: Path) -> datetime:
    """The file's last commit; its modification time when it changed since, or git is absent."""
    path = path.resolve()
    docs_dir = docs_dir.resolve()
    committed = last_commit_dates(docs_dir).get(path)
    if committed is not None and path not in modified_files(docs_dir):
        return committed
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


@dataclass(frozen=True)
class Version:
    commit: str
    date: datetime
    text: str


def versions(path: Path) -> list[Version]:
    """The committed versions of a file, newest first."""
    root = repository_root(path.parent)
    if root is None:
        return []
    relative = path.resolve().relative_to(root).as_posix()
    output = git(root, "log", "--format=%H %cI", "--", relative) or ""
    found = []
    for line in output.splitlines():
        commit, date = line.split(" ", 1)
        text = git(root, "show", f"{commit}:{relative}")
        if text is not None:
            found.append(Version(commit, datetime.fromisoformat(date), text))
    return found
