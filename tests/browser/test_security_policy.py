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


# What an injection into a page would add: the policy must refuse each, where it is declared.
INJECTED = (
    '<script>window.injected = "inline";</script>'
    '<script src="https://third-party.example/tracker.js"></script>'
    '<object data="/fr/assets/images/favicon.png" type="image/png" width="16" height="16"></object>'
)
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.violations.push(event.effectiveDirective);
});
"""


def test_the_policy_refuses_what_an_injection_would_add(page, site_url):
    def injected(route):
        response = route.fetch()
        body = response.text().replace("</body>", f"{INJECTED}</body>", 1)
        route.fulfill(response=response, body=body)

    page.add_init_script(RECORD_VIOLATIONS)
    page.route(f"{site_url}/fr/shipping/", injected)
    page.goto(f"{site_url}/fr/shipping/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.injected") is None
    page.wait_for_function("window.violations.length >= 3")
    assert sorted(page.evaluate("window.violations")) == [
        "object-src",
        "script-src-elem",
        "script-src-elem",
    ]
