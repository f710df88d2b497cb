"""Valid HTML: every page leaves without the invalid markup Material's templates write."""

from mkdocs.plugins import event_priority

from helpcenter.valid_html import valid_html


@event_priority(-90)  # once every other hook has written into the page, before compacting it
def on_post_page(output, page, config):
    return valid_html(output)


@event_priority(-90)
def on_post_template(output_content, template_name, config):
    # Static pages rendered from a template of their own: the 404 page.
    return valid_html(output_content) if template_name.endswith(".html") else output_content
