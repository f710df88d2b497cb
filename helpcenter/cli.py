"""The `helpcenter` command: build the site, serve it with the ticket endpoint, list tickets."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from helpcenter.site.build import BuildError, build_site

DEFAULT_DATABASE = Path("var/helpcenter.sqlite3")


def positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return number


def build_command(args: argparse.Namespace) -> int:
    try:
        build_site(args.config_file, args.site_dir, strict=args.strict, jobs=args.jobs)
    except BuildError as error:
        print(error, file=sys.stderr)
        print(f"Build failed: {args.site_dir}/ was left as it was.", file=sys.stderr)
        return 1
    print(f"Site built in {args.site_dir}/")
    return 0


def open_project(config_file: Path, check: bool = True):
    """The project of `config_file`, or None after saying what is wrong with it; `check=False`
    for commands that read only its languages and pages."""
    from helpcenter.config import ProjectError, load_project

    try:
        return load_project(config_file, check=check)
    except ProjectError as error:
        print(error, file=sys.stderr)
        return None


def serve_command(args: argparse.Namespace) -> int:
    from helpcenter.server.app import serve

    if (project := open_project(args.config_file)) is None:
        return 1
    serve(
        project,
        args.site_dir,
        args.db,
        host=args.host,
        port=args.port,
        helpdesk_url=args.helpdesk_url,
        watch=args.watch,
        rate_limit=args.rate_limit_per_minute,
    )
    return 0


def tickets_serve_command(args: argparse.Namespace) -> int:
    from helpcenter.server.app import serve_tickets

    if (project := open_project(args.config_file)) is None:
        return 1
    serve_tickets(
        project,
        args.db,
        host=args.host,
        port=args.port,
        helpdesk_url=args.helpdesk_url,
        site_dir=args.site_dir,
        rate_limit=args.rate_limit_per_minute,
    )
    return 0


def tickets_list_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import TicketStore

    if not args.db.is_file():
        print(f"No ticket database at {args.db}", file=sys.stderr)
        return 1
    store = TicketStore(args.db, writable=False)
    try:
        tickets = store.list()
    finally:
        store.close()
    if args.state:
        tickets = [t for t in tickets if t["delivery"]["state"] == args.state]
    if args.json:
        print(json.dumps(tickets, ensure_ascii=False, indent=2))
        return 0
    if not tickets:
        print("No tickets." if not args.state else f"No tickets in the state {args.state}.")
    for ticket in tickets:
        files = ", ".join(
            a["filename"] + (" (purged)" if a.get("purged_at") else "")
            for a in ticket["attachments"]
        )
        print(
            f"{ticket['reference']}  {ticket['created_at'][:19]}  [{ticket['language']}] "
            f"{ticket['subject']!r}  <{ticket['email']}>  attachments: {files or '-'}  "
            f"delivery: {delivery_text(ticket['reference'], ticket['delivery'])}"
        )
    return 0


def delivery_text(reference: str, delivery: dict) -> str:
    """A ticket's delivery to the helpdesk in a few words: its state, attempts and last error."""
    state, attempts, error = delivery["state"], delivery["attempts"], delivery["error"]
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if state == "delivered":
        return f"delivered (helpdesk id {delivery['helpdesk_id']}, {tries})"
    if state == "failed":
        return (
            f"failed after {tries} (last error: {error}); "
            f"`helpcenter tickets retry {reference}` tries again"
        )
    if state == "pending" and attempts:
        return f"pending ({tries}, next at {delivery['next_attempt_at'][:19]}; last error: {error})"
    return state


def tickets_retry_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import TicketStore

    if not args.references and not args.failed:
        print("Nothing to retry: give ticket references, or --failed for all.", file=sys.stderr)
        return 2
    if not args.db.is_file():
        print(f"No ticket database at {args.db}", file=sys.stderr)
        return 1
    store = TicketStore(args.db)
    try:
        requeued = store.retry(args.references, all_failed=args.failed)
    finally:
        store.close()
    for reference in requeued:
        print(f"{reference}: back in the queue")
    missing = [r for r in dict.fromkeys(args.references) if r not in requeued]
    for reference in missing:
        print(f"{reference}: no failed delivery with this reference", file=sys.stderr)
    if args.failed and not requeued:
        print("No failed deliveries.")
    if requeued:
        print("The endpoint forwarding to the helpdesk (--helpdesk-url) delivers them next.")
    return 1 if missing else 0


MAX_PURGE_DAYS = 100 * 366


def days(text: str) -> int:
    """A number of days for `purge --older-than`: a whole number from 1 to a century."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days, like 90, not {text!r}"
        ) from None
    if not 1 <= number <= MAX_PURGE_DAYS:
        raise argparse.ArgumentTypeError(
            f"expected a number of days from 1 to {MAX_PURGE_DAYS}, not {number}"
        )
    return number


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# VACUUM after a purge when at least this share of the file, or this many bytes, is free pages.
VACUUM_FREE_RATIO = 0.1
VACUUM_FREE_BYTES = 16 * 1024 * 1024


def purge_command(args: argparse.Namespace) -> int:
    from helpcenter.database import StorageUnavailable, iso
    from helpcenter.feedback.store import FeedbackStore
    from helpcenter.tickets.store import TicketStore

    if not args.db.is_file():
        print(f"No database at {args.db}", file=sys.stderr)
        return 1
    tickets = TicketStore(args.db)
    feedback = FeedbackStore(args.db)
    try:
        now = tickets.clock()
        before = now - args.older_than * 86400
        removed = feedback.purge(before)
        attachments, size = tickets.purge_delivered_attachments(before)
        counters = tickets.purge_usage(now)
        since = iso(before)[:19]
        print(f"Removed from {args.db} what is older than {args.older_than} days ({since} UTC):")
        print(f"  {removed['votes']} votes ({removed['comments']} with a comment)")
        print(f"  {removed['search_gaps']} search gaps")
        print(
            f"  {attachments} attachments ({megabytes(size)}) of tickets delivered to the helpdesk"
        )
        print(f"  {counters} daily quota counters of past days")
        ratio, free = tickets.free_pages()
        if ratio >= VACUUM_FREE_RATIO or free >= VACUUM_FREE_BYTES:
            try:
                shrunk = tickets.vacuum()
            except StorageUnavailable as failure:
                print(f"Not vacuumed: {failure.reason}.", file=sys.stderr)
            else:
                print(f"Vacuumed: the file shrank by {megabytes(shrunk)}.")
    finally:
        tickets.close()
        feedback.close()
    return 0


def site_languages(config_file: Path) -> tuple[Path, tuple[str, ...]]:
    project = open_project(config_file, check=False)
    if project is None:
        raise SystemExit(1)
    return project.docs_dir, project.locales


def translations_command(args: argparse.Namespace) -> int:
    from helpcenter.authoring.translations import MISSING, OUTDATED, translation_states

    docs_dir, locales = site_languages(args.config_file)
    states = [
        s
        for s in translation_states(docs_dir, locales)
        if args.lang is None or s.locale == args.lang
    ]
    if args.json:
        print(json.dumps([state.as_json() for state in states], ensure_ascii=False, indent=2))
    else:
        for state in states:
            detail = ""
            if state.state == OUTDATED:
                since = (
                    f"source changed {state.source_changed_at:%Y-%m-%d}"
                    if state.source_changed_at
                    else "source changed, date unknown"
                )
                lines = f", {state.changed_lines} lines" if state.changed_lines is not None else ""
                detail = f"  ({since}{lines})"
            print(f"{state.locale}/{state.path}: {state.state}{detail}")
        counts = {
            name: sum(s.state == name for s in states) for name in ("up to date", OUTDATED, MISSING)
        }
        print(", ".join(f"{count} {name}" for name, count in counts.items()))
    failing = {"outdated": {OUTDATED}, "missing": {MISSING}}
    watched = set().union(*(failing[name] for name in args.fail_on or []))
    return 1 if any(state.state in watched for state in states) else 0


def translations_mark_command(args: argparse.Namespace) -> int:
    from helpcenter.authoring.translations import mark_up_to_date, source_pages

    docs_dir, locales = site_languages(args.config_file)
    default = locales[0]
    targets = []
    if args.all:
        targets = [
            (locale, path)
            for path in source_pages(docs_dir, default)
            for locale in locales[1:]
            if (docs_dir / locale / path).is_file()
        ]
    for given in args.paths:
        relative = Path(given)
        if relative.parts[:1] == (docs_dir.name,):  # docs/es/... as well as es/...
            relative = Path(*relative.parts[1:])
        locale, *rest = relative.parts
        path = "/".join(rest)
        if locale not in locales[1:] or not (docs_dir / locale / path).is_file():
            print(
                f"{given}: not a translation (expected <{'|'.join(locales[1:])}>/<path>.md "
                "below docs/)",
                file=sys.stderr,
            )
            return 2
        if not (docs_dir / default / path).is_file():
            print(f"{given}: no {default} source at {default}/{path}", file=sys.stderr)
            return 2
        targets.append((locale, path))
    if not targets:
        print(
            "Nothing to mark: give translation paths (es/shipping/returns.md) or --all.",
            file=sys.stderr,
        )
        return 2
    for locale, path in targets:
        changed = mark_up_to_date(docs_dir, default, locale, path)
        print(f"{locale}/{path}: {'marked up to date' if changed else 'already up to date'}")
    return 0


def open_feedback(database: Path):
    import sqlite3

    from helpcenter.feedback.store import FeedbackStore

    if not database.is_file():
        print(f"No database at {database}", file=sys.stderr)
        return None
    try:
        return FeedbackStore(database)
    except sqlite3.Error as error:
        print(f"Cannot read the database {database}: {error}", file=sys.stderr)
        return None


def since_days(text: str) -> int:
    from helpcenter.feedback.reports import days

    try:
        return days(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def feedback_report_command(args: argparse.Namespace) -> int:
    import sqlite3

    from helpcenter.feedback.reports import feedback_report, printable_row

    store = open_feedback(args.db)
    if store is None:
        return 1
    docs_dir, locales = site_languages(args.config_file)
    try:
        report = feedback_report(store, docs_dir, locales, args.lang, args.since)
    except sqlite3.Error as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if not report:
        print("No votes yet.")
    # What readers typed is shown escaped: it cannot clear the screen nor forge a line.
    for row in map(printable_row, report):
        print(
            f"{row['helpful_ratio']:>5.0%}  {row['votes']:>4} votes  "
            f"{row['language']}/{row['page']}  (translation: {row['translation']})"
        )
        for comment in row["comments"]:
            print(f"        \u201c{comment}\u201d")
    return 0


def search_gaps_report_command(args: argparse.Namespace) -> int:
    import sqlite3

    from helpcenter.feedback.reports import printable_row, search_gaps_report

    store = open_feedback(args.db)
    if store is None:
        return 1
    _docs_dir, locales = site_languages(args.config_file)
    site_dir = args.site_dir if args.site_dir.is_dir() else None
    try:
        report = search_gaps_report(store, locales, args.lang, site_dir)
    except sqlite3.Error as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    if not report:
        print("No unanswered searches.")
    # What readers typed is shown escaped: it cannot clear the screen nor forge a line.
    for row in map(printable_row, report):
        hint = ""
        if row["suggestion"]:
            hint = (
                f"  -> found in {row['suggestion']['language']}: "
                f"{row['suggestion']['title']} (missing translation?)"
            )
        print(
            f"{row['language']}  {row['searches']:>4}x  \u201c{row['query']}\u201d  "
            f"(no results: {row['no_results']}, no click: {row['no_click']}){hint}"
        )
    return 0


def init_command(args: argparse.Namespace) -> int:
    from helpcenter.scaffold.project import InitError, init_project

    locales = [code.strip() for code in args.languages.split(",") if code.strip()]
    try:
        notes = init_project(
            args.directory, args.name, locales, args.company, args.site_url, args.currency
        )
    except InitError as error:
        print(error, file=sys.stderr)
        return 2
    for note in notes:
        print(f"Note: {note}")
    print(
        f"Help center created in {args.directory}/ ({', '.join(locales)}). Next:\n"
        f"  cd {args.directory}\n  helpcenter build\n  helpcenter serve"
    )
    return 0


def catalog_new_command(args: argparse.Namespace) -> int:
    from helpcenter.i18n.catalogs import new_catalog

    if (project := open_project(args.config_file)) is None:
        return 1
    try:
        created = new_catalog(project.locales_dir, args.language)
    except FileExistsError as error:
        print(f"{error}: already there; translate what it lacks", file=sys.stderr)
        return 2
    print(f"{created.relative_to(project.root)}: created; translate each msgstr in it")
    return 0


def add_server_options(parser: argparse.ArgumentParser, site_required: bool) -> None:
    parser.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--db", type=Path, default=DEFAULT_DATABASE, help="SQLite database file")
    parser.add_argument(
        "--helpdesk-url",
        default=os.environ.get("HELPCENTER_HELPDESK_URL"),
        help="forward tickets to this Zendesk-compatible helpdesk (https://<subdomain>...)",
    )
    parser.add_argument(
        "--rate-limit-per-minute",
        type=int,
        metavar="N",
        help="requests a client may send to each endpoint a minute (default: mkdocs.yml's)",
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

    init = commands.add_parser("init", help="start a new help center project in a folder")
    init.add_argument("directory", type=Path, help="a new or empty folder")
    init.add_argument("--name", required=True, help="the company or product readers know")
    init.add_argument(
        "--languages",
        required=True,
        help="language codes, the default first: de,nl,ar,en",
    )
    init.add_argument("--company", help="the legal owner, for the copyright (default: --name)")
    init.add_argument(
        "--site-url",
        default="https://help.example.com/",
        help="where the help center will be published",
    )
    init.add_argument("--currency", default="EUR", help="the plans' prices (default: EUR)")
    init.set_defaults(run=init_command)

    catalog = commands.add_parser("catalog", help="the project's own UI strings")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", required=True)
    catalog_new = catalog_commands.add_parser(
        "new", help="create locales/<lang>/LC_MESSAGES/messages.po to translate"
    )
    catalog_new.add_argument("language", help="a language code, as in mkdocs.yml")
    catalog_new.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    catalog_new.set_defaults(run=catalog_new_command)

    build = commands.add_parser("build", help="build every language into the site folder")
    build.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    build.add_argument("--site-dir", type=Path, default=Path("site"))
    build.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fail on warnings (default: on)",
    )
    build.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        help="languages built at once (default: 1; each needs its own memory)",
    )
    build.set_defaults(run=build_command)

    serve = commands.add_parser("serve", help="serve the built site and the ticket endpoint")
    add_server_options(serve, site_required=True)
    serve.add_argument(
        "--watch",
        action="store_true",
        help="rebuild on every change of the sources and reload open pages",
    )
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
    tickets_list.add_argument(
        "--state",
        choices=["pending", "delivered", "failed", "not forwarded"],
        help="only the tickets whose delivery to the helpdesk is in this state",
    )
    tickets_list.set_defaults(run=tickets_list_command)
    tickets_retry = tickets_commands.add_parser(
        "retry", help="put tickets whose delivery failed back in the helpdesk's queue"
    )
    tickets_retry.add_argument("references", nargs="*", metavar="REFERENCE")
    tickets_retry.add_argument("--failed", action="store_true", help="every failed delivery")
    tickets_retry.add_argument("--db", type=Path, default=DEFAULT_DATABASE)
    tickets_retry.set_defaults(run=tickets_retry_command)

    translations = commands.add_parser(
        "translations", help="each translation's state: up to date, outdated or missing"
    )
    translations.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    translations.add_argument("--json", action="store_true", help="machine-readable output")
    translations.add_argument("--lang", help="only this language")
    translations.add_argument(
        "--fail-on",
        action="append",
        choices=["outdated", "missing"],
        help="exit with 1 when a translation is in this state",
    )
    translations.set_defaults(run=translations_command)
    marking = translations.add_subparsers(dest="translations_command")
    mark = marking.add_parser("mark", help="record that translations match their source now")
    mark.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    mark.add_argument("paths", nargs="*", help="translations, like es/shipping/returns.md")
    mark.add_argument("--all", action="store_true", help="every existing translation")
    mark.set_defaults(run=translations_mark_command)

    feedback = commands.add_parser("feedback", help="what readers said of the articles")
    feedback_commands = feedback.add_subparsers(dest="feedback_command", required=True)
    feedback_report = feedback_commands.add_parser(
        "report", help="votes and comments per article, the least helpful first"
    )
    feedback_report.add_argument(
        "--since", type=since_days, metavar="DAYS", help="only the votes of the last DAYS days"
    )
    gaps = commands.add_parser("search-gaps", help="what readers searched and did not find")
    gaps_commands = gaps.add_subparsers(dest="gaps_command", required=True)
    gaps_report = gaps_commands.add_parser(
        "report", help="the most frequent unanswered searches per language"
    )
    gaps_report.add_argument(
        "--site-dir",
        type=Path,
        default=Path("site"),
        help="the built site, to find the words in other languages",
    )
    for report, run in (
        (feedback_report, feedback_report_command),
        (gaps_report, search_gaps_report_command),
    ):
        report.add_argument("--db", type=Path, default=DEFAULT_DATABASE)
        report.add_argument("--lang", help="only this language")
        report.add_argument("--json", action="store_true", help="machine-readable output")
        report.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
        report.set_defaults(run=run)

    purge = commands.add_parser(
        "purge",
        help="delete old votes and comments, search gaps, and the attachments of tickets "
        "delivered to the helpdesk",
    )
    purge.add_argument(
        "--older-than", type=days, required=True, metavar="DAYS", help="what is older goes"
    )
    purge.add_argument("--db", type=Path, default=DEFAULT_DATABASE)
    purge.set_defaults(run=purge_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
