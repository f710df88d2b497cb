"""Contact: the form and the ticket confirmation, rendered from `extra.contact` in mkdocs.yml."""

from pathlib import Path

from mkdocs.exceptions import PluginError

from helpcenter.contact.form import insert_contact_blocks
from helpcenter.contact.settings import SettingsError, parse_settings
from helpcenter.languages import configured_languages
from helpcenter.plans.schema import PlansError, load_plans

settings = None
plans = []


def on_config(config):
    global settings, plans
    locales = tuple(language.locale for language in configured_languages(config))
    try:
        settings = parse_settings(config.extra.get("contact"), locales, "mkdocs.yml")
        plans = load_plans(
            Path(config.config_file_path).parent / "data" / "plans.yml", locales, "data/plans.yml"
        ).plans
    except (SettingsError, PlansError) as error:
        raise PluginError(str(error)) from None
    return config


def on_page_content(html, page, config, files):
    return insert_contact_blocks(html, page.file.locale, settings, plans)
