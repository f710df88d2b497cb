"""The ticket endpoint under load, as `helpcenter tickets serve` runs in production: SQLite in one
process, and PostgreSQL behind 1, 2 and 4 workers (a private cluster that flushes to disk, as a
production server does). Part of `make bench`; alone: `python -m bench.endpoint`.

Each setup gets a fresh database, a warm-up, then `CLIENTS` concurrent clients posting tickets
on kept-alive connections for a fixed time: tickets per second, p50 and p95 latency, and the
tickets stored against those acknowledged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.generate import PROJECT_ROOT
from helpcenter.engines import Target
from helpcenter.progress import Progress, Task
from tests.processes import cpu_seconds, free_port, tickets_serve_command, wait_for_port

CLIENTS = 32
SECONDS = 10.0
# The steady load's rate, as a share of the capacity measured just before: a server is run
# below its capacity, where latency is what a reader waits, not a queue.
STEADY_SHARE = 0.6
# Under the server's own keep-alive time (helpcenter.server.app: 5 s), to reuse a connection.
KEEP_ALIVE_SECONDS = 4.0
WARM_UP_SECONDS = 2.0
# (engine, workers): what is measured, in this order.
SETUPS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4))
# A production PostgreSQL flushes its commits to disk; the tests' cluster does not.
DURABLE = {"fsync": "on", "full_page_writes": "on"}
TICKET = {
    "name": "Bench",
    "email": "bench@example.com",
    "subject": "Benchmark ticket",
    "category": "shipping",
    "message": "Measuring the ticket endpoint.",
    "language": "fr",
}


class Connection:
    """A kept-alive HTTP/1.1 connection posting tickets, one at a time.

    Written on asyncio streams, not an HTTP library, so that the load generator, sharing the
    machine's cores with the endpoint, spends microseconds per request: what is measured is the
    endpoint.
    """

    def __init__(self, port: int, number: int) -> None:
        self.port = port
        self.number = number
        self.sequence = 0
        self.used = time.monotonic()

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    def close(self) -> None:
        self.writer.close()

    async def post(self) -> int:
        """Post one ticket; its answer's status."""
        self.sequence += 1
        ticket = {**TICKET, "page": f"bench/{self.number}/{self.sequence}/"}
        body = json.dumps(ticket).encode()
        head = (
            f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        answer = await self.reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", answer)
        await self.reader.readexactly(int(length.group(1)) if length else 0)
        return int(answer.split(b" ", 2)[1])


class Tally:
    """The answers of a phase: latencies of the tickets acknowledged in the measured window,
    failures there, and every acknowledgement (warm-up included: what the database holds)."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.latencies: list[float] = []
        self.failures = 0
        self.acknowledged = 0

    def record(self, sent: float, status: int) -> None:
        self.acknowledged += status == 201
        if sent < self.start:
            return
        if status == 201:
            self.latencies.append((time.monotonic() - sent) * 1000)
        else:
            self.failures += 1

    def summary(self, seconds: float) -> dict:
        return {
            "tickets_per_second": round(len(self.latencies) / seconds, 1),
            "p50_ms": round(statistics.median(self.latencies), 1),
            "p95_ms": round(statistics.quantiles(self.latencies, n=20)[-1], 1),
            "failed": self.failures,
        }


async def saturate(
    port: int, clients: int, seconds: float, processes: dict[str, int]
) -> tuple[Tally, float, dict[str, float]]:
    """Capacity: `clients` connections each posting again as soon as answered; and the CPU
    seconds each of `processes` (name: the root of a process tree) used in the window."""
    tally = Tally(time.monotonic() + WARM_UP_SECONDS)
    stop = tally.start + seconds
    connections = [await Connection(port, number).open() for number in range(clients)]
    used: dict[str, float] = {}

    async def client(connection: Connection) -> None:
        while (sent := time.monotonic()) < stop:
            tally.record(sent, await connection.post())

    async def watch() -> None:
        await asyncio.sleep(tally.start - time.monotonic())
        before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        await asyncio.sleep(stop - time.monotonic())
        used.update({name: cpu_seconds(pid) - before[name] for name, pid in processes.items()})

    try:
        await asyncio.gather(watch(), *(client(connection) for connection in connections))
    finally:
        for connection in connections:
            connection.close()
    return tally, time.monotonic() - tally.start, used


async def steady(port: int, rate: float, seconds: float) -> Tally:
    """Latency at a steady `rate` of new tickets a second, whatever the answers' pace (an open
    loop): a ticket's latency runs from when it was due, so a server that falls behind shows it.
    Connections are kept and reused; one is opened when none is free."""
    tally = Tally(time.monotonic() + WARM_UP_SECONDS)
    idle: list[Connection] = []
    opened = 0
    tasks = []

    async def one(due: float) -> None:
        nonlocal opened
        connection = idle.pop() if idle else None
        if connection is None or time.monotonic() - connection.used > KEEP_ALIVE_SECONDS:
            if connection is not None:  # the server is about to close it
                connection.close()
            opened += 1
            connection = await Connection(port, CLIENTS + opened).open()
        tally.record(due, await connection.post())
        connection.used = time.monotonic()
        idle.append(connection)

    first = time.monotonic()
    for number in range(int(rate * (WARM_UP_SECONDS + seconds))):
        due = first + number / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return tally


def stored_tickets(target: Target) -> int:
    from tests.databases import rows

    return rows(target, "SELECT COUNT(*) FROM tickets")[0][0]


def measure(
    target: Target, workers: int, clients: int, seconds: float, database_pid: int | None
) -> dict:
    """One setup: the endpoint on `target` with `workers` processes, first at its capacity,
    then at STEADY_SHARE of it; with the CPU the endpoint, and the database server whose
    main process is `database_pid`, spent per ticket at capacity."""
    port = free_port()
    server = subprocess.Popen(
        tickets_serve_command(target, port=port, workers=workers),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        processes = {"endpoint": server.pid, **({"database": database_pid} if database_pid else {})}
        capacity, elapsed, used = asyncio.run(saturate(port, clients, seconds, processes))
        rate = round(capacity.summary(elapsed)["tickets_per_second"] * STEADY_SHARE)
        at_rate = asyncio.run(steady(port, rate, seconds))
    finally:
        server.terminate()
        server.wait()
    return {
        "workers": workers,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "capacity": capacity.summary(elapsed),
        "cpu_ms_per_ticket": {
            name: round(1000 * seconds_used / len(capacity.latencies), 2)
            for name, seconds_used in used.items()
        },
        "rate": rate,
        "at_rate": at_rate.summary(seconds),
        "acknowledged": capacity.acknowledged + at_rate.acknowledged,
        "stored": stored_tickets(target),
    }


@contextmanager
def databases(work_dir: Path) -> Iterator[dict[str, object]]:
    """Where each engine stores: a fresh SQLite file; a private, durable PostgreSQL cluster (a
    new database for each setup)."""
    from tests.databases import PostgresCluster

    cluster = PostgresCluster(settings=DURABLE)
    try:
        yield {"sqlite": work_dir, "postgresql": cluster}
    finally:
        cluster.stop()


def measure_endpoints(
    work_dir: Path, phase: Task, clients: int = CLIENTS, seconds: float = SECONDS
) -> list:
    """Every setup of SETUPS, in one run."""
    work_dir.mkdir(parents=True, exist_ok=True)
    results = []
    with databases(work_dir) as places:
        for engine, workers in SETUPS:
            if engine == "sqlite":
                target: Target = work_dir / f"bench-{workers}.sqlite3"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
            else:
                target = places["postgresql"].create_database()
            database_pid = places["postgresql"].server_pid() if engine == "postgresql" else None
            phase.update(state=f"the endpoint, {label({'engine': engine, 'workers': workers})}")
            result = {
                "engine": engine,
                **measure(target, workers, clients, seconds, database_pid),
            }
            print(
                f"{label(result)}: {result['capacity']['tickets_per_second']} tickets/s at "
                f"most; at {result['rate']}/s, p95 {result['at_rate']['p95_ms']} ms",
                flush=True,
            )
            results.append(result)
            phase.advance()
    return results


def label(setup: dict) -> str:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[setup["engine"]]
    return f"{engine}, {setup['workers']} worker{'s' if setup['workers'] > 1 else ''}"


def endpoint_table(results: list[dict]) -> list[str]:
    """The setups side by side, as Markdown lines."""
    first = results[0]
    lines = [
        f"Ticket endpoint: capacity with {first['clients']} clients posting on kept-alive "
        f"connections for {first['seconds']} s after a warm-up, and the CPU time per ticket "
        f"then; latency at a steady {STEADY_SHARE:.0%} of that rate. SQLite in WAL with "
        "synchronous=FULL; PostgreSQL on the same machine with fsync and synchronous_commit "
        "on.",
        "",
        "| Setup | Capacity (tickets/s) | CPU per ticket: endpoint + database (ms) "
        "| Steady rate (tickets/s) | p50 (ms) | p95 (ms) | Stored / acknowledged |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        cpu = r["cpu_ms_per_ticket"]
        lines.append(
            f"| {label(r)} | {r['capacity']['tickets_per_second']} | {cpu['endpoint']}"
            f"{' + ' + str(cpu['database']) if 'database' in cpu else ''} | {r['rate']} | "
            f"{r['at_rate']['p50_ms']} | {r['at_rate']['p95_ms']} | "
            f"{r['stored']} / {r['acknowledged']} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    with Progress() as progress:
        phase = progress.phase("[measuring]", "measurements", len(SETUPS))
        results = measure_endpoints(
            PROJECT_ROOT / "bench" / "corpus", phase, args.clients, args.seconds
        )
    print("\n".join(endpoint_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
