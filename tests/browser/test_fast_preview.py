"""The writers' preview on a large help center (the benchmark's generator): an edit, a new
article and a breaking change through the running preview, each followed by a clean build of
the same sources, which the preview must equal: every file of its site, and the pages it serves
(without the reload script it adds). How fast it is belongs to `make bench`."""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from helpcenter.server.livereload import CLIENT, Rebuilder, Settled
from helpcenter.site.build import build_site
from tests.browser.previewing import open_listening, preview
from tests.browser.test_live_reload import refusals
from tests.conftest import PROJECT_ROOT, BackgroundServer

pytestmark = pytest.mark.browser

ARTICLES = 60  # per language: a few hundred pages, enough to tell a page from the site
ARTICLE = Path("docs", "fr", "shipping", "article-00001.md")
SETTLED = 120  # seconds the preview may take to render the rest of the site behind a save


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    # Imported here: `make mutants` collects this module in a copy of the project without bench/.
    from bench.generate import generate

    root = tmp_path_factory.mktemp("corpus")
    for part in ("mkdocs.yml", "overrides", "data"):
        source = PROJECT_ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    generate(root, ARTICLES)
    return root


@pytest.fixture
def project(corpus: Path, tmp_path: Path) -> Path:
    shutil.copytree(corpus, tmp_path / "project")
    return tmp_path / "project"


def files(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def clean_build(project: Path, name: str) -> dict[str, bytes]:
    """The files of a clean build of the project's sources as they are."""
    site = project.parent / name
    build_site(project / "mkdocs.yml", site)
    return files(site)


def served(page, server: BackgroundServer, path: str) -> bytes:
    """A page as the preview serves it, without the reload script it adds."""
    return page.request.get(f"{server.url}/{path}").body().replace(CLIENT, b"")


def hold_behind(rebuilder: Rebuilder) -> threading.Event:
    """What the preview does behind a save waits while the event returned is clear."""
    go_on, settle = threading.Event(), rebuilder.settle

    def settle_when_let() -> Settled:
        go_on.wait()
        return settle()

    rebuilder.settle = settle_when_let
    return go_on


def search_index(page) -> str:
    """The address of the search index the open page names."""
    config = page.locator("#hc-search-config").text_content() or ""
    return urljoin(page.url, json.loads(config)["index"])


def assert_as_built(project: Path, rebuilder: Rebuilder, page, server, shown: list[str]) -> None:
    """Once the preview has rendered everything behind the save, its site is a clean build's,
    file for file, and so are the `shown` pages it serves."""
    assert rebuilder.idle.wait(SETTLED)
    clean = clean_build(project, "clean")
    preview_files = files(project / "site")
    assert preview_files.keys() == clean.keys()
    assert [path for path in clean if preview_files[path] != clean[path]] == []
    for path in shown:
        assert served(page, server, path) == clean[f"{path}index.html"]


def test_the_first_page_asked_for_is_served_before_the_rest_is_built(project, page, tmp_path):
    """Start-up makes no page: the one asked for is rendered first, the rest behind it, held
    here until the page has been served. An article that does not build is found behind it:
    the open page says so, the last site that built serves the pages not written yet, and the
    fix builds the site."""
    path = "it/shipping/article-00001/"
    refused = refusals(page)
    site = project / "site"
    last_good = site / "it" / "shipping" / "article-00004" / "index.html"
    last_good.parent.mkdir(parents=True)
    last_built = b'<!doctype html><html lang="it"><title>Prima</title></html>'
    last_good.write_bytes(last_built)
    broken = project / "docs" / "it" / "shipping" / "article-00004.md"
    source = broken.read_text(encoding="utf-8")
    broken.write_text(source.replace("title: ", "title: [", 1), encoding="utf-8")
    with preview(project, tmp_path) as (server, rebuilder):
        held = hold_behind(rebuilder)
        open_listening(page, f"{server.url}/{path}")
        expect(page.locator("h1")).not_to_be_empty()
        first = served(page, server, path)
        assert not last_good.exists()
        assert not (site / "it" / "404.html").exists()
        held.set()
        expect(page.get_by_test_id("build-error")).to_contain_text(broken.name)
        assert served(page, server, path) == first
        assert served(page, server, "it/shipping/article-00004/") == last_built

        broken.write_text(source, encoding="utf-8")
        expect(page.get_by_test_id("build-error")).to_have_count(0)
        assert_as_built(project, rebuilder, page, server, [path, "it/shipping/"])
    assert refused == []


def test_an_edit_a_new_article_a_retitle_and_a_move_each_show_and_the_site_is_a_clean_builds(
    project, page, tmp_path
):
    """One writer's session: each save shows in the open page; then the preview's site is the
    clean build's, file for file."""
    article = project / ARTICLE
    moved = project / "docs" / "fr" / "shipping" / "article-00004.md"
    moved_title = next(
        line.removeprefix("title: ")
        for line in moved.read_text(encoding="utf-8").splitlines()
        if line.startswith("title: ")
    ).strip("\"'")
    articles = page.locator(".hc-article-list")
    with preview(project, tmp_path) as (server, rebuilder):
        behind = hold_behind(rebuilder)
        behind.set()
        # An edit to an article's text.
        open_listening(page, f"{server.url}/fr/shipping/article-00001/")
        sentence = "Une phrase que la rédactrice vient d'écrire."
        article.write_text(f"{article.read_text(encoding='utf-8')}\n{sentence}\n", "utf-8")
        expect(page.locator("article")).to_contain_text(sentence)

        # A new article, in its category's list.
        open_listening(page, f"{server.url}/fr/shipping/")
        (project / "docs" / "fr" / "shipping" / "zz-nouveau.md").write_text(
            "---\ntitle: Un tout nouvel article\ndescription: Ce que la rédactrice vient "
            "d'ajouter à la catégorie des expéditions.\n---\n\nSon texte.\n",
            encoding="utf-8",
        )
        expect(articles).to_contain_text("Un tout nouvel article")

        # Once the site is whole: an article retitled, in its category's list and in another
        # open page's navigation.
        open_listening(page, f"{server.url}/fr/account/")
        retitled, sibling = sorted((project / "docs" / "fr" / "account").glob("article-*.md"))[:2]
        other = page.context.new_page()
        open_listening(other, f"{server.url}/fr/account/{sibling.stem}/")
        assert rebuilder.idle.wait(SETTLED)
        index = search_index(page)
        behind.clear()
        title = "Un titre zéphyrin que la rédactrice vient de changer"
        source = retitled.read_text(encoding="utf-8")
        retitled.write_text(
            re.sub(r"^title: .*$", f"title: {title}", source, count=1, flags=re.M), "utf-8"
        )
        expect(articles).to_contain_text(title)
        expect(other.locator(".md-sidebar--primary")).to_contain_text(title)
        # The search index follows behind the pages: the one they name meanwhile is there,
        # then the open page reloads naming the new one, which finds the new title (a reload
        # the pages asked for may come before it: the page's loads are waited for until then).
        assert page.request.get(search_index(page)).ok
        with page.expect_event("load"):
            behind.set()
        while search_index(page) == index:
            page.wait_for_event("load")
        page.locator("[data-hc-search-input]").fill("zéphyrin")
        expect(page.get_by_test_id("search-results")).to_contain_text(title)

        # An article moved to another category (its page at its old address was written).
        assert moved_title not in (articles.text_content() or "")
        moved.rename(project / "docs" / "fr" / "account" / moved.name)
        expect(articles).to_contain_text(moved_title)

        assert_as_built(
            project,
            rebuilder,
            page,
            server,
            [
                "fr/shipping/article-00001/",
                "es/shipping/article-00001/",
                "fr/shipping/",
                "es/shipping/zz-nouveau/",
                "fr/account/",
                f"fr/account/{sibling.stem}/",
            ],
        )


def test_a_breaking_change_shows_its_error_and_the_last_good_page_stays(project, page, tmp_path):
    article = project / ARTICLE
    source = article.read_text(encoding="utf-8")
    path = "fr/shipping/article-00001/"
    failure = page.get_by_test_id("build-error")
    with preview(project, tmp_path) as (server, rebuilder):
        open_listening(page, f"{server.url}/{path}")
        assert rebuilder.idle.wait(SETTLED)  # the last good page is a whole build's
        last_good = served(page, server, path)
        heading = page.locator("h1").text_content() or ""
        article.write_text(source.replace("title: ", "title: [", 1), encoding="utf-8")
        expect(failure).to_contain_text("docs/fr/shipping/article-00001.md: front matter")
        expect(page.locator("h1")).to_have_text(heading)
        assert rebuilder.idle.wait(SETTLED)
        assert served(page, server, path) == last_good

        article.write_text(source.replace("title: ", "title: Corrigé ", 1), encoding="utf-8")
        expect(page.locator("h1")).to_contain_text("Corrigé")
        expect(failure).to_have_count(0)

        # An article deleted that another links to: said at once, its page kept until it is back.
        deleted = project / "docs" / "fr" / "shipping" / "label-formats.md"
        kept = deleted.read_bytes()
        deleted.unlink()
        expect(failure).to_contain_text(deleted.name)
        assert page.request.get(f"{server.url}/fr/shipping/label-formats/").ok
        deleted.write_bytes(kept)
        expect(failure).to_have_count(0)
        assert_as_built(project, rebuilder, page, server, [path])
