"""Serve the built site and the ticket endpoint on one origin (`helpcenter serve`).

The site is static; two things need the server: a missing page gets the 404 page of its
language, and the thank-you page shows the ticket reference even without JavaScript.

`uvicorn_config` is the one place the server is set up, for `helpcenter serve`, `helpcenter
tickets serve` and the tests alike, from the `server` settings of mkdocs.yml.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from html import escape
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import URL
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpcenter.config import Project, ServerConfig
from helpcenter.server.livereload import InjectClient, Rebuilder
from helpcenter.server.protocol import HeadLimits, guarded_protocol, raise_open_files_limit
from helpcenter.site.build import BuildError, build_site
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.helpdesk import Forwarder, HelpdeskClient
from helpcenter.tickets.store import REFERENCE

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


def rebuild(site_dir: Path, config_file: Path) -> bool:
    print("Change detected: rebuilding…")
    try:
        build_site(config_file, site_dir)
    except BuildError as error:
        print(f"{error}\nThe previous build is still served.")
        return False
    print("Rebuilt.")
    return True


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


def run(app: ASGIApp, host: str, port: int, server: ServerConfig) -> None:
    uvicorn.Server(uvicorn_config(app, host, port, server)).run()


def endpoint_app(
    project: Project,
    database: Path,
    site_dir: Path | None,
    routes: list,
    helpdesk_url: str | None,
    rate_limit: int | None = None,
) -> Starlette:
    service = TicketService.from_project(
        project, database, site_dir=site_dir, forward=bool(helpdesk_url)
    )
    if rate_limit is not None:
        service.settings = service.settings.model_copy(update={"rate_limit_per_minute": rate_limit})
    forwarder = (
        Forwarder(
            service.store,
            HelpdeskClient(helpdesk_url),
            max_attempts=service.server.forward_attempts,
        )
        if helpdesk_url
        else None
    )
    return build_app(service, routes, forwarder)


def watched_paths(project: Project) -> list[Path]:
    """What writers edit: a change in any of these rebuilds the site under `serve --watch`."""
    paths = [Path(project.config.config_file_path), project.docs_dir, project.plans_file.parent]
    paths += [p for p in (project.locales_dir, project.custom_dir) if p and p.exists()]
    return paths


def watched_site_routes(site_dir: Path, project: Project) -> list:
    """The site's routes, plus the reload stream of a rebuilder watching the project's sources."""
    config_file = Path(project.config.config_file_path)
    rebuilder = Rebuilder(lambda: rebuild(site_dir, config_file))
    rebuilder.watch(watched_paths(project))
    return [*rebuilder.routes(), *site_routes(site_dir, project.locales)]


def serve(
    project: Project,
    site_dir: Path,
    database: Path,
    host: str,
    port: int,
    helpdesk_url: str | None = None,
    watch: bool = False,
    rate_limit: int | None = None,
) -> None:
    if watch:
        routes = watched_site_routes(site_dir, project)
        app = InjectClient(
            endpoint_app(project, database, site_dir, routes, helpdesk_url, rate_limit)
        )
        watched = ", ".join(str(path.relative_to(project.root)) for path in watched_paths(project))
        print(f"Watching {watched}: pages reload after each rebuild.")
    else:
        routes = site_routes(site_dir, project.locales)
        app = endpoint_app(project, database, site_dir, routes, helpdesk_url, rate_limit)
    print(
        f"Serving {site_dir}/ and the ticket endpoint at http://{host}:{port}/ "
        f"(tickets in {database})"
    )
    run(app, host, port, project.settings.server)


def serve_tickets(
    project: Project,
    database: Path,
    host: str,
    port: int,
    helpdesk_url: str | None = None,
    site_dir: Path | None = None,
    rate_limit: int | None = None,
) -> None:
    app = endpoint_app(project, database, site_dir, [], helpdesk_url, rate_limit)
    path = project.endpoint_paths.tickets
    print(f"Ticket endpoint at http://{host}:{port}{path} (tickets in {database})")
    run(app, host, port, project.settings.server)
