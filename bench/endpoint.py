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
from bench.processes import free_port, wait_for_port
from helpcenter.engines import Target

CLIENTS = 32
SECONDS = 10.0
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


class LoadClient:
    """One of the concurrent clients: a kept-alive HTTP/1.1 connection posting tickets in turn.

    Written on asyncio streams, not an HTTP library, so that the load generator, sharing the
    machine's cores with the endpoint, spends microseconds per request: what is measured is the
    endpoint.
    """

    def __init__(self, port: int, number: int) -> None:
        self.port = port
        self.number = number
        self.latencies: list[float] = []
        self.acknowledged = 0  # warm-up included: what the database should hold
        self.failures = 0

    def request(self, sequence: int) -> bytes:
        ticket = {**TICKET, "page": f"bench/{self.number}/{sequence}/"}
        body = json.dumps(ticket).encode()
        head = (
            f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def run(self, start: float, stop: float) -> None:
        """Post until `stop`; only the answers to requests sent from `start` count."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        sequence = 0
        try:
            while (sent := time.monotonic()) < stop:
                request = self.request(sequence)
                sequence += 1
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                latency = (time.perf_counter() - started) * 1000
                self.acknowledged += status == 201
                if sent < start:
                    continue
                if status == 201:
                    self.latencies.append(latency)
                else:
                    self.failures += 1
        finally:
            writer.close()


async def load(port: int, clients: int, seconds: float) -> tuple[list[LoadClient], float]:
    start = time.monotonic() + WARM_UP_SECONDS
    group = [LoadClient(port, number) for number in range(clients)]
    await asyncio.gather(*(client.run(start, start + seconds) for client in group))
    return group, time.monotonic() - start


def stored_tickets(target: Target) -> int:
    from tests.databases import rows

    return rows(target, "SELECT COUNT(*) FROM tickets")[0][0]


def measure(target: Target, workers: int, clients: int, seconds: float) -> dict:
    """One setup: the endpoint on `target` with `workers` processes, under load."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "helpcenter.cli",
            "tickets",
            "serve",
            "--port",
            str(port),
            "--db",
            str(target),
            "--workers",
            str(workers),
            "--rate-limit-per-minute",
            "1000000",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        group, elapsed = asyncio.run(load(port, clients, seconds))
    finally:
        server.terminate()
        server.wait()
    latencies = [ms for client in group for ms in client.latencies]
    return {
        "workers": workers,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "acknowledged": sum(client.acknowledged for client in group),
        "failed": sum(client.failures for client in group),
        "stored": stored_tickets(target),
        "tickets_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 1),
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


def measure_endpoints(work_dir: Path, clients: int = CLIENTS, seconds: float = SECONDS) -> list:
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
            result = {"engine": engine, **measure(target, workers, clients, seconds)}
            print(
                f"{label(result)}: {result['tickets_per_second']} tickets/s, "
                f"p95 {result['p95_ms']} ms",
                flush=True,
            )
            results.append(result)
    return results


def label(setup: dict) -> str:
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[setup["engine"]]
    return f"{engine}, {setup['workers']} worker{'s' if setup['workers'] > 1 else ''}"


def endpoint_table(results: list[dict]) -> list[str]:
    """The setups side by side, as Markdown lines."""
    lines = [
        f"Ticket endpoint: {results[0]['clients']} clients on kept-alive connections for "
        f"{results[0]['seconds']} s after a warm-up; SQLite in WAL with synchronous=FULL, "
        "PostgreSQL with fsync on and synchronous_commit on.",
        "",
        "| Setup | Tickets/s | p50 (ms) | p95 (ms) | Stored / acknowledged |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {label(r)} | {r['tickets_per_second']} | {r['p50_ms']} | {r['p95_ms']} | "
        f"{r['stored']} / {r['acknowledged']} |"
        for r in results
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    results = measure_endpoints(PROJECT_ROOT / "bench" / "corpus", args.clients, args.seconds)
    print("\n".join(endpoint_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
