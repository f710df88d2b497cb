"""Each writer's mistake fails the strict build once, under the file the writer edits, even
where other languages show that page as a fallback."""

from __future__ import annotations

import pytest

from helpcenter.site.build import BuildError, build_site

pytestmark = pytest.mark.slow  # builds sites of its own


def failed_build(project) -> str:
    with pytest.raises(BuildError) as raised:
        build_site(project / "mkdocs.yml", project / "site")
    return str(raised.value)


def test_marker_mistakes_are_reported_once_under_the_article_not_its_fallback(project_copy):
    """One build: a misspelled marker and a plans table with an unknown option in a French
    article that Italian shows as a fallback: each once, with its line, under the French file."""
    article = project_copy / "docs/fr/account/compare-plans.md"
    text = article.read_text(encoding="utf-8").replace(
        "<!-- plans family=current -->",
        "<!-- plan family=current -->\n\n<!-- plans famly=current -->",
    )
    article.write_text(text, encoding="utf-8")
    (project_copy / "docs/it/account/compare-plans.md").unlink()
    lines = text.splitlines()
    misspelled = lines.index("<!-- plan family=current -->") + 1
    unknown_option = lines.index("<!-- plans famly=current -->") + 1
    message = failed_build(project_copy)
    assert message.count("is not a helpcenter marker") == 1
    assert (
        f"docs/fr/account/compare-plans.md:{misspelled}: `<!-- plan ...` is not a helpcenter "
        "marker" in message
    )
    assert message.count("unknown plans table option 'famly'") == 1
    assert (
        f"docs/fr/account/compare-plans.md:{unknown_option}: unknown plans table option" in message
    )
    assert "docs/it/" not in message


def test_a_bad_price_is_reported_once_with_its_line_and_plan(project_copy):
    plans = project_copy / "data/plans.yml"
    text = plans.read_text(encoding="utf-8").replace("price: 49", "price: 19,90", 1)
    plans.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    price: 19,90") + 1
    message = failed_build(project_copy)
    assert message.count("19,90") == 1
    assert (
        f"data/plans.yml:{line}: plans[1].price (plan 'pro'): expected a number like 19.90"
        in message
    )
