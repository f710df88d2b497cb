"""Compact HTML: every page leaves without the templates' blank lines and indentation."""

from mkdocs.plugins import event_priority

from helpcenter.compact_html import collapse_whitespace


@event_priority(-100)  # once every other hook has written into the page
def on_post_page(output, page, config):
    return collapse_whitespace(output)


@event_priority(-100)
def on_post_template(output_content, template_name, config):
    # Static pages rendered from a template of their own: the 404 page.
    if template_name.endswith(".html"):
        return collapse_whitespace(output_content)
    return output_content
