"""Live reload for writers (`helpcenter serve --watch`, what `make serve` runs).

Watches the sources, rebuilds the site when one changes, and tells every open page through a
server-sent event stream: a rebuild that worked reloads the page; one that failed shows its
messages on the page (the text the terminal shows), over the last site that built, which is
still the one served, until a rebuild works again. Pages get the small client script only from
this server: the built site itself carries nothing of it.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import os
import re
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from helpcenter.i18n.catalogs import Catalogs
from helpcenter.site.build import BuildError

STREAM_PATH = "/__livereload"
SCRIPT_PATH = "/__livereload.js"
# A script file rather than inline code: the site's Content-Security-Policy allows only its own.
# Each event is the state of the site: its version (a new one reloads the page) and, while the
# last rebuild failed, that failure (shown on the page until closed or a rebuild works).
SCRIPT = """\
(function () {
  "use strict";
  var version = null;
  var shown = null;
  var closed = null;
  var lang = document.documentElement.getAttribute("lang") || "";
  var stream = null;

  function styled(tag, css, text) {
    var element = document.createElement(tag);
    element.style.cssText = css;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function hide() {
    if (shown) shown.remove();
    shown = null;
  }

  function show(failure) {
    hide();
    if (closed === failure.id) return;
    var panel = styled("div",
      "position:fixed;top:0;left:0;right:0;z-index:2147483647;box-sizing:border-box;" +
      "max-height:80vh;overflow:auto;padding:1rem 1.25rem;background:#fff;color:#1b1b1b;" +
      "border-top:6px solid #b3261e;box-shadow:0 4px 16px rgba(0,0,0,.35);" +
      "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:start");
    panel.setAttribute("data-testid", "build-error");
    panel.setAttribute("role", "alert");
    if (failure.lang) panel.setAttribute("lang", failure.lang);
    var head = styled("div", "display:flex;gap:1rem;align-items:baseline;" +
      "justify-content:space-between;flex-wrap:wrap");
    head.appendChild(styled("strong", "font-size:1.15rem;color:#8c1d18", failure.title));
    var close = styled("button", "font:inherit;color:#1b1b1b;background:#fff;" +
      "border:2px solid #1b1b1b;border-radius:4px;padding:.15rem .75rem;cursor:pointer",
      failure.close);
    close.type = "button";
    close.addEventListener("click", function () {
      closed = failure.id;
      hide();
    });
    head.appendChild(close);
    panel.appendChild(head);
    panel.appendChild(styled("p", "margin:.5rem 0", failure.note));
    var text = styled("pre", "margin:0;padding:.75rem;background:#f2f2f2;color:#1b1b1b;" +
      "white-space:pre-wrap;overflow-wrap:anywhere;text-align:left;max-height:50vh;" +
      "overflow:auto;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace",
      failure.message);
    text.setAttribute("dir", "ltr");
    text.setAttribute("lang", "en");
    text.tabIndex = 0;  // scrollable: reachable with the keyboard
    panel.appendChild(text);
    document.body.appendChild(panel);
    shown = panel;
  }

  function listen() {
    if (stream && stream.readyState !== EventSource.CLOSED) return;
    stream = new EventSource("STREAM_PATH?lang=" + encodeURIComponent(lang));
    stream.onmessage = function (event) {
      var state = JSON.parse(event.data);
      if (version !== null && state.version !== version) {
        location.reload();
        return;
      }
      version = state.version;
      if (state.failure) show(state.failure);
      else hide();
    };
  }

  listen();
  // A page being left is not reloaded: the reload would take the place of the page the writer
  // asked for, which shows the site as it now is. Should the page stay (a download, or it comes
  // back from the browser's history), it listens again as the writer uses it, and reloads if
  // the site changed meanwhile.
  window.addEventListener("beforeunload", function () {
    stream.close();
  });
  ["pointerdown", "keydown"].forEach(function (type) {
    window.addEventListener(type, listen, true);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") listen();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) listen();
  });
})();
""".replace("STREAM_PATH", STREAM_PATH)
CLIENT = f'<script src="{SCRIPT_PATH}"></script>'.encode()
# Colours and cursor moves of a terminal: the page shows the text without them.
# What happens to a source that the site may show (not a file merely opened or closed); a folder's
# own events say nothing its files' do not.
SOURCE_EVENTS = ("created", "modified", "deleted", "moved")
TERMINAL_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def failure_texts(gettext: Callable[[str], str]) -> dict[str, str]:
    """What the page says around a failed rebuild's messages, in its language."""
    _ = gettext
    return {
        "title": _("The site could not be rebuilt"),
        "note": _(
            "You are seeing the last version that built. Fix the mistake and save: this page "
            "reloads by itself."
        ),
        "close": _("Close"),
    }


class Settled(enum.Enum):
    """What one step of `Rebuilder.settle` left."""

    MORE = "more"  # some work, for the next step
    RELOAD = "reload"  # pages served earlier changed (their language whole, their search index)
    DONE = "done"  # nothing left


@dataclass(frozen=True)
class SiteState:
    """The site as the open pages should show it: `version` counts the rebuilds that worked;
    `failure` is the message of the last rebuild when it failed (`failure_id` counts them)."""

    version: int = 0
    failure: str | None = None
    failure_id: int = 0


class Rebuilder(FileSystemEventHandler):
    """Rebuilds once the sources have been quiet for a moment: `rebuild(changed)` (the paths
    saved, moved or deleted since the last one) returns None when the site was rebuilt, else
    what went wrong. Every open page hears of the outcome. Between saves, `settle()` finishes
    what a rebuild left for later, a little at a time, until it returns `Settled.DONE`; what it
    raises is shown as a failed rebuild."""

    def __init__(
        self,
        rebuild: Callable[[frozenset[Path]], str | None],
        # An editor's save is a burst of a few events within milliseconds.
        quiet_seconds: float = 0.1,
        catalogs: Catalogs | None = None,
        languages: Iterable[str] = (),
        settle: Callable[[], Settled] = lambda: Settled.DONE,
    ) -> None:
        self.rebuild = rebuild
        self.settle = settle
        self.quiet_seconds = quiet_seconds
        self.catalogs = catalogs or Catalogs()
        self.languages = tuple(languages)
        self.state = SiteState()
        self.changed = threading.Event()
        self.changes: set[Path] = set()
        self.pending = False  # what the last rebuild left for `settle`
        self.lock = threading.Lock()
        # Set while nothing is left to rebuild or settle (tests wait for it).
        self.idle = threading.Event()
        self.stopping = threading.Event()
        self.listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.observer: BaseObserver | None = None
        self.thread = threading.Thread(target=self.loop, name="rebuilder", daemon=True)
        self.thread.start()

    @property
    def version(self) -> int:
        return self.state.version

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in (
            "created",
            "modified",
            "deleted",
            "moved",
        ):
            return
        with self.lock:
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    self.changes.add(Path(os.fsdecode(path)).resolve())
            self.wake()

    def first(self, rebuild: Callable[[], str | None]) -> SiteState:
        """The first rebuild, before the watching: its outcome, published, and what it left
        settled behind it."""
        state = self.outcome(rebuild)
        self.publish(state)
        self.pending = True
        with self.lock:
            self.wake()  # with no change, the loop only settles
        return state

    def wake(self) -> None:
        """The loop has work (with the lock held: it is idle only while it has none)."""
        self.idle.clear()
        self.changed.set()

    def stop(self) -> None:
        """No more watching, and no more building once the step under way ends (a build in
        this process reads its language from the environment, which the next preview's would
        share)."""
        if self.observer is not None:
            self.observer.stop()
            self.observer.join()
        self.stopping.set()
        with self.lock:
            self.wake()
        self.thread.join()

    def loop(self) -> None:
        while not self.stopping.is_set():
            if self.pending and not self.changed.is_set():
                self.pending = self.settled()
                continue
            with self.lock:
                if not self.changed.is_set():
                    self.idle.set()
            self.changed.wait()
            if self.stopping.is_set():
                return
            while self.changed.is_set():  # let a burst of saves settle
                self.changed.clear()
                time.sleep(self.quiet_seconds)
            with self.lock:
                changes, self.changes = frozenset(self.changes), set()
            if changes or not self.pending:
                self.publish(self.outcome(functools.partial(self.rebuild, changes)))
            self.pending = True

    def settled(self) -> bool:
        """One step of `settle`: False once nothing is left."""
        step = Settled.DONE

        def settle() -> None:
            nonlocal step
            step = self.settle()

        state = self.outcome(settle)
        if state.failure is not None or step is Settled.RELOAD:
            self.publish(state)
        return step is not Settled.DONE

    def outcome(self, rebuild: Callable[[], str | None]) -> SiteState:
        """The state after one rebuild. Whatever it raises is a failed rebuild, shown like the
        others: the watching goes on."""
        try:
            failure = rebuild()
        except BuildError as error:
            failure = str(error)
        except Exception as error:  # the preview outlives any one rebuild
            traceback.print_exc()
            failure = f"{type(error).__name__}: {error}"
        state = self.state
        if failure is None:
            return SiteState(version=state.version + 1, failure_id=state.failure_id)
        return SiteState(state.version, TERMINAL_ESCAPE.sub("", failure), state.failure_id + 1)

    def publish(self, state: SiteState) -> None:
        self.state = state
        for loop, event in list(self.listeners):
            loop.call_soon_threadsafe(event.set)

    def message(self, state: SiteState, language: str) -> str:
        data: dict = {"version": state.version, "failure": None}
        if state.failure is not None:
            data["failure"] = {
                "id": state.failure_id,
                "message": state.failure,
                "lang": language,
                **failure_texts(self.catalogs.gettext(language)),
            }
        return f"data: {json.dumps(data)}\n\n"

    def page_language(self, request: Request) -> str:
        """The language of the page that listens (its `lang`), when it is one of the site's;
        else the site's default."""
        asked = request.query_params.get("lang", "")
        if asked in self.languages:
            return asked
        return self.languages[0] if self.languages else "en"

    async def stream(self, request: Request) -> Response:
        language = self.page_language(request)

        async def events() -> AsyncIterator[str]:
            listener = (asyncio.get_running_loop(), asyncio.Event())
            self.listeners.add(listener)
            try:
                yield self.message(self.state, language)
                while not await request.is_disconnected():
                    try:
                        await asyncio.wait_for(listener[1].wait(), timeout=15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    listener[1].clear()
                    yield self.message(self.state, language)
            finally:
                self.listeners.discard(listener)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    def routes(self) -> list[Route]:
        async def script(request: Request) -> Response:
            return Response(
                SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-store"}
            )

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
        self.observer = observer


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
