"""The site's root, written once every language is built: a language chooser, a 404 page in
every language, the sitemap index, robots.txt and the headers file for the static host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from babel import Locale
from jinja2 import Environment, FileSystemLoader, select_autoescape

from helpcenter.config import Project
from helpcenter.site.atomic import write_atomically
from helpcenter.site.headers import inline_script_hashes, site_headers, write_headers_file
from helpcenter.site.theme import THEME_DIR, Brand, compiled_templates

ROOT_TEMPLATES = "site-root"


def write_root_pages(project: Project, site_dir: Path) -> None:
    """The site root: a language chooser, a 404 page in every language, the sitemap index."""
    catalogs = project.catalogs
    theme_dirs = [d for d in (project.custom_dir, THEME_DIR) if d is not None]
    env = Environment(
        loader=FileSystemLoader([d / ROOT_TEMPLATES for d in theme_dirs]),
        autoescape=select_autoescape(),
        keep_trailing_newline=True,
        bytecode_cache=compiled_templates(),
    )
    languages = [
        {
            "locale": lang.locale,
            "name": lang.name,
            "site_name": lang.site_name,
            "english_name": Locale.parse(lang.locale).get_display_name("en"),
            "direction": lang.direction,
            "gettext": catalogs.gettext(lang.locale),
        }
        for lang in project.languages
    ]
    context = {
        "languages": languages,
        "brand": Brand.of(project.settings.brand),
        "site_url": project.site_url,
        "base_path": urlsplit(project.site_url).path,
    }
    for name in env.list_templates():
        write_atomically(site_dir / name, env.get_template(name).render(context).encode())
    sitemaps = "".join(
        f"  <sitemap><loc>{escape(project.site_url)}{lang.locale}/sitemap.xml</loc></sitemap>\n"
        for lang in project.languages
    )
    write_atomically(
        site_dir / "sitemap.xml",
        (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{sitemaps}</sitemapindex>\n"
        ).encode(),
    )
    write_atomically(
        site_dir / "robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {project.site_url}sitemap.xml\n".encode(),
    )


def write_site_root(project: Project, site_dir: Path) -> None:
    write_root_pages(project, site_dir)
    write_headers_file(site_dir, site_headers(inline_script_hashes(site_dir), project.endpoints))
