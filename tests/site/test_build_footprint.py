"""A language's build loads what making pages needs, not the endpoint: each language builds in a
process of its own, and what that process loads is memory the build holds (bench/results.md)."""

from __future__ import annotations

import subprocess
import sys

# The endpoint's server, database driver and HTTP client, and the build's terminal bars (shown
# by the process that waits for the languages, not by them).
NOT_FOR_PAGES = ("psycopg", "psycopg_pool", "starlette", "uvicorn", "httpx", "rich")


def test_a_language_build_loads_nothing_of_the_endpoint():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, helpcenter.plugin\n"
            "print(*sorted({name.split('.')[0] for name in sys.modules}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "mkdocs" in loaded and "helpcenter" in loaded
    assert not set(NOT_FOR_PAGES) & set(loaded)
