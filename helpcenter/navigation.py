"""The sidebar of a large category: a window around the page, not every article.

Material renders the whole active section into every page: with hundreds of articles in a
category, that is most of each page's weight and most of the build's time. Beyond a few dozen
articles the sidebar shows the category's landing page, the articles around the current one and
a link to the full list, which the landing page has anyway.
"""

from __future__ import annotations

from mkdocs.structure.nav import Link, Section
from mkdocs.structure.pages import Page

WINDOW = 30  # a category up to this size is shown whole
NEIGHBOURS = 8  # articles shown on each side of the current one


def windowed_children(section: Section, page: Page, all_articles: str) -> list | None:
    """The children to show for `section` on `page`, or None when they all fit."""
    children = section.children
    if len(children) <= WINDOW:
        return None
    landing = [child for child in children if getattr(child, "is_index", False)]
    articles = [child for child in children if child not in landing]
    position = next((i for i, child in enumerate(articles) if child is page), 0)
    start = max(0, min(position - NEIGHBOURS, len(articles) - 2 * NEIGHBOURS - 1))
    shown = articles[start : start + 2 * NEIGHBOURS + 1]
    more = [Link(all_articles, landing[0].url)] if landing else []
    return landing + shown + more
