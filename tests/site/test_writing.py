"""What writers get from a real build, on temporary copies of the project: a mistake stops it,
naming the file, and keeps the previous site; links between languages and notices of outdated
translations reach the pages.

Each message itself is checked where it is made, without a build (tests/test_writing_checks.py,
tests/test_catalogs.py, tests/plans/): a build costs seconds per language.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpcenter.i18n.catalogs import new_catalog
from helpcenter.site.build import BuildError, build_site
from tests.conftest import LOCALES, PROJECT_PARTS, PROJECT_ROOT

pytestmark = pytest.mark.slow  # builds sites of its own

PREVIOUS_SITE = "<p>The site as it was before this build.</p>"


def copy_project(target: Path) -> Path:
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def drop_line(path: Path, prefix: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith(prefix)), encoding="utf-8"
    )


def dated(path: Path, moment: datetime) -> None:
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_mistakes_in_every_language_fail_the_strict_build_naming_each_file_and_keep_the_site(
    project_copy,
):
    """One build: a page of each language with a mistake that only the build sees (the plugin's
    front matter check, MkDocs' link check, a link to another language's missing page)."""
    docs = project_copy / "docs"
    drop_line(docs / "it/shipping/returns.md", "description:")
    append(docs / "fr/shipping/returns.md", "\nVoir [la page perdue](lost-page.md).\n")
    append(docs / "es/shipping/returns.md", "\nVer [el original](../../fr/shipping/nowhere.md).\n")
    site = project_copy / "site"
    (site / "fr").mkdir(parents=True)
    (site / "fr" / "index.html").write_text(PREVIOUS_SITE, encoding="utf-8")

    with pytest.raises(BuildError) as raised:
        build_site(project_copy / "mkdocs.yml", site)
    message = str(raised.value)
    for expected in (
        r"\[it\] build failed:(.|\n)*docs/it/shipping/returns\.md: front matter: 'description' "
        r"is missing",
        r"\[fr\] build failed:(.|\n)*'fr/shipping/returns\.md' contains a link 'lost-page\.md'"
        r".* not found",
        r"\[es\] build failed:(.|\n)*'es/shipping/returns\.md' contains a link "
        r"'\.\./\.\./fr/shipping/nowhere\.md'.* not found",
    ):
        assert re.search(expected, message), (expected, message)

    assert [path.name for path in project_copy.iterdir() if path.name.startswith("site")] == [
        "site"
    ]
    assert [path.relative_to(site).as_posix() for path in site.rglob("*")] == [
        "fr",
        "fr/index.html",
    ]
    assert (site / "fr" / "index.html").read_text(encoding="utf-8") == PREVIOUS_SITE


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda project: (project / "mkdocs.yml").write_text(
                (project / "mkdocs.yml")
                .read_text(encoding="utf-8")
                .replace(
                    "        - locale: it\n",
                    "        - locale: fi\n          name: Suomi\n        - locale: it\n",
                    1,
                ),
                encoding="utf-8",
            ),
            r"locales/fi/LC_MESSAGES/messages\.po: no catalog of UI strings for 'fi': create it "
            r"with `helpcenter catalog new fi`",
        ),
        (
            lambda project: (catalog := new_catalog(project / "locales", "it")).write_text(
                catalog.read_text(encoding="utf-8").replace(
                    'msgstr "Tutti i %(count)d articoli"', 'msgstr "Tutti i %(numero)d articoli"'
                ),
                encoding="utf-8",
            ),
            r"locales/it/LC_MESSAGES/messages\.po: the translation of 'All %\(count\)d "
            r"articles' must keep its placeholders \(%\(count\)d\)",
        ),
    ],
    ids=["language-without-ui-catalog", "project-ui-translation-with-wrong-placeholder"],
)
def test_a_catalog_mistake_stops_the_build_before_any_language_is_built(
    project_copy, damage, message
):
    """The project's catalogs (`locales/`) are read by the build, and checked once for all."""
    damage(project_copy)
    with pytest.raises(BuildError, match=message) as raised:
        build_site(project_copy / "mkdocs.yml", project_copy / "site")
    assert "build failed" not in str(raised.value)
    assert not (project_copy / "site").exists()


# The writers' edits the next tests look at, built once.
SOURCE_CHANGED = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
TRANSLATED = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def edited_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, outside git (dates come from the files), after writers: linked a Spanish
    article to its French original; changed the French source of tracking after its
    translations were marked."""
    project = copy_project(tmp_path_factory.mktemp("edited"))
    docs = project / "docs"
    append(
        docs / "es/shipping/returns.md",
        "\nVer [la versión francesa](../../fr/shipping/returns.md#top).\n",
    )
    append(docs / "fr/shipping/tracking.md", "\nUn paragraphe ajouté.\n")
    dated(docs / "fr/shipping/tracking.md", SOURCE_CHANGED)
    for locale in ("es", "it"):
        dated(docs / locale / "shipping/tracking.md", TRANSLATED)
    build_site(project / "mkdocs.yml", project / "site")
    return project / "site"


def page(site: Path, locale: str, path: str) -> str:
    return (site / locale / path / "index.html").read_text(encoding="utf-8")


def test_links_to_another_language_lead_to_its_built_page(edited_site):
    html = page(edited_site, "es", "shipping/returns")
    link = re.search(r'href="([^"]*fr/shipping/returns/#top)"', html).group(1)
    assert link == "../../../fr/shipping/returns/#top"
    target = (edited_site / "es/shipping/returns" / link.split("#")[0]).resolve() / "index.html"
    assert target == (edited_site / "fr/shipping/returns/index.html").resolve()


@pytest.mark.parametrize(
    ("locale", "notice"),
    [
        (
            "es",
            "Es posible que esta traducción no esté actualizada: el original en francés cambió "
            "el 5 de marzo de 2024.",
        ),
        (
            "it",
            "Questa traduzione potrebbe non essere aggiornata: l'originale in francese è cambiato "
            "il 5 marzo 2024.",
        ),
    ],
)
def test_a_changed_source_marks_its_translations_outdated_since_its_date(
    edited_site, locale, notice
):
    html = page(edited_site, locale, "shipping/tracking")
    aside = re.search(r'data-testid="translation-outdated".*?</aside>', html, re.S).group(0)
    assert notice in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", aside)).replace("&#39;", "'")
    assert 'href="../../../fr/shipping/tracking/"' in aside
    assert 'data-testid="translation-outdated"' not in page(edited_site, locale, "shipping/returns")


@pytest.mark.parametrize(
    ("locale", "updated"),
    [
        ("fr", 'Dernière mise à jour\u00a0: <time datetime="2024-03-05">5 mars 2024</time>'),
        ("es", 'Última actualización: <time datetime="2024-02-01">1 de febrero de 2024</time>'),
        ("it", 'Ultimo aggiornamento: <time datetime="2024-02-01">1 febbraio 2024</time>'),
    ],
)
def test_an_article_says_when_it_last_changed_in_its_language(edited_site, locale, updated):
    assert updated in page(edited_site, locale, "shipping/tracking")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_article_says_when_it_was_last_updated(site_dir, locale):
    """Articles (the pages readers vote on), translated or shown in the original's language."""
    articles = [
        html
        for html in (
            path.read_text(encoding="utf-8") for path in (site_dir / locale).rglob("index.html")
        )
        if 'data-testid="article-feedback"' in html
    ]
    assert len(articles) >= 10
    for html in articles:
        found = re.search(r'<time datetime="(\d{4})-\d\d-\d\d">([^<]+)</time>', html)
        assert found, re.search(r"<title>(.*?)</title>", html).group(1)
        assert found.group(2).endswith(found.group(1))  # the date, as the language writes it
