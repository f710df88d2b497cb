"""What writers get from the build, on temporary copies of the docs: checks and notices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpcenter.i18n.catalogs import new_catalog
from helpcenter.site.build import BuildError, build_site


def build(project: Path) -> Path:
    build_site(project / "mkdocs.yml", project / "site")
    return project / "site"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_line(path: Path, prefix: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith(prefix)), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda docs: drop_line(docs / "it/shipping/returns.md", "description:"),
            r"docs/it/shipping/returns\.md: front matter: 'description' is missing",
        ),
        (
            lambda docs: drop_line(docs / "fr/shipping/tracking.md", "title:"),
            r"docs/fr/shipping/tracking\.md: front matter: 'title' is missing",
        ),
        (
            lambda docs: edit(docs / "es/account/invoices.md", "title:", "titel: x\ntitle:"),
            r"docs/es/account/invoices\.md: front matter: unknown key 'titel'.*"
            r"did you mean 'title'",
        ),
        (
            lambda docs: edit(
                docs / "fr/account/plans.md", "description:", "description: [oops\nx:"
            ),
            r"docs/fr/account/plans\.md: front matter: line \d+, column \d+",
        ),
        (
            lambda docs: (
                (docs / "fr/shipping/returns.md")
                .open("a", encoding="utf-8")
                .write("\nVoir [la page perdue](lost-page.md).\n")
            ),
            r"'fr/shipping/returns\.md' contains a link 'lost-page\.md'.* not found",
        ),
        (
            lambda docs: (
                (docs / "es/shipping/returns.md")
                .open("a", encoding="utf-8")
                .write("\nVer [el original](../../fr/shipping/nowhere.md).\n")
            ),
            r"es/shipping/returns\.md.*fr/shipping/nowhere\.md",
        ),
        (
            lambda docs: (docs / "de").mkdir() or (docs / "de/index.md").write_text("# Hallo\n"),
            r"docs/de/ looks like a language folder, but 'de' is not a configured language",
        ),
        (
            lambda docs: (docs / "fr/shipping/latin1.md").write_bytes(
                b"---\ntitle: R\xe9clamation\n---\n"
            ),
            r"docs/fr/shipping/latin1\.md: not UTF-8 text \(byte 0xe9 at position \d+\)",
        ),
        (
            lambda docs: (docs / "es/shipping/empty.md").write_text(""),
            r"docs/es/shipping/empty\.md: front matter: 'title' is missing",
        ),
        (
            lambda docs: (docs / "fr/shipping/huge.md").write_text(
                "---\ntitle: Journal\n---\n" + "Une ligne du journal d'expédition.\n" * 150_000
            ),
            r"docs/fr/shipping/huge\.md: 5\d\d\d KB, over the 1000 KB an article may weigh",
        ),
        (
            lambda docs: edit(
                docs.parent / "mkdocs.yml",
                "        - locale: it\n",
                "        - locale: fi\n          name: Suomi\n        - locale: it\n",
            ),
            r"locales/fi/LC_MESSAGES/messages\.po: no catalog of UI strings for 'fi': create it "
            r"with `helpcenter catalog new fi`",
        ),
        (
            lambda docs: edit(
                new_catalog(docs.parent / "locales", "it"),
                'msgstr "Tutti i %(count)d articoli"',
                'msgstr "Tutti i %(numero)d articoli"',
            ),
            r"locales/it/LC_MESSAGES/messages\.po: the translation of 'All %\(count\)d "
            r"articles' must keep its placeholders \(%\(count\)d\)",
        ),
    ],
    ids=[
        "missing-description",
        "missing-title",
        "unknown-key",
        "broken-yaml",
        "broken-link",
        "broken-link-to-another-language",
        "unconfigured-language",
        "not-utf8",
        "empty-article",
        "5mb-article",
        "language-without-ui-catalog",
        "project-ui-translation-with-wrong-placeholder",
    ],
)
def test_a_writing_mistake_fails_the_build_naming_the_file(project_copy, damage, message):
    damage(project_copy / "docs")
    with pytest.raises(BuildError, match=message):
        build(project_copy)


def test_links_to_another_language_lead_to_its_built_page(project_copy):
    article = project_copy / "docs/es/shipping/returns.md"
    with article.open("a", encoding="utf-8") as text:
        text.write("\nVer [la versión francesa](../../fr/shipping/returns.md#top).\n")
    site = build(project_copy)
    html = (site / "es/shipping/returns/index.html").read_text(encoding="utf-8")
    link = re.search(r'href="([^"]*fr/shipping/returns/#top)"', html).group(1)
    assert link == "../../../fr/shipping/returns/#top"
    target = (site / "es/shipping/returns" / link.split("#")[0]).resolve() / "index.html"
    assert target == (site / "fr/shipping/returns/index.html").resolve()


def test_a_changed_source_marks_its_translations_outdated_on_their_pages(project_copy):
    source = project_copy / "docs/fr/shipping/tracking.md"
    source.write_text(
        source.read_text(encoding="utf-8") + "\nUn paragraphe ajouté.\n", encoding="utf-8"
    )
    site = build(project_copy)
    for locale in ("es", "it"):
        html = (site / locale / "shipping/tracking/index.html").read_text(encoding="utf-8")
        notice = re.search(r'data-testid="translation-outdated".*?</aside>', html, re.S).group(0)
        assert 'href="../../../fr/shipping/tracking/"' in notice
    untouched = (site / "es/shipping/returns/index.html").read_text(encoding="utf-8")
    assert 'data-testid="translation-outdated"' not in untouched


def test_every_article_says_when_it_was_last_updated(site_dir):
    html = (site_dir / "fr/shipping/returns/index.html").read_text(encoding="utf-8")
    assert re.search(
        r'Dernière mise à jour : <time datetime="\d{4}-\d\d-\d\d">\d+ \w+ \d{4}'
        r"</time>",
        html,
    )
    html = (site_dir / "es/shipping/returns/index.html").read_text(encoding="utf-8")
    assert re.search(r"Última actualización: <time", html)
