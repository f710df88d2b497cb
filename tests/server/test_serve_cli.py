"""`helpcenter serve` (what `make serve` runs) and `helpcenter tickets serve`, run as a writer
runs them: on a port another program holds, one line says so and how to pick another, and the
command fails, without a traceback and before claiming to serve; on a free port, the address it
prints answers at once."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpcenter.site.build import QUIET_MKDOCS
from tests.conftest import PROJECT_ROOT
from tests.processes import helpcenter_command

pytestmark = pytest.mark.slow  # runs the command line in processes of its own

RELOAD_SCRIPT = '<script src="/__livereload.js"></script>'
COMMANDS = {
    "serve": ["serve"],
    "serve --watch": ["serve", "--watch"],
    "tickets serve": ["tickets", "serve"],
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built site, as far as the server cares: a root page and a language's 404 page."""
    folder = tmp_path / "site"
    (folder / "fr").mkdir(parents=True)
    page = '<!doctype html><html lang="fr"><title>Aide</title><body><h1>Aide</h1></body></html>'
    (folder / "index.html").write_text(page, encoding="utf-8")
    (folder / "fr" / "404.html").write_text(page, encoding="utf-8")
    return folder


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        arguments,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,  # a server that started anyway would run until stopped
        env={**os.environ, **QUIET_MKDOCS},
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_a_busy_port_is_one_line_naming_it_and_a_failure(command, busy_port, site, tmp_path):
    result = run(
        [
            *helpcenter_command(*COMMANDS[command]),
            "-f",
            str(PROJECT_ROOT / "mkdocs.yml"),
            "--host",
            "127.0.0.1",
            "--port",
            str(busy_port),
            "--site-dir",
            str(site),
            "--db",
            str(tmp_path / "tickets.sqlite3"),
        ],
        cwd=tmp_path,
    )
    output = (result.stdout + result.stderr).splitlines()
    assert result.returncode != 0
    assert len(output) == 1, output
    [line] = output
    assert "Traceback" not in line
    assert line.startswith(f"Cannot serve at 127.0.0.1:{busy_port}: the port is already in use")
    assert "--port " in line
    if command.startswith("serve"):
        assert " make serve`" in line and "`PORT=" in line
    assert result.stdout == ""  # nothing claims to serve
    assert not (tmp_path / "tickets.sqlite3").exists()  # nor starts to


@pytest.mark.parametrize("command", ["serve", "serve --watch"])
def test_the_address_printed_answers(command, project_copy, site):
    """Run in the project's folder, as `make serve` runs it (mkdocs.yml found there)."""
    server = subprocess.Popen(
        [
            *helpcenter_command(*COMMANDS[command]),
            "--port",
            "0",
            "--site-dir",
            str(site),
            "--db",
            str(project_copy / "tickets.sqlite3"),
        ],
        cwd=project_copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **QUIET_MKDOCS},
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if command == "serve --watch":  # it builds the site first, once the port is its
            assert line == "Building…\n", line
            while not line.startswith("Watching mkdocs.yml, docs, data, overrides: "):
                line = server.stdout.readline()
                assert line, server.stderr.read()
            line = server.stdout.readline()
        assert line.startswith("Serving "), line + (server.stderr.read() if server.poll() else "")
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and not url.startswith("http://127.0.0.1:0/")
        answer = httpx.get(url, timeout=10)  # connections wait from the moment it is printed
        assert answer.status_code == 200
        assert (RELOAD_SCRIPT in answer.text) == (command == "serve --watch")
        if command == "serve --watch":  # the project's site, just built over the old one
            assert "<h1>Aide</h1>" not in answer.text and 'lang="fr"' in answer.text
        else:
            assert "<h1>Aide</h1>" in answer.text
    finally:
        server.terminate()
        server.wait(timeout=20)
