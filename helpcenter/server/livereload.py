"""Live reload for writers (`helpcenter serve --watch`, what `make serve` runs).

Watches the sources, rebuilds the site when one changes, and tells every open page to reload
through a server-sent event stream. Pages get the small client script only from this server:
the built site itself carries nothing of it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

STREAM_PATH = "/__livereload"
SCRIPT_PATH = "/__livereload.js"
# A script file rather than inline code: the site's Content-Security-Policy allows only its own.
SCRIPT = (
    "(function () { var version = null; var stream = new EventSource('" + STREAM_PATH + "');"
    " stream.onmessage = function (event) {"
    " if (version !== null && event.data !== version) location.reload();"
    " version = event.data; }; })();"
)
CLIENT = f'<script src="{SCRIPT_PATH}"></script>'.encode()


class Rebuilder(FileSystemEventHandler):
    """Rebuilds once the sources have been quiet for a moment, then bumps the site's version."""

    def __init__(self, rebuild: Callable[[], bool], quiet_seconds: float = 0.3) -> None:
        self.rebuild = rebuild
        self.quiet_seconds = quiet_seconds
        self.version = 0
        self.changed = threading.Event()
        self.listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        threading.Thread(target=self.loop, daemon=True).start()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("created", "modified", "deleted", "moved"):
            self.changed.set()

    def loop(self) -> None:
        while True:
            self.changed.wait()
            while self.changed.is_set():  # let a burst of saves settle
                self.changed.clear()
                time.sleep(self.quiet_seconds)
            if self.rebuild():
                self.version += 1
                for loop, event in list(self.listeners):
                    loop.call_soon_threadsafe(event.set)

    async def stream(self, request: Request) -> Response:
        async def events() -> AsyncIterator[str]:
            listener = (asyncio.get_running_loop(), asyncio.Event())
            self.listeners.add(listener)
            try:
                yield f"data: {self.version}\n\n"
                while not await request.is_disconnected():
                    try:
                        await asyncio.wait_for(listener[1].wait(), timeout=15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    listener[1].clear()
                    yield f"data: {self.version}\n\n"
            finally:
                self.listeners.discard(listener)

        return StreamingResponse(events(), media_type="text/event-stream")

    def routes(self) -> list[Route]:
        async def script(request: Request) -> Response:
            return Response(SCRIPT, media_type="text/javascript")

        return [
            Route(STREAM_PATH, self.stream, methods=["GET"]),
            Route(SCRIPT_PATH, script, methods=["GET"]),
        ]

    def watch(self, paths: list[Path]) -> None:
        observer = Observer()
        for path in paths:
            if path.exists():
                observer.schedule(self, str(path), recursive=path.is_dir())
        observer.daemon = True
        observer.start()


class InjectClient:
    """Adds the reload script to every HTML page this server sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = b""

        async def buffered_send(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            body = body.replace(b"</body>", CLIENT + b"</body>", 1)
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered_send)
