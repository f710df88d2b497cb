"""Navigation: the language folder is not a level of it, and categories take their page's title."""

from mkdocs.plugins import event_priority


@event_priority(-200)  # after mkdocs-static-i18n has lifted the language folder's children
def on_nav(nav, config, files):
    # The plugin keeps the language folder as their parent: home would not be the home page and
    # breadcrumbs would show the language folder.
    for item in nav.items:
        item.parent = None
    return nav


def on_page_content(html, page, config, files):
    if page.is_index and page.parent is not None:
        page.parent.title = page.title
    return html
