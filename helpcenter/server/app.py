"""Serve the built site and the ticket endpoint on one origin (`helpcenter serve`).

The site is static; two things need the server: a missing page gets the 404 page of its
language, and the thank-you page shows the ticket reference even without JavaScript.

`uvicorn_config` is the one place the server is set up, for `helpcenter serve`, `helpcenter
tickets serve` and the tests alike, from the `server` settings of mkdocs.yml.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpcenter.config import Project, ServerConfig
from helpcenter.engines import Target
from helpcenter.server.livereload import InjectClient, Rebuilder
from helpcenter.server.protocol import HeadLimits, guarded_protocol, raise_open_files_limit
from helpcenter.server.workers import Supervisor, WorkersFailing
from helpcenter.site.preview import Preview
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.helpdesk import TOKEN_VARIABLE, Forwarder, HelpdeskClient
from helpcenter.tickets.store import REFERENCE
from helpcenter.tickets.sync import WEBHOOK_SECRET_VARIABLE, HelpdeskSync

logger = logging.getLogger(__name__)

REFERENCE_SLOT = "<strong data-ticket-reference></strong>"


# Build artefacts that are not pages: the headers file written for static hosts (and the
# redirects file some of them read). Hidden files are not served either.
NOT_FOR_READERS = frozenset({"_headers", "_redirects"})
# Pages that may show what a reader typed are kept by no cache, shared or not.
NO_STORE = {"Cache-Control": "no-store"}


class SiteFiles(StaticFiles):
    """The built site's files, where a missing page gets the 404 page of the language it was
    asked in (one of the site's languages), and build artefacts that are not pages are not
    found. (A folder asked for without its slash is redirected: `RelativeRedirects` makes the
    redirect a path.)"""

    def __init__(self, directory: Path, languages: Iterable[str]) -> None:
        super().__init__(directory=directory, html=True)
        self.languages = frozenset(languages)

    async def get_response(self, path: str, scope: Scope) -> Response:
        parts = path.split(os.sep)
        if any(hidden(part) or part.lower() in NOT_FOR_READERS for part in parts):
            return self.not_found(parts[0])
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404:
                raise
            return self.not_found(parts[0])
        if response.status_code == 404:
            return self.not_found(parts[0])
        return response

    def not_found(self, language: str) -> Response:
        """The 404 page of the language, when it is one of the site's; the site's own else."""
        folder = Path(self.directory)
        pages = [folder / language / "404.html"] if language in self.languages else []
        for page in [*pages, folder / "404.html"]:
            if page.is_file():
                return FileResponse(page, status_code=404)
        raise HTTPException(404)


def hidden(part: str) -> bool:
    """A hidden file or folder (`..` included); `.well-known` is meant to be found."""
    return part.startswith(".") and part not in (".", ".well-known")


def thanks_page(page: Path):
    """The thank-you page of one language, showing the reference it is given (?ticket=)."""

    async def endpoint(request: Request) -> Response:
        if not page.is_file():
            raise HTTPException(404)
        html = page.read_text(encoding="utf-8")
        reference = request.query_params.get("ticket", "")
        if REFERENCE.match(reference):
            html = html.replace(
                REFERENCE_SLOT, f"<strong data-ticket-reference>{escape(reference)}</strong>"
            )
        return HTMLResponse(html, headers=NO_STORE)

    return endpoint


def built_languages(site_dir: Path) -> list[str]:
    """The languages a build wrote: the site's folders with their own 404 page."""
    return sorted(
        folder.name
        for folder in site_dir.iterdir()
        if folder.is_dir() and not hidden(folder.name) and (folder / "404.html").is_file()
    )


def site_routes(site_dir: Path, languages: Iterable[str] | None = None) -> list:
    """The site's routes for the project's `languages` (the folders the build wrote, when not
    given): a language segment that is not one of them reads no file of its name."""
    if not (site_dir / "index.html").is_file():
        raise SystemExit(f"{site_dir}/ holds no built site: run `make build` first.")
    languages = list(built_languages(site_dir) if languages is None else languages)
    return [
        *(
            Route(
                f"/{language}/contact/thanks/",
                thanks_page(site_dir / language / "contact" / "thanks" / "index.html"),
                methods=["GET"],
            )
            for language in languages
        ),
        Mount("/", SiteFiles(site_dir, languages)),
    ]


class RelativeRedirects:
    """Every redirect this server makes to its own origin points at a path: Starlette builds
    the redirects it makes itself (a route asked for without its trailing slash...) from the
    request's Host header, which the client chooses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        def relative(location: bytes) -> bytes:
            target = urlsplit(location.decode("latin-1"))
            own = URL(scope=scope).netloc.lower()  # what Starlette took from the Host header
            if target.scheme not in ("", "http", "https") or target.netloc.lower() != own:
                return location
            # One leading slash: from `//host/...` or `/\\host/...` a browser reads a host.
            path = "/" + target.path.replace("\\", "%5C").lstrip("/")
            return urlunsplit(("", "", path, target.query, target.fragment)).encode("latin-1")

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message = {
                    **message,
                    "headers": [
                        (name, relative(value) if name.lower() == b"location" else value)
                        for name, value in message.get("headers", [])
                    ],
                }
            await send(message)

        await self.app(scope, receive, send_relative)


def uvicorn_config(app: ASGIApp, host: str, port: int, server: ServerConfig) -> uvicorn.Config:
    """The server as it runs on the internet, and in the tests: each request's line and headers
    within `server.header_timeout` seconds and their sizes (the protocol), at most
    `server.max_connections` connections at once (503 beyond), X-Forwarded-For believed from
    `server.trusted_proxies` only, redirects to paths, no `Server` header. Raises this process's
    limit on open files so that the connections fit."""
    limits = HeadLimits.from_settings(server)
    trusted_proxies = list(server.trusted_proxies)
    raise_open_files_limit(server.max_connections)
    return uvicorn.Config(
        RelativeRedirects(app),
        host=host,
        port=port,
        http=guarded_protocol(limits),
        ws="none",  # nothing here speaks WebSocket; an upgrade is an ordinary request
        h11_max_incomplete_event_size=limits.max_head,
        limit_concurrency=server.max_connections,
        timeout_keep_alive=5,
        # By default uvicorn believes X-Forwarded-For from 127.0.0.1: a client reaching the
        # server through a local proxy that passes the header on could pick its own address
        # (and a rate limit of its own with each request).
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        server_header=False,
        date_header=True,
        log_level="warning",
    )


# Connections the kernel queues for the server: uvicorn's default.
BACKLOG = 2048


class CannotServe(Exception):
    """The server cannot start (it cannot listen where it was asked, a setting is wrong); the
    message says why, in one line."""


def address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def bind(host: str, port: int) -> list[socket.socket]:
    """Sockets listening on every address of `host` (as uvicorn would bind them): connections
    wait for the server from now on. Raises OSError as binding does."""
    if not 0 <= port <= 65535:
        raise OSError(errno.EINVAL, "not a port number (0 to 65535)")
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, where in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(where)
            sock.listen(BACKLOG)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def free_port_near(host: str, port: int) -> int | None:
    """A port after `port` (from 1024, which needs no privileges) free on `host` now, to
    suggest."""
    first = max(port + 1, 1024)
    for candidate in range(first, min(first + 20, 65536)):
        try:
            sockets = bind(host, candidate)
        except OSError:
            continue
        for sock in sockets:
            sock.close()
        return candidate
    return None


def listen(host: str, port: int, other_port: str) -> list[socket.socket]:
    """The server's sockets, bound before anything is printed or started: when the address is
    taken (or not this machine's), CannotServe says so in one line. `other_port` is how to ask
    for another port, with `{port}` for a free one."""
    where = address(host, port)
    try:
        return bind(host, port)
    except socket.gaierror:
        raise CannotServe(f"Cannot serve at {where}: unknown host {host!r}.") from None
    except OSError as error:
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            free = free_port_near(host, port)
            reason = (
                "the port is already in use (another server is running there?)"
                if error.errno == errno.EADDRINUSE
                else "permission denied (ports below 1024 need privileges)"
            )
            choose = other_port.format(port=free or "<port>")
            raise CannotServe(f"Cannot serve at {where}: {reason}; use {choose}.") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise CannotServe(
                f"Cannot serve at {where}: {host} is not an address of this machine."
            ) from None
        raise CannotServe(f"Cannot serve at {where}: {error.strerror or error}.") from None


def run(
    app: ASGIApp,
    host: str,
    port: int,
    server: ServerConfig,
    sockets: list[socket.socket] | None = None,
) -> None:
    """Serve `app` until interrupted, on `sockets` when they were bound beforehand (`listen`)."""
    try:
        uvicorn.Server(uvicorn_config(app, host, port, server)).run(sockets=sockets)
    finally:
        for sock in sockets or []:
            sock.close()


def endpoint_app(
    project: Project,
    database: Target,
    site_dir: Path | None,
    routes: list,
    helpdesk_url: str | None,
    rate_limit: int | None = None,
    shared_rate_limits: bool = False,
) -> Starlette:
    """The endpoint; with `helpdesk_url`, forwarding to it, and following it when the token is
    set; its per-minute limits counted in the database with `shared_rate_limits` (several
    workers). Raises CannotServe, before anything is made, for a token that would go over plain
    http."""
    client = helpdesk_client(helpdesk_url, project) if helpdesk_url else None
    service = TicketService.from_project(
        project, database, site_dir=site_dir, forward=client is not None
    )
    if rate_limit is not None:
        service.settings = service.settings.model_copy(update={"rate_limit_per_minute": rate_limit})
    forwarder = None
    if client is not None:
        server = service.server
        forwarder = Forwarder(service.store, client, max_attempts=server.forward_attempts)
        if client.token:
            service.helpdesk = HelpdeskSync(
                service.store,
                client,
                retries=forwarder.retries,
                poll_seconds=server.helpdesk_poll_seconds,
                poll_max_seconds=server.helpdesk_poll_max_seconds,
                webhook_secret=os.environ.get(WEBHOOK_SECRET_VARIABLE) or None,
            )
        else:  # tickets are created anonymously, as before; following needs the token
            logger.warning(
                "%s is not set: tickets are forwarded, but their status and the team's replies "
                "are not followed, and readers' replies wait here (helpcenter tickets list) "
                "until it holds an OAuth token with the impersonate scope",
                TOKEN_VARIABLE,
            )
    return build_app(service, routes, forwarder, shared_rate_limits=shared_rate_limits)


def helpdesk_client(url: str, project: Project) -> HelpdeskClient:
    """The client of the helpdesk at `url`, with its token: secrets come from the environment,
    never from mkdocs.yml nor the command line."""
    try:
        return HelpdeskClient(
            url, contact=project.contact, token=os.environ.get(TOKEN_VARIABLE) or None
        )
    except ValueError as error:
        raise CannotServe(f"--helpdesk-url (HELPCENTER_HELPDESK_URL) {url}: {error}.") from None


def watched_paths(project: Project) -> list[Path]:
    """What writers edit: a change in any of these rebuilds the site under `serve --watch`."""
    paths = [
        Path(project.config.config_file_path).resolve(),
        project.docs_dir,
        project.plans_file.parent,
    ]
    paths += [p for p in (project.locales_dir, project.custom_dir) if p and p.exists()]
    return paths


def watched_site(site_dir: Path, project: Project) -> tuple[Rebuilder, list]:
    """The site's routes, plus the reload stream of a rebuilder watching the project's sources:
    pages reload after a rebuild that worked and show the messages of one that failed. Builds
    each language's configuration, files and navigation first (helpcenter.site.preview), its
    pages as they are asked for and behind them: when that fails, the last site that built is
    served with its messages."""
    preview = Preview(Path(project.config.config_file_path), site_dir, project)
    rebuilder = Rebuilder(
        preview.rebuild,
        catalogs=project.catalogs,
        languages=project.locales,
        settle=preview.settle,
    )
    first = rebuilder.first(lambda: preview.rebuild(frozenset(), first=True))
    if first.failure is not None and not (site_dir / "index.html").is_file():
        raise CannotServe("The site does not build, and no earlier build is there to serve.")
    site = RenderedOnDemand(Router(site_routes(site_dir, project.locales)), preview)
    rebuilder.watch(watched_paths(project))
    return rebuilder, [*rebuilder.routes(), Mount("/", site)]


class RenderedOnDemand:
    """A page asked for before the preview has written it is rendered first."""

    def __init__(self, app: ASGIApp, preview: Preview) -> None:
        self.app = app
        self.preview = preview

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await run_in_threadpool(self.preview.render_on_demand, scope["path"])
        await self.app(scope, receive, send)


def serve(
    project: Project,
    site_dir: Path,
    database: Target,
    host: str,
    port: int,
    helpdesk_url: str | None = None,
    watch: bool = False,
    rate_limit: int | None = None,
    workers: int = 1,
) -> None:
    """Raises CannotServe, before printing anything, when the address cannot be listened on.
    `watch` rebuilds in this one process: `workers` is for the site as built."""
    sockets = listen(host, port, "`PORT={port} make serve` or `helpcenter serve --port {port}`")
    port = sockets[0].getsockname()[1]  # the one the system chose for --port 0
    banner = (
        f"Serving {site_dir}/ and the ticket endpoint at http://{address(host, port)}/ "
        f"(tickets in {database})"
    )
    rebuilder: Rebuilder | None = None
    try:
        if watch:  # loads first, once the port is ours: a busy port is one line, not a build
            rebuilder, routes = watched_site(site_dir, project)
            watched = ", ".join(shown(path, project.root) for path in watched_paths(project))
            banner = f"Watching {watched}: pages reload after each rebuild.\n{banner}"
        else:
            routes = site_routes(site_dir, project.locales)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise

    workers = 1 if watch else workers

    def build() -> ASGIApp:
        app = endpoint_app(
            project, database, site_dir, routes, helpdesk_url, rate_limit, workers > 1
        )
        return InjectClient(app) if watch else app

    try:
        serve_endpoint(build, host, port, sockets, project.settings.server, workers, banner)
    finally:
        if rebuilder is not None:
            rebuilder.stop()


def serve_endpoint(
    build: Callable[[], ASGIApp],
    host: str,
    port: int,
    sockets: list[socket.socket],
    server: ServerConfig,
    workers: int,
    banner: str,
) -> None:
    """Serve the endpoint `build()` makes on `sockets`, in this process, or in `workers`
    processes (helpcenter.server.workers). With workers, it is built here once and let go of
    first: what would stop every worker (a database it cannot use, a helpdesk token over plain
    http) is one line, before any starts, as with one process. `banner` is printed once the
    endpoint is built, or once every worker serves. Raises CannotServe when workers keep dying
    before they serve."""
    try:
        app = build()
        if workers > 1:
            app.state.service.close()  # its database pool and threads stay out of the fork
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    if workers == 1:
        print(banner, flush=True)
        run(app, host, port, server, sockets)
        return
    supervisor = Supervisor(
        workers, build, lambda app: uvicorn_config(app, host, port, server), sockets
    )
    try:
        supervisor.run(serving=lambda: print(banner, flush=True))
    except WorkersFailing as failing:
        raise CannotServe(str(failing)) from None
    finally:
        for sock in sockets:
            sock.close()


def shown(path: Path, root: Path) -> str:
    """A watched path as the writer knows it: from the project's folder when it is inside."""
    path = path.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def serve_tickets(
    project: Project,
    database: Target,
    host: str,
    port: int,
    helpdesk_url: str | None = None,
    site_dir: Path | None = None,
    rate_limit: int | None = None,
    workers: int = 1,
) -> None:
    """Raises CannotServe, before printing anything, when the address cannot be listened on."""
    sockets = listen(host, port, "`helpcenter tickets serve --port {port}`")
    port = sockets[0].getsockname()[1]  # the one the system chose for --port 0
    path = project.endpoint_paths.tickets
    serve_endpoint(
        lambda: endpoint_app(
            project, database, site_dir, [], helpdesk_url, rate_limit, workers > 1
        ),
        host,
        port,
        sockets,
        project.settings.server,
        workers,
        f"Ticket endpoint at http://{address(host, port)}{path} (tickets in {database})",
    )
