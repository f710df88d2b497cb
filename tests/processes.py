"""Processes the tests and the benchmark start: the `helpcenter` command, a free port on
loopback, knowing when one listens, a process's descendants and the CPU they used, the
endpoint's command line, and Debian's nginx in a folder of its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from helpcenter.engines import Target
from helpcenter.site.build import QUIET_MKDOCS

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def helpcenter_command(*args: str) -> list[str]:
    """The `helpcenter` command line (the console script runs `helpcenter.cli:main` too)."""
    return [sys.executable, "-m", "helpcenter.cli", *args]


def run_helpcenter(
    *args: str, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    """`helpcenter ARGS` as a user runs it in `cwd`, its output kept as text."""
    return subprocess.run(
        helpcenter_command(*args),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **QUIET_MKDOCS, **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def process_tree(root: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def cpu_seconds(root: int) -> float:
    """CPU time (user and system) the living processes of `root`'s tree have used."""
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def tickets_serve_command(
    database: Target, *, port: int = 0, workers: int = 1, rate_limit: int = 1_000_000
) -> list[str]:
    """`helpcenter tickets serve` as an operator types it, on `port` (0: one the system chooses,
    printed in the banner), with a per-minute limit high enough not to refuse a load test."""
    return [
        *helpcenter_command("tickets", "serve"),
        *("--port", str(port), "--workers", str(workers)),
        *("--db", str(database)),  # (the test servers' URLs hold no password)
        *("--rate-limit-per-minute", str(rate_limit)),
    ]


def nginx_main_config(prefix: Path, site_config: Path) -> Path:
    """nginx.conf as Debian's, around `site_config` (server blocks), with every file nginx writes
    (its pid, logs and the bodies it buffers) in `prefix`."""
    # The master process of root hands the connections to workers running as `user`: the same
    # user, who can read the private temporary folders.
    user = "user root;" if os.geteuid() == 0 else ""
    main = prefix / "nginx.conf"
    main.write_text(
        f"""{user}
pid {prefix}/nginx.pid;
lock_file {prefix}/nginx.lock;
error_log {prefix}/error.log;
worker_processes 1;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site_config};
}}
"""
    )
    return main


def nginx_command(prefix: Path, main: Path) -> list[str]:
    """Debian's nginx (`make test` and `make bench` install it) on `main`, in the foreground."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if binary is None:
        raise SystemExit("Debian's nginx is not installed: `make test` and `make bench` install it")
    files = ("-p", f"{prefix}/", "-e", str(prefix / "error.log"), "-c", str(main))
    return [binary, *files, "-g", "daemon off;"]
