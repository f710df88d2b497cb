"""Shared fixtures: the real site, built once per test session, served on loopback."""

from __future__ import annotations

import asyncio
import functools
import json
import locale
import os
import pty
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import uvicorn

from helpcenter.config import Project, ServerConfig, load_project
from helpcenter.engines import Target
from helpcenter.server.app import site_routes, uvicorn_config
from helpcenter.site.build import build_site
from helpcenter.tickets.app import TicketService, build_app
from tests.processes import PROJECT_ROOT, free_port

if TYPE_CHECKING:
    from tests.databases import PostgresCluster

LOCALES = ("fr", "es", "it")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


Result = TypeVar("Result")


def run_async(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """Run a coroutine on a loop of its own thread.

    Playwright's sync API keeps an event loop running in the main thread for the whole session,
    so ``asyncio.run`` there fails in any test that comes after a browser test.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own site, built with the strict build `make build` runs."""
    target = tmp_path_factory.mktemp("build") / "site"
    build_site(PROJECT_ROOT / "mkdocs.yml", target, strict=True)
    return target


@pytest.fixture
def ascii_locale():
    """A machine whose locale encoding is not UTF-8 (plain C here; Windows' cp1252 or an old
    latin-1 locale alike): files read or written without an explicit encoding break."""
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


class PromptServer(uvicorn.Server):
    """uvicorn's server, woken at once when told to stop: its own loop looks every tenth of a
    second, a wait that every test starting a server paid on its way out."""

    woken: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self.woken = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        ticks = 0  # as uvicorn counts them: on_tick refreshes the Date header every tenth
        while not await self.on_tick(ticks):
            ticks += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), 0.1)

    def stop(self) -> None:
        self.should_exit = True
        if self.loop is not None and self.woken is not None:
            with suppress(RuntimeError):  # its loop is over already
                self.loop.call_soon_threadsafe(self.woken.set)


class BackgroundServer:
    """A uvicorn server for an ASGI app, on a free loopback port, in a thread: set up as
    `helpcenter serve` sets it up, with the project's `server` settings or `settings`."""

    def __init__(self, app, settings: ServerConfig | None = None) -> None:
        self.port = free_port()
        if settings is None:
            settings = example_project().settings.server
        self.server = PromptServer(uvicorn_config(app, "127.0.0.1", self.port, settings))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
        self.thread.join(timeout=10)


@functools.cache
def example_project() -> Project:
    """The Colisto example project's mkdocs.yml, loaded and checked as the CLI does."""
    return load_project(PROJECT_ROOT / "mkdocs.yml")


ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_on_a_terminal(command: list[str], **options) -> tuple[int, str]:
    """Run `command` with a pseudo-terminal for its output, as someone at a terminal would: its
    exit status and what it showed, colours and cursor moves taken out (carriage returns
    stay)."""
    terminal, secondary = pty.openpty()
    process = subprocess.Popen(command, stdout=secondary, stderr=secondary, **options)
    os.close(secondary)
    said = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the command ended: the terminal is closed
            break
        if not chunk:
            break
        said += chunk
    os.close(terminal)
    return process.wait(), ESCAPES.sub("", said.decode())


# The endpoints opened by `ticket_service` (those on a test's `db` are closed after it).
OPENED: list[TicketService] = []


def ticket_service(database: Target, site_dir: Path | None = None, **settings) -> TicketService:
    """The project's endpoint on `database`; `settings` override its contact settings."""
    service = TicketService.from_project(example_project(), database, site_dir=site_dir)
    OPENED.append(service)
    if settings:
        service.settings = service.settings.model_copy(update=settings)
    return service


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A private PostgreSQL server for the session (see tests.databases)."""
    from tests.databases import PostgresCluster, PostgresMissing

    try:
        cluster = PostgresCluster()
    except PostgresMissing as missing:
        pytest.fail(str(missing))
    yield cluster
    cluster.stop()


ENGINES = ("sqlite", "postgresql")


@contextmanager
def fresh_database(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Iterator[Target]:
    """A new SQLite file, or a new database of the session's PostgreSQL server, dropped after;
    the endpoints the test opened on it are closed."""
    if engine == "sqlite":
        target = tmp_path / "tickets.sqlite3"
    else:
        cluster = request.getfixturevalue("postgres")
        target = cluster.create_database()
    try:
        yield target
    finally:
        for service in [service for service in OPENED if service.store.target == target]:
            OPENED.remove(service)
            service.close()
        if engine == "postgresql":
            cluster.drop_database(target)


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """The database a test stores in, once on each engine (see `fresh_database`)."""
    with fresh_database(request, request.param, tmp_path) as target:
        yield target


@pytest.fixture
def postgres_db(request: pytest.FixtureRequest, postgres, tmp_path: Path) -> Iterator[Target]:
    """A database for what only PostgreSQL has (see `fresh_database`)."""
    with fresh_database(request, "postgresql", tmp_path) as target:
        yield target


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tickets") / "tickets.sqlite3"


@pytest.fixture(scope="session")
def site_url(site_dir: Path, database: Path) -> Iterator[str]:
    """The built site and the ticket endpoint on one origin, as `helpcenter serve` runs them."""
    service = ticket_service(database, site_dir, rate_limit_per_minute=10_000)
    with BackgroundServer(build_app(service, site_routes(site_dir))) as server:
        yield server.url


PAGE_WAIT_MS = 20_000


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # How long an assertion waits for the page at most, not a pause: it passes as soon as the
    # page shows what is expected. Beyond Playwright's 5 s for a machine the whole suite loads.
    expect.set_options(timeout=PAGE_WAIT_MS)
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


PROJECT_PARTS = ("mkdocs.yml", "docs", "overrides", "data")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the project's sources, to break and build."""
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part)
        else:
            shutil.copy2(source, tmp_path / part)
    return tmp_path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need the built site, a site of their own or a browser as `slow` (test
    files mark the other slow ones): `-m "not slow"` keeps the tests that take a second or so,
    the ones `make mutants` runs against every mutant."""
    for item in items:
        if {"site_dir", "browser", "project_copy"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("db") == "postgresql"
        if on_postgres or "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgresql)
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        fastest_first(items)


def fastest_first(items: list[pytest.Item]) -> None:
    """Against a mutant (mutmut runs its tests with `-x`, in no set order), the quickest tests
    first by the durations mutmut measured: a mutant a quick test kills costs that test alone,
    not the minute of process tests that happened to come before it."""
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from its mutants/ folder
    if stats.is_file():
        duration = json.loads(stats.read_text(encoding="utf-8"))["duration_by_test"]
        items.sort(key=lambda item: duration.get(item.nodeid, 0.0))
