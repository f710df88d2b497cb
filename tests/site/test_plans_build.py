"""Plans tables in the built site: one data file, three languages, and a broken file stops it."""

from __future__ import annotations

import re

import pytest

from helpcenter.site.build import BuildError, build_site
from tests.conftest import LOCALES

pytestmark = pytest.mark.slow  # builds sites of its own


def plan_headers(site, locale: str) -> list[str]:
    html = (site / locale / "account" / "compare-plans" / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<th scope="col" class="hc-plans__plan[^"]*">([^<]+)', html)


def compare_plans(site, locale: str) -> str:
    return (site / locale / "account" / "compare-plans" / "index.html").read_text(encoding="utf-8")


def test_tables_follow_the_data_file_in_every_language(site_dir, project_copy):
    for locale in LOCALES:
        assert plan_headers(site_dir, locale)[:4] == ["Starter", "Pro", "Business", "Enterprise"]
        assert "49\u00a0€" in compare_plans(site_dir, locale)
    plans = project_copy / "data" / "plans.yml"
    text = plans.read_text(encoding="utf-8")
    assert "name: Pro\n    price: 49" in text
    plans.write_text(
        text.replace("name: Pro\n    price: 49", "name: Pro Plus\n    price: 59"), encoding="utf-8"
    )
    site = project_copy / "site"
    build_site(project_copy / "mkdocs.yml", site)
    for locale in LOCALES:
        assert plan_headers(site, locale)[:4] == ["Starter", "Pro Plus", "Business", "Enterprise"]
        page = compare_plans(site, locale)
        assert "59\u00a0€" in page and "49\u00a0€" not in page


def test_invalid_plans_data_fails_the_build_naming_the_file_and_keeps_the_site(project_copy):
    site = project_copy / "site"
    (site / "fr").mkdir(parents=True)
    (site / "fr" / "index.html").write_text("<p>The previous site.</p>", encoding="utf-8")
    (project_copy / "data" / "plans.yml").write_text("families: [\n", encoding="utf-8")
    with pytest.raises(BuildError, match=r"data/plans\.yml: invalid YAML"):
        build_site(project_copy / "mkdocs.yml", site)
    assert [path.name for path in site.rglob("*")] == ["fr", "index.html"]
    assert (site / "fr" / "index.html").read_text(encoding="utf-8") == "<p>The previous site.</p>"
