"""Navigation: the language folder is not a level of it, categories take their page's title, and
a large category's sidebar is a window around the page (see helpcenter.navigation)."""

from mkdocs.plugins import event_priority

from helpcenter.languages import current_locale, load_translations
from helpcenter.navigation import SidebarWindow

windows = {}  # section -> its SidebarWindow


@event_priority(-200)  # after mkdocs-static-i18n has lifted the language folder's children
def on_nav(nav, config, files):
    # The plugin keeps the language folder as their parent: home would not be the home page and
    # breadcrumbs would show the language folder.
    for item in nav.items:
        item.parent = None
    windows.clear()
    for section in sections(nav.items):
        if window := SidebarWindow.of(section):
            windows[section] = window
    return nav


def sections(items):
    for item in items:
        if item.is_section:
            yield item
            yield from sections(item.children)


def on_page_content(html, page, config, files):
    if page.is_index and page.parent is not None:
        page.parent.title = page.title
    return html


def on_page_context(context, page, config, nav):
    # Every large category, not only the page's: Material walks a pruned category's children too.
    _ = load_translations(current_locale(config)).gettext
    for section, window in windows.items():
        label = _("All %(count)d articles") % {"count": len(window.articles)}
        section.children = window.children(page, label)
    return context


def on_post_page(output, page, config):
    # The window was for this page only: the next page gets the section whole again.
    for section, window in windows.items():
        section.children = window.full
    return output
