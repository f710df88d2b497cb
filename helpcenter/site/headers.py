"""The Content-Security-Policy the built site satisfies, computed from the site itself.

Scripts run only from the site's origin, plus the few inline scripts the pages carry (Material's
and the root page's), each allowed by its hash: an injected script has no matching hash and is
refused. `helpcenter build` writes the headers to `site/_headers` (the format of hosts such as
Netlify or Cloudflare Pages); `helpcenter serve` sends them.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from helpcenter.site.atomic import write_atomically

INLINE_SCRIPT = re.compile(r"<script(?P<attributes>[^>]*)>(?P<code>.*?)</script>", re.DOTALL)
SOURCE = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)
SCRIPT_TYPE = re.compile(
    r"""(?:^|\s)type\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)
# The `type` values under which a browser runs a script (the HTML standard's JavaScript MIME
# type essences, and modules); any other type (application/ld+json, application/json,
# text/template...) is a data block, which never runs and needs no hash.
JAVASCRIPT_TYPES = frozenset(
    {
        "",
        "module",
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    }
)
HEADERS_FILE = "_headers"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def runs_inline(attributes: str) -> bool:
    """Whether a `<script>` with these attributes runs its own text: no `src`, and JavaScript
    (no type, or a JavaScript one); JSON-LD and other data blocks do not run."""
    if SOURCE.search(attributes):
        return False
    declared = SCRIPT_TYPE.search(attributes)
    if declared is None:
        return True
    value = next(v for v in declared.group("double", "single", "bare") if v is not None)
    # The MIME type's essence: without parameters (`; charset=...`), case and spaces.
    return value.split(";", 1)[0].strip().lower() in JAVASCRIPT_TYPES


def inline_scripts(folder: Path, leaving_out: Collection[str] = ()) -> set[str]:
    """The code of every inline script that runs in the pages of `folder` and its subfolders,
    but for the subfolders named in `leaving_out`, not looked into."""
    scripts = set()
    for parent, subfolders, files in os.walk(folder):
        if parent == str(folder):
            subfolders[:] = [name for name in subfolders if name not in leaving_out]
        for name in files:
            if name.endswith(".html"):
                scripts |= page_scripts(Path(parent, name))
    return scripts


def page_scripts(page: Path) -> set[str]:
    """The code of every inline script that runs (data blocks, such as JSON-LD, do not)."""
    return {
        script["code"]
        for script in INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8"))
        if runs_inline(script["attributes"])
    }


def script_hash(code: str) -> str:
    """How the policy allows an inline script: by the SHA-256 hash of its code."""
    # Imported here: hashlib maps OpenSSL's library (4 MB resident), which the build's own
    # process then needs only once its languages are built, not beside them (their memory is
    # the build's largest).
    import hashlib

    return f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"


def inline_script_hashes(folder: Path, leaving_out: Collection[str] = ()) -> set[str]:
    return set(map(script_hash, inline_scripts(folder, leaving_out)))


def page_script_hashes(page: Path) -> set[str]:
    return set(map(script_hash, page_scripts(page)))


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


def site_headers(script_hashes: Iterable[str], endpoints: list[str]) -> dict[str, str]:
    """`script_hashes`: those of the site's inline scripts (`inline_script_hashes`)."""
    policy = content_security_policy(sorted(script_hashes), endpoints)
    return {"Content-Security-Policy": policy, **BASE_HEADERS}


def write_headers_file(site_dir: Path, headers: dict[str, str]) -> None:
    lines = ["/*", *(f"  {name}: {value}" for name, value in headers.items())]
    write_atomically(site_dir / HEADERS_FILE, ("\n".join(lines) + "\n").encode())


def site_policy(site_dir: Path) -> str | None:
    """The site's Content-Security-Policy as its headers file says it now."""
    try:
        written = (site_dir / HEADERS_FILE).stat().st_mtime_ns
    except OSError:
        return None
    return policy_written(site_dir, written)


@functools.lru_cache(maxsize=8)
def policy_written(site_dir: Path, _written: int) -> str | None:
    """Read once for each version of the file (`_written`, its modification time)."""
    return read_headers_file(site_dir).get("Content-Security-Policy")


def read_headers_file(site_dir: Path) -> dict[str, str]:
    path = site_dir / HEADERS_FILE
    if not path.is_file():
        return {}
    return dict(
        line.strip().split(": ", 1)
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
        if ": " in line
    )
