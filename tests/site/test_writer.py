"""A clean build's pages are made ahead by a thread (helpcenter.site.writer), and blanks for its
search files: once its language is built, every file is there, whole, no blank is left, and a
page that could not be made fails the build; a site that is read while it builds (the
preview's) gets each file whole, and no page or blank made ahead of its content."""

from __future__ import annotations

import pytest

from helpcenter.site.writer import SiteFiles, SiteWriter


@pytest.mark.parametrize("blanks", [0, 10, 60])
@pytest.mark.parametrize("blanks_made_first", [False, True])
def test_files_written_behind_are_all_there_once_the_build_finishes(
    tmp_path, blanks, blanks_made_first
):
    writer = SiteWriter(behind=True)
    pages = [str(tmp_path / "fr" / f"article-{n}" / "index.html") for n in range(40)]
    writer.make_ahead(pages, tmp_path / "fr" / "search", blanks)
    if blanks_made_first:
        assert writer.thread is not None
        writer.thread.join()
        assert len(list((tmp_path / "fr" / "search").iterdir())) == blanks
    search = SiteFiles(tmp_path / "fr", writer)
    for n in range(40):
        search[f"search/terms.{n}.json"] = f'{{"n": {n}}}'.encode()
    writer.finish()
    assert all((tmp_path / "fr" / f"article-{n}" / "index.html").is_file() for n in range(40))
    written = sorted(path.name for path in (tmp_path / "fr" / "search").iterdir())
    assert written == sorted(f"terms.{n}.json" for n in range(40))  # and no blank
    assert len(search.paths) == 40
    assert all(
        (tmp_path / "fr" / "search" / f"terms.{n}.json").read_text() == f'{{"n": {n}}}'
        for n in range(40)
    )


def test_a_page_that_cannot_be_made_fails_the_build(tmp_path):
    writer = SiteWriter(behind=True)
    (tmp_path / "fr").write_text("a file where the language's folder goes")
    writer.make_ahead([str(tmp_path / "fr" / "article" / "index.html")], tmp_path / "search", 2)
    with pytest.raises(NotADirectoryError):
        writer.finish()


def test_a_page_made_ahead_keeps_what_is_there(tmp_path):
    page = tmp_path / "fr" / "index.html"
    page.parent.mkdir()
    page.write_text("<p>Bonjour</p>")
    writer = SiteWriter(behind=True)
    writer.make_ahead([str(page)], tmp_path / "fr" / "search", 2)
    writer.finish()
    assert page.read_text() == "<p>Bonjour</p>"


def test_a_site_read_while_it_builds_gets_each_file_at_once_and_no_empty_page(tmp_path):
    writer = SiteWriter(behind=False)
    writer.make_ahead([str(tmp_path / "fr" / "new-article" / "index.html")], tmp_path / "search", 2)
    SiteFiles(tmp_path, writer)["search/terms.json"] = b"{}"
    assert (tmp_path / "search" / "terms.json").read_bytes() == b"{}"  # before `finish`
    assert not (tmp_path / "fr").exists()
    assert [path.name for path in (tmp_path / "search").iterdir()] == ["terms.json"]  # no blank
