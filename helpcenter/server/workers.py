"""Several processes on one port (`--workers N`): a small pre-fork supervisor.

The parent has bound the sockets (`app.listen`); it forks the workers, and each builds its own
endpoint after the fork (a database pool and its threads do not survive one) and serves the
inherited sockets with uvicorn: the kernel hands each new connection to one of them. The parent
says so once every worker serves, then only supervises: it starts a worker again when one dies,
at once when it had served, else after a pause that doubles with each worker in a row that died
before serving (a database that refuses them), up to BACKOFF_MAX. It gives up, once no worker
serves, after BOOT_ATTEMPTS such deaths in a row: a service manager can then start it again.
SIGTERM or SIGINT stops the group gracefully: each worker finishes the requests in flight, and
the parent returns once all have ended.

Signals reach the parent's loop through a pipe (`signal.set_wakeup_fd`), as does a child's end
(SIGCHLD); a worker says it serves through another pipe, with its pid.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from socket import socket
from typing import NoReturn

import uvicorn
from starlette.types import ASGIApp

MAX_WORKERS = 64
# After a worker died before serving, the next is started after this pause, doubled for each
# such death in a row up to BACKOFF_MAX; the BOOT_ATTEMPTS-th, when no worker serves, ends all.
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0
BOOT_ATTEMPTS = 6
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
WAKING_SIGNALS = {*STOP_SIGNALS, signal.SIGCHLD}
PID = struct.Struct("i")


class WorkersFailing(Exception):
    """Workers keep dying before they serve; the message says so in one line."""


class Worker(uvicorn.Server):
    """uvicorn in a worker, telling the supervisor once it serves."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], object]) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready()


def log(line: str) -> None:
    """One line on stderr, which the workers share with the process that starts them: written
    in one call (`print` writes the line, then its end: a worker's line could come between)."""
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def ended(status: int) -> str:
    """How a process ended, from its wait status."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"was killed by {signal.Signals(number).name}"
        except ValueError:
            return f"was killed by signal {number}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


class Supervisor:
    """`count` workers, each serving `build()`'s app with `configure(app)` on `sockets`."""

    def __init__(
        self,
        count: int,
        build: Callable[[], ASGIApp],
        configure: Callable[[ASGIApp], uvicorn.Config],
        sockets: list[socket],
    ) -> None:
        if not 1 <= count <= MAX_WORKERS:
            raise ValueError(f"expected 1 to {MAX_WORKERS} workers, got {count}")
        self.count = count
        self.build = build
        self.configure = configure
        self.sockets = sockets
        self.workers: dict[int, int] = {}  # pid -> slot (1..count)
        self.serving: set[int] = set()  # pids that said they serve
        self.due: dict[int, float] = {}  # slot -> when to start it again (monotonic)
        self.failures = 0  # workers that died before serving, in a row
        self.signalled = False  # a stop signal arrived, not yet passed on
        self.stopping = False
        self.failed: str | None = None
        self.announce: Callable[[], object] | None = None  # until every worker serves

    def run(self, serving: Callable[[], object]) -> None:
        """Start the workers, call `serving()` once they all serve, and supervise them until
        a stop signal has ended them all. Raises WorkersFailing (once all have ended) when none
        serves and they keep dying before serving."""
        self.announce = serving
        self.wake, self.waker = os.pipe()
        self.readiness, self.ready = os.pipe()
        for end in (self.wake, self.waker, self.readiness):
            os.set_blocking(end, False)
        previous = {number: signal.signal(number, self.on_signal) for number in WAKING_SIGNALS}
        old_waker = signal.set_wakeup_fd(self.waker)
        try:
            for slot in range(1, self.count + 1):
                self.start(slot)
            while self.workers or not self.stopping:
                self.supervise()
        except BaseException:  # the parent fails (it cannot fork...): no worker outlives it
            self.stop()
            for pid in self.workers:
                os.waitpid(pid, 0)
            raise
        finally:
            signal.set_wakeup_fd(old_waker)
            for number, handler in previous.items():
                signal.signal(number, handler)
            for end in (self.wake, self.waker, self.readiness, self.ready):
                os.close(end)
        if self.failed:
            raise WorkersFailing(self.failed)

    def on_signal(self, number: int, frame: object) -> None:
        if number in STOP_SIGNALS:
            self.signalled = True

    def supervise(self) -> None:
        """One turn: pass a stop signal on, reap the dead, start what is due, then wait for
        the next signal, readiness or due start."""
        if self.signalled and not self.stopping:
            self.stop()
        self.reap()
        if self.stopping:
            self.due.clear()
        now = time.monotonic()
        for slot, when in list(self.due.items()):
            if when <= now:
                del self.due[slot]
                self.start(slot)
        if not self.workers and self.stopping:
            return
        timeout = max(0.0, min(self.due.values()) - now) if self.due else None
        readable, _, _ = select.select([self.wake, self.readiness], [], [], timeout)
        if self.wake in readable:
            with suppress(BlockingIOError):
                while os.read(self.wake, 512):
                    pass
        if self.readiness in readable:
            self.read_readiness()

    def stop(self) -> None:
        """Ask every worker to finish what it serves and end (uvicorn's graceful SIGTERM)."""
        self.stopping = True
        for pid in self.workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def read_readiness(self) -> None:
        try:
            data = os.read(self.readiness, PID.size * 256)
        except BlockingIOError:
            return
        for (pid,) in PID.iter_unpack(data):
            if pid in self.workers:
                self.serving.add(pid)
                self.failures = 0
        if self.announce and not self.stopping and len(self.serving) == self.count:
            self.announce()
            self.announce = None

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = self.workers.pop(pid, None)
            if slot is None:
                continue
            self.read_readiness()  # it may have said it served just before dying
            served = pid in self.serving
            self.serving.discard(pid)
            if self.stopping:
                continue
            if served:
                log(f"Worker {slot} (pid {pid}) {ended(status)}; starting another")
                self.start(slot)
                continue
            self.failures += 1
            if self.failures >= BOOT_ATTEMPTS and not self.serving:
                self.failed = (
                    f"Cannot serve: {self.failures} workers in a row stopped before serving "
                    f"(the last {ended(status)}); the lines above say why."
                )
                self.stop()
                continue
            pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.failures - 1))
            log(
                f"Worker {slot} (pid {pid}) {ended(status)} before serving; "
                f"starting another in {pause:g} s"
            )
            self.due[slot] = time.monotonic() + pause

    def start(self, slot: int) -> None:
        # A stop signal arriving during the fork waits until the new worker is recorded (so
        # that it is passed on to it); the worker sets its own handlers first. What the parent
        # has buffered is written once, not once more by each worker.
        sys.stdout.flush()
        sys.stderr.flush()
        signal.pthread_sigmask(signal.SIG_BLOCK, WAKING_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                self.work()
            self.workers[pid] = slot
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, WAKING_SIGNALS)
        log(f"Booting worker {slot} of {self.count} with pid {pid}")

    def work(self) -> NoReturn:
        """The worker's life, in the child: its own endpoint on the inherited sockets. It ends
        with status 0 once it has served; a start-up check's message (a database it cannot
        use) or a traceback goes to stderr."""
        status = 1
        try:
            signal.set_wakeup_fd(-1)
            for number in WAKING_SIGNALS:
                signal.signal(number, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, WAKING_SIGNALS)
            for end in (self.wake, self.waker, self.readiness):
                os.close(end)
            server = Worker(
                self.configure(self.build()),
                ready=lambda: os.write(self.ready, PID.pack(os.getpid())),
            )
            server.run(sockets=self.sockets)
            status = 0 if server.started else 1
        except SystemExit as exit:  # a start-up check that failed: its one line
            if isinstance(exit.code, str):
                log(exit.code)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
