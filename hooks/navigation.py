"""Navigation: the language folder is not a level of it, categories take their page's title, and
a large category's sidebar is a window around the page (see helpcenter.navigation)."""

from mkdocs.plugins import event_priority

from helpcenter.languages import current_locale, load_translations
from helpcenter.navigation import windowed_children

full_children = {}


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


def on_page_context(context, page, config, nav):
    _ = load_translations(current_locale(config)).gettext
    for section in page.ancestors:
        count = sum(1 for child in section.children if not getattr(child, "is_index", False))
        window = windowed_children(section, page, _("All %(count)d articles") % {"count": count})
        if window is not None:
            full_children[section] = section.children
            section.children = window
    return context


def on_post_page(output, page, config):
    # The window was for this page only: the next page gets the section whole again.
    for section, children in full_children.items():
        section.children = children
    full_children.clear()
    return output
