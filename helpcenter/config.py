"""The help center's settings: the `helpcenter` plugin's options in mkdocs.yml, and the project.

This is the one reader of mkdocs.yml. The build reads the options through MkDocs (the plugin's
typed `Config`, as Material's plugins do); the CLI, the endpoint and the site root get the same
validated values from `load_project`, which loads mkdocs.yml the way a build does. Every error
names the key: `plugins.helpcenter.brand.primary: ...`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import ConfigurationError
from pydantic import BaseModel, ValidationError

from helpcenter.contact.settings import ContactSettings, settings_problems
from helpcenter.i18n.catalogs import Catalogs
from helpcenter.plans.schema import describe

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from helpcenter.plans.schema import Plans

PLUGIN = "helpcenter"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
Model = TypeVar("Model", bound=BaseModel)


class ProjectError(Exception):
    """mkdocs.yml (or a file it names) is unusable; the message names the file and the key."""


class Colour(c.Type):
    """A colour as `#rrggbb`, dark enough for white text on it (WCAG 2.1 AA, 4.5:1)."""

    def __init__(self, default: str) -> None:
        super().__init__(str, default=default)

    def run_validation(self, value: object) -> str:
        value = super().run_validation(value)
        if not HEX_COLOUR.match(value):
            raise base.ValidationError(f"expected a colour such as '#1f5f8b', got {value!r}")
        ratio = contrast_ratio(value, "#ffffff")
        if ratio < 4.5:
            raise base.ValidationError(
                f"{value} is too light for white text on it (contrast {ratio:.1f}:1, WCAG "
                "asks 4.5:1): choose a darker shade"
            )
        return value.lower()


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` of `other` mixed in: the lighter and darker shades of the brand."""
    parts = [
        round(int(colour[i : i + 2], 16) * (1 - share) + int(other[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{part:02x}" for part in parts)


class PydanticOption(c.BaseConfigOption, Generic[Model]):
    """An option checked by a pydantic model, each error naming its key inside the option."""

    def __init__(self, model: type[Model]) -> None:
        super().__init__()
        self.model = model
        self.default = {}

    def run_validation(self, value: object) -> Model:
        try:
            return self.model.model_validate(value or {})
        except ValidationError as error:
            raise base.ValidationError(
                "; ".join(describe(detail, value) for detail in error.errors())
            ) from None


class BrandConfig(base.Config):
    """Who the help center belongs to, and its look."""

    # The company or product, as readers know it.
    name = c.Type(str)
    # The legal owner, for the copyright line; the name by default.
    company = c.Optional(c.Type(str))
    # An image below docs/ or the theme's custom_dir; the package's own otherwise.
    logo = c.Optional(c.Type(str))
    primary = Colour(default="#1f5f8b")
    accent = Colour(default="#a6420f")


class FeedbackConfig(base.Config):
    """Where readers' votes and unanswered searches go; an empty path turns one off."""

    endpoint = c.Type(str, default="/api/feedback")
    search_gaps_endpoint = c.Type(str, default="/api/search-gaps")


class LimitsConfig(base.Config):
    """What a writer's sources may be."""

    # An article over this size fails the build (readers and search would wait for it).
    article_kb = c.Type(int, default=1000)
    # A category with more articles shows a window of its sidebar around the page.
    sidebar_articles = c.Type(int, default=30)


class Whole(c.Type):
    """A whole number of `unit` from `minimum` to `maximum`."""

    def __init__(self, default: int, minimum: int, maximum: int, unit: str) -> None:
        super().__init__(int, default=default)
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit

    def run_validation(self, value: object) -> int:
        value = super().run_validation(value)
        if isinstance(value, bool) or not self.minimum <= value <= self.maximum:
            raise base.ValidationError(
                f"expected a number of {self.unit} from {self.minimum} to {self.maximum}, "
                f"got {value!r}"
            )
        return value


class ServerConfig(base.Config):
    """What the endpoint (`helpcenter serve`, `helpcenter tickets serve`) allows each client,
    so that it holds up on the open internet."""

    # Addresses of reverse proxies whose X-Forwarded-For is believed; nobody else's is.
    trusted_proxies = c.ListOfItems(c.Type(str), default=[])
    # A request's line and headers must arrive within this many seconds (else 408, closed).
    header_timeout = c.Type((int, float), default=10)
    # The request line (414 beyond) and the whole header block (431 beyond).
    max_url_kb = c.Type(int, default=8)
    max_header_kb = c.Type(int, default=32)
    # Open connections at once; beyond, 503 (the health check keeps answering below it).
    max_connections = c.Type(int, default=1000)
    # Bodies of the small endpoints (tickets have the attachments' limit).
    feedback_body_kb = c.Type(int, default=8)
    search_gaps_body_kb = c.Type(int, default=16)
    # What one client address may store in a day.
    daily_attachment_mb = c.Type(int, default=200)
    daily_search_gaps = c.Type(int, default=500)
    # Below this much free disk, posts are answered 503 rather than written.
    min_free_disk_mb = c.Type(int, default=200)
    # An idempotency key is remembered this long.
    idempotency_hours = c.Type(int, default=24)
    # Deliveries to the helpdesk tried this many times before a ticket is set aside (dead letter).
    forward_attempts = c.Type(int, default=12)
    # Following forwarded requests in the helpdesk (status, public replies): a request active in
    # the last hour is looked at every `helpdesk_poll_seconds`, one idle longer less often (a
    # sixtieth of its idle time), at most every `helpdesk_poll_max_seconds`; 0: only when the
    # helpdesk's webhook says it changed.
    helpdesk_poll_seconds = Whole(default=60, minimum=0, maximum=86_400, unit="seconds")
    helpdesk_poll_max_seconds = Whole(default=3600, minimum=1, maximum=7 * 86_400, unit="seconds")
    # The helpdesk's webhook (on when HELPCENTER_HELPDESK_WEBHOOK_SECRET is set): its largest
    # body, and the calls one address may make a minute.
    helpdesk_webhook_body_kb = Whole(default=64, minimum=1, maximum=1024, unit="KB")
    helpdesk_webhook_per_minute = Whole(default=600, minimum=1, maximum=100_000, unit="calls")


class Days(Whole):
    """A whole number of days, from `minimum` to a century."""

    def __init__(self, default: int, minimum: int = 0) -> None:
        super().__init__(default, minimum, 36_500, "days")


class FollowUpConfig(base.Config):
    """A request's private follow-up page: how long a reader may reopen it and follow it."""

    # A solved request is reopened by the reader's reply within this many days of being solved;
    # later, the page offers a new request that links to it (0: never reopened by a reply).
    reopen_days = Days(default=7)
    # The page's address stops working (404) this many days after the request's last activity.
    link_days = Days(default=365, minimum=1)


class SearchConfig(base.Config):
    """How each language's search index reaches the browser."""

    # The largest index file, uncompressed: a language whose whole index is larger is split into
    # files of about this size by word (their postings, fetched for the words searched) and files
    # of its articles' titles and summaries (fetched for the results shown).
    shard_kb = Whole(default=48, minimum=1, maximum=100_000, unit="KB")


class HelpCenterConfig(base.Config):
    """The `helpcenter` plugin's options in mkdocs.yml."""

    brand = c.SubConfig(BrandConfig)
    contact = PydanticOption(ContactSettings)
    feedback = c.SubConfig(FeedbackConfig)
    limits = c.SubConfig(LimitsConfig)
    server = c.SubConfig(ServerConfig)
    follow_up = c.SubConfig(FollowUpConfig)
    search = c.SubConfig(SearchConfig)
    # The plans file, from the project's root: tables in articles and the form's plan list.
    plans = c.Type(str, default="data/plans.yml")
    # The project's own UI catalogs, from its root: a language the package has none for, or
    # strings worded differently.
    locales_dir = c.Type(str, default="locales")


@dataclass(frozen=True)
class Language:
    locale: str
    name: str
    site_name: str

    @property
    def direction(self) -> str:
        """`rtl` for languages written right to left (Arabic, Hebrew...), from Babel's data."""
        try:
            order = Locale.parse(self.locale).character_order
        except (ValueError, UnknownLocaleError):
            return "ltr"
        return "rtl" if order == "right-to-left" else "ltr"


def i18n_plugin(config: MkDocsConfig):
    try:
        return config.plugins["i18n"]
    except KeyError:
        raise ConfigurationError(
            f"{Path(config.config_file_path).name}: plugins: the `i18n` plugin "
            "(mkdocs-static-i18n, `docs_structure: folder`) lists the languages; add it"
        ) from None


def configured_languages(config: MkDocsConfig) -> list[Language]:
    """The languages of the i18n plugin, in their configured order (the first is the default)."""
    return [
        Language(lang.locale, lang.name, lang.site_name or config.site_name)
        for lang in i18n_plugin(config).config.languages
    ]


def current_locale(config: MkDocsConfig) -> str:
    """The language this build makes (each language is its own build)."""
    return i18n_plugin(config).config.build_only_locale or configured_languages(config)[0].locale


def plugin_config(config: MkDocsConfig) -> HelpCenterConfig:
    try:
        return config.plugins[PLUGIN].config
    except KeyError:
        raise ConfigurationError(
            f"{Path(config.config_file_path).name}: plugins: add `{PLUGIN}` (after `i18n`) "
            "with its `brand` and `contact` settings"
        ) from None


@dataclass(frozen=True)
class EndpointPaths:
    """Where the server answers what the pages post: the paths of the configured addresses
    (an address may be absolute, when the endpoint is not on the site's origin); empty: off."""

    tickets: str
    feedback: str
    search_gaps: str

    @property
    def limited(self) -> tuple[str, ...]:
        """The paths that take posts from readers: each one rate-limited."""
        return tuple(path for path in (self.tickets, self.feedback, self.search_gaps) if path)

    @property
    def follow_up(self) -> str:
        """Where a request's private page lives, below the tickets' path: `<this><token>` shows
        it (GET) and takes the reader's replies (POST). Every path under it is private: never
        cached, indexed nor given as a referrer. Empty when tickets are off."""
        return f"{self.tickets.rstrip('/')}/follow/" if self.tickets else ""

    @property
    def helpdesk_webhook(self) -> str:
        """Where the helpdesk says a forwarded request changed (helpcenter.tickets.sync), below
        the tickets' path. Empty when tickets are off."""
        return f"{self.tickets.rstrip('/')}/helpdesk-webhook" if self.tickets else ""


@dataclass
class Project:
    """A help center project: its mkdocs.yml, validated, and what it names."""

    config: MkDocsConfig

    @property
    def root(self) -> Path:
        return Path(self.config.config_file_path).resolve().parent

    @property
    def settings(self) -> HelpCenterConfig:
        return plugin_config(self.config)

    @property
    def contact(self) -> ContactSettings:
        return self.settings.contact

    @cached_property
    def languages(self) -> list[Language]:
        return configured_languages(self.config)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(language.locale for language in self.languages)

    @property
    def docs_dir(self) -> Path:
        return Path(self.config.docs_dir)

    @property
    def site_url(self) -> str:
        return (self.config.site_url or "").rstrip("/") + "/"

    @property
    def custom_dir(self) -> Path | None:
        custom = self.config.theme.custom_dir
        return Path(custom) if custom else None

    @property
    def locales_dir(self) -> Path:
        return self.root / self.settings.locales_dir

    @cached_property
    def catalogs(self) -> Catalogs:
        """The project's UI strings over the package's, read once for the whole process."""
        return Catalogs(self.locales_dir)

    @property
    def plans_file(self) -> Path:
        return self.root / self.settings.plans

    @cached_property
    def plans(self) -> Plans:
        from helpcenter.plans.schema import PlansError, load_plans

        try:
            return load_plans(self.plans_file, self.locales, name=self.settings.plans)
        except PlansError as error:
            raise ProjectError(str(error)) from None

    @property
    def endpoint_paths(self) -> EndpointPaths:
        feedback = self.settings.feedback
        return EndpointPaths(
            *(
                urlsplit(address).path if address else ""
                for address in (
                    self.contact.endpoint,
                    feedback.endpoint,
                    feedback.search_gaps_endpoint,
                )
            )
        )

    @property
    def endpoints(self) -> list[str]:
        """Every address the site's pages post to."""
        feedback = self.settings.feedback
        return [
            path
            for path in (self.contact.endpoint, feedback.endpoint, feedback.search_gaps_endpoint)
            if path
        ]

    def problems(self) -> list[str]:
        """What the options cannot know alone: a translation of every label in every language
        and a usable plans file; all of them at once."""
        problems = [
            f"{Path(self.config.config_file_path).name}: plugins.{PLUGIN}.contact.{problem}"
            for problem in settings_problems(self.contact, self.locales)
        ]
        try:
            self.plans  # noqa: B018 (read and checked once, kept for the build)
        except ProjectError as error:
            problems.append(str(error))
        return problems


PLUGIN_OPTION = re.compile(r"Plugin '(?P<plugin>[\w/-]+)' option '(?P<option>\w+)': ")
SUB_OPTION = re.compile(r"Sub-option '(?P<option>\w+)': ")


def key_path(name: str, message: str) -> str:
    """MkDocs' `Plugin 'x' option 'y': Sub-option 'z': ...` as `plugins.x.y.z: ...`."""
    keys = [name]
    if match := PLUGIN_OPTION.match(message):
        keys += [match["plugin"], match["option"]]
        message = message[match.end() :]
        while match := SUB_OPTION.match(message):
            keys.append(match["option"])
            message = message[match.end() :]
    return f"{'.'.join(keys)}: {message}"


def load_project(config_file: Path, check: bool = True) -> Project:
    """mkdocs.yml loaded and checked as a build would; every problem at once, naming its key.
    `check=False` leaves `Project.problems()` to the caller, to report with its own."""
    from mkdocs.config.defaults import MkDocsConfig

    config = MkDocsConfig(config_file_path=str(config_file))
    try:
        with config_file.open("rb") as source:
            config.load_file(source)
    except OSError as error:
        raise ProjectError(f"{config_file}: {error.strerror}") from None
    except ConfigurationError as error:
        raise ProjectError(f"{config_file}: {error}") from None
    errors, warnings = config.validate()
    if errors or warnings:
        raise ProjectError(
            "\n".join(
                f"{config_file}: {key_path(name, str(problem))}"
                for name, problem in errors + warnings
            )
        )
    try:
        project = Project(config)
        problems = project.problems() if check else []
    except ConfigurationError as error:
        raise ProjectError(str(error)) from None
    if problems:
        raise ProjectError("\n".join(problems))
    return project
