"""Built pages served at another address: the endpoint's own pages in the site's look.

The build writes pages with relative addresses (`../../assets/...`), right only at the page's own
address. The endpoint answers at its own (`/api/tickets`, a request's private page), so before it
serves a built page, or a page made from one, every relative address in it is made absolute from
the page's address on the site (`/fr/contact/thanks/`, or `https://help.example/fr/...` when the
site is elsewhere): its attributes, and the addresses in its JSON settings (Material's, search's).
Inline scripts are left as they are: the site's Content-Security-Policy holds their hashes.
"""

from __future__ import annotations

import json
import re
from html import escape, unescape
from urllib.parse import urljoin, urlsplit

ATTRIBUTE_URL = re.compile(r'(\s(?:href|src|action)=")([^"]*)"')
JSON_SCRIPT = re.compile(
    r'(<script\b[^>]*\btype="application/json"[^>]*>)(.*?)(</script>)', re.DOTALL | re.IGNORECASE
)
RELATIVE_JSON_VALUE = re.compile(r"^\.\.?(?:/|$)")
ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">).*?(</article>)', re.DOTALL)
TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
HEADER_TOPIC = re.compile(
    r'(data-md-component="header-topic">\s*<span class="md-ellipsis">).*?(</span>)', re.DOTALL
)
SITE_NAME = re.compile(r'<meta property="og:site_name" content="([^"]*)"')
# What describes the built page to search engines and social sites, not the page made from it.
DESCRIBING = re.compile(
    r'<link rel="(?:canonical|alternate)"[^>]*>\s*'
    r'|<meta (?:name="(?:description|twitter:[^"]*)"|property="og:[^"]*")[^>]*>\s*'
)
# The header's language menu: it leads to the built page in the other languages.
LANGUAGE_MENU = re.compile(
    r'<div class="md-header__option">\s*<div class="md-select">.*?</ul>\s*</div>\s*</div>\s*</div>',
    re.DOTALL,
)
CHARSET = re.compile(r'<meta charset="utf-8">', re.IGNORECASE)


def is_relative(url: str) -> bool:
    if not url or url.startswith(("#", "/", "data:")):
        return False
    try:
        return not urlsplit(url).scheme
    except ValueError:
        return False


def absolute(url: str, page_url: str) -> str:
    """`url`, relative to `page_url`, from the root (or absolute when `page_url` is)."""
    resolved = urljoin(page_url, url)
    # `../..` names a folder without its slash: Material's base is such.
    if not url.endswith("/") and resolved.endswith("/") and len(urlsplit(resolved).path) > 1:
        resolved = resolved.rstrip("/")
    return resolved


def rebased(html: str, page_url: str) -> str:
    """`html`, built for `page_url`, with its relative addresses made absolute."""

    def attribute(match: re.Match[str]) -> str:
        value = unescape(match.group(2))
        if not is_relative(value):
            return match.group(0)
        return f'{match.group(1)}{escape(absolute(value, page_url))}"'

    def settings(match: re.Match[str]) -> str:
        try:
            data = json.loads(match.group(2))
        except ValueError:
            return match.group(0)

        def walk(value):
            if isinstance(value, str) and RELATIVE_JSON_VALUE.match(value):
                return absolute(value, page_url)
            if isinstance(value, dict):
                return {key: walk(item) for key, item in value.items()}
            if isinstance(value, list):
                return [walk(item) for item in value]
            return value

        text = json.dumps(walk(data)).replace("</", "<\\/")
        return f"{match.group(1)}{text}{match.group(3)}"

    return JSON_SCRIPT.sub(settings, ATTRIBUTE_URL.sub(attribute, html))


def site_name(built: str) -> str:
    found = SITE_NAME.search(built)
    return unescape(found.group(1)) if found else ""


def page_in_shell(
    built: str,
    page_url: str,
    title: str,
    content: str,
    head: str = "",
    scripts: tuple[str, ...] = (),
) -> str:
    """A page with the look of `built` (a page of the site, at `page_url`): its header and
    footer, stylesheets and scripts, around `content` (HTML) titled `title` (text). `head` is
    added to its head; `scripts` are loaded after the site's. Not described to search engines
    as the built page is."""
    html = rebased(built, page_url)
    name = site_name(built)
    full_title = f"{title} - {name}" if name else title
    html = DESCRIBING.sub("", html)
    html = LANGUAGE_MENU.sub("", html, count=1)
    html = TITLE.sub(lambda _: f"<title>{escape(full_title)}</title>", html, count=1)
    html = HEADER_TOPIC.sub(lambda m: f"{m.group(1)}{escape(title)}{m.group(2)}", html, count=1)
    html = ARTICLE.sub(lambda m: f"{m.group(1)}{content}{m.group(2)}", html, count=1)
    html = CHARSET.sub(lambda m: m.group(0) + head, html, count=1)
    tags = "".join(f'<script src="{escape(src)}" defer></script>' for src in scripts)
    return html.replace("</body>", f"{tags}</body>", 1)
