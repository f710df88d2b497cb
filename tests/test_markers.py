"""Comments that look like a helpcenter marker but are not one."""

from __future__ import annotations

import pytest

from helpcenter.authoring.markers import marker_problems


@pytest.mark.parametrize(
    ("comment", "meant"),
    [
        ("<!-- plan family=current -->", "plans"),
        ("<!-- contactform -->", "contact-form"),
        ("<!-- contact_form -->", "contact-form"),
        ("<!-- contact-chanels -->", "contact-channels"),
        ("<!-- ticket-confirmaton -->", "ticket-confirmation"),
        ("<!-- Plans family=current -->", "plans"),
    ],
)
def test_a_look_alike_is_named_with_its_line_and_the_marker_meant(comment, meant):
    [problem] = marker_problems(f"Intro.\n\n{comment}\n", "docs/fr/x.md")
    assert problem.startswith("docs/fr/x.md:3: ")
    assert f"did you mean `<!-- {meant} ...`" in problem


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- plans family=current -->",
        "<!-- contact-form -->",
        "<!-- TODO: rewrite -->",
        "<!-- note for translators -->",
        "<!-- contact us by phone? -->",
    ],
)
def test_markers_and_ordinary_comments_pass(comment):
    assert marker_problems(f"{comment}\n", "docs/fr/x.md") == []
