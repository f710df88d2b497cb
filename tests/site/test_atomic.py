"""The preview writes into the site it serves: a reader gets a file as it was or as it is."""

from __future__ import annotations

import mkdocs.utils

import helpcenter.site.preview  # noqa: F401 - MkDocs' pages written whole from then on
from helpcenter.site.atomic import write_atomically


def test_a_page_written_again_leaves_a_reader_of_the_old_one_the_whole_old_page(tmp_path):
    page = tmp_path / "fr" / "index.html"
    mkdocs.utils.write_file(b"<p>Avant</p>", str(page))  # as MkDocs writes a page
    with page.open("rb") as reading:
        mkdocs.utils.write_file(b"<p>Apres</p>", str(page))
        assert reading.read() == b"<p>Avant</p>"
    assert page.read_bytes() == b"<p>Apres</p>"
    assert [path.name for path in page.parent.iterdir()] == ["index.html"]


def test_a_file_written_whole_is_readable_as_any_other(tmp_path):
    written, opened = tmp_path / "written.json", tmp_path / "opened.json"
    write_atomically(written, b"{}")
    opened.write_bytes(b"{}")
    assert written.stat().st_mode == opened.stat().st_mode
