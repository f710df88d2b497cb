"""The headers the build writes for the static host (`site/_headers`), directive by directive.

That the pages run under the policy, and that it refuses what an injection would add, is
checked in Chromium (tests/browser/test_security_policy.py).
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

from helpcenter.site.headers import content_security_policy

# Everything but the scripts, which depend on the pages.
POLICY = {
    "default-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
OTHER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
JAVASCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


class InlineScripts(HTMLParser):
    """The code of the scripts a page runs from its own text (not data blocks, not files)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        runs = (attributes.get("type") or "").lower() in JAVASCRIPT_TYPES
        if tag == "script" and "src" not in attributes and runs:
            self.inside = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.scripts[-1] += data


def inline_script_sources(site_dir: Path) -> set[str]:
    found = set()
    for page in site_dir.rglob("*.html"):
        parser = InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for code in parser.scripts:
            digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return found


def test_the_headers_file_allows_the_sites_own_resources_and_its_inline_scripts_only(site_dir):
    first, *lines = (site_dir / "_headers").read_text(encoding="utf-8").splitlines()
    assert first == "/*"
    headers = dict(line.strip().split(": ", 1) for line in lines)
    policy = directives(headers.pop("Content-Security-Policy"))
    assert headers == OTHER_HEADERS
    scripts = policy.pop("script-src")
    assert policy == POLICY
    assert scripts[0] == "'self'"
    hashes = inline_script_sources(site_dir)
    assert hashes, "the pages carry inline scripts (Material's, the root page's)"
    assert sorted(scripts[1:]) == sorted(hashes)


def test_an_endpoint_elsewhere_may_be_reached_and_posted_to_and_nothing_else():
    policy = directives(
        content_security_policy(
            ["'sha256-AAAA'"],
            [
                "https://api.colisto.example/api/tickets",
                "/api/feedback",
                "https://api.colisto.example/api/search-gaps",
            ],
        )
    )
    assert policy.pop("script-src") == ["'self'", "'sha256-AAAA'"]
    elsewhere = ["'self'", "https://api.colisto.example"]
    assert policy == {**POLICY, "connect-src": elsewhere, "form-action": elsewhere}
