"""nginx in front, for production: the server block `helpcenter nginx-config` writes.

nginx serves the built site with the headers of `site/_headers` and the gzip copies of `helpcenter
build --precompress`, answering the site root, a folder asked for without its slash, a missing
page (the 404 page of its language), hidden files and `_headers` as `helpcenter serve` does; it
passes the endpoint's paths to `helpcenter tickets serve` workers on loopback. Every limit is
mkdocs.yml's `server` settings or the endpoint's own body limits, so that nginx refuses what the
endpoint would refuse, before it gets there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from helpcenter.config import Project
from helpcenter.server import DEFAULT_HOST, DEFAULT_PORT
from helpcenter.server.app import NOT_FOR_READERS
from helpcenter.site.headers import HEADERS_FILE, read_headers_file
from helpcenter.tickets.app import api_routes, body_limits
from helpcenter.tickets.guards import BODY_IDLE_SECONDS
from helpcenter.tickets.sync import webhook_routes

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_UPSTREAM = f"{DEFAULT_HOST}:{DEFAULT_PORT}"  # `helpcenter tickets serve`'s own default
DEFAULT_LISTEN = "80"
# How long nginx tries to reach a worker on loopback before the next one (one down), and how
# long a worker may take to read a passed request or to answer it (a ticket's attachments
# stored included).
CONNECT_SECONDS = 5
ANSWER_SECONDS = 60

HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)"
PORT = r"[0-9]{1,5}"
UPSTREAM = re.compile(rf"{HOST}:{PORT}")
# nginx's `listen`: [address:]port, then parameters such as `ssl` or `backlog=511`.
LISTEN = re.compile(rf"(?:(?:{HOST}|\*):)?{PORT}(?: [a-z_]+(?:=[A-Za-z0-9_.:]+)?)*")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NginxConfigError(Exception):
    """The site or an option cannot make a configuration; the message says which and why."""


@dataclass(frozen=True)
class ProxiedPath:
    """One of the endpoint's paths (exact), or a prefix of its paths, with its largest body."""

    path: str
    exact: bool
    max_body_bytes: int


def proxied_paths(project: Project) -> list[ProxiedPath]:
    """The endpoint's routes as mkdocs.yml places them, the helpdesk's webhook included (its
    secret is the endpoint's to know), each with the body limit the endpoint applies there."""
    paths = project.endpoint_paths
    limits = body_limits(project.settings.server, paths, paths.helpdesk_webhook)
    routes = api_routes(paths) + webhook_routes(paths.helpdesk_webhook)
    proxied: dict[str, ProxiedPath] = {}
    for route in routes:
        prefix, parameter, _ = route.path.partition("{")
        max_body = limits.get(prefix, project.contact.attachments.max_body_bytes)
        proxied.setdefault(prefix, ProxiedPath(prefix, not parameter, max_body))
    return list(proxied.values())


def pattern(value: str) -> str:
    """A regular expression as an nginx string (nginx reads no variable in one)."""
    if CONTROL.search(value):
        raise NginxConfigError(f"{value!r}: nginx cannot be given a control character")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quoted(value: object) -> str:
    """`value` as an nginx string, taken as it is: in most strings a `$` starts a variable."""
    text = str(value)
    if "$" in text:
        raise NginxConfigError(f"{text!r}: nginx would read a variable in `$`")
    return pattern(text)


def duration(seconds: float) -> str:
    """A duration as nginx takes it: in whole seconds, or whole milliseconds."""
    milliseconds = round(seconds * 1000)
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"


def checked(values: Sequence[str], pattern: re.Pattern[str], option: str, example: str) -> list:
    for value in values:
        if not pattern.fullmatch(value):
            raise NginxConfigError(f"{option} {value!r}: expected {example}")
    return list(values)


def not_for_readers() -> str:
    """What `helpcenter serve` never serves, as a regular expression over a path: a hidden file
    or folder (`.well-known` excepted), or one of the build's files not meant for readers."""
    names = "|".join(re.escape(name) for name in sorted(NOT_FOR_READERS))
    return rf"/\.(?!well-known(?:/|$))|/(?i:{names})(?:/|$)"


def nginx_config(
    project: Project,
    site_dir: Path,
    upstreams: Sequence[str] = (DEFAULT_UPSTREAM,),
    listen: Sequence[str] = (DEFAULT_LISTEN,),
) -> str:
    """The server block (with its upstream and map) for nginx's http block, for the site built in
    `site_dir` and the endpoint workers at `upstreams`, listening at `listen`."""
    site_dir = site_dir.resolve()
    headers = read_headers_file(site_dir)
    if not (site_dir / "index.html").is_file() or not headers:
        raise NginxConfigError(
            f"{site_dir}/ holds no built site (its index.html and {HEADERS_FILE}): "
            "run `helpcenter build` first"
        )
    server = project.settings.server
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # nginx's syntax, quoted by `quoted`
    )
    env.filters["quoted"] = quoted
    env.filters["pattern"] = pattern
    env.filters["duration"] = duration
    return env.get_template("nginx.conf.j2").render(
        config_file=project.config.config_file_path,
        site_dir=site_dir,
        server_name=urlsplit(project.site_url).hostname or "_",
        upstreams=checked(upstreams, UPSTREAM, "--upstream", "HOST:PORT, like 127.0.0.1:8000"),
        listen=checked(listen, LISTEN, "--listen", "[ADDRESS:]PORT and nginx's parameters"),
        languages="|".join(re.escape(locale) for locale in project.locales),
        server=server,
        # Buffers of max_url_kb: one for the request line, the others for the header block.
        header_buffers=1 + math.ceil(server.max_header_kb / server.max_url_kb),
        body_idle_seconds=BODY_IDLE_SECONDS,
        connect_seconds=CONNECT_SECONDS,
        answer_seconds=ANSWER_SECONDS,
        site_headers=list(headers.items()),
        not_for_readers=not_for_readers(),
        proxied=proxied_paths(project),
    )
