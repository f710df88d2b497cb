"""Concurrent submissions while the endpoint process is killed and restarted: every ticket that
was acknowledged is stored exactly once, and retries with their idempotency key create none twice;
in a SQLite file, and in PostgreSQL (where the killed process's connections die with it).
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from helpcenter.engines import Target
from tests.conftest import PROJECT_ROOT
from tests.databases import rows
from tests.processes import free_port, tickets_serve_command

pytestmark = pytest.mark.slow  # kills and restarts endpoint processes

SUBMISSIONS = 500
CLIENTS = 50
# A loaded machine may take a while to start Python and the endpoint.
START_SECONDS = 60


def start_endpoint(database: Target, port: int, log_file: Path) -> subprocess.Popen:
    """`helpcenter tickets serve` in its own process, once it answers its health check; what it
    writes to stderr goes to `log_file`."""
    log = log_file.open("a")
    process = subprocess.Popen(
        tickets_serve_command(database, port=port),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    log.close()
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the endpoint did not start: {log_file.read_text()}")


def test_a_crash_midway_loses_no_acknowledged_ticket_and_retries_make_no_duplicates(db, tmp_path):
    database = db
    log = tmp_path / "endpoint.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/tickets"
    server = start_endpoint(database, port, log)
    acknowledged: dict[int, str] = {}
    first_answers = threading.Event()
    stop = threading.Event()  # the test failed: the clients give up
    lock = threading.Lock()
    clients = threading.local()  # each client thread's kept-alive connection

    def connect() -> None:
        clients.http = httpx.Client(timeout=10)

    def submit(number: int) -> None:
        body = {
            "name": "Crash",
            "email": "crash@example.com",
            "subject": f"Ticket {number}",
            "category": "shipping",
            "message": "Submitted while the server restarts.",
            "language": "fr",
        }
        key = f"crash-test-{number:04d}"
        deadline = time.monotonic() + 120
        http = clients.http
        while time.monotonic() < deadline and not stop.is_set():
            try:
                response = http.post(url, json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                time.sleep(0.2)  # no answer: the client retries with the same key
                continue
            if response.status_code in (200, 201):
                with lock:
                    acknowledged[number] = response.json()["reference"]
                first_answers.set()
                return
            time.sleep(0.05)
        raise AssertionError(f"ticket {number} was never acknowledged")

    try:
        with ThreadPoolExecutor(CLIENTS, initializer=connect) as pool:
            futures = [pool.submit(submit, number) for number in range(SUBMISSIONS)]
            try:
                assert first_answers.wait(60), "no ticket acknowledged"
                deadline = time.monotonic() + 120
                while len(acknowledged) < SUBMISSIONS // 5:
                    assert time.monotonic() < deadline, "too few tickets acknowledged"
                    time.sleep(0.01)
                server.send_signal(signal.SIGKILL)  # no shutdown, no flush: a crash
                server.wait()
                acknowledged_before_crash = dict(acknowledged)
                server = start_endpoint(database, port, log)
            except BaseException:
                stop.set()
                raise
            for future in futures:
                future.result()
    finally:  # whatever failed, no endpoint is left running
        server.terminate()
        server.wait()

    kept = rows(database, "SELECT reference, subject FROM tickets")
    references = [reference for reference, _ in kept]
    assert len(kept) == SUBMISSIONS == len(set(references))
    assert sorted(subject for _, subject in kept) == sorted(
        f"Ticket {number}" for number in range(SUBMISSIONS)
    )
    assert set(acknowledged_before_crash.values()) <= set(references)
    assert set(acknowledged.values()) == set(references)
