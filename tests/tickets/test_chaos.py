"""1,000 tickets sent at once by 64 clients to `helpcenter tickets serve --workers 4` on
PostgreSQL, while a worker is killed (SIGKILL) and the PostgreSQL server restarts (cutting every
connection); a client that gets no answer, or a 503, sends its ticket again with the same
idempotency key until it is acknowledged. Then the tickets `helpcenter tickets list --json`
lists are exactly those acknowledged: each once, none lost, none twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from helpcenter.engines import DatabaseURL
from tests.conftest import PROJECT_ROOT, run_async
from tests.databases import PostgresCluster, rows
from tests.processes import helpcenter_command
from tests.worker_group import WorkerGroup

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]  # kills a worker, restarts PostgreSQL

SUBMISSIONS = 1000
CLIENTS = 64
WORKERS = 4
# After this many tickets acknowledged, a worker is killed; after this many, PostgreSQL stops,
# and starts again once this many clients have given up waiting for an answer: the workers
# store those requests once it is back, and only their retries learn the references.
KILL_AT, STOP_AT, GIVEN_UP = 250, 500, 16
# How long a client waits for an answer before it sends its ticket again.
ANSWER_SECONDS = 3
TICKET = {
    "name": "Camille Martin",
    "email": "camille@example.com",
    "category": "shipping",
    "plan": "pro",
    "message": "Envoyé pendant qu'un worker meurt et que la base redémarre.",
    "language": "fr",
}


def started_at(database: DatabaseURL) -> str:
    [(when,)] = rows(database, "SELECT CAST(pg_postmaster_start_time() AS TEXT)")
    return when


async def submit_all(group: WorkerGroup, postgres: PostgresCluster) -> dict[int, str]:
    """Each ticket's number and the reference it was acknowledged with; the chaos on the way."""
    acknowledged: dict[int, str] = {}
    numbers = iter(range(SUBMISSIONS))
    down = False  # PostgreSQL is stopped
    given_up = 0  # clients that gave up waiting meanwhile
    enough_given_up = asyncio.Event()
    restart: asyncio.Task | None = None

    async def restart_postgres() -> None:
        nonlocal down
        await asyncio.to_thread(postgres.stop_server)
        down = True
        await enough_given_up.wait()
        down = False
        await asyncio.to_thread(postgres.start_server)

    def chaos() -> None:
        nonlocal restart
        if len(acknowledged) == KILL_AT:  # the worker with the most connections: requests
            connections = group.connections()  # in flight
            os.kill(max(connections, key=connections.__getitem__), signal.SIGKILL)
        elif len(acknowledged) == STOP_AT:
            restart = asyncio.create_task(restart_postgres())

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal given_up
        for number in numbers:
            headers = {"Accept": "application/json", "Idempotency-Key": f"chaos-{number:04d}"}
            body = {**TICKET, "subject": f"Ticket {number}"}
            while True:
                try:
                    response = await http.post("/api/tickets", json=body, headers=headers)
                except httpx.TransportError:  # no answer: sent again, with the same key
                    given_up += down
                    if given_up >= GIVEN_UP:
                        enough_given_up.set()
                    await asyncio.sleep(0.05)
                    continue
                if response.status_code == 503:  # not stored: sent again
                    await asyncio.sleep(0.05)
                    continue
                assert response.status_code in (200, 201), response.text
                acknowledged[number] = response.json()["reference"]
                chaos()
                break

    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=group.url, limits=limits, timeout=ANSWER_SECONDS) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    assert restart is not None
    await restart
    return acknowledged


def test_acknowledged_tickets_are_stored_once_through_a_killed_worker_and_a_restart(
    postgres, postgres_db, tmp_path: Path
):
    before = started_at(postgres_db)
    with WorkerGroup(postgres_db, WORKERS, tmp_path / "endpoint.log") as group:
        acknowledged = run_async(submit_all(group, postgres))
        group.wait_for(
            lambda: len(group.workers()) == WORKERS, "the killed worker was not replaced"
        )
        assert "was killed by SIGKILL" in group.log()
        group.process.send_signal(signal.SIGTERM)
        assert group.process.wait(timeout=60) == 0
    assert started_at(postgres_db) != before  # the server did restart

    command = helpcenter_command("tickets", "list", "--json")
    listed = subprocess.run(
        [*command, "--db", str(postgres_db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    tickets = json.loads(listed.stdout)
    subjects = {ticket["reference"]: ticket["subject"] for ticket in tickets}
    assert len(acknowledged) == SUBMISSIONS
    assert len(tickets) == len(subjects) == SUBMISSIONS  # none twice
    assert set(subjects) == set(acknowledged.values())
    assert all(subjects[reference] == f"Ticket {n}" for n, reference in acknowledged.items())
