"""Plans: tables in articles, generated from data/plans.yml (see helpcenter.plans)."""

from pathlib import Path

from mkdocs.exceptions import PluginError

from helpcenter.languages import configured_languages
from helpcenter.plans.schema import PlansError, load_plans
from helpcenter.plans.tables import TableError, insert_tables

PLANS_FILE = "data/plans.yml"
plans = None


def on_config(config):
    global plans
    locales = tuple(language.locale for language in configured_languages(config))
    path = Path(config.config_file_path).parent / PLANS_FILE
    try:
        plans = load_plans(path, locales, name=PLANS_FILE)
    except PlansError as error:
        raise PluginError(str(error)) from None
    return config


def on_page_markdown(markdown, page, config, files):
    try:
        # A fallback page is written in another language: its tables speak that language too.
        return insert_tables(markdown, plans, page.file.locale, f"docs/{page.file.src_uri}")
    except TableError as error:
        raise PluginError(str(error)) from None
