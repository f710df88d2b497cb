"""The writers' reports show what readers typed without letting it act on the terminal: control
characters and escape sequences come out escaped, one report line stays one line; absurd
options are a clear error, never a traceback."""

from __future__ import annotations

import json

import pytest

from helpcenter.cli import main
from helpcenter.feedback.store import FeedbackStore, SearchGap, Vote
from tests.conftest import PROJECT_ROOT

HOSTILE = [
    "\x1b[2J\x1b[H",  # clears the screen
    "ok\r100%     9 votes  fr/forged/  (translation: source)",  # rewrites its own line
    "line one\nforged second line",
    "\x1b]0;title\x07",  # sets the window title
    # right-to-left override and isolate; an 8-bit CSI (clears the screen where it is taken)
    "\u202egnp.exe \u2067gnp.exe\u2069 \x9b2J",
    "bell\x07 and nul\x00",
]


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A database holding what a reader typed before the endpoint refused such characters."""
    monkeypatch.chdir(PROJECT_ROOT)
    path = tmp_path / "db.sqlite3"
    store = FeedbackStore(path)
    for comment in HOSTILE:
        store.add_vote(Vote("es", "shipping/returns/", False, comment))
    store.add_search_gaps([SearchGap("es", "", query, 0) for query in HOSTILE])
    store.close()
    return path


@pytest.mark.parametrize("report", [["feedback", "report"], ["search-gaps", "report"]])
def test_what_readers_typed_cannot_act_on_the_terminal(database, capsys, report):
    assert main([*report, "--db", str(database)]) == 0
    out = capsys.readouterr().out
    assert not any(char in out for char in "\x1b\r\x07\x00\u202e\u2067\u2069\x9b")
    assert "\\x1b" in out and "\\r100%" in out and "\\u202e" in out and "\\x9b2J" in out
    # Each comment or search is on its line: nothing typed made a line of its own.
    lines = out.splitlines()
    assert not any(line.startswith("forged second line") for line in lines)
    assert sum("forged" in line for line in lines) == 2


def test_the_json_reports_keep_what_was_typed_escaped_by_json(database, capsys):
    assert main(["feedback", "report", "--db", str(database), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    [row] = json.loads(out)
    assert row["comments"] and set(row["comments"]) <= set(HOSTILE)


@pytest.mark.parametrize("since", ["99999999999", "-1", "ten", "1e9", ""])
def test_an_absurd_since_is_a_clear_error(database, capsys, since):
    with pytest.raises(SystemExit) as exit_:
        main(["feedback", "report", "--db", str(database), "--since", since])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--since: expected a number of days from 0 to 36500" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("since", ["0", "36500"])
def test_the_longest_and_shortest_periods_work(database, capsys, since):
    assert main(["feedback", "report", "--db", str(database), "--since", since]) == 0
    out = capsys.readouterr().out
    assert ("votes" in out) == (since != "0") or "No votes yet." in out


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    garbage = tmp_path / "notes.txt"
    garbage.write_bytes(b"not a database " * 100)
    for report in (["feedback", "report"], ["search-gaps", "report"]):
        try:
            code = main([*report, "--db", str(garbage)])
        except SystemExit as exit_:  # the database layer's one-line refusal
            code = exit_.code
        assert code not in (0, None)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
