"""The contact form's HTML, from one template for the build and for the endpoint.

The build renders it empty into each language's contact page; the endpoint renders it again with
what the reader typed and the errors, when a post made without JavaScript needs correcting, and
puts it in place of the built form so nothing typed is lost. A project overrides the template by
placing its own `partials/helpcenter/contact-form.html` in its theme's custom_dir.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from helpcenter.contact.settings import ContactSettings
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import Plan
from helpcenter.tickets.statuses import STATUS_LABELS, TIME_STYLE
from helpcenter.tickets.validation import REFERENCE_PATTERN, TEXT_FIELDS

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
PARTIALS = Path("partials") / "helpcenter"
FORM_MARKER = re.compile(r"<!--\s*contact-form\s*-->")
CONFIRMATION_MARKER = re.compile(r"<!--\s*ticket-confirmation\s*-->")
BUILT_FORM = re.compile(r"<!-- contact-form:start -->.*?<!-- contact-form:end -->", re.DOTALL)
FORM_FIELDS = ("name", "email", "subject", "category", "plan", "message", "page", "follows")


class ContactForms:
    """The form and the confirmation block in every language of one project."""

    def __init__(
        self,
        settings: ContactSettings,
        plans: list[Plan],
        catalogs: Catalogs,
        custom_dir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.plans = plans
        self.catalogs = catalogs
        self.template_dirs = [d / PARTIALS for d in (custom_dir, THEME_DIR) if d is not None]

    @property
    def field_names(self) -> tuple[str, ...]:
        """What the form shows again as it was typed: its own fields and each topic's."""
        return FORM_FIELDS + tuple(
            category.form_name(field)
            for category in self.settings.categories
            for field in category.fields
        )

    @cache  # noqa: B019 (one object per build or endpoint, a handful of languages)
    def environment(self, locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(self.template_dirs),
            autoescape=select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(self.catalogs.translations(locale), newstyle=True)
        return env

    def form(
        self,
        locale: str,
        values: dict[str, str] | None = None,
        errors: dict[str, list[str]] | None = None,
        notice: str | None = None,
    ) -> str:
        """The form, with `values` typed and `errors` by field; `notice` says above it why the
        request was not taken when no field is at fault (a limit, the service down)."""
        values = {name: (values or {}).get(name, "") for name in self.field_names}
        values = {name: value if isinstance(value, str) else "" for name, value in values.items()}
        return (
            self.environment(locale)
            .get_template("contact-form.html")
            .render(
                locale=locale,
                action=self.settings.endpoint,
                categories=self.settings.categories,
                attachments=self.settings.attachments,
                limits=TEXT_FIELDS,
                plans=self.plans,
                values=values,
                errors=errors or {},
                notice=notice,
                # "Your requests" says each request's status in the page's language.
                time_style=TIME_STYLE,
                request_statuses={
                    status: self.catalogs.gettext(locale)(label)
                    for status, label in STATUS_LABELS.items()
                },
            )
        )

    def confirmation(
        self, locale: str, reference: str = "", hidden: bool = False, follow_url: str = ""
    ) -> str:
        return (
            self.environment(locale)
            .get_template("ticket-confirmation.html")
            .render(
                reference=reference,
                hidden=hidden,
                reference_pattern=REFERENCE_PATTERN,
                follow_url=follow_url,
            )
        )

    def insert_blocks(self, html: str, locale: str) -> str:
        """Replace the `<!-- contact-form -->` and `<!-- ticket-confirmation -->` markers."""
        html = FORM_MARKER.sub(lambda _: self.form(locale), html)
        return CONFIRMATION_MARKER.sub(lambda _: self.confirmation(locale), html)


def refill_built_page(page_html: str, form_html: str) -> str:
    """A built contact page with its form replaced by `form_html`."""
    return BUILT_FORM.sub(lambda _: form_html, page_html, count=1)
