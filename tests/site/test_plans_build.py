"""Plans tables in the built site: one data file, three languages, and a broken file stops it."""

from __future__ import annotations

import re

import pytest

from helpcenter.site.build import BuildError, build_site
from tests.conftest import LOCALES


def plan_headers(site, locale: str) -> list[str]:
    html = (site / locale / "account" / "compare-plans" / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<th scope="col" class="hc-plans__plan[^"]*">([^<]+)', html)


def test_tables_follow_the_data_file_in_every_language(project_copy):
    site = project_copy / "site"
    build_site(project_copy / "mkdocs.yml", site)
    for locale in LOCALES:
        assert plan_headers(site, locale)[:4] == ["Starter", "Pro", "Business", "Enterprise"]
    plans = project_copy / "data" / "plans.yml"
    text = plans.read_text(encoding="utf-8")
    plans.write_text(
        text.replace("name: Pro\n    price: 49", "name: Pro Plus\n    price: 59"), encoding="utf-8"
    )
    build_site(project_copy / "mkdocs.yml", site)
    for locale in LOCALES:
        assert "Pro Plus" in plan_headers(site, locale)
        page = (site / locale / "account" / "compare-plans" / "index.html").read_text("utf-8")
        assert "59\u00a0€" in page and "49\u00a0€" not in page


def test_invalid_plans_data_fails_the_build_naming_the_file_and_keeps_the_site(project_copy):
    site = project_copy / "site"
    build_site(project_copy / "mkdocs.yml", site)
    before = (site / "fr" / "index.html").read_text(encoding="utf-8")
    (project_copy / "data" / "plans.yml").write_text("families: [\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"data/plans\.yml: invalid YAML"):
        build_site(project_copy / "mkdocs.yml", site)
    assert (site / "fr" / "index.html").read_text(encoding="utf-8") == before


def test_an_unknown_marker_option_fails_naming_the_article_and_line(project_copy):
    article = project_copy / "docs" / "es" / "account" / "plans.md"
    article.write_text(
        article.read_text(encoding="utf-8") + "\n<!-- plans famliy=current -->\n", encoding="utf-8"
    )
    with pytest.raises(
        BuildError,
        match=r"docs/es/account/plans\.md:\d+: unknown plans table "
        r"option 'famliy'",
    ):
        build_site(project_copy / "mkdocs.yml", project_copy / "site")
