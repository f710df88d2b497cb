"""The site's root, written once every language is built: a language chooser, a 404 page in
every language, the sitemap index, robots.txt and the headers file for the static host."""

from __future__ import annotations

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


def write_site_root(config_file: Path, site_dir: Path) -> None:
    site = SiteConfig.load(config_file)
    write_root_pages(site, site_dir)
    write_headers_file(site_dir, site_headers(site_dir, site.endpoints))
