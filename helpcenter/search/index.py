"""The search index of one language: its pages cut into sections, prebuilt for lunr.js 2.3.9.

What the browser downloads on the first search is one JSON file:

- `index`: the serialized lunr index (terms already analysed, see `analysis.py`; no positions);
- `docs`: for each indexed section, what a result shows: `[location, title, page title, text]`,
  `text` cut to a short snippet;
- `stopWords`: the language's stop words, so the query drops the same words the index did.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from lunr.builder import Builder

from helpcenter.search.analysis import Analyzer

SECTION_TAGS = {"h2", "h3"}
SKIPPED_TAGS = {"script", "style", "template", "svg"}
SNIPPET_LENGTH = 220
# A match in a page's or section's title says more than one in its text.
TITLE_BOOST = 10
WHITESPACE = re.compile(r"\s+")


@dataclass
class Section:
    """A searchable part of a page: its introduction, or one of its h2/h3 sections."""

    location: str
    title: str
    page_title: str
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return WHITESPACE.sub(" ", "".join(self.text_parts)).strip()


class SectionParser(HTMLParser):
    """Cuts a page's HTML into sections at each h2 and h3 that has an id."""

    def __init__(self, url: str, page_title: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.page_title = page_title
        self.sections = [Section(url, page_title, page_title)]
        self.heading: Section | None = None
        # The open elements whose text is not searchable (the innermost last).
        self.skipped: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.skipped:
            if tag == self.skipped[-1]:
                self.skipped.append(tag)
        elif tag in SKIPPED_TAGS or "headerlink" in (attributes.get("class") or "").split():
            self.skipped.append(tag)
        elif tag in SECTION_TAGS and attributes.get("id"):
            self.heading = Section(f"{self.url}#{attributes['id']}", "", self.page_title)
            self.sections.append(self.heading)
        elif tag in ("p", "li", "td", "th", "br", "div", "tr", "dt", "dd"):
            self.current.text_parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipped:
            if tag == self.skipped[-1]:
                self.skipped.pop()
        elif tag in SECTION_TAGS and self.heading is not None:
            self.heading.title = WHITESPACE.sub(" ", self.heading.title).strip()
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.skipped:
            return
        if self.heading is not None:
            self.heading.title += data
        else:
            self.current.text_parts.append(data)

    @property
    def current(self) -> Section:
        return self.sections[-1]


def page_sections(url: str, title: str, html: str) -> list[Section]:
    parser = SectionParser(url, unescape(title))
    parser.feed(html)
    parser.close()
    return [section for section in parser.sections if section.title or section.text]


def snippet(text: str) -> str:
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text.rfind(" ", 0, SNIPPET_LENGTH)
    return text[: cut if cut > 0 else SNIPPET_LENGTH] + " …"


def build_index(language: str, sections: list[Section]) -> dict:
    analyzer = Analyzer(language)
    analyzer.learn([text for section in sections for text in (section.title, section.text)])
    builder = Builder()
    builder.ref("id")
    builder.field("title", boost=TITLE_BOOST)
    builder.field("text")
    for ref, section in enumerate(sections):
        builder.add(
            {
                "id": ref,
                "title": analyzer.terms(section.title),
                "text": analyzer.terms(section.text),
            }
        )
    return {
        "language": language,
        "stopWords": sorted(analyzer.stop_words),
        "docs": [
            [section.location, section.title, section.page_title, snippet(section.text)]
            for section in sections
        ],
        "index": builder.build().serialize(),
    }


@dataclass(frozen=True)
class SearchIndexFile:
    """The index as the site serves it, named after its content so browsers cache it safely."""

    content: bytes

    @classmethod
    def of(cls, language: str, sections: list[Section]) -> SearchIndexFile:
        data = build_index(language, sections)
        return cls(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())

    @property
    def path(self) -> str:
        digest = hashlib.sha256(self.content).hexdigest()[:10]
        return f"search/index.{digest}.json"
