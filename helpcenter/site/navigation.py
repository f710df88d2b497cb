"""The sidebar of a large category: a window around the page, not every article.

Material renders the whole active section into every page, and walks every other category's
children too: with hundreds of articles in a category, that is most of each page's weight and
most of the build's time. Beyond a few dozen articles the sidebar shows the category's landing
page, the articles around the current one (the first ones in another category) and a link to the
full list, which the landing page has anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mkdocs.structure.nav import Link, Section
from mkdocs.structure.nav import Navigation as MkDocsNavigation
from mkdocs.structure.pages import Page

WINDOW = 30  # a category up to this size is shown whole (`limits.sidebar_articles`)
NEIGHBOURS = 5  # articles shown on each side of the current one


@dataclass
class SidebarWindow:
    """A large category, indexed once per build so that each page's window costs no search."""

    full: list  # the section's children, all of them
    landing: list
    articles: list
    positions: dict[int, int]  # id(page) -> its place among the articles

    @classmethod
    def of(cls, section: Section, window: int = WINDOW) -> SidebarWindow | None:
        """None when the category is small enough to be shown whole."""
        if len(section.children) <= window:
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


class Navigation:
    """One build's navigation: the language folder is not a level of it, categories take their
    landing page's title, and each large category's sidebar is a window around the page."""

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self.windows: dict[Section, SidebarWindow] = {}

    def index(self, nav: MkDocsNavigation) -> None:
        # mkdocs-static-i18n keeps the language folder as the parent of its children: the home
        # page would not be the home page and breadcrumbs would show the language folder.
        for item in nav.items:
            item.parent = None
        self.windows = {
            section: window
            for section in sections(nav.items)
            if (window := SidebarWindow.of(section, self.window))
        }

    @staticmethod
    def name_category(page: Page) -> None:
        if page.is_index and page.parent is not None:
            page.parent.title = page.title

    def window_for(self, page: Page, gettext: Callable[[str], str]) -> None:
        """Every large category shows its window for `page`, not only the page's own: Material
        walks a pruned category's children too."""
        for section, window in self.windows.items():
            label = gettext("All %(count)d articles") % {"count": len(window.articles)}
            section.children = window.children(page, label)

    def children_of(self, section: Section) -> list:
        """All of a category's pages, whatever its sidebar shows while a page renders: its
        landing page lists every article."""
        window = self.windows.get(section)
        return window.full if window else section.children

    def restore(self) -> None:
        """The window was for one page only: the next page gets each section whole again."""
        for section, window in self.windows.items():
            section.children = window.full


def sections(items: list) -> Iterator[Section]:
    for item in items:
        if item.is_section:
            yield item
            yield from sections(item.children)
