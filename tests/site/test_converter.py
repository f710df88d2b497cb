"""A language's pages converted by one Markdown instance come out as MkDocs' own conversion,
each page's converter a fresh one, makes them: whatever the page before left in it."""

from __future__ import annotations

from pathlib import Path

import yaml
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from helpcenter.site.converter import PageConverter

PAGES = {
    "a.md": (
        "# First\n\n## Setting up { #setup }\n\nSee [the second](b.md#two) and [here](#setup)."
        '\n\n<div markdown id="raw">*Inside* HTML</div>\n\n!!! note\n    A note[^1].\n\n'
        "[^1]: Its footnote.\n\n*[HTML]: HyperText Markup Language\n"
    ),
    "b.md": (
        "# Second\n\nHTML, no footnote.\n\n## Two\n\n```python\nx = 1\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    ),
    "c.md": "Text before any title, [a link](a.md).\n\n### Deep\n",
}


def converted(tmp_path: Path, convert) -> list[tuple]:
    """What MkDocs keeps of each page once converted, converting a, b, c, then a again."""
    docs = tmp_path / "docs"
    docs.mkdir(parents=True)
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        yaml.safe_dump(
            {
                "site_name": "Test",
                "markdown_extensions": [
                    "admonition",
                    "attr_list",
                    "md_in_html",
                    "tables",
                    "footnotes",  # and abbreviations: what a page defines is its own
                    "abbr",
                    {"toc": {"permalink": True}},
                    "pymdownx.details",
                    "pymdownx.superfences",
                ],
                "validation": {"anchors": "warn"},
            }
        ),
        encoding="utf-8",
    )
    config = load_config(str(tmp_path / "mkdocs.yml"))
    files = Files([File(name, str(docs), str(tmp_path / "site"), True) for name in PAGES])
    pages = [Page(None, file, config) for file in files]
    kept = []
    for page in [*pages, pages[0]]:
        page.read_source(config)
        convert(page, config, files)
        kept.append(
            (
                page.content,
                [(item.title, item.id, len(item.children)) for item in page.toc],
                page.title,
                page.present_anchor_ids,
                {file.src_uri: links for file, links in page.links_to_anchors.items()},
            )
        )
    return kept


def test_pages_converted_by_one_converter_are_those_mkdocs_converts(tmp_path):
    shared = None

    def by_one_converter(page: Page, config, files) -> None:
        nonlocal shared
        shared = shared or PageConverter(config)
        shared.convert(page, config, files)

    ours = converted(tmp_path / "ours", by_one_converter)
    mkdocs = converted(tmp_path / "mkdocs", lambda page, config, files: page.render(config, files))
    assert ours == mkdocs
    assert ours[0] == ours[3]  # the same page again: nothing left by the others
    assert "setup" in ours[0][3] and ours[0][4]  # anchors and links to them were collected
