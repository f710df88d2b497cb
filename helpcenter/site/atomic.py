"""Files of the site written whole: the preview serves the site while it writes into it, and a
reader must get a page as it was or as it is, never half of one."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> None:
    """`content` written next to `path`, then moved onto it in one step. The file is made as
    `open` makes it (its mode from the umask), so that a web server can read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique to this thread: two writers of one file never share a temporary one.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class SiteFiles:
    """Files written into a site folder as they are made, by their paths below it (the search
    index's, `add_search_files`): a build holds none of them in memory; `paths`: those written."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self.paths: set[str] = set()

    def __setitem__(self, path: str, content: bytes) -> None:
        write_atomically(self.site_dir / path, content)
        self.paths.add(path)
