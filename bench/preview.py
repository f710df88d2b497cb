"""The writers' preview on the generated help center (`make bench`, or alone: `python -m
bench.preview --articles N`): `helpcenter serve --watch` started in a process of its own, as
`make serve` starts it, and timed from the writer's side:

- start-up to the first page: from the command's start to an article answered, and the CPU
  time the preview's process had used by then (what a busy machine does not change);
- edit to reload: from an article's save to its new sentence in the page open in Chromium (the
  preview reloads it), once in each language, then the median;
- new article to navigation: from a new article's save to its title in its category's list,
  open in Chromium;
- retitle to navigation: from the save of an article's new `title:` to that title in its
  category's list, open in Chromium.

The sources are restored afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.generate import LOCALES, PROJECT_ROOT, generate
from tests.browser.previewing import open_listening
from tests.processes import free_port

PROJECT_PARTS = ("mkdocs.yml", "overrides", "data")
ARTICLE = "shipping/article-00001"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu"]
PATIENCE_S = 600  # a first page slower than this is a failure, not a figure


def prepare(target: Path, articles: int) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / part)
    generate(target, articles)
    return target


def first_answer(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("helpcenter serve --watch stopped")
        try:
            with urllib.request.urlopen(url, timeout=PATIENCE_S) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise RuntimeError(f"no page from the preview in {PATIENCE_S} s")


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time of a running process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_save(page, path: Path, text: str, shown: str, selector: str) -> float:
    """Seconds from saving `text` into `path` to `shown` in the open page's `selector`."""
    started = time.perf_counter()
    path.write_text(text, encoding="utf-8")
    page.locator(selector).filter(has_text=shown).first.wait_for(timeout=PATIENCE_S * 1000)
    return time.perf_counter() - started


def measure_preview(project: Path) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    originals = {path: path.read_bytes() for path in (project / "docs").rglob("*.md")}
    started = time.perf_counter()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("helpcenter"), "serve", "--watch", "--port", str(port)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first_answer(f"{url}/{LOCALES[0]}/{ARTICLE}/", server)
        first_page = time.perf_counter() - started
        first_page_cpu = cpu_seconds(server.pid)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
            )
            page = browser.new_page()
            edits = []
            for number, locale in enumerate(LOCALES):
                open_listening(page, f"{url}/{locale}/{ARTICLE}/")
                article = project / "docs" / locale / f"{ARTICLE}.md"
                sentence = f"Phrase {number} du banc d'essai."
                text = f"{article.read_text(encoding='utf-8')}\n{sentence}\n"
                edits.append(timed_save(page, article, text, sentence, "article p"))
            category = LOCALES[0] + "/" + ARTICLE.split("/")[0]
            open_listening(page, f"{url}/{category}/")
            # Before the new article: the save of its removal would be timed with the retitle.
            retitled = project / "docs" / f"{category}/article-00007.md"
            title = "Un titre changé pendant le banc d'essai"
            source = retitled.read_text(encoding="utf-8")
            retitle = timed_save(
                page,
                retitled,
                re.sub(r"^title: .*$", f"title: {title}", source, count=1, flags=re.M),
                title,
                ".hc-article-list li",
            )
            title = "Un article tout neuf du banc d'essai"
            new_article = project / "docs" / f"{category}/zz-bench.md"
            new = timed_save(
                page,
                new_article,
                f"---\ntitle: {title}\ndescription: Ajouté pendant la mesure de l'aperçu, "
                "puis retiré aussitôt.\n---\n\nSon texte.\n",
                title,
                ".hc-article-list li",
            )
            new_article.unlink()
            browser.close()
    finally:
        server.terminate()
        server.wait()
        for path, content in originals.items():
            path.write_bytes(content)
    return {
        "start_to_first_page_s": round(first_page, 2),
        "start_to_first_page_cpu_s": round(first_page_cpu, 2),
        "edit_to_reload_s": [round(seconds, 2) for seconds in edits],
        "edit_to_reload_median_s": round(statistics.median(edits), 2),
        "new_article_to_nav_s": round(new, 2),
        "retitle_to_nav_s": round(retitle, 2),
    }


def preview_table(preview: dict, articles: int) -> list[str]:
    return [
        f"## Writers' preview (`helpcenter serve --watch`), {articles} articles per language",
        "",
        "| Measure | Seconds | Goal |",
        "| --- | --- | --- |",
        f"| start-up to the first page | {preview['start_to_first_page_s']} | 5 |",
        f"| its CPU time | {preview['start_to_first_page_cpu_s']} | |",
        f"| edit to reload, median of {len(preview['edit_to_reload_s'])} "
        f"({', '.join(map(str, preview['edit_to_reload_s']))}) | "
        f"{preview['edit_to_reload_median_s']} | 1 |",
        f"| new article to its category's list | {preview['new_article_to_nav_s']} | 5 |",
        f"| retitled article to its category's list | {preview['retitle_to_nav_s']} | 5 |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--articles", type=int, default=1000)
    args = parser.parse_args(argv)
    project = prepare(PROJECT_ROOT / "bench" / "corpus" / "preview", args.articles)
    results = measure_preview(project)
    print(json.dumps(results, indent=2))
    print("\n".join(preview_table(results, args.articles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
