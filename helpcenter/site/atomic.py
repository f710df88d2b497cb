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
