"""What the writers' preview tells the open pages after each rebuild (the browser's side is in
tests/browser/test_live_reload.py): a failure, in the page's language, whatever went wrong, and
the watching goes on."""

from __future__ import annotations

import json
import threading
import time

from starlette.requests import Request

from helpcenter.server.livereload import Rebuilder, Settled, SiteState


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def stream_request(query: bytes) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": query})


def test_a_rebuild_that_crashes_is_a_failure_and_the_next_change_rebuilds_again():
    outcomes = iter(
        [RuntimeError("disk full"), "\x1b[31mERROR\x1b[0m -  docs/fr/a.md: line 2", None]
    )

    def rebuild(changed):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    rebuilder = Rebuilder(rebuild, quiet_seconds=0)
    rebuilder.changed.set()
    wait_for(lambda: rebuilder.state.failure_id == 1)
    assert rebuilder.state.failure == "RuntimeError: disk full"
    assert rebuilder.state.version == 0

    rebuilder.changed.set()
    wait_for(lambda: rebuilder.state.failure_id == 2)
    assert rebuilder.state.failure == "ERROR -  docs/fr/a.md: line 2"  # no terminal colours

    rebuilder.changed.set()
    wait_for(lambda: rebuilder.state.version == 1)
    assert rebuilder.state.failure is None


def test_a_stopped_preview_builds_nothing_more():
    """What a preview had left to build stops with it (a build in its process would otherwise
    go on behind the next preview's, and share its environment)."""
    steps: list[int] = []

    def settle() -> Settled:
        steps.append(len(steps))
        return Settled.MORE  # always more: it would build forever

    rebuilder = Rebuilder(lambda changed: None, settle=settle)
    rebuilder.first(lambda: None)
    wait_for(lambda: len(steps) > 2)
    stopping = threading.Thread(target=rebuilder.stop, daemon=True)
    stopping.start()
    stopping.join(timeout=10)
    assert not stopping.is_alive() and not rebuilder.thread.is_alive()


def test_pages_hear_the_failure_in_their_language_and_of_a_success_without_one():
    rebuilder = Rebuilder(lambda changed: None, languages=("fr", "it"))
    rebuilder.publish(SiteState(3, "docs/it/a.md: line 2: <b>", 5))

    italian = rebuilder.page_language(stream_request(b"lang=it"))
    message = rebuilder.message(rebuilder.state, italian)
    assert message.startswith("data: ") and message.endswith("\n\n")
    assert "\n" not in message.strip()  # one event, whatever lines the build wrote
    state = json.loads(message.removeprefix("data: "))
    assert state == {
        "version": 3,
        "failure": {
            "id": 5,
            "message": "docs/it/a.md: line 2: <b>",
            "lang": "it",
            "title": "Non è stato possibile ricostruire il sito",
            "note": state["failure"]["note"],
            "close": "Chiudi",
        },
    }
    # A language the site does not have (or a path) gets the site's default.
    for asked in (b"lang=de", b"lang=../../../etc", b""):
        assert rebuilder.page_language(stream_request(asked)) == "fr"

    rebuilder.publish(SiteState(4, None, 5))
    assert json.loads(rebuilder.message(rebuilder.state, "fr").removeprefix("data: ")) == {
        "version": 4,
        "failure": None,
    }
