"""The connection layer: uvicorn's h11 protocol, with the limits a server on the internet needs.

uvicorn (0.54) starts no timer while a connection sends a request's line and headers (its
keep-alive timer only starts after a response): a client that opens connections and sends a
header now and then holds each one for ever, and a few hundred of them take the server offline.
Here, whenever a connection waits for a request's line and headers (once connected, and after
each response), they must arrive within `header_timeout` seconds, or the answer is 408 and the
connection is closed. The request line (414 beyond `max_url_kb`) and the header block (431
beyond `max_header_kb`) are measured as they arrive, before h11 buffers them: a 48 MB address
is refused after its first read, not parsed.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

if TYPE_CHECKING:
    from helpcenter.config import ServerConfig

# After a refusal, how long the connection stays half-open, its reads thrown away, so that the
# client reads the answer (closed at once with unread data, the socket would reset and the
# answer be lost).
LINGER_SECONDS = 2.0
# A request's head ends with an empty line; h11 takes a bare "\n" for "\r\n" too.
BLANK_LINE = re.compile(rb"\n\r?\n")


@dataclass(frozen=True)
class HeadLimits:
    """What a request's line and headers may take: seconds, and bytes."""

    timeout: float
    max_line: int
    max_headers: int

    @classmethod
    def from_settings(cls, server: ServerConfig) -> HeadLimits:
        return cls(
            float(server.header_timeout), server.max_url_kb * 1024, server.max_header_kb * 1024
        )

    @property
    def max_head(self) -> int:
        """The longest head allowed (line, headers and their line ends): h11's buffer."""
        return self.max_line + self.max_headers + 8


class HeadMeter:
    """Measures one request's head as it arrives, keeping none of it (the last two bytes only,
    for an empty line split between two reads), and looking at no more than the longest head
    allowed whatever a read brings."""

    def __init__(self, limits: HeadLimits) -> None:
        self.limits = limits
        self.seen = 0  # bytes of the head so far
        self.line_end: int | None = None  # where the request line ends, after its "\n"
        self.tail = b""
        self.complete = False

    def feed(self, data: bytes) -> int | None:
        """414 once the request line is over its limit, 431 once the header block is; else None."""
        if self.complete:
            return None
        limits = self.limits
        start = self.seen - len(self.tail)  # where `chunk` starts in the head
        chunk = self.tail + data[: max(0, limits.max_head - self.seen)]
        self.seen = start + len(chunk)
        self.tail = chunk[-2:]
        if self.line_end is None:
            newline = chunk.find(b"\n")
            if newline < 0:
                # The line's "\r" is allowed on top of the limit.
                return 414 if self.seen > limits.max_line + 1 else None
            self.line_end = start + newline + 1
            if self.line_end - 1 > limits.max_line + 1:
                return 414
        # The request line's own "\n" may begin the empty line (a request without headers).
        blank = BLANK_LINE.search(chunk, max(0, self.line_end - 1 - start))
        if blank is not None:
            self.complete = True
            return 431 if start + blank.end() - self.line_end > limits.max_headers else None
        return 431 if self.seen - self.line_end > limits.max_headers else None


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline and size limits on each request's head.

    The deadline is armed when the connection is made and after each response, and cancelled
    as soon as h11 has parsed a request's line and headers. At the deadline, a connection that
    had started a request (or never sent one) is answered 408; one kept alive after a response,
    with nothing of a next request, is closed as uvicorn's keep-alive timeout closes it.
    """

    limits: ClassVar[HeadLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.meter = HeadMeter(self.limits)
        self.requests = 0  # requests whose line and headers h11 parsed on this connection
        self.linger_handle: asyncio.TimerHandle | None = None

    # The deadline: armed while the connection waits for a request's line and headers.

    def await_head(self) -> None:
        self.cancel_head_deadline()
        self.meter = HeadMeter(self.limits)
        self.head_deadline = self.loop.call_later(self.limits.timeout, self.head_timed_out)

    def cancel_head_deadline(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def head_timed_out(self) -> None:
        self.head_deadline = None
        if self.transport.is_closing():
            return
        if self.requests and not self.meter.seen:
            self.timeout_keep_alive_handler()  # idle after a response: closed without a word
            return
        self.refuse(408)

    # uvicorn's protocol, with the deadline and the meter.

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.await_head()

    def data_received(self, data: bytes) -> None:
        if self.linger_handle is not None:
            return  # refused: what still comes is thrown away
        if self.head_deadline is not None and self.conn.their_state is h11.IDLE:
            refusal = self.meter.feed(data)
            if refusal is not None:
                self.refuse(refusal)
                return
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # h11 parsed a request's line and headers
            self.requests += 1
            self.cancel_head_deadline()

    def on_response_complete(self) -> None:
        # Armed first: a request already buffered (pipelined) is parsed within and cancels it.
        self.await_head()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.cancel_head_deadline()
        if self.linger_handle is not None:
            self.linger_handle.cancel()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.linger_handle is not None:
            self.transport.close()
            return
        super().shutdown()

    # Refusals.

    def refuse(self, status: int) -> None:
        """Answer `status` outside h11 (no request was parsed) and close the connection."""
        self.cancel_head_deadline()
        self._unset_keepalive_if_required()
        body = f"{status} {HTTPStatus(status).phrase}\n".encode()
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}".encode()]
        head += [name + b": " + value for name, value in self.server_state.default_headers]
        head += [
            b"content-type: text/plain; charset=utf-8",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        # Half-closed: the client reads the answer, then an end of file; its own close (or the
        # linger's end) closes the connection.
        self.transport.write_eof()
        self.flow.resume_reading()
        self.linger_handle = self.loop.call_later(LINGER_SECONDS, self.transport.close)


def guarded_protocol(limits: HeadLimits) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn creates for each connection, with these limits."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"limits": limits})


def raise_open_files_limit(connections: int) -> int:
    """Raise the soft limit on open files to the hard one, so that `connections` sockets fit
    beside the server's own files (many systems start processes at 1024). Returns the limit."""
    try:
        import resource
    except ImportError:  # Windows has no such limit
        return connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return connections
    wanted = connections + 256
    for target in (hard if hard != resource.RLIM_INFINITY else 65536, wanted):
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # macOS caps the soft limit below an infinite hard one
            continue
        soft = target
        break
    if soft < wanted:
        print(
            f"Warning: this process may open {soft} files, fewer than the {connections} "
            "connections `server.max_connections` allows: raise `ulimit -n`.",
            file=sys.stderr,
        )
    return soft
