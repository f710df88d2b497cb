"""What `helpcenter build` says while it works: on a terminal, each language's pages counted up
to its total; elsewhere (CI, a pipe), one line per language once it is built, nothing that
rewrites lines."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow  # builds the site

LOCALES = ("fr", "es", "it")
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def build(site_dir: Path, **streams) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "helpcenter.cli", "build", "--site-dir", str(site_dir)],
        cwd=PROJECT_ROOT,
        **streams,
    )


def pages_built(site_dir: Path, locale: str) -> int:
    """The pages of a language: one `index.html` each."""
    return len(list((site_dir / locale).rglob("index.html")))


def test_on_a_terminal_each_language_counts_its_pages_up_to_its_total(tmp_path):
    terminal, secondary = pty.openpty()
    process = build(tmp_path / "site", stdout=secondary, stderr=secondary)
    os.close(secondary)
    said = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the build ended: the terminal is closed
            break
        if not chunk:
            break
        said += chunk
    os.close(terminal)
    assert process.wait() == 0
    text = ESCAPES.sub("", said.decode())
    for locale in LOCALES:
        total = pages_built(tmp_path / "site", locale)
        assert total > 10
        assert re.search(rf"\[{locale}\] built\b[^\r\n]*\b{total}/{total}\b", text), text[-2000:]


def test_elsewhere_each_language_is_one_line_once_built(tmp_path):
    process = build(tmp_path / "site", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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
