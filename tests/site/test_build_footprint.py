"""A build loads what making pages needs, not the endpoint: each language builds in a process of
its own, besides the `helpcenter build` process that waits for them, and what these processes
load is memory the build holds (bench/results.md). That process loads nothing of MkDocs either:
the project is checked, and the site's root pages written, by a process of its own."""

from __future__ import annotations

import subprocess
import sys

from tests.processes import PROJECT_ROOT

# The endpoint's server, database drivers and HTTP client.
ENDPOINT = {"psycopg", "psycopg_pool", "starlette", "uvicorn", "httpx"}


def loaded_by(code: str) -> set[str]:
    """The top-level packages a fresh Python process has loaded once it ran `code`."""
    report = "\nprint(*sorted({name.split('.')[0] for name in sys.modules}))"
    return set(
        subprocess.run(
            [sys.executable, "-c", f"import sys\n{code}{report}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )


def test_a_language_build_loads_nothing_of_the_endpoint():
    loaded = loaded_by("import helpcenter.plugin")
    assert {"mkdocs", "helpcenter"} <= loaded
    assert not (ENDPOINT | {"rich"}) & loaded  # the terminal's bars are the build's own


def test_the_build_that_runs_the_languages_loads_neither_mkdocs_nor_the_endpoint():
    loaded = loaded_by(
        "from helpcenter.cli import parser\n"
        "import helpcenter.site.build\n"
        "parser().parse_args(['build'])\n"
    )
    assert "helpcenter" in loaded
    # Nor rich off a terminal: it draws the bars shown on one (helpcenter.progress). Nor
    # OpenSSL's hashing (4 MB resident) beside the languages: it hashes the pages' inline scripts
    # once they are built (helpcenter.site.headers.script_hash).
    held = {"mkdocs", "material", "jinja2", "babel", "pydantic", "lunr", "rich", "_hashlib"}
    assert not (ENDPOINT | held) & loaded


def test_the_build_s_check_of_the_project_loads_nothing_of_the_endpoint(tmp_path):
    loaded = loaded_by(
        "from helpcenter.site.build import main\n"
        f"main(['check', {str(PROJECT_ROOT / 'mkdocs.yml')!r}, {str(tmp_path)!r}, '--strict'])"
    )
    assert {"mkdocs", "helpcenter"} <= loaded
    assert not ENDPOINT & loaded
