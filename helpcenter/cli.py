"""The `helpcenter` command: build the site, serve it with the ticket endpoint, list tickets,
and answer them when no helpdesk does (`tickets reply`, `tickets status`)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from helpcenter.site.build import SITE_BUILT, BuildError, build_site

if TYPE_CHECKING:
    from helpcenter.config import Project

DEFAULT_DATABASE = Path("var/helpcenter.sqlite3")


def database_option(text: str):
    """`--db`: a SQLite file, or a PostgreSQL database's postgresql:// URL."""
    from helpcenter.engines import database_target

    try:
        return database_target(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """`--db`, by default HELPCENTER_DATABASE_URL or var/helpcenter.sqlite3."""
    from helpcenter import DATABASE_URL_VARIABLE

    parser.add_argument(
        "--db",
        type=database_option,
        default=os.environ.get(DATABASE_URL_VARIABLE) or str(DEFAULT_DATABASE),
        help=f"SQLite database file, or postgresql:// URL (default: ${DATABASE_URL_VARIABLE}, "
        f"else {DEFAULT_DATABASE})",
    )


def no_database(target, what: str = "database") -> bool:
    """Whether there is no database at `target` (a SQLite file not there), after saying so."""
    from helpcenter.engines import exists

    if exists(target):
        return False
    print(f"No {what} at {target}", file=sys.stderr)
    return True


def positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text}")
    return number


def worker_count(text: str) -> int:
    """`--workers`: how many processes serve the port."""
    from helpcenter.server.workers import MAX_WORKERS

    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_WORKERS}, got {text}"
        )
    return int(text)


def add_workers_option(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        metavar="N",
        help="processes serving the port, each with its own database connections (default: 1)",
    )


def build_command(args: argparse.Namespace) -> int:
    try:
        build_site(
            args.config_file,
            args.site_dir,
            strict=args.strict,
            jobs=args.jobs,
            precompress=args.precompress,
        )
    except BuildError as error:
        print(error, file=sys.stderr)
        print(f"Build failed: {args.site_dir}/ was left as it was.", file=sys.stderr)
        return 1
    print(f"{SITE_BUILT} {args.site_dir}/")
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


def serving(args: argparse.Namespace, start: Callable[[Project], None]) -> int:
    """Runs `start` on the project until it is stopped; an address that cannot be listened on
    (the port is taken...) is one line, before the banner."""
    from helpcenter.server.app import CannotServe

    if (project := open_project(args.config_file)) is None:
        return 1
    try:
        start(project)
    except CannotServe as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from helpcenter.server.app import serve

    return serving(
        args,
        lambda project: serve(
            project,
            args.site_dir,
            args.db,
            host=args.host,
            port=args.port,
            helpdesk_url=args.helpdesk_url,
            watch=args.watch,
            rate_limit=args.rate_limit_per_minute,
            workers=args.workers,
        ),
    )


def nginx_config_command(args: argparse.Namespace) -> int:
    from helpcenter.server.nginx import (
        DEFAULT_LISTEN,
        DEFAULT_UPSTREAM,
        NginxConfigError,
        nginx_config,
    )

    if (project := open_project(args.config_file)) is None:
        return 1
    try:
        text = nginx_config(
            project,
            args.site_dir,
            args.upstream or [DEFAULT_UPSTREAM],
            args.listen or [DEFAULT_LISTEN],
        )
    except NginxConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"Cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"{args.output}: written; check it with `nginx -t`, then reload nginx")
    return 0


def tickets_serve_command(args: argparse.Namespace) -> int:
    from helpcenter.server.app import serve_tickets

    return serving(
        args,
        lambda project: serve_tickets(
            project,
            args.db,
            host=args.host,
            port=args.port,
            helpdesk_url=args.helpdesk_url,
            site_dir=args.site_dir,
            rate_limit=args.rate_limit_per_minute,
            workers=args.workers,
        ),
    )


def tickets_list_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import TicketStore

    if no_database(args.db, "ticket database"):
        return 1
    store = TicketStore(args.db, writable=False)
    try:
        tickets = store.list()
    finally:
        store.close()
    if args.state:
        tickets = [t for t in tickets if t["delivery"]["state"] == args.state]
    if args.status:
        from helpcenter.tickets.statuses import READER_STATUSES

        tickets = [t for t in tickets if READER_STATUSES.get(t["status"]) == args.status]
    if args.json:
        print(terminal_json(tickets))
        return 0
    if not tickets:
        chosen = [f"in the state {args.state}"] * bool(args.state) + [
            f"with the status {args.status}"
        ] * bool(args.status)
        print(" ".join(["No tickets", *chosen]) + ".")
    from helpcenter.feedback.reports import printable_row

    for ticket in map(printable_row, tickets):  # what readers typed, made harmless
        files = ", ".join(
            a["filename"] + (" (purged)" if a.get("purged_at") else "")
            for a in ticket["attachments"]
        )
        replies = len(ticket["comments"])
        print(
            f"{ticket['reference']}  {ticket['created_at'][:19]}  [{ticket['language']}] "
            f'"{ticket["subject"]}"  <{ticket["email"]}>  attachments: {files or "-"}  '
            f"status: {ticket['status']}"
            + (f" ({replies} repl{'ies' if replies != 1 else 'y'})" if replies else "")
            + f"  delivery: {delivery_text(ticket['reference'], ticket['delivery'])}"
        )
    return 0


def delivery_text(reference: str, delivery: dict) -> str:
    """A ticket's delivery to the helpdesk in a few words: its state, attempts and last error."""
    state, attempts, error = delivery["state"], delivery["attempts"], delivery["error"]
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if state == "delivered":
        known = f"helpdesk id {delivery['helpdesk_id']}, " if delivery["helpdesk_id"] else ""
        return f"delivered ({known}{tries})"
    if state == "failed":
        return (
            f"failed after {tries} (last error: {error}); "
            f"`helpcenter tickets retry {reference}` tries again"
        )
    if state == "pending" and attempts:
        return f"pending ({tries}, next at {delivery['next_attempt_at'][:19]}; last error: {error})"
    return state


def given_reference(text: str) -> str | None:
    """The reference given on the command line, or None after saying it is not one."""
    from helpcenter.feedback.reports import printable
    from helpcenter.tickets.store import spelled_reference

    reference = spelled_reference(text)
    if reference is None:
        print(
            f"{printable(text)}: not a ticket reference (a reference looks like HC-7K3M-9QX2-P4RT)",
            file=sys.stderr,
        )
    return reference


def tickets_show_command(args: argparse.Namespace) -> int:
    from helpcenter.engines import DRIVER_ERRORS, StorageUnavailable
    from helpcenter.tickets.store import TicketStore

    reference = given_reference(args.reference)
    if reference is None:
        return 2
    if no_database(args.db, "ticket database"):
        return 1
    try:
        store = TicketStore(args.db, writable=False)
        try:
            ticket = store.find(reference)
            files = store.attachment_files(reference) if args.save_attachments is not None else []
        finally:
            store.close()
    except (StorageUnavailable, *DRIVER_ERRORS) as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    if ticket is None:
        print(f"{reference}: no ticket with this reference in {args.db}", file=sys.stderr)
        return 1
    print(terminal_json(ticket) if args.json else ticket_text(ticket))
    if args.save_attachments is None:
        return 0
    # With --json, stdout is the ticket alone: what was saved is said on stderr.
    return save_attachments(files, args.save_attachments, sys.stderr if args.json else sys.stdout)


def terminal_json(data) -> str:
    """`data` as JSON that shows as it is in a terminal: the characters `printable` escapes are
    written as JSON escapes (`\\u001b`), so the JSON means the same and cannot drive the screen.
    (JSON escapes the controls below U+0020 in strings itself: a line break is the layout's.)"""
    from helpcenter.feedback.reports import UNPRINTABLE

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        return char if char == "\n" else f"\\u{ord(char):04x}"

    return UNPRINTABLE.sub(escape, json.dumps(data, ensure_ascii=False, indent=2))


def when(timestamp: str) -> str:
    """An ISO 8601 timestamp of the database (UTC) as a reader reads it."""
    return f"{timestamp[:19].replace('T', ' ')} UTC"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return megabytes(size)


def ticket_text(ticket: dict) -> str:
    """The whole ticket to read in a terminal. What readers typed (and what the helpdesk
    answered) is shown escaped: it cannot clear the screen, move the cursor or forge a line; the
    message keeps its lines, each indented under "Message:", last."""
    from helpcenter.feedback.reports import printable, printable_row

    shown = printable_row(ticket)
    delivery = shown["delivery"]
    sender = f"{shown['name']} <{shown['email']}>" if shown["name"] else f"<{shown['email']}>"
    lines = [
        shown["reference"],
        f"  Received:      {when(shown['created_at'])}",
        f"  Language:      {shown['language']}",
        f"  From:          {sender}",
        f"  Category:      {shown['category']}",
        # The answers to the category's own questions (mkdocs.yml's `fields`), by field id.
        *(f"    {printable(name)}: {value}" for name, value in shown["fields"].items()),
        f"  Plan:          {shown['plan']}",
        f"  From page:     {shown['page'] or '-'}",
        f"  Subject:       {shown['subject']}",
        f"  Status:        {status_text(shown['status'])}",
        f"  Last activity: {when(shown['updated_at'])}",
    ]
    if shown["follows"]:
        lines.append(f"  Follows up on: {shown['follows']}")
    lines += [
        f"  Attachments:   {len(shown['attachments']) or 'none'}",
    ]
    for attachment in shown["attachments"]:
        purged = f", purged {when(attachment['purged_at'])}" if "purged_at" in attachment else ""
        lines.append(
            f"    {attachment['filename']}  ({attachment['content_type']}, "
            f"{size_text(attachment['size'])}{purged})"
        )
    lines.append(f"  Forwarding:    {delivery['state']}")
    if delivery["state"] != "not forwarded":
        lines += [
            f"    Attempts:     {delivery['attempts']}",
            f"    Last error:   {delivery['error'] or '-'}",
            f"    Helpdesk id:  {delivery['helpdesk_id'] or '-'}",
        ]
        for key, label in (
            ("last_attempt_at", "Last attempt"),
            ("next_attempt_at", "Next attempt"),
            ("delivered_at", "Delivered"),
        ):
            if key in delivery:
                lines.append(f"    {label + ':':<13} {when(delivery[key])}")
        if delivery["state"] == "failed":
            lines.append(f"    `helpcenter tickets retry {shown['reference']}` tries again")
    lines.append("  Message:")
    lines += indented(ticket["message"], "    ")
    if ticket["comments"]:
        lines.append("  Conversation (after the message, oldest first):")
    for comment, shown_comment in zip(ticket["comments"], shown["comments"], strict=True):
        author = "reader" if comment["author"] == "requester" else "support team"
        if shown_comment["author_name"]:
            author += f" ({shown_comment['author_name']})"
        visibility = "" if comment["public"] else ", internal note"
        lines.append(f"    {when(comment['created_at'])}, {author}{visibility}:")
        if "delivery" in comment:  # a reader's reply forwarded to the helpdesk as a comment
            lines.append(
                "      To the helpdesk: "
                + delivery_text(shown["reference"], shown_comment["delivery"])
            )
        lines += indented(comment["body"], "      ")
        for attachment in shown_comment["attachments"]:
            lines.append(
                f"      Attached: {attachment['filename']}  ({attachment['content_type']}, "
                f"{size_text(attachment['size'])})"
            )
    return "\n".join(lines)


def indented(text: str, indent: str) -> list[str]:
    """What someone typed, each of its lines escaped and indented (empty lines stay empty)."""
    from helpcenter.feedback.reports import printable

    return [f"{indent}{printable(line)}" if line else "" for line in re.split(r"\r\n|\r|\n", text)]


def status_text(status: str) -> str:
    """A request's status, and what its reader reads on their request's page."""
    from helpcenter.tickets.statuses import READER_STATUSES, STATUS_LABELS

    shown = STATUS_LABELS.get(READER_STATUSES.get(status, ""), "")
    return f"{status} (the reader reads: {shown})" if shown else status


def open_store(database):
    """The ticket store to change, or None after saying there is none."""
    from helpcenter.tickets.store import TicketStore

    if no_database(database, "ticket database"):
        return None
    return TicketStore(database)


def tickets_reply_command(args: argparse.Namespace) -> int:
    """A public reply of the support team, shown on the request's page (no helpdesk)."""
    from helpcenter.tickets.store import AGENT, RequestClosed
    from helpcenter.tickets.validation import Reply

    message = sys.stdin.read() if args.message == "-" else args.message
    message = message.strip()
    if not message:
        print("The reply is empty: give its text with --message.", file=sys.stderr)
        return 2
    reference = given_reference(args.reference)
    if reference is None:
        return 2
    if (store := open_store(args.db)) is None:
        return 1
    try:
        stored = store.add_reply(reference, Reply(message), author=AGENT, status=args.status)
    except LookupError:
        print(f"{reference}: no ticket with this reference in {args.db}", file=sys.stderr)
        return 1
    except RequestClosed:
        print(
            f"{reference}: closed, so it takes no more replies (the reader is offered a new "
            "request that follows up on it)",
            file=sys.stderr,
        )
        return 1
    finally:
        store.close()
    print(f"{reference}: reply added; status: {status_text(stored.status)}")
    return 0


def tickets_status_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import RequestClosed

    reference = given_reference(args.reference)
    if reference is None:
        return 2
    if (store := open_store(args.db)) is None:
        return 1
    try:
        before, after = store.set_status(reference, args.status)
    except LookupError:
        print(f"{reference}: no ticket with this reference in {args.db}", file=sys.stderr)
        return 1
    except RequestClosed:
        print(
            f"{reference}: closed, and a closed request stays closed (the reader is offered a "
            "new request that follows up on it)",
            file=sys.stderr,
        )
        return 1
    finally:
        store.close()
    print(f"{reference}: {before} -> {status_text(after)}")
    return 0


def save_attachments(files: list[tuple[dict, bytes]], folder: Path, out) -> int:
    """Write a ticket's attachments into `folder` (made if missing) under names that are only
    names (no folders, `..` nor control characters); an existing file is never overwritten: the
    attachment gets a name of its own, and `out` is told. 1 when one could not be written."""
    from helpcenter.feedback.reports import printable
    from helpcenter.tickets.validation import safe_filename

    if not files:
        print("No attachments to save.", file=out)
        return 0
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"Cannot save the attachments in {folder}: {error.strerror}", file=sys.stderr)
        return 1
    failed = False
    for attachment, content in files:
        shown = printable(attachment["filename"])
        if "purged_at" in attachment:
            print(
                f"{shown}: not saved, purged {when(attachment['purged_at'])} "
                "(the helpdesk it was delivered to keeps it)",
                file=out,
            )
            continue
        name = safe_filename(attachment["filename"])
        try:
            target = write_new_file(folder, name, content)
        except OSError as error:
            print(f"{shown}: not saved in {folder}: {error.strerror}", file=sys.stderr)
            failed = True
            continue
        taken = "" if target.name == name else f" ({name} is already there, left as it was)"
        print(f"Saved {printable(str(target))}{taken}", file=out)
    return 1 if failed else 0


def write_new_file(folder: Path, name: str, content: bytes) -> Path:
    """`content` in a new file of `folder`: `name`, else `name-2`, `name-3`... before its
    extension. Created exclusively: neither an existing file nor a symbolic link is followed."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    number = 1
    while True:
        candidate = folder / (name if number == 1 else f"{stem}-{number}{dot}{extension}")
        try:
            file = candidate.open("xb")
        except FileExistsError:
            number += 1
            continue
        try:
            with file:
                file.write(content)
        except OSError:
            candidate.unlink(missing_ok=True)
            raise
        return candidate


def tickets_retry_command(args: argparse.Namespace) -> int:
    from helpcenter.tickets.store import TicketStore

    if not args.references and not args.failed:
        print("Nothing to retry: give ticket references, or --failed for all.", file=sys.stderr)
        return 2
    if no_database(args.db, "ticket database"):
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


# VACUUM after a purge when at least this share of a SQLite file, or this many bytes, is free
# pages (PostgreSQL's autovacuum sees to its own).
VACUUM_FREE_RATIO = 0.1
VACUUM_FREE_BYTES = 16 * 1024 * 1024


def purge_command(args: argparse.Namespace) -> int:
    from helpcenter.database import StorageUnavailable, iso
    from helpcenter.feedback.store import FeedbackStore
    from helpcenter.progress import Progress
    from helpcenter.tickets.store import TicketStore

    if no_database(args.db):
        return 1
    tickets = TicketStore(args.db)
    feedback = FeedbackStore(args.db)
    try:
        now = tickets.clock()
        before = now - args.older_than * 86400
        since = iso(before)[:19]
        print(f"Removing from {args.db} what is older than {args.older_than} days ({since} UTC):")
        # Each step on a large database can take a while: its bar, then its line.
        with Progress(sys.stdout) as progress:
            step = progress.step("Deleting old votes and search gaps")
            removed = feedback.purge(before)
            step.finish(
                f"  {removed['votes']} votes ({removed['comments']} with a comment)\n"
                f"  {removed['search_gaps']} search gaps"
            )
            step = progress.step("Emptying the old attachments the helpdesk has")
            attachments, size = tickets.purge_delivered_attachments(before)
            step.finish(
                f"  {attachments} attachments ({megabytes(size)}) of tickets and replies "
                "delivered to the helpdesk"
            )
            step = progress.step("Deleting the quota counters of past days")
            step.finish(f"  {tickets.purge_usage(now)} daily quota counters of past days")
            step = progress.step("Vacuuming the database")
            try:
                shrunk = tickets.compact(VACUUM_FREE_RATIO, VACUUM_FREE_BYTES)
            except StorageUnavailable as failure:
                step.finish(None)
                print(f"Not vacuumed: {failure.reason}.", file=sys.stderr)
            else:
                step.finish(
                    None if shrunk is None else f"Vacuumed: the file shrank by {megabytes(shrunk)}."
                )
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


def review_command(args: argparse.Namespace) -> int:
    from helpcenter.authoring.review import ReviewError, markdown, review

    project = open_project(args.config_file, check=False)
    if project is None:
        return 1
    try:
        log = (
            args.build_log.read_text(encoding="utf-8", errors="replace") if args.build_log else None
        )
        print(markdown(review(project, args.base, log)), end="")
    except OSError as error:
        print(f"{args.build_log}: {error.strerror}", file=sys.stderr)
        return 2
    except ReviewError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


def shown_path(path: Path) -> Path:
    """`path` as the user gave paths: from the current folder when it is below it."""
    try:
        return path.absolute().relative_to(Path.cwd())
    except ValueError:
        return path


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
        locale, *rest = relative.parts or ("",)
        path = "/".join(rest)
        translation = docs_dir / locale / path
        if locale in locales[1:] and path and not translation.exists():
            print(f"{given}: the file {shown_path(translation)} does not exist", file=sys.stderr)
            return 2
        if locale not in locales[1:] or not translation.is_file():
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


def open_feedback(database):
    from helpcenter.engines import DRIVER_ERRORS, StorageUnavailable
    from helpcenter.feedback.store import FeedbackStore

    if no_database(database):
        return None
    try:
        return FeedbackStore(database)
    except (StorageUnavailable, *DRIVER_ERRORS) as error:
        print(f"Cannot read the database {database}: {error}", file=sys.stderr)
        return None


def since_days(text: str) -> int:
    from helpcenter.feedback.reports import days

    try:
        return days(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def feedback_report_command(args: argparse.Namespace) -> int:
    from helpcenter.engines import DRIVER_ERRORS, StorageUnavailable
    from helpcenter.feedback.reports import feedback_report, printable_row

    store = open_feedback(args.db)
    if store is None:
        return 1
    docs_dir, locales = site_languages(args.config_file)
    try:
        report = feedback_report(store, docs_dir, locales, args.lang, args.since)
    except (StorageUnavailable, *DRIVER_ERRORS) as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(terminal_json(report))
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
    from helpcenter.engines import DRIVER_ERRORS, StorageUnavailable
    from helpcenter.feedback.reports import printable_row, search_gaps_report

    store = open_feedback(args.db)
    if store is None:
        return 1
    _docs_dir, locales = site_languages(args.config_file)
    site_dir = args.site_dir if args.site_dir.is_dir() else None
    try:
        report = search_gaps_report(store, locales, args.lang, site_dir, args.since)
    except (StorageUnavailable, *DRIVER_ERRORS) as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(terminal_json(report))
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


def report_command(args: argparse.Namespace) -> int:
    """`helpcenter report --html`: the support team's dashboard, in the site's default language."""
    from helpcenter.engines import DRIVER_ERRORS, StorageUnavailable
    from helpcenter.reports.dashboard import dashboard_data, dashboard_html
    from helpcenter.tickets.store import TicketStore

    project = open_project(args.config_file, check=False)
    feedback = open_feedback(args.db)
    if project is None or feedback is None:
        return 1
    site_dir = args.site_dir if args.site_dir.is_dir() else None
    try:
        tickets = TicketStore(args.db, writable=False)
        try:
            data = dashboard_data(
                feedback,
                tickets,
                project.docs_dir,
                project.locales,
                args.lang,
                args.since,
                site_dir,
            )
        finally:
            tickets.close()
    except (StorageUnavailable, *DRIVER_ERRORS) as error:
        print(f"Cannot read the database {args.db}: {error}", file=sys.stderr)
        return 1
    finally:
        feedback.close()
    default = project.languages[0]
    site_url = project.site_url if project.config.site_url else ""
    html = dashboard_html(
        data, default.locale, default.direction, project.catalogs, site_url, args.since
    )
    args.html.write_text(html, encoding="utf-8")
    print(f"Dashboard written to {args.html}")
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
    from helpcenter.server import DEFAULT_HOST, DEFAULT_PORT

    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    add_database_option(parser)
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
    from helpcenter.tickets.statuses import SETTABLE_STATUSES

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
    build.add_argument(
        "--precompress",
        action="store_true",
        help="write a .gz copy of each text file, for nginx (see `helpcenter nginx-config`)",
    )
    build.set_defaults(run=build_command)

    serve = commands.add_parser("serve", help="serve the built site and the ticket endpoint")
    add_server_options(serve, site_required=True)
    # The writers' preview rebuilds in one process.
    one_process = serve.add_mutually_exclusive_group()
    one_process.add_argument(
        "--watch",
        action="store_true",
        help="rebuild on every change of the sources and reload open pages",
    )
    add_workers_option(one_process)
    serve.set_defaults(run=serve_command)

    nginx = commands.add_parser(
        "nginx-config",
        help="nginx in front, for production: the site and the endpoint's workers, with "
        "mkdocs.yml's limits (write it again after each build)",
    )
    nginx.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    nginx.add_argument("--site-dir", type=Path, default=Path("site"), help="the built site")
    nginx.add_argument(
        "--upstream",
        action="append",
        metavar="HOST:PORT",
        help="a `helpcenter tickets serve` worker; repeat for several (default: where it "
        "listens by default)",
    )
    nginx.add_argument(
        "--listen",
        action="append",
        metavar="[ADDRESS:]PORT",
        help="where nginx listens, with nginx's parameters if any ('443 ssl'); repeat for "
        "several (default: port 80)",
    )
    nginx.add_argument("-o", "--output", type=Path, help="write it to this file, not stdout")
    nginx.set_defaults(run=nginx_config_command)

    tickets = commands.add_parser("tickets", help="the ticket endpoint and its tickets")
    tickets_commands = tickets.add_subparsers(dest="tickets_command", required=True)
    tickets_serve = tickets_commands.add_parser(
        "serve", help="run the ticket endpoint alone (the site on a static host)"
    )
    add_server_options(tickets_serve, site_required=False)
    add_workers_option(tickets_serve)
    tickets_serve.set_defaults(run=tickets_serve_command)
    tickets_list = tickets_commands.add_parser("list", help="list stored tickets")
    add_database_option(tickets_list)
    tickets_list.add_argument("--json", action="store_true", help="machine-readable output")
    tickets_list.add_argument(
        "--state",
        choices=["pending", "delivered", "failed", "not forwarded"],
        help="only the tickets whose delivery to the helpdesk is in this state",
    )
    tickets_list.add_argument(
        "--status",
        choices=SETTABLE_STATUSES,
        help="only the requests with this status as their reader sees it (open: waiting for "
        "the team, including Zendesk's new and on-hold; pending: awaiting the reader's reply)",
    )
    tickets_list.set_defaults(run=tickets_list_command)
    tickets_show = tickets_commands.add_parser(
        "show", help="a stored ticket in full: fields, message, attachments, delivery"
    )
    tickets_show.add_argument("reference", metavar="REFERENCE", help="like HC-7K3M-9QX2-P4RT")
    add_database_option(tickets_show)
    tickets_show.add_argument("--json", action="store_true", help="machine-readable output")
    tickets_show.add_argument(
        "--save-attachments",
        type=Path,
        metavar="DIR",
        help="write the ticket's attachments into DIR (existing files are never overwritten)",
    )
    tickets_show.set_defaults(run=tickets_show_command)
    tickets_reply = tickets_commands.add_parser(
        "reply",
        help="add the support team's public reply, shown on the request's page (without a "
        "helpdesk)",
    )
    tickets_reply.add_argument("reference", metavar="REFERENCE", help="like HC-7K3M-9QX2-P4RT")
    tickets_reply.add_argument(
        "--message", required=True, metavar="TEXT", help="the reply (-: read it from stdin)"
    )
    tickets_reply.add_argument(
        "--status",
        choices=[status for status in SETTABLE_STATUSES if status != "closed"],
        default="pending",
        help="the request's status after the reply (default: pending, awaiting the reader)",
    )
    add_database_option(tickets_reply)
    tickets_reply.set_defaults(run=tickets_reply_command)
    tickets_status = tickets_commands.add_parser(
        "status", help="set a request's status, shown on its page (without a helpdesk)"
    )
    tickets_status.add_argument("reference", metavar="REFERENCE", help="like HC-7K3M-9QX2-P4RT")
    tickets_status.add_argument("status", choices=SETTABLE_STATUSES)
    add_database_option(tickets_status)
    tickets_status.set_defaults(run=tickets_status_command)
    tickets_retry = tickets_commands.add_parser(
        "retry",
        help="put tickets (and readers' replies) whose delivery failed back in the helpdesk's "
        "queue",
    )
    tickets_retry.add_argument("references", nargs="*", metavar="REFERENCE")
    tickets_retry.add_argument("--failed", action="store_true", help="every failed delivery")
    add_database_option(tickets_retry)
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

    review = commands.add_parser(
        "review",
        help="what a change does, as Markdown for a pull request's job summary: the translations "
        "it makes outdated or missing, the build's warnings, links to the changed pages",
    )
    review.add_argument(
        "--base",
        required=True,
        metavar="REF",
        help="what the change is compared with (origin/main)",
    )
    review.add_argument(
        "--build-log", type=Path, metavar="FILE", help="the output of `helpcenter build`"
    )
    review.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    review.set_defaults(run=review_command)

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
        "--since", type=since_days, metavar="DAYS", help="only the searches of the last DAYS days"
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
        add_database_option(report)
        report.add_argument("--lang", help="only this language")
        report.add_argument("--json", action="store_true", help="machine-readable output")
        report.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
        report.set_defaults(run=run)

    report = commands.add_parser(
        "report", help="the support team's dashboard: one static HTML file with charts and tables"
    )
    report.add_argument(
        "--html", type=Path, required=True, metavar="OUT.html", help="the file to write"
    )
    report.add_argument(
        "--since",
        type=since_days,
        metavar="DAYS",
        help="only votes, searches and tickets of the last DAYS days",
    )
    report.add_argument("--lang", help="only this language")
    report.add_argument(
        "--site-dir", type=Path, default=Path("site"), help="the built site, to find answers"
    )
    report.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    add_database_option(report)
    report.set_defaults(run=report_command)

    purge = commands.add_parser(
        "purge",
        help="delete old votes and comments, search gaps, and the attachments of tickets and "
        "replies delivered to the helpdesk",
    )
    purge.add_argument(
        "--older-than", type=days, required=True, metavar="DAYS", help="what is older goes"
    )
    add_database_option(purge)
    purge.set_defaults(run=purge_command)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
