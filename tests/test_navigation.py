"""The sidebar window of a large category."""

from __future__ import annotations

from types import SimpleNamespace

from helpcenter.site.navigation import NEIGHBOURS, WINDOW, SidebarWindow


def category(articles: int) -> SimpleNamespace:
    landing = SimpleNamespace(is_index=True, url="shipping/", title="Shipping")
    pages = [
        SimpleNamespace(is_index=False, url=f"shipping/a{i}/", title=f"A{i}")
        for i in range(articles)
    ]
    return SimpleNamespace(children=[landing, *pages])


def test_a_small_category_is_shown_whole():
    section = category(WINDOW - 1)
    assert SidebarWindow.of(section) is None


def test_a_large_category_shows_the_landing_page_the_neighbours_and_a_link_to_all():
    section = category(300)
    current = section.children[151]
    shown = SidebarWindow.of(section).children(current, "All 300 articles")
    assert shown[0] is section.children[0]
    assert current in shown
    articles = [item for item in shown[1:-1]]
    assert len(articles) == 2 * NEIGHBOURS + 1
    assert articles.index(current) == NEIGHBOURS
    assert (shown[-1].title, shown[-1].url) == ("All 300 articles", "shipping/")


def test_the_window_stays_full_at_the_edges():
    section = category(300)
    window = SidebarWindow.of(section)
    first = window.children(section.children[1], "All")
    last = window.children(section.children[-1], "All")
    assert len(first) == len(last) == 2 * NEIGHBOURS + 3
    assert section.children[1] in first and section.children[-1] in last


def test_another_category_shows_its_first_articles():
    section = category(300)
    elsewhere = SimpleNamespace(is_index=False, url="account/a/", title="A")
    shown = SidebarWindow.of(section).children(elsewhere, "All")
    assert shown[1 : 2 * NEIGHBOURS + 2] == section.children[1 : 2 * NEIGHBOURS + 2]
