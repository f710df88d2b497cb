"""A category's landing page leads to every one of its articles, however many there are, and the
home page counts them all."""

from __future__ import annotations

import re

import pytest

from helpcenter.site.build import build_site

pytestmark = pytest.mark.slow  # builds sites of its own

EXTRA = 40


def test_a_large_categorys_landing_page_lists_all_its_articles(project_copy):
    category = project_copy / "docs" / "fr" / "shipping"
    for number in range(EXTRA):
        (category / f"note-{number:02d}.md").write_text(
            f"---\ntitle: Note d'expédition numéro {number}\n"
            "description: Une note de plus sur l'expédition, pour une catégorie bien remplie.\n"
            f"---\n\nLe texte de la note {number}.\n",
            encoding="utf-8",
        )
    articles = len([path for path in category.glob("*.md") if path.name != "index.md"])
    site = project_copy / "site"
    build_site(project_copy / "mkdocs.yml", site)
    for locale in ("fr", "es"):
        landing = (site / locale / "shipping" / "index.html").read_text(encoding="utf-8")
        listed = re.search(r'<ul class="hc-article-list">(.*?)</ul>', landing, re.S).group(1)
        assert len(re.findall(r"<li>", listed)) == articles
        for number in range(EXTRA):
            assert f'href="note-{number:02d}/"' in listed
        home = (site / locale / "index.html").read_text(encoding="utf-8")
        count = re.search(r'<a href="shipping/">.*?hc-category__count">(\d+) ', home, re.S)
        assert int(count.group(1)) == articles
    # The sidebar of an article still shows a window, with a link to the whole list.
    article = (site / "fr" / "shipping" / "note-20" / "index.html").read_text(encoding="utf-8")
    assert article.count('href="../note-') < articles
