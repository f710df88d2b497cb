"""The writers' preview: saving a page rebuilds the site and reloads it in the browser; a save
that breaks the build shows the build's messages on the open page, over the last site that
built, until a save fixes it."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from starlette.types import ASGIApp, Receive, Scope, Send

from helpcenter.server.livereload import STREAM_PATH
from tests.browser.previewing import open_listening, preview
from tests.browser.test_accessibility import WCAG_21_AA
from tests.server.test_rebuilds import wait_for

pytestmark = pytest.mark.browser

ARTICLE = Path("docs", "fr", "shipping", "returns.md")
TITLE = "title: Gérer les retours"
# Seconds the preview may take to build what it did not build before serving the first pages. A
# test that leaves a page waits for it first: a language finished behind the open page reloads it
# (`Settled.RELOAD`), which would take the place of the navigation the test makes.
SETTLED = 60


class HeldPage:
    """The answer to one page held until `let` is set; `asked` is set once it is asked for."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.asked = threading.Event()
        self.let = threading.Event()

    def around(self, app: ASGIApp) -> ASGIApp:
        async def holding(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"] == self.path:
                self.asked.set()
                await anyio.to_thread.run_sync(self.let.wait)
            await app(scope, receive, send)

        return holding


def save_retitled(article: Path) -> None:
    """The writer saves the article with its title changed (`Gérer les retours de colis`)."""
    article.write_text(
        article.read_text(encoding="utf-8").replace(TITLE, f"{TITLE} de colis"), encoding="utf-8"
    )


def refusals(page) -> list[str]:
    """What the Content-Security-Policy refuses on the page, as the console says it."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def test_a_saved_change_shows_in_the_open_page(project_copy, page, tmp_path):
    refused = refusals(page)
    with preview(project_copy, tmp_path) as (server, _):
        open_listening(page, f"{server.url}/fr/shipping/returns/")
        expect(page.locator("h1")).to_have_text("Gérer les retours")
        article = project_copy / ARTICLE
        save_retitled(article)
        expect(page.locator("h1")).to_have_text("Gérer les retours de colis", timeout=60_000)
    assert refused == []


def test_a_failed_rebuild_shows_its_messages_on_the_page_until_a_fix_rebuilds(
    project_copy, page, tmp_path, capsys
):
    refused = refusals(page)
    article = project_copy / ARTICLE
    source = article.read_text(encoding="utf-8")
    heading = page.locator("h1")
    failure = page.get_by_test_id("build-error")
    with preview(project_copy, tmp_path) as (server, _):
        open_listening(page, f"{server.url}/fr/shipping/returns/")
        expect(heading).to_have_text("Gérer les retours")
        capsys.readouterr()

        # Broken YAML in the front matter, and a link to a page that is not there.
        broken = source.replace(TITLE, "title: [Gérer les retours")
        article.write_text(f"{broken}\n[Nos tarifs](<b>tarifs</b>.md)\n", encoding="utf-8")
        expect(failure).to_be_visible(timeout=60_000)
        expect(failure).to_have_attribute("role", "alert")
        expect(failure).to_contain_text("Le site n'a pas pu être reconstruit")
        expect(failure).to_contain_text(
            "docs/fr/shipping/returns.md: front matter: line 3, column 12: expected ',' or ']'"
        )
        # What the build quotes is text on the page, not markup.
        expect(failure).to_contain_text("contains a link '<b>tarifs</b>.md'")
        expect(failure.locator("b")).to_have_count(0)
        # The same text as the terminal's.
        shown = failure.locator("pre").text_content()
        assert shown and shown in capsys.readouterr().out
        # Readable (contrast included) and named, over the page that was there.
        results = Axe().run(page, context='[data-testid="build-error"]', options=WCAG_21_AA)
        assert results.violations_count == 0, results.generate_report()
        expect(heading).to_have_text("Gérer les retours")

        failure.get_by_role("button", name="Fermer").click()
        expect(failure).to_have_count(0)

        # While the build is broken, the last site that built is served, with the messages.
        response = page.reload()
        assert response is not None and response.status == 200
        expect(heading).to_have_text("Gérer les retours")
        expect(failure).to_contain_text("line 3, column 12")

        article.write_text(source.replace(TITLE, f"{TITLE} de colis"), encoding="utf-8")
        expect(heading).to_have_text("Gérer les retours de colis", timeout=60_000)
        expect(failure).to_have_count(0)
    assert refused == []


def test_a_rebuild_while_the_next_page_loads_leaves_the_writer_on_the_page_asked_for(
    project_copy, page, tmp_path
):
    """The page being left is not reloaded when a rebuild ends: its reload would take the place
    of the page the writer asked for (Chromium aborts that navigation)."""
    article = project_copy / ARTICLE
    held = HeldPage("/fr/shipping/returns/")
    with preview(project_copy, tmp_path, held.around) as (server, rebuilder):
        assert rebuilder.idle.wait(SETTLED)
        open_listening(page, f"{server.url}/fr/")
        try:
            page.evaluate("url => { location.href = url; }", f"{server.url}{held.path}")
            assert held.asked.wait(10)
            wait_for(lambda: not rebuilder.listeners)  # the page being left listens no more
            version = rebuilder.version
            save_retitled(article)
            wait_for(lambda: rebuilder.version > version, timeout=60)
        finally:
            held.let.set()
        page.wait_for_url(f"{server.url}{held.path}")
        expect(page.locator("h1")).to_have_text("Gérer les retours de colis")


def test_a_page_left_that_stays_listens_again_once_the_writer_uses_it(project_copy, page, tmp_path):
    """A page whose navigation did not happen (a download) stopped listening as it started: the
    writer's next key on it listens again, and a rebuild reloads it."""
    article = project_copy / ARTICLE
    with preview(project_copy, tmp_path) as (server, rebuilder):
        assert rebuilder.idle.wait(SETTLED)
        open_listening(page, f"{server.url}/fr/shipping/returns/")
        page.evaluate("window.dispatchEvent(new Event('beforeunload'))")
        wait_for(lambda: not rebuilder.listeners)
        with page.expect_response(lambda response: STREAM_PATH + "?" in response.url):
            page.keyboard.press("Shift")
        save_retitled(article)
        expect(page.locator("h1")).to_have_text("Gérer les retours de colis", timeout=60_000)
