"""`helpcenter tickets show REF`: one stored ticket in full, as support reads it in a terminal or
a script reads it as JSON, and its attachments saved to a folder without harm."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpcenter.cli import main
from helpcenter.tickets.store import TicketStore
from helpcenter.tickets.validation import Attachment, Ticket

RECEIVED = datetime(2030, 1, 1, 9, 30, tzinfo=UTC).timestamp()
PDF = b"%PDF-1.4\n% the label\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
TICKET = Ticket(
    name="Lucía Romero",
    email="lucia@example.com",
    subject="Etiqueta ilegible",
    category="shipping",
    plan="business",
    message="La etiqueta sale en blanco.\nDesde esta mañana, con todas las impresoras.",
    language="es",
    page="shipping/labels/",
    attachments=(
        Attachment("etiqueta.pdf", "application/pdf", PDF),
        Attachment("captura.png", "image/png", PNG),
    ),
)


def store_ticket(database: Path, ticket: Ticket = TICKET, forward: bool = True) -> str:
    store = TicketStore(database, forward=forward, clock=lambda: RECEIVED)
    try:
        return store.add(ticket).reference
    finally:
        store.close()


def show(database: Path, reference: str, *options: str) -> int:
    return main(["tickets", "show", reference, "--db", str(database), *options])


def test_the_whole_ticket_is_shown_with_its_delivery(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    store = TicketStore(database, clock=lambda: RECEIVED + 60)
    store.mark_delivered(1, "4711")
    store.close()

    assert show(database, reference) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{reference}\n")
    for line in (
        "Received:      2030-01-01 09:30:00 UTC",
        "Language:      es",
        "From:          Lucía Romero <lucia@example.com>",
        "Category:      shipping",
        "Plan:          business",
        "From page:     shipping/labels/",
        "Subject:       Etiqueta ilegible",
        "Attachments:   2",
        "etiqueta.pdf  (application/pdf, 21 bytes)",
        "captura.png  (image/png, 2.0 KB)",
        "Forwarding:    delivered",
        "Attempts:     1",
        "Last error:   -",
        "Helpdesk id:  4711",
        "Delivered:    2030-01-01 09:31:00 UTC",
    ):
        assert f"  {line}\n" in out, line
    # The message last, each of its lines under "Message:".
    assert out.endswith(
        "  Message:\n"
        "    La etiqueta sale en blanco.\n"
        "    Desde esta mañana, con todas las impresoras.\n"
    )


def test_a_failed_delivery_shows_its_attempts_its_last_error_and_how_to_retry(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    store = TicketStore(database, clock=lambda: RECEIVED + 60)
    store.mark_failed_attempt(1, "request: HTTP 422", RECEIVED + 120)
    store.mark_failed_attempt(1, "request: HTTP 422 (refused)", RECEIVED + 120, give_up=True)
    store.close()

    assert show(database, reference) == 0
    out = capsys.readouterr().out
    assert "  Forwarding:    failed\n" in out
    assert "    Attempts:     2\n" in out
    assert "    Last error:   request: HTTP 422 (refused)\n" in out
    assert "    Helpdesk id:  -\n" in out
    assert f"`helpcenter tickets retry {reference}` tries again" in out


def test_a_ticket_kept_without_a_helpdesk_says_it_is_not_forwarded(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database, forward=False)
    assert show(database, reference) == 0
    out = capsys.readouterr().out
    assert "  Forwarding:    not forwarded\n" in out
    assert "Attempts" not in out


def test_json_is_the_ticket_as_tickets_list_gives_it(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    store_ticket(database, replace(TICKET, subject="Otra"))
    reference = store_ticket(database)
    assert main(["tickets", "list", "--db", str(database), "--json"]) == 0
    listed = {t["reference"]: t for t in json.loads(capsys.readouterr().out)}
    assert show(database, reference, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == listed[reference]
    assert shown["message"] == TICKET.message
    assert [a["filename"] for a in shown["attachments"]] == ["etiqueta.pdf", "captura.png"]
    assert shown["delivery"]["state"] == "pending"


HOSTILE = Ticket(
    name="Mallory\x1b[2J\x1b[H",
    email="mallory@example.com",
    subject="Reembolso \u202egnp.exe\u202c urgente",
    category="billing",
    plan="pro",
    message=(
        "Hola.\r\n\x1b]0;pwned\x07Texto\x1b[8m oculto\x1b[0m\rsobrescrito\n"
        "  Forwarding:    delivered\n\u2028fin"
    ),
    language="es",
    page="billing/\x1b[31m",
    attachments=(Attachment("factura\x1b[5m.pdf", "application/pdf", PDF),),
)
RAW = ("\x1b", "\x07", "\u202e", "\u202c", "\u2028")


def test_what_a_reader_typed_cannot_drive_the_terminal(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database, HOSTILE)
    store = TicketStore(database)
    store.mark_failed_attempt(1, "request: HTTP 400 \x1b[2J", RECEIVED)
    store.close()

    assert show(database, reference) == 0
    out = capsys.readouterr().out
    assert not [char for char in RAW if char in out]
    assert "From:          Mallory\\x1b[2J\\x1b[H <mallory@example.com>" in out
    assert "Subject:       Reembolso \\u202egnp.exe\\u202c urgente" in out
    assert "factura\\x1b[5m.pdf  (application/pdf" in out
    assert "Last error:   request: HTTP 400 \\x1b[2J" in out
    # A carriage return cannot overwrite a line, and a line of the message cannot pass for a
    # field of the ticket: it stays indented under "Message:".
    message = out.split("  Message:\n", 1)[1]
    assert message == (
        "    Hola.\n"
        "    \\x1b]0;pwned\\x07Texto\\x1b[8m oculto\\x1b[0m\n"
        "    sobrescrito\n"
        "      Forwarding:    delivered\n"
        "    \\u2028fin\n"
    )
    assert [line for line in out.splitlines() if line.startswith("  Forwarding:")] == [
        "  Forwarding:    pending"
    ]

    assert show(database, reference, "--json") == 0
    out = capsys.readouterr().out
    assert not [char for char in RAW if char in out]
    shown = json.loads(out)  # escaped as JSON escapes: the same text once parsed
    assert (shown["name"], shown["subject"]) == (HOSTILE.name, HOSTILE.subject)
    assert shown["message"] == HOSTILE.message
    assert shown["attachments"][0]["filename"] == "factura\x1b[5m.pdf"


def test_a_reference_spelled_out_loosely_is_found(tmp_path, capsys):
    """Lower case, O for 0 and I or L for 1, as a reader reading it out may give it."""
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    spelled = reference.lower().replace("0", "o").replace("1", "l")
    assert show(database, f" {spelled} ") == 0
    assert capsys.readouterr().out.startswith(f"{reference}\n")


def test_an_unknown_reference_is_one_clear_line_and_a_failure(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    store_ticket(database)
    store = TicketStore(database, writable=False)
    assert (store.find("HC-0000-0000-0000"), store.find("")) == (None, None)
    store.close()
    assert show(database, "HC-0000-0000-0000") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"HC-0000-0000-0000: no ticket with this reference in {database}\n"

    assert show(database, "HC-\x1b[2J") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "HC-\\x1b[2J: not a ticket reference (a reference looks like HC-7K3M-9QX2-P4RT)\n"
    )

    assert show(tmp_path / "none.sqlite3", "HC-0000-0000-0000") == 1
    assert capsys.readouterr().err == f"No ticket database at {tmp_path / 'none.sqlite3'}\n"
    assert not (tmp_path / "none.sqlite3").exists()


# --save-attachments


def test_attachments_are_saved_into_the_folder(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    folder = tmp_path / "saved" / reference
    assert show(database, reference, "--save-attachments", str(folder)) == 0
    out = capsys.readouterr().out
    assert (folder / "etiqueta.pdf").read_bytes() == PDF
    assert (folder / "captura.png").read_bytes() == PNG
    assert sorted(path.name for path in folder.iterdir()) == ["captura.png", "etiqueta.pdf"]
    assert f"Saved {folder / 'etiqueta.pdf'}\n" in out
    assert f"Saved {folder / 'captura.png'}\n" in out


def test_existing_files_are_never_overwritten_and_the_user_is_told(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "etiqueta.pdf").write_bytes(b"the support agent's own file")
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"not to be touched")
    (folder / "captura.png").symlink_to(outside)

    assert show(database, reference, "--save-attachments", str(folder)) == 0
    out = capsys.readouterr().out
    assert (folder / "etiqueta.pdf").read_bytes() == b"the support agent's own file"
    assert (folder / "etiqueta-2.pdf").read_bytes() == PDF
    assert f"Saved {folder / 'etiqueta-2.pdf'} (etiqueta.pdf is already there" in out
    assert outside.read_bytes() == b"not to be touched"
    assert (folder / "captura-2.png").read_bytes() == PNG

    # Saving again keeps both copies and adds new ones.
    assert show(database, reference, "--save-attachments", str(folder)) == 0
    assert (folder / "etiqueta-3.pdf").read_bytes() == PDF
    assert (folder / "etiqueta-2.pdf").read_bytes() == PDF


def test_attachment_names_cannot_leave_the_folder(tmp_path, capsys):
    """Names from older versions or other writers are stored as sent: saved as names only."""
    database = tmp_path / "tickets.sqlite3"
    hostile = replace(
        TICKET,
        attachments=(
            Attachment("../../escaped.pdf", "application/pdf", PDF),
            Attachment("/etc/cron.d/job.txt", "text/plain", b"* * * * * x\n"),
            Attachment("..", "text/plain", b"dots"),
            Attachment(".bashrc", "text/plain", b"alias ls=rm\n"),
            Attachment("C:\\Windows\\evil\x1b[2J.txt", "text/plain", b"x"),
        ),
    )
    reference = store_ticket(database, hostile)
    folder = tmp_path / "a" / "b" / "saved"
    assert show(database, reference, "--save-attachments", str(folder)) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert sorted(path.name for path in folder.iterdir()) == [
        "attachment",
        "bashrc",
        "escaped.pdf",
        "evil_2J.txt",
        "job.txt",
    ]
    written = {path for path in tmp_path.rglob("*") if path.is_file()}
    assert {path.parent for path in written if not path.name.startswith("tickets.")} == {folder}
    assert (folder / "escaped.pdf").read_bytes() == PDF


def test_purged_attachments_are_not_saved_and_the_user_is_told(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    store = TicketStore(database, clock=lambda: RECEIVED + 86400)
    store.mark_delivered(1, "4711")
    assert store.purge_delivered_attachments(RECEIVED + 1) == (2, len(PDF) + len(PNG))
    store.close()

    folder = tmp_path / "saved"
    assert show(database, reference, "--save-attachments", str(folder)) == 0
    out = capsys.readouterr().out
    assert "etiqueta.pdf  (application/pdf, 21 bytes, purged 2030-01-02 09:30:00 UTC)" in out
    assert (
        "etiqueta.pdf: not saved, purged 2030-01-02 09:30:00 UTC "
        "(the helpdesk it was delivered to keeps it)"
    ) in out
    assert list(folder.iterdir()) == []


def test_with_json_the_saved_files_are_told_on_stderr(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    folder = tmp_path / "saved"
    assert show(database, reference, "--json", "--save-attachments", str(folder)) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["reference"] == reference
    assert f"Saved {folder / 'etiqueta.pdf'}\n" in captured.err


def test_a_folder_that_cannot_be_made_is_a_failure(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    reference = store_ticket(database)
    (tmp_path / "file").write_text("a file, not a folder")
    assert show(database, reference, "--save-attachments", str(tmp_path / "file")) == 1
    assert f"Cannot save the attachments in {tmp_path / 'file'}" in capsys.readouterr().err


@pytest.mark.parametrize("options", [(), ("--json",)])
def test_a_ticket_without_attachments_has_nothing_to_save(tmp_path, capsys, options):
    database = tmp_path / "tickets.sqlite3"
    plain = replace(TICKET, attachments=())
    reference = store_ticket(database, plain)
    folder = tmp_path / "saved"
    assert show(database, reference, *options, "--save-attachments", str(folder)) == 0
    captured = capsys.readouterr()
    said = captured.err if options else captured.out
    assert "No attachments to save." in said
    assert not folder.exists()


def test_the_list_cannot_be_driven_by_what_a_reader_typed_either(tmp_path, capsys):
    database = tmp_path / "tickets.sqlite3"
    store_ticket(database, HOSTILE)
    for options in ([], ["--json"]):
        assert main(["tickets", "list", "--db", str(database), *options]) == 0
        out = capsys.readouterr().out
        assert not [char for char in RAW if char in out], options
        assert "gnp.exe" in out
