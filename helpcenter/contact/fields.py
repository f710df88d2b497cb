"""The answers to a category's extra fields (mkdocs.yml), as people read them.

A ticket keeps its answers by field id, as sent (a choice's option id). Its follow-up page shows
them with their labels in the ticket's language, and the helpdesk gets them as its custom fields
(`helpdesk_field_id`) or, without one, as "Label: value" lines of the request's description.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpcenter.contact.settings import ContactSettings


@dataclass(frozen=True)
class Answer:
    id: str
    label: str  # the field's label in the ticket's language; its id when no longer configured
    value: str  # as stored: a choice's option id
    shown: str  # as read: a choice's option label
    helpdesk_field_id: int | None = None


def answers(
    settings: ContactSettings | None, category: str, language: str, values: dict[str, str]
) -> list[Answer]:
    """The ticket's answers in its category's order, in `language`; an answer to a field that
    mkdocs.yml no longer has is kept, by its id, last."""
    configured = settings.category(category) if settings is not None else None
    found = []
    for field in configured.fields if configured is not None else ():
        if field.id in values:
            value = values[field.id]
            found.append(
                Answer(
                    field.id,
                    field.label.get(language, field.id),
                    value,
                    field.shown(value, language),
                    field.helpdesk_field_id,
                )
            )
    known = {answer.id for answer in found}
    return found + [
        Answer(field_id, field_id, value, value)
        for field_id, value in values.items()
        if field_id not in known
    ]


def helpdesk_fields(found: list[Answer]) -> tuple[list[dict], list[str]]:
    """Zendesk's `custom_fields` (`[{id, value}]`), and the description's lines for the answers
    whose field has no helpdesk id."""
    custom = [
        {"id": answer.helpdesk_field_id, "value": answer.value}
        for answer in found
        if answer.helpdesk_field_id is not None
    ]
    lines = [
        f"{answer.label}: {answer.shown}" for answer in found if answer.helpdesk_field_id is None
    ]
    return custom, lines
