"""The contact page and its thank-you page, for a language whose writers have not written them.

Every language gets a form in its own language, so a reader is never sent to another language's
form and the ticket records the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml


def front_matter(**meta: object) -> str:
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}---\n\n"


def default_page(source_path: str, gettext: Callable[[str], str]) -> str:
    """The Markdown of `contact/index.md` or `contact/thanks.md`, in the catalog's language."""
    _ = gettext
    if source_path == "contact/index.md":
        return (
            front_matter(
                title=_("Contact us"),
                description=_("Send a question to our support team and get the answer by email."),
            )
            + _(
                "Before you write, try the search: the answer is often already in an article. "
                "Otherwise, fill in this form and we will answer you by email."
            )
            + "\n\n<!-- contact-form -->\n"
        )
    return (
        front_matter(
            title=_("Request sent"),
            description=_("Your request has reached our support team. Here is its reference."),
            search={"exclude": True},
        )
        + "<!-- ticket-confirmation -->\n\n"
        + _(
            "While you wait for our answer, the [help center](%(home)s) may already answer your "
            "question."
        )
        % {"home": "../index.md"}
        + "\n"
    )
