"""`make bench`: this project against plain Material + mkdocs-static-i18n, on the same corpus.

Builds a generated help center of N articles per language both ways, then measures what a reader
and an operator get: build time and peak memory, article HTML size, bytes of a plain article
view, search bytes and time to the first result in headless Chromium, query latency, and the
ticket endpoint's throughput and latency (bench.endpoint: SQLite, and PostgreSQL with 1, 2 and 4
workers), and the writers' preview (bench.preview: start-up to the first page, edit to reload,
new article to navigation). Writes bench/results.json, bench/results.md and bench/build-time.png.

Its phases (generating the corpora, building them, measuring) show their progress as
`helpcenter build` does (helpcenter.progress): bars on a terminal, else a line per phase once done.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.endpoint import SETUPS, endpoint_table, label, measure_endpoints
from bench.generate import LOCALES, PROJECT_ROOT, generate, generating
from bench.preview import measure_preview, preview_table
from helpcenter.progress import Progress, Task
from helpcenter.server.nginx import quoted
from helpcenter.site.build import QUIET_MKDOCS
from tests.processes import (
    free_port,
    nginx_command,
    nginx_main_config,
    process_tree,
    wait_for_port,
)

BENCH_DIR = PROJECT_ROOT / "bench"
WORK_DIR = BENCH_DIR / "corpus"
OURS_PARTS = ("mkdocs.yml", "overrides", "data")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BASELINE_CONFIG = """\
site_name: Colisto Help Center
site_url: https://help.colisto.example/
docs_dir: docs
theme:
  name: material
  language: fr
plugins:
  - search
  - i18n:
      docs_structure: folder
      languages:
        - {locale: fr, name: Français, default: true}
        - {locale: es, name: Español}
        - {locale: it, name: Italiano}
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - tables
  - toc: {permalink: true}
  - pymdownx.details
  - pymdownx.superfences
"""
# The bare stack builds a site of more articles per language than this in hours: above, it is
# skipped, and what compares with it is not measured.
BASELINE_MAX_ARTICLES = 1000
TARGETS = {
    "build_time_ratio": 0.3,
    "article_html_kb": 50,
    "plain_view_kb": 100,
    "first_search_kb": 150,
    "first_result_ms": 150,
    "deep_link_ms": 500,
    "query_p95_ms": 16,
    "tickets_per_second": 200,
    "ticket_p95_ms": 50,
}


# Build, with the peak memory of the whole process tree.


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def timed_build(command: list[str], cwd: Path, env: dict | None = None) -> dict:
    """A build's wall time and peak memory, started on a quiet machine: the corpus just written
    (or the build before) is otherwise written back during it, which the first of the two
    builds of a size would pay for more than the second."""
    os.sync()
    wait_until_quiet()
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.05)
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"build failed: {' '.join(command)}\n{output[-3000:]}")
    return {"seconds": round(time.perf_counter() - started, 2), "peak_memory_mb": peak // 1024}


def prepare(articles: int, phase: Task) -> tuple[Path, Path | None]:
    ours, baseline = WORK_DIR / "ours", WORK_DIR / "baseline"
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    ours.mkdir(parents=True)
    for part in OURS_PARTS:
        source = PROJECT_ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, ours / part)
    generate(ours, articles, phase)
    if articles > BASELINE_MAX_ARTICLES:
        return ours, None
    baseline.mkdir()
    shutil.copytree(ours / "docs", baseline / "docs")
    (baseline / "mkdocs.yml").write_text(BASELINE_CONFIG, encoding="utf-8")
    return ours, baseline


def build_both(articles: int, phases: dict[str, Task]) -> tuple[Path, Path | None, dict]:
    """Both sites built (the bare stack's None above `BASELINE_MAX_ARTICLES`), and their builds'
    time and memory."""
    ours, baseline = prepare(articles, phases["generating"])
    python = sys.executable
    building = phases["building"]
    building.update(state=f"ours, N={articles}")
    results = {
        "ours": timed_build([python, "-m", "helpcenter.cli", "build", "--site-dir", "site"], ours)
    }
    building.advance()
    if baseline is None:
        return ours / "site", None, results
    building.update(state=f"baseline, N={articles}")
    results["baseline"] = timed_build(
        [python, "-m", "mkdocs", "build", "--quiet"], baseline, QUIET_MKDOCS
    )
    building.advance()
    return ours / "site", baseline / "site", results


# Pages.


def article_pages(site: Path, prefix: str) -> list[Path]:
    return (
        sorted((site / prefix).glob("*/article-*/index.html"))
        if prefix
        else sorted(site.glob("*/article-*/index.html"))
    )


def html_sizes(pages: list[Path]) -> dict:
    raw = [page.stat().st_size for page in pages]
    zipped = [len(gzip.compress(page.read_bytes())) for page in pages]
    return {
        "raw_kb": round(statistics.median(raw) / 1024, 1),
        "gzip_kb": round(statistics.median(zipped) / 1024, 1),
    }


# Browser.


class StaticServer:
    """The built site served as a static host serves it, by a process of its own (the
    measurements are of the site, not of a server sharing a process with the browser driver):
    Debian's nginx, HTTP/1.1 with kept-alive connections and gzip, both sites alike. Python's
    `http.server` (a connection per file, no compression) made the page's own scripts queue for
    Chromium's six connections and timed the server more than the site."""

    CONFIG = """server {{
    listen 127.0.0.1:{port};
    root {root};
    index index.html;
    charset utf-8;
    gzip on;
    gzip_types text/css application/javascript application/json image/svg+xml;
}}
"""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.port = free_port()

    def __enter__(self) -> str:
        self.folder = tempfile.TemporaryDirectory(prefix="bench-nginx-")
        prefix = Path(self.folder.name)
        site_config = prefix / "site.conf"
        site_config.write_text(self.CONFIG.format(port=self.port, root=quoted(str(self.site))))
        self.process = subprocess.Popen(
            nginx_command(prefix, nginx_main_config(prefix, site_config)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait()
        self.folder.cleanup()


# What belongs to search on a page view: the index and the engine (lunr, stemmers, the workers);
# not the few KB of interface script each page carries. What the first search downloads is
# everything requested from the first keystroke on.
SEARCH_PATTERN = (
    *("search_index", "/search/index.", "/search/engine.", "/lunr/", "/workers/"),
    *("/search/postings.", "/search/docs.", "/search/text.", "/search/vocabulary."),
)
# The search box and a result in its list, ours and the bare stack's (Material's) alike.
SEARCH_BOX = "[data-hc-search-input], .md-search__input"
A_RESULT = ".md-search-result__list li"
# Timed in the page, not by the driver polling it: when the first keystroke reached the page and
# when the first result was in the list (`performance.now()`, from the start of the navigation).
TIME_FIRST_RESULT = f"""(() => {{
    const times = window.hcBenchTimes = {{}};
    document.addEventListener("keydown", () => {{ times.keystroke ??= performance.now(); }}, true);
    new MutationObserver((changes, observer) => {{
        if (!document.querySelector("{A_RESULT}")) return;
        times.result = performance.now();
        observer.disconnect();
    }}).observe(document, {{childList: true, subtree: true}});
}})()"""
MEASURE_QUERY = f"""async (query) => {{
    const input = document.querySelector("{SEARCH_BOX}");
    // The status line and the list: two searches may find as many articles, the same status.
    const results = document.querySelector(".md-search-result");
    const done = new Promise((resolve) => {{
        const observer = new MutationObserver(() => {{ observer.disconnect(); resolve(); }});
        observer.observe(results, {{childList: true, characterData: true, subtree: true}});
    }});
    const start = performance.now();
    input.value = query;
    input.dispatchEvent(new Event("input", {{bubbles: true}}));
    input.dispatchEvent(new KeyboardEvent("keyup", {{bubbles: true, key: "a"}}));
    await done;
    return performance.now() - start;
}}"""
# A reader typing a query, by contrast, has the worker fetch the files of the word being typed as
# it comes: from the last keystroke (its input: Playwright types a letter beyond the US keyboard
# without a keydown) to the first change of the list, which shows the whole word's results
# (search.js shows no answer to a text the box no longer holds).
ARM_LAST_KEY = """() => {
    const results = document.querySelector(".md-search-result");
    const times = window.hcLastKey = {};
    document.addEventListener("input", () => {
        times.key = performance.now();
        new MutationObserver((changes, observer) => {
            observer.disconnect();
            times.answered = performance.now() - times.key;
        }).observe(results, {childList: true, characterData: true, subtree: true});
    }, {capture: true, once: true});
}"""
# A quick typist's pace (100 words a minute), between keystrokes: the slower a reader types, the
# more time the worker has, and the more searches it answers (each needs its files).
TYPING_DELAY_MS = 120
# An average typist's (40 words a minute), and the words a first search is typed with at each
# pace (a word goes through the files of its starts: which ones differs from word to word).
AVERAGE_TYPING_DELAY_MS = 300
PACED_WORDS = 4


def gzip_size(response) -> int:
    try:
        return len(gzip.compress(response.body()))
    except Exception:  # a response without a body (redirect, failed request)
        return 0


def first_loads(responses: list) -> list:
    """Each address once: a file loaded again comes from the browser's cache, not the network."""
    addresses = set()
    return [r for r in responses if not (r.url in addresses or addresses.add(r.url))]


def cpu_times() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot (Linux)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def wait_until_quiet(limit: float = 30, window: float = 0.5, busy_at_most: float = 0.15) -> None:
    """Latencies are measured on a quiet machine: the builds before leave the disk writing back
    and the kernel reclaiming for a while, which the first measured site would pay for."""
    deadline = time.monotonic() + limit
    quiet_windows = 0
    while quiet_windows < 2 and time.monotonic() < deadline:
        busy, total = cpu_times()
        time.sleep(window)
        busy_after, total_after = cpu_times()
        quiet = (busy_after - busy) <= busy_at_most * max(1, total_after - total)
        quiet_windows = quiet_windows + 1 if quiet else 0


@dataclass
class FirstSearch:
    """A plain article view in a fresh browser, then a first search: what each downloaded, and
    the time from the first keystroke to the first result. The page stays open."""

    context: object
    page: object
    page_view: int  # bytes, gzip
    search_at_load: int
    search_bytes: int  # everything search downloaded, from the page's load to the first results
    first_result_ms: float

    @classmethod
    def of(cls, browser, url: str, article: str, word: str, delay: float = 0) -> FirstSearch:
        """`delay`: between keystrokes (ms)."""
        wait_until_quiet()
        context = browser.new_context()
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.add_init_script(TIME_FIRST_RESULT)
        page.goto(f"{url}/{article}", wait_until="networkidle")
        view = first_loads(responses)
        search_at_load = sum(gzip_size(r) for r in view if any(p in r.url for p in SEARCH_PATTERN))
        page.locator(SEARCH_BOX).first.click()
        page.keyboard.type(word, delay=delay)
        page.locator(A_RESULT).first.wait_for()
        times = page.evaluate("hcBenchTimes")
        page.wait_for_timeout(1000)  # the reader reads the first results before searching again
        page.wait_for_load_state("networkidle")
        loaded = sum(gzip_size(r) for r in first_loads(responses)[len(view) :])
        return cls(
            context,
            page,
            sum(gzip_size(r) for r in view),
            search_at_load,
            search_at_load + loaded,
            times["result"] - times["keystroke"],
        )


def browser_metrics(browser, url: str, article: str, words: list[str]) -> dict:
    # Typed at once, then letter by letter, a few words at each pace (the worst is reported).
    first = FirstSearch.of(browser, url, article, words[0])
    paced = {
        delay: [FirstSearch.of(browser, url, article, word, delay) for word in words[:PACED_WORDS]]
        for delay in (TYPING_DELAY_MS, AVERAGE_TYPING_DELAY_MS)
    }
    for searches in paced.values():
        for search in searches:
            search.context.close()
    # Closing the paced searches' contexts goes on after `close` returns (their pages' processes
    # exit): the later queries too are measured on a quiet machine, as every first search is.
    wait_until_quiet()
    page = first.page
    latencies = [page.evaluate(MEASURE_QUERY, word) for word in words[1:51]]
    typed = [typed_query_ms(page, word) for word in words[1:51]]
    first.context.close()
    # A shared link `?q=`, opened in a new browser: from the start of the navigation to results.
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(TIME_FIRST_RESULT)
    page.goto(f"{url}/{article}?q={words[-1]}", wait_until="commit")
    page.locator(A_RESULT).first.wait_for()
    deep_link_ms = page.evaluate("hcBenchTimes.result")
    context.close()
    return {
        "plain_view_kb": round((first.page_view - first.search_at_load) / 1024, 1),
        "plain_view_search_kb": round(first.search_at_load / 1024, 1),
        "first_search_kb": round(first.search_bytes / 1024, 1),
        "first_result_ms": round(first.first_result_ms),
        # The worst of the words typed at each pace.
        "paced_first_search_kb": round(max_of(paced[TYPING_DELAY_MS], "search_bytes") / 1024, 1),
        "paced_first_result_ms": round(max_of(paced[TYPING_DELAY_MS], "first_result_ms")),
        "average_paced_first_search_kb": round(
            max_of(paced[AVERAGE_TYPING_DELAY_MS], "search_bytes") / 1024, 1
        ),
        "average_paced_first_result_ms": round(
            max_of(paced[AVERAGE_TYPING_DELAY_MS], "first_result_ms")
        ),
        "deep_link_ms": round(deep_link_ms),
        "query_p50_ms": round(statistics.median(latencies), 1),
        "query_p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 1),
        "typed_p50_ms": round(statistics.median(typed), 1),
        "typed_p95_ms": round(statistics.quantiles(typed, n=20)[-1], 1),
    }


def max_of(searches: list[FirstSearch], measure: str) -> float:
    return max(getattr(search, measure) for search in searches)


def typed_query_ms(page, word: str) -> float:
    """A word typed into the emptied box: from its last keystroke to its results."""
    box = page.locator(SEARCH_BOX).first
    box.fill("")
    page.keyboard.type(word[:-1], delay=TYPING_DELAY_MS)
    page.wait_for_timeout(TYPING_DELAY_MS)
    page.evaluate(ARM_LAST_KEY)
    page.keyboard.type(word[-1])
    page.wait_for_function("window.hcLastKey.answered !== undefined")
    return page.evaluate("window.hcLastKey.answered")


def query_words(site: Path, locale: str) -> list[str]:
    titles = []
    for page in article_pages(site, locale)[:200]:
        html = page.read_text(encoding="utf-8")
        start = html.find("<h1")
        titles.append(html[html.find(">", start) + 1 : html.find("</h1>", start)])
    words = sorted({w.strip(".,:;()'’").lower() for t in titles for w in t.split() if len(w) > 5})
    return (words * 3)[:51]


def measure_browsers(ours_site: Path, baseline_site: Path | None, phase: Task) -> dict:
    from playwright.sync_api import sync_playwright

    results = {"ours": {}, "baseline": {}}
    # The builds' gigabyte of pages goes to disk first, and the browser starts once, untimed: the
    # first measured site should not pay for either (see also `wait_until_quiet`).
    os.sync()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS
        )
        browser.new_page().close()
        for locale in LOCALES:
            words = query_words(ours_site, locale)
            ours_article = article_pages(ours_site, locale)[0].parent.relative_to(ours_site)
            phase.update(state=f"ours, {locale}, in Chromium")
            with StaticServer(ours_site) as url:
                results["ours"][locale] = browser_metrics(browser, url, f"{ours_article}/", words)
            phase.advance(f"baseline, {locale}, in Chromium")
            if baseline_site is None:
                phase.advance()
                continue
            prefix = "" if locale == LOCALES[0] else locale
            base_article = article_pages(baseline_site, prefix)[0].parent.relative_to(baseline_site)
            with StaticServer(baseline_site) as url:
                results["baseline"][locale] = browser_metrics(
                    browser, url, f"{base_article}/", words
                )
            phase.advance()
        browser.close()
    return results


# Report.


def worst(results: dict, key: str) -> float:
    return max(results[locale][key] for locale in LOCALES)


def baseline_verdicts(report: dict) -> list[tuple[str, str, str, bool]]:
    """The builds against the bare stack's at the largest size it was built at, and how the
    build time grows from 1,000 articles up."""
    curve = report["by_size"]
    compared = [(n, values) for n, values in curve.items() if values["baseline"]]
    rows = []
    if compared:
        n, values = compared[-1]
        build_ratio = values["ours"] / values["baseline"]
        rows += [
            (
                f"Build time, ours / baseline ({n} articles)",
                f"{build_ratio:.2f}",
                f"≤ {TARGETS['build_time_ratio']}",
                build_ratio <= TARGETS["build_time_ratio"],
            ),
            (
                f"Peak build memory (MB), ours vs baseline ({n} articles)",
                f"{values['ours_mb']} vs {values['baseline_mb']}",
                "≤ baseline",
                values["ours_mb"] <= values["baseline_mb"],
            ),
        ]
    if "1000" in curve and report["articles_per_language"] > 1000:
        n = report["articles_per_language"]
        growth = curve[str(n)]["ours"] / curve["1000"]["ours"]
        rows.append(
            (
                f"Build time from 1000 to {n} articles (times)",
                f"{growth:.1f}",
                f"≤ {n / 1000:g} (the pages')",
                growth <= n / 1000,
            )
        )
    return rows


def verdicts(report: dict) -> list[tuple[str, str, str, bool]]:
    ours = report["ours"]
    browser_ours = report["browser"]["ours"]

    def at_most(name: str, key: str, target: str) -> tuple[str, str, str, bool]:
        """The worst language's `key` against `TARGETS[target]`."""
        value = worst(browser_ours, key)
        return (name, f"{value}", f"≤ {TARGETS[target]}", value <= TARGETS[target])

    rows = [
        *baseline_verdicts(report),
        (
            "Article HTML, median raw (KB)",
            f"{ours['html']['raw_kb']}",
            f"≤ {TARGETS['article_html_kb']}",
            ours["html"]["raw_kb"] <= TARGETS["article_html_kb"],
        ),
        at_most("Plain article view, gzip (KB, worst language)", "plain_view_kb", "plain_view_kb"),
        (
            "Search bytes on a plain view (KB)",
            f"{worst(browser_ours, 'plain_view_search_kb')}",
            "0",
            worst(browser_ours, "plain_view_search_kb") == 0,
        ),
        at_most("First search, gzip (KB, worst language)", "first_search_kb", "first_search_kb"),
        at_most(
            "First keystroke to first result (ms, worst)", "first_result_ms", "first_result_ms"
        ),
        at_most(
            f"First search typed at a quick typist's pace, gzip (KB, worst of {PACED_WORDS} "
            "words and languages)",
            "paced_first_search_kb",
            "first_search_kb",
        ),
        at_most(
            "The same, first keystroke to first result (ms, worst)",
            "paced_first_result_ms",
            "first_result_ms",
        ),
        at_most(
            f"First search typed at an average typist's pace, gzip (KB, worst of {PACED_WORDS} "
            "words and languages)",
            "average_paced_first_search_kb",
            "first_search_kb",
        ),
        at_most(
            "The same, first keystroke to first result (ms, worst)",
            "average_paced_first_result_ms",
            "first_result_ms",
        ),
        at_most("Deep link `?q=` to results (ms, worst)", "deep_link_ms", "deep_link_ms"),
        at_most("Later queries p95, typed (ms, worst language)", "typed_p95_ms", "query_p95_ms"),
        at_most(
            "Later queries p95, each word put whole (ms, worst language)",
            "query_p95_ms",
            "query_p95_ms",
        ),
    ]
    for setup in report["endpoint"]:
        name = label(setup)
        if setup["engine"] == "sqlite":
            rows.append(
                (
                    f"Tickets per second, {name} ({setup['clients']} clients)",
                    f"{setup['capacity']['tickets_per_second']}",
                    f"≥ {TARGETS['tickets_per_second']}",
                    setup["capacity"]["tickets_per_second"] >= TARGETS["tickets_per_second"],
                )
            )
        rows += [
            (
                f"Ticket p95 latency (ms), {name}, at {setup['rate']} tickets/s",
                f"{setup['at_rate']['p95_ms']}",
                f"< {TARGETS['ticket_p95_ms']}",
                setup["at_rate"]["p95_ms"] < TARGETS["ticket_p95_ms"],
            ),
            (
                f"Tickets stored = acknowledged, {name}",
                f"{setup['stored']} = {setup['acknowledged']}",
                "equal",
                setup["stored"] == setup["acknowledged"],
            ),
        ]
    return rows


def markdown(report: dict) -> str:
    ours, base = report["ours"], report["baseline"] or {}
    articles = report["articles_per_language"]
    lines = [
        f"# Benchmark: {articles} articles per language x 3 languages",
        "",
        "| Measure | Ours | Baseline | Ratio |",
        "| --- | --- | --- | --- |",
    ]
    if not base:
        lines[1:1] = [
            "",
            f"The bare stack (Material + mkdocs-static-i18n) is skipped above "
            f"{BASELINE_MAX_ARTICLES} articles per language (its build takes hours): its "
            "column is empty; the table by size below compares the builds up to that size.",
        ]

    def row(name: str, mine: float, theirs: float | None) -> None:
        ratio = f"{mine / theirs:.2f}" if theirs else "-"
        lines.append(f"| {name} | {mine} | {'-' if theirs is None else theirs} | {ratio} |")

    def of(part: str, key: str) -> float | None:
        return base[part][key] if base else None

    row("Build wall time (s)", ours["build"]["seconds"], of("build", "seconds"))
    row("Peak build memory (MB)", ours["build"]["peak_memory_mb"], of("build", "peak_memory_mb"))
    row("Article HTML, median raw (KB)", ours["html"]["raw_kb"], of("html", "raw_kb"))
    row("Article HTML, median gzip (KB)", ours["html"]["gzip_kb"], of("html", "gzip_kb"))
    for locale in LOCALES:
        mine, theirs = report["browser"]["ours"][locale], report["browser"]["baseline"].get(locale)
        for key, name in (
            ("plain_view_kb", "plain article view, gzip (KB)"),
            ("plain_view_search_kb", "search bytes on a plain view (KB)"),
            ("first_search_kb", "first search, gzip (KB)"),
            ("first_result_ms", "first keystroke to first result (ms)"),
            (
                "paced_first_search_kb",
                f"first search typed at a quick typist's pace ({TYPING_DELAY_MS} ms a key), "
                f"gzip (KB, worst of {PACED_WORDS} words)",
            ),
            ("paced_first_result_ms", "the same, first keystroke to first result (ms)"),
            (
                "average_paced_first_search_kb",
                f"the same at an average typist's pace ({AVERAGE_TYPING_DELAY_MS} ms a key), "
                "gzip (KB)",
            ),
            ("average_paced_first_result_ms", "the same, first keystroke to first result (ms)"),
            ("deep_link_ms", "deep link `?q=` to results (ms)"),
            ("query_p50_ms", "query p50, each word put whole (ms)"),
            ("query_p95_ms", "query p95, each word put whole (ms)"),
            ("typed_p50_ms", "query p50, typed (ms)"),
            ("typed_p95_ms", "query p95, typed (ms)"),
        ):
            row(f"[{locale}] {name}", mine[key], theirs[key] if theirs else None)
    lines += [
        "",
        *endpoint_table(report["endpoint"]),
        "",
        *preview_table(report["preview"], report["preview_articles"]),
        "",
        "## Targets",
        "",
        "| Target | Measured | Goal | Met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {value} | {goal} | {'yes' if met else '**NO**'} |"
        for name, value, goal, met in verdicts(report)
    ]
    curve = report["by_size"]
    lines += [
        "",
        "## By size",
        "",
        "| N | Build, ours (s) | Build, baseline (s) | Peak memory, ours (MB) "
        "| Peak memory, baseline (MB) | First search, gzip (KB, worst language) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {n} | {values['ours']} | {values['baseline'] or '-'} | {values['ours_mb']} "
        f"| {values['baseline_mb'] or '-'} | {values['first_search_kb']} |"
        for n, values in curve.items()
    ]
    lines += [
        "",
        "First search against site size (everything the first search from a plain article view",
        "downloads, engine included; gzip KB, worst language):",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "First search, gzip KB"',
        f'    x-axis "articles per language" [{", ".join(curve)}]',
        f'    y-axis "KB" 0 --> {max(TARGETS["first_search_kb"], *first_search_kbs(curve)):.0f}',
        f"    bar [{', '.join(str(kb) for kb in first_search_kbs(curve))}]",
        f"    line [{', '.join(str(TARGETS['first_search_kb']) for _ in curve)}]",
        "```",
        "",
        f"(The line: the goal, {TARGETS['first_search_kb']} KB.)",
    ]
    return "\n".join(lines) + "\n"


def first_search_kbs(curve: dict) -> list[float]:
    return [values["first_search_kb"] for values in curve.values()]


def chart(curve: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 4), dpi=100)
    for name in ("ours", "baseline"):
        measured = [(int(n), values[name]) for n, values in curve.items() if values[name]]
        axes.plot(*zip(*measured, strict=True), marker="o", label=name)
    axes.set_xlabel("articles per language (x 3 languages)")
    axes.set_ylabel("build wall time (s)")
    axes.set_title("Build time against site size")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "-n", "--articles", type=int, default=1000, help="articles per language (default 1000)"
    )
    args = parser.parse_args(argv)
    sizes = sorted({size for size in (100, 300, 1000, args.articles) if size <= args.articles})
    curve = {}
    with Progress() as progress:
        phases = {
            "generating": generating(progress, sizes),
            "building": progress.phase(
                "[building]",
                "builds",
                len(sizes) + len([size for size in sizes if size <= BASELINE_MAX_ARTICLES]),
            ),
            "measuring": progress.phase(
                "[measuring]", "measurements", 2 * len(LOCALES) * len(sizes) + len(SETUPS)
            ),
        }
        # The preview's goals are those of a writer of a 1,000-article help center.
        preview_size = min(args.articles, 1000)
        preview = None
        for size in sizes[:-1]:
            ours_site, _, builds = build_both(size, phases)
            measured = measure_browsers(ours_site, None, phases["measuring"])
            curve[str(size)] = by_size(builds, worst(measured["ours"], "first_search_kb"))
            print(f"N={size}: {curve[str(size)]}", flush=True)
            if size == preview_size:
                preview = measure_preview(WORK_DIR / "ours")
        ours_site, baseline_site, builds = build_both(args.articles, phases)
        browser = measure_browsers(ours_site, baseline_site, phases["measuring"])
        curve[str(args.articles)] = by_size(builds, worst(browser["ours"], "first_search_kb"))
        print(f"N={args.articles}: {curve[str(args.articles)]}", flush=True)
        report = {
            "articles_per_language": args.articles,
            "ours": {
                "build": builds["ours"],
                "html": html_sizes(
                    [p for locale in LOCALES for p in article_pages(ours_site, locale)]
                ),
            },
            "baseline": baseline_site
            and {
                "build": builds["baseline"],
                "html": html_sizes(
                    article_pages(baseline_site, "")
                    + [p for locale in LOCALES[1:] for p in article_pages(baseline_site, locale)]
                ),
            },
            "browser": browser,
            "endpoint": measure_endpoints(WORK_DIR, phases["measuring"]),
            "preview": preview or measure_preview(WORK_DIR / "ours"),
            "preview_articles": preview_size,
            "by_size": curve,
        }
    report["targets"] = [
        {"measure": name, "value": value, "goal": goal, "met": met}
        for name, value, goal, met in verdicts(report)
    ]
    (BENCH_DIR / "results.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (BENCH_DIR / "results.md").write_text(markdown(report), encoding="utf-8")
    chart(curve, BENCH_DIR / "build-time.png")
    print(markdown(report))
    return 0


def by_size(builds: dict, first_search_kb: float) -> dict:
    baseline = builds.get("baseline")
    return {
        "ours": builds["ours"]["seconds"],
        "baseline": baseline and baseline["seconds"],
        "ours_mb": builds["ours"]["peak_memory_mb"],
        "baseline_mb": baseline and baseline["peak_memory_mb"],
        "first_search_kb": first_search_kb,
    }


if __name__ == "__main__":
    sys.exit(main())
