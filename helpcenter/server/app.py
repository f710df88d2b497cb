"""Serve the built site and the ticket endpoint on one origin (`helpcenter serve`).

The site is static; two things need the server: a missing page gets the 404 page of its
language, and the thank-you page shows the ticket reference even without JavaScript.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from helpcenter.config import Project
from helpcenter.server.livereload import InjectClient, Rebuilder
from helpcenter.site.build import BuildError, build_site
from helpcenter.tickets.app import TicketService, build_app
from helpcenter.tickets.helpdesk import Forwarder, HelpdeskClient
from helpcenter.tickets.store import REFERENCE

REFERENCE_SLOT = "<strong data-ticket-reference></strong>"


class SiteFiles(StaticFiles):
    """Static files where a missing page gets the 404 page of the language it was asked in."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404:
                raise
            response = None
        if response is not None and response.status_code != 404:
            return response
        language_page = Path(self.directory) / path.split("/", 1)[0] / "404.html"
        if language_page.is_file():
            return FileResponse(language_page, status_code=404)
        if response is None:
            raise HTTPException(404)
        return response


def thanks_page(site_dir: Path):
    async def endpoint(request: Request) -> Response:
        page = site_dir / request.path_params["language"] / "contact" / "thanks" / "index.html"
        if not page.is_file():
            raise HTTPException(404)
        html = page.read_text(encoding="utf-8")
        reference = request.query_params.get("ticket", "")
        if REFERENCE.match(reference):
            html = html.replace(
                REFERENCE_SLOT, f"<strong data-ticket-reference>{escape(reference)}</strong>"
            )
        return HTMLResponse(html)

    return endpoint


def site_routes(site_dir: Path) -> list:
    if not (site_dir / "index.html").is_file():
        raise SystemExit(f"{site_dir}/ holds no built site: run `make build` first.")
    return [
        Route("/{language:str}/contact/thanks/", thanks_page(site_dir), methods=["GET"]),
        Mount("/", SiteFiles(directory=site_dir, html=True)),
    ]


def rebuild(site_dir: Path, config_file: Path) -> bool:
    print("Change detected: rebuilding…")
    try:
        build_site(config_file, site_dir)
    except BuildError as error:
        print(f"{error}\nThe previous build is still served.")
        return False
    print("Rebuilt.")
    return True


def run(app, host: str, port: int) -> None:
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=5)


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
    forwarder = Forwarder(service.store, HelpdeskClient(helpdesk_url)) if helpdesk_url else None
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
    return [*rebuilder.routes(), *site_routes(site_dir)]


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
        routes = site_routes(site_dir)
        app = endpoint_app(project, database, site_dir, routes, helpdesk_url, rate_limit)
    print(
        f"Serving {site_dir}/ and the ticket endpoint at http://{host}:{port}/ "
        f"(tickets in {database})"
    )
    run(app, host, port)


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
    run(app, host, port)
