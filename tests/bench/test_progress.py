"""What `make bench` says while it works, shown here on its generating phase (small corpora, so
that it is quick; building and measuring report the same way, helpcenter.progress): on a
terminal, the articles counted up to their total, then the phase's line; elsewhere, only that
line, once the phase is done."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_on_a_terminal

# Quick, but it runs bench/, which `make mutants` does not copy (its corpus can be gigabytes).
pytestmark = pytest.mark.slow

ARTICLES = 2  # per language: 6 in all


def command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "bench.generate", "--articles", str(ARTICLES), str(folder)]


def generated(folder: Path) -> int:
    return len(list((folder / "docs").rglob("article-*.md")))


def test_on_a_terminal_the_articles_are_counted_up_to_their_total(tmp_path):
    status, text = run_on_a_terminal(command(tmp_path), cwd=PROJECT_ROOT)
    assert status == 0
    total = generated(tmp_path)
    assert total == 3 * ARTICLES
    assert re.search(rf"\[generating\] N={ARTICLES}\b[^\r\n]*\b{total}/{total}\b", text), text
    assert re.search(rf"[\r\n]\[generating\] {total} articles in \d+\.\d s\r\n", text), text


def test_elsewhere_the_phase_is_one_line_once_done(tmp_path):
    said = subprocess.run(
        command(tmp_path), cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert said.stdout == ""
    total = generated(tmp_path)
    assert re.fullmatch(rf"\[generating\] {total} articles in \d+\.\d s\n", said.stderr)
