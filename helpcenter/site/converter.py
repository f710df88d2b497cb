"""One Markdown converter for all of a language's pages.

MkDocs makes a new `markdown.Markdown` for each page (`Page.render`) and sets its extensions up
again each time: 0.2 ms a page, about 0.2 s of a 1,000-article language's 7. Python-Markdown
converts any number of documents with one instance, reset between them (`Markdown.reset`, which
resets each extension that keeps state); Material's blog plugin keeps one per excerpt likewise.
A page is converted as MkDocs converts it, with the same processors of its own (links made
relative, anchors and title collected), registered again for each page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import markdown
from mkdocs.structure.pages import (
    _ExtractAnchorsTreeprocessor,
    _ExtractTitleTreeprocessor,
    _RawHTMLPreprocessor,
    _RelativePathTreeprocessor,
)
from mkdocs.structure.toc import get_toc

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page


class PageConverter:
    """A language's pages converted one after another (`convert` is not thread-safe)."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.md = markdown.Markdown(
            extensions=config.markdown_extensions, extension_configs=config.mdx_configs or {}
        )

    def convert(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """What `Page.render` does, with the language's converter."""
        md = self.md.reset()
        raw_html = _RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = _ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative_paths = _RelativePathTreeprocessor(page.file, files, config)
        relative_paths._register(md)
        title = _ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative_paths.links_to_anchors
