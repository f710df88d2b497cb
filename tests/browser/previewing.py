"""Pages opened in the writers' preview, for the tests and the bench."""

from __future__ import annotations

from helpcenter.server.livereload import STREAM_PATH


def open_listening(page, url: str) -> None:
    """Open `url` once its reload stream has answered (a rebuild announced before would not
    reload it)."""
    with page.expect_response(lambda response: STREAM_PATH + "?" in response.url):
        page.goto(url)
