"""The Content-Security-Policy the build writes holds on every page type: nothing is refused."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import LOCALES

pytestmark = pytest.mark.browser


def test_the_site_is_served_with_the_policy_the_build_wrote(site_dir, site_url):
    written = (site_dir / "_headers").read_text(encoding="utf-8")
    policy = httpx.get(f"{site_url}/fr/").headers["content-security-policy"]
    assert f"Content-Security-Policy: {policy}" in written
    assert (
        "script-src 'self' 'sha256-" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_page_breaks_the_policy(browser, site_url, locale):
    context = browser.new_context()
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in ("", "shipping/", "account/compare-plans/", "contact/", "no-such-page/"):
        page.goto(f"{site_url}/{locale}/{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{site_url}/{locale}/?q=colisto")
    expect(page.get_by_test_id("search-results").locator("a").first).to_be_visible()
    page.goto(f"{site_url}/")
    page.wait_for_load_state("networkidle")
    context.close()
    assert refused == []
