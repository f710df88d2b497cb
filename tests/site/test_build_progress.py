"""What `helpcenter build` says while it works: on a terminal, each language's pages counted up
to its total, then its line; elsewhere (CI, a pipe), only that line per language once it is
built, nothing that rewrites lines."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_on_a_terminal
from tests.processes import helpcenter_command

pytestmark = pytest.mark.slow  # builds the site

LOCALES = ("fr", "es", "it")


def command(site_dir: Path) -> list[str]:
    return helpcenter_command("build", "--site-dir", str(site_dir))


def pages_built(site_dir: Path, locale: str) -> int:
    """The pages of a language: one `index.html` each."""
    return len(list((site_dir / locale).rglob("index.html")))


def test_on_a_terminal_each_language_counts_its_pages_up_to_its_total(tmp_path):
    status, text = run_on_a_terminal(command(tmp_path / "site"), cwd=PROJECT_ROOT)
    assert status == 0
    for locale in LOCALES:
        total = pages_built(tmp_path / "site", locale)
        assert total > 10
        counted = rf"\[{locale}\] rendering\b[^\r\n]*\b{total}/{total}\b"
        assert re.search(counted, text), text[-2000:]
        assert re.search(rf"[\r\n]\[{locale}\] {total} pages in \d+\.\d s, 0 warnings\r\n", text)


def test_elsewhere_each_language_is_one_line_once_built(tmp_path):
    process = subprocess.Popen(
        command(tmp_path / "site"),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    said = process.communicate()[0].decode()
    assert process.returncode == 0
    assert "\r" not in said and "\x1b" not in said
    lines = said.splitlines()
    for locale in LOCALES:
        mine = [line for line in lines if line.startswith(f"[{locale}]")]
        total = pages_built(tmp_path / "site", locale)
        assert len(mine) == 1
        assert re.fullmatch(rf"\[{locale}\] {total} pages in \d+\.\d s, 0 warnings", mine[0])
    assert lines[-1] == f"Site built in {tmp_path / 'site'}/"
