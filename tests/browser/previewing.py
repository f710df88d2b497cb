"""Pages opened in the writers' preview, for the tests and the bench."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError

from helpcenter.server.livereload import STREAM_PATH


def open_listening(page, url: str) -> None:
    """Open `url` once its reload stream has answered. A reload the preview asked of the page
    being left, as the navigation starts, takes its place (Chromium aborts the navigation): it
    is made again, once."""
    for attempt in (1, 2):
        try:
            with page.expect_response(lambda response: STREAM_PATH + "?" in response.url):
                page.goto(url)
            return
        except PlaywrightError as error:
            if attempt == 2 or "net::ERR_ABORTED" not in error.message:
                raise
