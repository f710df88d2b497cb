"""`helpcenter tickets serve --workers N` run as an operator runs it, in a process of its own:
what the tests of several workers (tests/server/test_workers.py, tests/tickets/test_chaos.py)
start, watch and stop. Its workers are the command's child processes (/proc)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from helpcenter.engines import Target
from tests.conftest import PROJECT_ROOT
from tests.processes import tickets_serve_command

# A loaded machine may take a while to start Python and the workers.
START_SECONDS = 60
ESTABLISHED = "01"  # a connection's state in /proc/net/tcp


class WorkerGroup:
    """The command with `workers` workers on `database`, once it has printed where it serves (on
    a port the system chose), which it does once every worker serves; what it writes to stderr
    (a line per worker started...) goes to `log_file`. A context manager: leaving it ends
    whatever is left of the group."""

    def __init__(
        self, database: Target, workers: int, log_file: Path, rate_limit: int = 1_000_000
    ) -> None:
        self.log_file = log_file
        with log_file.open("a") as log:
            self.process = subprocess.Popen(
                tickets_serve_command(database, workers=workers, rate_limit=rate_limit),
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.process.stdout is not None
        self.banner = self.process.stdout.readline()  # or "" when it ended first
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.banner)
        if found is None:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"the endpoint did not start: {self.banner}{self.log()}")
        self.port = int(found[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_file.read_text()

    def workers(self) -> set[int]:
        """The command's child processes now: its workers."""
        pid = self.process.pid
        with suppress(FileNotFoundError):
            return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
        return set()

    def connections(self) -> dict[int, int]:
        """How many open connections each worker holds: its sockets (/proc/<pid>/fd) that are
        established connections to the port (/proc/net/tcp)."""
        established = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            _, local, _, state, *_, inode = line.split()[:10]
            if int(local.split(":")[1], 16) == self.port and state == ESTABLISHED:
                established.add(f"socket:[{inode}]")
        held = {}
        for pid in self.workers():
            with suppress(FileNotFoundError):
                held[pid] = sum(
                    target(fd) in established for fd in Path(f"/proc/{pid}/fd").iterdir()
                )
        return held

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Until `condition()` holds (checked as it changes, at most START_SECONDS)."""
        deadline = time.monotonic() + START_SECONDS
        while not condition():
            assert time.monotonic() < deadline, f"{what}; the command said:\n{self.log()}"
            time.sleep(0.02)

    @contextmanager
    def alone(self, worker: int) -> Iterator[None]:
        """Only `worker` takes new connections meanwhile: the others are stopped (SIGSTOP), as
        if busy; the kernel queues connections for whichever worker accepts them."""
        others = self.workers() - {worker}
        for pid in others:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in others:
                os.kill(pid, signal.SIGCONT)

    def __enter__(self) -> WorkerGroup:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is not None:
            return
        workers = self.workers()
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait()
        for pid in workers:  # orphans now: ended all the same
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def target(link: Path) -> str | None:
    """What a file descriptor of /proc/<pid>/fd stands for, when it is still open."""
    try:
        return os.readlink(link)
    except OSError:
        return None


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie does not: it has ended, not been reaped yet)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rpartition(")")[2].split()[0] != "Z"
