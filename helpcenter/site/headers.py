"""The Content-Security-Policy the built site satisfies, computed from the site itself.

Scripts run only from the site's origin, plus the few inline scripts the pages carry (Material's
and the root page's), each allowed by its hash: an injected script has no matching hash and is
refused. `helpcenter build` writes the headers to `site/_headers` (the format of hosts such as
Netlify or Cloudflare Pages); `helpcenter serve` sends them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

INLINE_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<code>.*?)</script>", re.DOTALL)
HEADERS_FILE = "_headers"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def inline_script_hashes(site_dir: Path) -> list[str]:
    """The hash of every inline script that runs (JSON data blocks do not)."""
    hashes = set()
    for page in site_dir.rglob("*.html"):
        for script in INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8")):
            attributes = script["attributes"]
            if "src=" in attributes or "application/json" in attributes:
                continue
            digest = hashlib.sha256(script["code"].encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes)


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(script_hashes: list[str], endpoints: list[str]) -> str:
    """`endpoints`: where the pages post (tickets, feedback): their origins, when not the site's."""
    elsewhere = sorted({o for o in map(origin, endpoints) if o})
    connect = " ".join(["'self'", *elsewhere])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {' '.join(script_hashes)}".strip(),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            f"form-action {connect}",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def site_headers(site_dir: Path, endpoints: list[str]) -> dict[str, str]:
    policy = content_security_policy(inline_script_hashes(site_dir), endpoints)
    return {"Content-Security-Policy": policy, **BASE_HEADERS}


def write_headers_file(site_dir: Path, headers: dict[str, str]) -> None:
    lines = ["/*", *(f"  {name}: {value}" for name, value in headers.items())]
    (site_dir / HEADERS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_headers_file(site_dir: Path) -> dict[str, str]:
    path = site_dir / HEADERS_FILE
    if not path.is_file():
        return {}
    return dict(
        line.strip().split(": ", 1) for line in path.read_text().splitlines()[1:] if ": " in line
    )
