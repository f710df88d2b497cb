"""`helpcenter tickets serve --workers N`: N processes answer on one port, a worker that dies is
replaced, SIGTERM ends the group once the requests in flight are answered, and an idempotency key
holds across workers; on a SQLite file and on PostgreSQL. The command runs in a process of its
own (tests.worker_group); which worker answers is chosen by stopping the others (SIGSTOP)."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from pathlib import Path

import httpx
import pytest

from helpcenter.cli import parser
from helpcenter.engines import Target
from helpcenter.server.workers import BOOT_ATTEMPTS
from tests.databases import database_name, rows
from tests.worker_group import WorkerGroup, running

pytestmark = pytest.mark.slow  # starts the command and its workers

WORKERS = 3
TICKET = {
    "name": "Camille Martin",
    "email": "camille@example.com",
    "category": "shipping",
    "plan": "pro",
    "message": "Le transporteur refuse mon étiquette depuis ce matin, que faire ?",
    "language": "fr",
}


def submit(url: str, subject: str, key: str | None = None, client=httpx) -> httpx.Response:
    headers = {"Accept": "application/json", **({"Idempotency-Key": key} if key else {})}
    return client.post(
        f"{url}/api/tickets", json={**TICKET, "subject": subject}, headers=headers, timeout=20
    )


def subjects(database: Target) -> list[str]:
    return sorted(subject for (subject,) in rows(database, "SELECT subject FROM tickets"))


@pytest.fixture
def group(db, tmp_path: Path):
    with WorkerGroup(db, WORKERS, tmp_path / "endpoint.log") as group:
        yield group


def test_each_worker_answers_on_the_one_port(group, db):
    pids = group.workers()
    assert len(pids) == WORKERS
    lines = group.log().splitlines()
    assert [line.rpartition(" ")[0] for line in lines] == [
        f"Booting worker {n} of {WORKERS} with pid" for n in range(1, WORKERS + 1)
    ]
    assert {int(line.rpartition(" ")[2]) for line in lines} == pids
    assert group.banner.startswith(f"Ticket endpoint at {group.url}/api/tickets (tickets in ")
    for pid in pids:
        with group.alone(pid):
            assert submit(group.url, f"Worker {pid}").status_code == 201
    assert subjects(db) == sorted(f"Worker {pid}" for pid in pids)


def test_a_killed_worker_is_replaced_and_requests_go_on(group, db):
    killed, *others = sorted(group.workers())
    with group.alone(killed):
        assert submit(group.url, "Before").status_code == 201
    os.kill(killed, signal.SIGKILL)
    group.wait_for(
        lambda: killed not in group.workers() and len(group.workers()) == WORKERS,
        "the killed worker was not replaced",
    )
    assert f"(pid {killed}) was killed by SIGKILL; starting another" in group.log()
    [new] = group.workers() - {killed, *others}
    assert submit(group.url, "Meanwhile").status_code == 201
    with group.alone(new):
        assert submit(group.url, "By the new worker").status_code == 201
    assert subjects(db) == ["Before", "By the new worker", "Meanwhile"]


def unread_bytes(port: int, peer_port: int) -> int | None:
    """What the server has not read yet of the connection from `peer_port` to its `port`: the
    kernel's receive queue of the server's end (/proc/net/tcp, in hexadecimal)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        _, local, remote, _, queues, *_ = line.split()
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == peer_port:
            return int(queues.split(":")[1], 16)
    return None


def test_sigterm_answers_the_requests_in_flight_then_ends_the_group(group, db):
    workers = group.workers()
    body = json.dumps({**TICKET, "subject": "In flight"}).encode()
    head = (
        "POST /api/tickets HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{group.port}\r\n"
        "Accept: application/json\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", group.port)) as client:
        client.sendall(head.encode() + body[:20])
        mine = client.getsockname()[1]
        group.wait_for(lambda: unread_bytes(group.port, mine) == 0, "no worker read the request")
        group.process.send_signal(signal.SIGTERM)
        # The idle workers end; the one reading the request waits for it, and the command too.
        group.wait_for(lambda: sum(map(running, workers)) <= 1, "the idle workers did not end")
        assert group.process.poll() is None
        client.sendall(body[20:])
        answer = client.makefile("rb").read().decode()
    assert answer.startswith("HTTP/1.1 201 ")
    assert group.process.wait(timeout=60) == 0
    assert not any(map(running, workers))  # no orphan
    assert subjects(db) == ["In flight"]


def test_an_idempotency_key_holds_across_workers(group, db):
    """The same ticket, with the same key, sent at once to each worker twice."""
    clients = []
    for pid in sorted(group.workers()):
        with group.alone(pid):  # each client's kept-alive connection is this worker's
            for _ in range(2):
                client = httpx.Client()
                assert client.get(f"{group.url}/api/health").status_code == 200
                clients.append(client)
    together = threading.Barrier(len(clients))
    answers: list[httpx.Response] = []

    def send(client: httpx.Client) -> None:
        together.wait()
        answers.append(submit(group.url, "Once", key="same-key-everywhere", client=client))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert sorted(answer.status_code for answer in answers) == [200] * (len(clients) - 1) + [201]
    assert len({answer.json()["reference"] for answer in answers}) == 1
    assert subjects(db) == ["Once"]


def test_the_per_minute_limit_counts_a_client_once_for_all_workers(db, tmp_path):
    with WorkerGroup(db, 2, tmp_path / "endpoint.log", rate_limit=3) as group:
        first, second = sorted(group.workers())
        with group.alone(first):
            assert [submit(group.url, f"Ticket {n}").status_code for n in range(3)] == [201] * 3
        with group.alone(second):
            refused = submit(group.url, "One too many")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert subjects(db) == ["Ticket 0", "Ticket 1", "Ticket 2"]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_workers_that_keep_dying_before_serving_end_the_command(group, db, postgres):
    """The database lets no new connection in (the connections open stay): the workers started
    again die before serving, after a growing pause; once none serves, the command ends with
    one line and a failure."""
    workers = group.workers()
    for pid in workers:
        with group.alone(pid):  # serving
            assert submit(group.url, f"Worker {pid}").status_code == 201
    postgres.admin.execute(f"ALTER DATABASE {database_name(db)} ALLOW_CONNECTIONS false")
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    assert group.process.wait(timeout=60) == 1
    log = group.log().splitlines()
    assert log[-1] == (
        f"Cannot serve: {BOOT_ATTEMPTS} workers in a row stopped before serving (the last "
        "exited with status 1); the lines above say why."
    )
    said = [line for line in log if line.startswith(f"Cannot use the database {db}: ")]
    assert len(said) == BOOT_ATTEMPTS, group.log()  # each worker, why
    assert all("is not currently accepting connections" in line for line in said)
    for pause in ("0.1", "0.2", "0.4", "0.8", "1.6"):
        assert (
            sum(line.endswith(f"before serving; starting another in {pause} s") for line in log)
            == 1
        )
    assert "Traceback" not in group.log()
    assert not group.workers() and not any(map(running, workers))


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ["serve", "--watch", "--workers", "2"],
            "argument --workers: not allowed with argument --watch",
        ),
        (
            ["tickets", "serve", "--workers", "0"],
            "argument --workers: expected a whole number from 1 to 64, got 0",
        ),
        (
            ["serve", "--workers", "65"],
            "argument --workers: expected a whole number from 1 to 64, got 65",
        ),
        (
            ["tickets", "serve", "--workers", "two"],
            "argument --workers: expected a whole number from 1 to 64, got two",
        ),
    ],
)
def test_a_number_of_workers_that_cannot_be_is_one_error(arguments, error, capsys):
    with pytest.raises(SystemExit) as exit:
        parser().parse_args(arguments)
    assert exit.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f": error: {error}")
