"""Compressed copies of the built site's text files, for a server that sends them as they are.

`helpcenter build --precompress` writes `page.html.gz` next to `page.html` (and so on for
styles, scripts, search indexes...): nginx's `gzip_static` sends it to a browser that accepts
gzip, compressed once at build time at the best ratio rather than on every request. Each copy
keeps its file's modification time, so that both have the same `Last-Modified`.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

# What compresses well; images other than SVG, and fonts, are compressed already.
TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".svg", ".xml", ".txt"})
SUFFIX = ".gz"


def write_gzip_copies(site_dir: Path) -> int:
    """Write the `.gz` copy of every text file of `site_dir` that it makes smaller; returns how
    many were written."""
    written = 0
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        # mtime=0: the same site compresses to the same bytes.
        compressed = gzip.compress(data, compresslevel=9, mtime=0)
        if len(compressed) >= len(data):
            continue
        target = path.with_name(path.name + SUFFIX)
        target.write_bytes(compressed)
        stat = path.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        written += 1
    return written
