"""The contact form's HTML, from one template for the build and for the endpoint.

The build renders it empty into each language's contact page; the endpoint renders it again with
what the reader typed and the errors, when a post made without JavaScript needs correcting, and
puts it in place of the built form so nothing typed is lost.
"""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from helpcenter.contact.settings import ContactSettings
from helpcenter.languages import PROJECT_ROOT, load_translations
from helpcenter.plans.schema import Plan

TEMPLATES_DIR = PROJECT_ROOT / "overrides" / "partials" / "helpcenter"
FORM_MARKER = re.compile(r"<!--\s*contact-form\s*-->")
CONFIRMATION_MARKER = re.compile(r"<!--\s*ticket-confirmation\s*-->")
BUILT_FORM = re.compile(r"<!-- contact-form:start -->.*?<!-- contact-form:end -->", re.DOTALL)
FORM_FIELDS = ("name", "email", "subject", "category", "plan", "message", "page")


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(load_translations(locale), newstyle=True)
    return env


def render_form(
    locale: str,
    settings: ContactSettings,
    plans: list[Plan],
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> str:
    values = {name: (values or {}).get(name, "") for name in FORM_FIELDS}
    return (
        environment(locale)
        .get_template("contact-form.html")
        .render(
            locale=locale,
            action=settings.endpoint,
            categories=settings.categories,
            attachments=settings.attachments,
            plans=plans,
            values=values,
            errors=errors or {},
        )
    )


def render_confirmation(locale: str, reference: str = "", hidden: bool = False) -> str:
    return (
        environment(locale)
        .get_template("ticket-confirmation.html")
        .render(reference=reference, hidden=hidden)
    )


def insert_contact_blocks(
    html: str, locale: str, settings: ContactSettings, plans: list[Plan]
) -> str:
    """Replace the `<!-- contact-form -->` and `<!-- ticket-confirmation -->` markers of a page."""
    html = FORM_MARKER.sub(lambda _: render_form(locale, settings, plans), html)
    return CONFIRMATION_MARKER.sub(lambda _: render_confirmation(locale), html)


def refill_built_page(page_html: str, form_html: str) -> str:
    """A built contact page with its form replaced by `form_html`."""
    return BUILT_FORM.sub(lambda _: form_html, page_html, count=1)
