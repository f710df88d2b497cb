"""The sidebar of a large category: a window around the page, not every article.

Material renders the whole active section into every page, and walks every other category's
children too: with hundreds of articles in a category, that is most of each page's weight and
most of the build's time. Beyond a few dozen articles the sidebar shows the category's landing
page, the articles around the current one (the first ones in another category) and a link to the
full list, which the landing page has anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from mkdocs.structure.nav import Link, Section
from mkdocs.structure.pages import Page

WINDOW = 30  # a category up to this size is shown whole
NEIGHBOURS = 5  # articles shown on each side of the current one


@dataclass
class SidebarWindow:
    """A large category, indexed once per build so that each page's window costs no search."""

    full: list  # the section's children, all of them
    landing: list
    articles: list
    positions: dict[int, int]  # id(page) -> its place among the articles

    @classmethod
    def of(cls, section: Section) -> SidebarWindow | None:
        """None when the category is small enough to be shown whole."""
        if len(section.children) <= WINDOW:
            return None
        landing = [child for child in section.children if getattr(child, "is_index", False)]
        articles = [child for child in section.children if not getattr(child, "is_index", False)]
        positions = {id(article): place for place, article in enumerate(articles)}
        return cls(section.children, landing, articles, positions)

    def children(self, page: Page, all_articles: str) -> list:
        """The landing page, the articles around `page` (the first ones if it is elsewhere) and
        a link to the landing page's full list."""
        position = self.positions.get(id(page), 0)
        start = max(0, min(position - NEIGHBOURS, len(self.articles) - 2 * NEIGHBOURS - 1))
        shown = self.articles[start : start + 2 * NEIGHBOURS + 1]
        more = [Link(all_articles, self.landing[0].url)] if self.landing else []
        return self.landing + shown + more
