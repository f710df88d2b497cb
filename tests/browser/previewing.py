"""Pages opened in the writers' preview, for the tests and the bench; the preview itself,
served in the tests' process."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from starlette.types import ASGIApp

from helpcenter.config import load_project
from helpcenter.server.app import watched_site
from helpcenter.server.livereload import STREAM_PATH, InjectClient, Rebuilder
from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service


def open_listening(page, url: str) -> None:
    """Open `url` once its reload stream has answered (a rebuild announced before would not
    reload it)."""
    with page.expect_response(lambda response: STREAM_PATH + "?" in response.url):
        page.goto(url)


@contextlib.contextmanager
def preview(
    project: Path, tmp_path: Path, around: Callable[[ASGIApp], ASGIApp] = lambda app: app
) -> Iterator[tuple[BackgroundServer, Rebuilder]]:
    """The project served as `helpcenter serve --watch` serves it (which builds it first), and
    what rebuilds it, stopped after (or it would go on building behind the next test);
    `around`: what the test puts before it."""
    site = project / "site"
    rebuilder, routes = watched_site(site, load_project(project / "mkdocs.yml"))
    app = InjectClient(build_app(ticket_service(tmp_path / "db.sqlite3", site), routes))
    try:
        with BackgroundServer(around(app)) as server:
            yield server, rebuilder
    finally:
        rebuilder.stop()
