"""Serve the built site on one origin, with each language's own 404 page."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class SiteFiles(StaticFiles):
    """Static files where a missing page gets the 404 page of the language it was asked in."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            if error.status_code != 404:
                raise
            language = path.split("/", 1)[0]
            for candidate in (
                Path(self.directory) / language / "404.html",
                Path(self.directory) / "404.html",
            ):
                if candidate.is_file():
                    return FileResponse(candidate, status_code=404)
            raise


def site_app(site_dir: Path) -> Starlette:
    if not (site_dir / "index.html").is_file():
        raise SystemExit(f"{site_dir}/ holds no built site: run `make build` first.")
    return Starlette(routes=[Mount("/", SiteFiles(directory=site_dir, html=True))])


def serve(site_dir: Path, host: str, port: int) -> None:
    print(f"Serving {site_dir}/ at http://{host}:{port}/")
    uvicorn.run(site_app(site_dir), host=host, port=port, log_level="warning")
