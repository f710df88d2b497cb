"""Build every language of the site in parallel, then swap the result into place.

Each language is its own `mkdocs build` (one process per language, so two cores build two
languages at once). Everything is built into a fresh folder next to the target and only
replaces it when every language succeeded: a failed build leaves the previous site intact.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from babel import Locale
from jinja2 import Environment, FileSystemLoader, select_autoescape
from mkdocs.config import load_config

from helpcenter.languages import Language, configured_languages, load_translations
from helpcenter.security import site_headers, write_headers_file

ROOT_TEMPLATES = "site-root"


class BuildError(Exception):
    """A language failed to build; the message holds what MkDocs said."""


@dataclass(frozen=True)
class SiteConfig:
    config_file: Path
    languages: list[Language]
    site_url: str
    theme_dir: Path
    endpoints: list[str]

    @classmethod
    def load(cls, config_file: Path) -> SiteConfig:
        config = load_config(str(config_file))
        return cls(
            config_file=config_file,
            languages=configured_languages(config),
            site_url=(config.site_url or "").rstrip("/") + "/",
            theme_dir=Path(config.theme.custom_dir),
            endpoints=[
                config.extra.get("contact", {}).get("endpoint", ""),
                *(config.extra.get("feedback") or {}).values(),
            ],
        )


def mkdocs_environment(locale: str, site_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HELPCENTER_LOCALE": locale,
        "HELPCENTER_SITE_DIR": str(site_dir),
        "NO_MKDOCS_2_WARNING": "1",
    }


def build_language(site: SiteConfig, locale: str, site_dir: Path, strict: bool) -> str:
    # Not --quiet: it hides warnings from MkDocs' strict mode, which then lets them pass.
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(site.config_file)]
    if strict:
        command.append("--strict")
    result = subprocess.run(
        command,
        env=mkdocs_environment(locale, site_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    output = "\n".join(
        line
        for line in (result.stderr + result.stdout).splitlines()
        if line.strip() and not line.startswith("INFO")
    )
    if result.returncode != 0:
        raise BuildError(f"[{locale}] build failed:\n{output}")
    return output


def write_root_pages(site: SiteConfig, site_dir: Path) -> None:
    """The site root: a language chooser, a 404 page in every language, the sitemap index."""
    env = Environment(
        loader=FileSystemLoader(site.theme_dir / ROOT_TEMPLATES),
        autoescape=select_autoescape(),
        keep_trailing_newline=True,
    )
    languages = [
        {
            "locale": lang.locale,
            "name": lang.name,
            "site_name": lang.site_name,
            "english_name": Locale.parse(lang.locale).get_display_name("en"),
            "gettext": load_translations(lang.locale).gettext,
        }
        for lang in site.languages
    ]
    context = {
        "languages": languages,
        "site_url": site.site_url,
        "base_path": urlsplit(site.site_url).path,
    }
    for name in env.list_templates():
        (site_dir / name).write_text(env.get_template(name).render(context), encoding="utf-8")
    sitemaps = "".join(
        f"  <sitemap><loc>{escape(site.site_url)}{lang.locale}/sitemap.xml</loc></sitemap>\n"
        for lang in site.languages
    )
    (site_dir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{sitemaps}</sitemapindex>\n",
        encoding="utf-8",
    )
    (site_dir / "robots.txt").write_text(
        f"User-agent: *\nAllow: /\nSitemap: {site.site_url}sitemap.xml\n", encoding="utf-8"
    )


def build_site(config_file: Path, site_dir: Path, strict: bool = True) -> None:
    site = SiteConfig.load(config_file)
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}.", dir=site_dir.parent))
    staging.chmod(0o755)
    try:
        with ThreadPoolExecutor(max_workers=len(site.languages)) as pool:
            futures = {
                lang.locale: pool.submit(
                    build_language, site, lang.locale, staging / lang.locale, strict
                )
                for lang in site.languages
            }
        errors = []
        for locale, future in futures.items():
            try:
                output = future.result()
            except BuildError as error:
                errors.append(str(error))
            else:
                if output:
                    print(f"[{locale}] {output}", file=sys.stderr)
        if errors:
            raise BuildError("\n\n".join(errors))
        write_root_pages(site, staging)
        write_headers_file(staging, site_headers(staging, site.endpoints))
        swap_into_place(staging, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_into_place(staging: Path, site_dir: Path) -> None:
    previous = site_dir.with_name(f"{site_dir.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if site_dir.exists():
        site_dir.rename(previous)
    staging.rename(site_dir)
    shutil.rmtree(previous, ignore_errors=True)
