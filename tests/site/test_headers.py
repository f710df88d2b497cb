"""The headers the build writes for the static host (`site/_headers`), directive by directive.

That the pages run under the policy, and that it refuses what an injection would add, is
checked in Chromium (tests/browser/test_security_policy.py).
"""

from __future__ import annotations

import base64
import hashlib
import os
from html.parser import HTMLParser
from pathlib import Path

from helpcenter.site.headers import (
    content_security_policy,
    inline_script_hashes,
    read_headers_file,
    site_headers,
    site_policy,
    write_headers_file,
)

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


def sha256(code: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


def test_every_inline_script_that_runs_is_hashed_and_nothing_else(tmp_path):
    """On a small site of its own: the scripts a browser runs, whatever their spelling, and not
    files, JSON-LD or other data blocks."""
    runs = [
        "var a = 1;",
        "var b = 2;",
        "var c = 3;",
        "var d = 4;",
        "import './e.js';",
        "var é = 'ü';",
    ]
    pages = {
        "index.html": f"<script>{runs[0]}</script><script src='/x.js'>var no = 1;</script>",
        "fr/index.html": (
            f'<script type="text/javascript; charset=utf-8">{runs[1]}</script>'
            '<script type="application/ld+json">{"@type": "Article"}</script>'
        ),
        "fr/a/index.html": (
            f"<script type='TEXT/JavaScript'>{runs[2]}</script>"
            f"<script defer>{runs[3]}</script>"
            f"<script type=module>{runs[4]}</script>"
            '<script type="text/template"><p>data</p></script>'
            '<script async SRC="/y.js"></script>'
        ),
        "es/index.html": f"<script>\n{runs[5]}\n</script><script>{runs[0]}</script>",
    }
    runs[5] = f"\n{runs[5]}\n"
    for name, html in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"<!doctype html><html><body>{html}</body></html>")
    headers = site_headers(inline_script_hashes(tmp_path), ["/api/tickets"])
    policy = directives(headers["Content-Security-Policy"])
    assert policy.pop("script-src") == ["'self'", *sorted(map(sha256, runs))]
    assert policy == POLICY
    assert {k: v for k, v in headers.items() if k != "Content-Security-Policy"} == OTHER_HEADERS
    # The build reads each language's folder once it is built, and the root's pages apart.
    assert inline_script_hashes(tmp_path, ["fr", "es"]) == {sha256(runs[0])}
    assert inline_script_hashes(tmp_path / "fr") == set(map(sha256, runs[1:5]))


def test_the_headers_file_reads_back_as_written(tmp_path):
    assert read_headers_file(tmp_path) == {}  # no file: no headers
    headers = site_headers(
        inline_script_hashes(tmp_path), ["https://api.colisto.example/api/tickets"]
    )
    write_headers_file(tmp_path, headers)
    lines = (tmp_path / "_headers").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "/*"
    assert lines[1:] == [f"  {name}: {value}" for name, value in headers.items()]
    assert read_headers_file(tmp_path) == headers


def test_the_policy_served_is_the_headers_file_s_as_it_is_now(tmp_path):
    """The endpoint and the preview send the site's policy with their pages: a rebuild that
    writes another (a page with a new inline script) is what they send next."""
    assert site_policy(tmp_path) is None  # no file yet: no policy
    write_headers_file(tmp_path, {"Content-Security-Policy": "default-src 'self'"})
    assert site_policy(tmp_path) == "default-src 'self'"
    write_headers_file(tmp_path, {"Content-Security-Policy": "default-src 'none'"})
    later = (tmp_path / "_headers").stat().st_mtime_ns + 1_000_000_000
    os.utime(tmp_path / "_headers", ns=(later, later))  # however coarse the disk's clock
    assert site_policy(tmp_path) == "default-src 'none'"


def page_scripts(tmp_path: Path, html: str) -> list[str]:
    """The script sources the policy allows for a one-page site of `html`, 'self' aside."""
    (tmp_path / "index.html").write_text(f"<!doctype html><html><body>{html}</body></html>")
    return directives(site_headers(inline_script_hashes(tmp_path), [])["Content-Security-Policy"])[
        "script-src"
    ][1:]


def test_a_script_after_a_data_block_on_the_same_page_is_still_hashed(tmp_path):
    """Material puts JSON-LD and templates before scripts that run: they must not end the look."""
    html = (
        '<script type="application/ld+json">{"@type": "Article"}</script>'
        "<script>var after = 1;</script>"
    )
    assert page_scripts(tmp_path, html) == [sha256("var after = 1;")]


def test_a_script_whose_type_has_several_parameters_is_hashed_as_javascript(tmp_path):
    html = '<script type="text/javascript; charset=utf-8; version=1.5">var a = 1;</script>'
    assert page_scripts(tmp_path, html) == [sha256("var a = 1;")]


def test_pages_are_hashed_as_utf8_whatever_the_locale_of_the_machine_that_builds(
    tmp_path, ascii_locale
):
    """A script with accents is allowed by the hash of its UTF-8 bytes, as the browser hashes
    it, on a build machine whose locale is not UTF-8 too."""
    (tmp_path / "index.html").write_bytes(
        "<!doctype html><p>Aide</p><script>var é = 'ü';</script>".encode()
    )
    policy = directives(site_headers(inline_script_hashes(tmp_path), [])["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'", sha256("var é = 'ü';")]


def test_the_headers_file_is_utf8_whatever_the_locale_of_the_machine_that_builds(
    tmp_path, ascii_locale
):
    """Static hosts read `_headers` as UTF-8."""
    write_headers_file(tmp_path, {"X-Note": "Aide en ligne · café"})
    written = (tmp_path / "_headers").read_bytes().decode("utf-8")
    assert written == "/*\n  X-Note: Aide en ligne · café\n"
    assert read_headers_file(tmp_path) == {"X-Note": "Aide en ligne · café"}  # and reads back


def test_an_endpoint_written_without_its_scheme_adds_no_broken_source(tmp_path):
    """`localhost:8000/api/tickets` (no `http://`) is a path to Python's URL parser: the policy
    gets no `localhost://` source a browser would reject, only what it had."""
    policy = directives(content_security_policy([], ["localhost:8000/api/tickets", "/api/x"]))
    assert (policy["connect-src"], policy["form-action"]) == (["'self'"], ["'self'"])


def test_a_header_whose_value_holds_colons_reads_back_whole(tmp_path):
    """A header a host owner adds, such as Report-To (JSON), keeps every `: ` of its value."""
    headers = {
        "Content-Security-Policy": "default-src 'self'; report-to csp",
        "Report-To": '{"group": "csp", "max_age": 10886400}',
    }
    write_headers_file(tmp_path, headers)
    assert read_headers_file(tmp_path) == headers
