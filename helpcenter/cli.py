"""The `helpcenter` command: build the site, serve it with the ticket endpoint, list tickets."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from helpcenter.build import BuildError, build_site

DEFAULT_DATABASE = Path("var/helpcenter.sqlite3")


def build_command(args: argparse.Namespace) -> int:
    try:
        build_site(args.config_file, args.site_dir, strict=args.strict)
    except BuildError as error:
        print(error, file=sys.stderr)
        print(f"Build failed: {args.site_dir}/ was left as it was.", file=sys.stderr)
        return 1
    print(f"Site built in {args.site_dir}/")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from helpcenter.serve import serve

    serve(args.site_dir, args.db, host=args.host, port=args.port, helpdesk_url=args.helpdesk_url)
    return 0


def tickets_serve_command(args: argparse.Namespace) -> int:
    from helpcenter.serve import serve_tickets

    serve_tickets(
        args.db,
        host=args.host,
        port=args.port,
        helpdesk_url=args.helpdesk_url,
        site_dir=args.site_dir,
    )
    return 0


def tickets_list_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import TicketStore

    if not args.db.is_file():
        print(f"No ticket database at {args.db}", file=sys.stderr)
        return 1
    store = TicketStore(args.db)
    tickets = store.list()
    store.close()
    if args.json:
        print(json.dumps(tickets, ensure_ascii=False, indent=2))
        return 0
    if not tickets:
        print("No tickets.")
    for ticket in tickets:
        files = ", ".join(a["filename"] for a in ticket["attachments"]) or "-"
        print(
            f"{ticket['reference']}  {ticket['created_at'][:19]}  [{ticket['language']}] "
            f"{ticket['subject']!r}  <{ticket['email']}>  attachments: {files}  "
            f"delivery: {ticket['delivery']['state']}"
        )
    return 0


def add_server_options(parser: argparse.ArgumentParser, site_required: bool) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--db", type=Path, default=DEFAULT_DATABASE, help="SQLite database file")
    parser.add_argument(
        "--helpdesk-url",
        default=os.environ.get("HELPCENTER_HELPDESK_URL"),
        help="forward tickets to this Zendesk-compatible helpdesk (https://<subdomain>...)",
    )
    parser.add_argument(
        "--site-dir",
        type=Path,
        default=Path("site") if site_required else None,
        help="the built site" + ("" if site_required else ", to show the form again on errors"),
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="helpcenter", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build every language into the site folder")
    build.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fail on warnings (default: on)",
    )
    build.set_defaults(run=build_command)

    serve = commands.add_parser("serve", help="serve the built site and the ticket endpoint")
    add_server_options(serve, site_required=True)
    serve.set_defaults(run=serve_command)

    tickets = commands.add_parser("tickets", help="the ticket endpoint and its tickets")
    tickets_commands = tickets.add_subparsers(dest="tickets_command", required=True)
    tickets_serve = tickets_commands.add_parser(
        "serve", help="run the ticket endpoint alone (the site on a static host)"
    )
    add_server_options(tickets_serve, site_required=False)
    tickets_serve.set_defaults(run=tickets_serve_command)
    tickets_list = tickets_commands.add_parser("list", help="list stored tickets")
    tickets_list.add_argument("--db", type=Path, default=DEFAULT_DATABASE)
    tickets_list.add_argument("--json", action="store_true", help="machine-readable output")
    tickets_list.set_defaults(run=tickets_list_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
