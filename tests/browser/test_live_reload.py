"""The writers' preview: saving a page rebuilds the site and reloads it in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from helpcenter.config import load_project
from helpcenter.server.app import watched_site_routes
from helpcenter.server.livereload import InjectClient
from helpcenter.site.build import build_site
from helpcenter.tickets.app import build_app
from tests.conftest import BackgroundServer, ticket_service

pytestmark = pytest.mark.browser


def test_a_saved_change_shows_in_the_open_page(project_copy, page, tmp_path):
    site = project_copy / "site"
    build_site(project_copy / "mkdocs.yml", site)
    routes = watched_site_routes(site, load_project(project_copy / "mkdocs.yml"))
    app = InjectClient(build_app(ticket_service(tmp_path / "db.sqlite3", site), routes))
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    with BackgroundServer(app) as server:
        page.goto(f"{server.url}/fr/shipping/returns/")
        expect(page.locator("h1")).to_have_text("Gérer les retours")
        page.wait_for_timeout(500)  # the page's reload stream is connected
        article = project_copy / "docs" / "fr" / "shipping" / "returns.md"
        article.write_text(
            article.read_text(encoding="utf-8").replace(
                "title: Gérer les retours", "title: Gérer les retours de colis"
            ),
            encoding="utf-8",
        )
        expect(page.locator("h1")).to_have_text("Gérer les retours de colis", timeout=60_000)
    assert refused == []
