"""The package's theme on top of Material's, and the brand of the help center.

The package's templates and assets (`helpcenter/theme/`) sit between the project's own
`custom_dir`, which can override any of them file by file, and Material's. The brand's colours
become a small generated stylesheet; the logo is the project's or the package's.

Readers get a light and a dark scheme (Material's `default` and `slate`): the one their system
asks for until they choose with the header's toggle. A brand colour dark enough for white text
on it is too dark as text on the dark scheme's background: there, links, outlined buttons and
the accent take a lighter shade of the same hue, checked for 4.5:1 on the dark surfaces.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import BytecodeCache, FileSystemBytecodeCache

from helpcenter.config import contrast_ratio, mix

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from helpcenter.config import BrandConfig, HelpCenterConfig

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
DEFAULT_LOGO = "assets/images/helpcenter-logo.svg"


@functools.cache
def compiled_templates() -> BytecodeCache:
    """Templates compiled once per version of their source and kept between processes, in a
    folder of this user's under the system's temporary one: compiling Material's templates is
    most of the time the preview's first page takes, and part of each language's build."""
    return FileSystemBytecodeCache()


# Material's dark scheme (`slate`, at its default hue of 225deg): its page background,
# hsl(225, 15%, 14%), and the lightest surface helpcenter.css lays text on in it (cards, notices,
# boxes, hsl(225, 15%, 22%) at most). Brand colours used as text there are checked against it.
SLATE_BACKGROUND = "#1e2129"
SLATE_LIGHTEST_SURFACE = "#303441"
AA_TEXT = 4.5


def lighter_for(colour: str, background: str, ratio: float = AA_TEXT) -> str:
    """The same hue and saturation as `colour`, only lighter: the least lightened shade with
    `ratio` contrast on `background` (white when no shade of the hue has it)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    for step in range(round(lightness * 100), 101):
        shade = colorsys.hls_to_rgb(hue, step / 100, saturation)
        candidate = "#" + "".join(f"{round(part * 255):02x}" for part in shade)
        if contrast_ratio(candidate, background) >= ratio:
            return candidate
    return "#ffffff"


@dataclass(frozen=True)
class Brand:
    """The brand's colours and logo, as templates use them."""

    name: str
    primary: str
    accent: str
    logo: str

    @classmethod
    def of(cls, brand: BrandConfig) -> Brand:
        return cls(brand.name, brand.primary, brand.accent, brand.logo or DEFAULT_LOGO)

    @property
    def primary_light(self) -> str:
        return mix(self.primary, "#ffffff", 0.2)

    @property
    def primary_dark(self) -> str:
        return mix(self.primary, "#000000", 0.3)

    @property
    def primary_on_slate(self) -> str:
        """The primary as text (links, outlined buttons) on the dark scheme."""
        return lighter_for(self.primary, SLATE_LIGHTEST_SURFACE)

    @property
    def accent_on_slate(self) -> str:
        """The accent (hovered links, focus rings) on the dark scheme."""
        return lighter_for(self.accent, SLATE_LIGHTEST_SURFACE)

    @property
    def css(self) -> str:
        # The header and tabs keep the brand's primary, with white text, in both schemes; on
        # the dark one, text in a brand colour takes its lighter shade, and text on the lighter
        # accent (a hovered button) is dark. Print is always the light scheme (screen only).
        return (
            ':root, [data-md-color-scheme="default"] {\n'
            f"  --md-primary-fg-color: {self.primary};\n"
            f"  --md-primary-fg-color--light: {self.primary_light};\n"
            f"  --md-primary-fg-color--dark: {self.primary_dark};\n"
            "  --md-primary-bg-color: #ffffff;\n"
            "  --md-primary-bg-color--light: rgba(255, 255, 255, 0.85);\n"
            f"  --md-accent-fg-color: {self.accent};\n"
            f"  --md-accent-fg-color--transparent: {self.accent}1a;\n"
            "  --md-accent-bg-color: #ffffff;\n"
            f"  --md-typeset-a-color: {self.primary};\n"
            f"  --hc-primary-text: {self.primary};\n"
            f"  --hc-brand-primary: {self.primary};\n"
            "}\n"
            "@media screen {\n"
            '  [data-md-color-scheme="slate"] {\n'
            f"    --md-primary-fg-color: {self.primary};\n"
            f"    --md-primary-fg-color--light: {self.primary_light};\n"
            f"    --md-primary-fg-color--dark: {self.primary_dark};\n"
            "    --md-primary-bg-color: #ffffff;\n"
            "    --md-primary-bg-color--light: rgba(255, 255, 255, 0.85);\n"
            f"    --md-accent-fg-color: {self.accent_on_slate};\n"
            f"    --md-accent-fg-color--transparent: {self.accent_on_slate}1a;\n"
            f"    --md-accent-bg-color: {SLATE_BACKGROUND};\n"
            f"    --md-typeset-a-color: {self.primary_on_slate};\n"
            f"    --hc-primary-text: {self.primary_on_slate};\n"
            f"    --hc-brand-primary: {self.primary};\n"
            "  }\n"
            "}\n"
        )

    @property
    def stylesheet_path(self) -> str:
        """Named after its content, so a changed colour is never served from a cache."""
        digest = hashlib.sha256(self.css.encode()).hexdigest()[:10]
        return f"assets/stylesheets/brand.{digest}.css"


def configure_theme(
    config: MkDocsConfig,
    settings: HelpCenterConfig,
    direction: str,
    gettext: Callable[[str], str] = str,
) -> None:
    """The package's templates under the project's, its brand, the language's direction, and
    the light and dark schemes with their toggle, labelled in the language (`gettext`)."""
    theme = config.theme
    if str(THEME_DIR) not in theme.dirs:
        theme.dirs.insert(1 if theme.custom_dir else 0, str(THEME_DIR))
    logo = settings.brand.logo or DEFAULT_LOGO
    theme["logo"] = logo
    theme["favicon"] = logo
    theme["direction"] = direction
    # Colours come from the brand's stylesheet; Material's palette only needs to be custom.
    # The system's setting first (Material follows it while it is chosen), then the light and
    # the dark scheme; each toggle is labelled with what a click on it does.
    theme["palette"] = [
        {
            "media": "(prefers-color-scheme)",
            "primary": "custom",
            "accent": "custom",
            "toggle": {"icon": "material/brightness-auto", "name": gettext("Switch to light mode")},
        },
        {
            "media": "(prefers-color-scheme: light)",
            "scheme": "default",
            "primary": "custom",
            "accent": "custom",
            "toggle": {"icon": "material/brightness-7", "name": gettext("Switch to dark mode")},
        },
        {
            "media": "(prefers-color-scheme: dark)",
            "scheme": "slate",
            "primary": "custom",
            "accent": "custom",
            "toggle": {
                "icon": "material/brightness-4",
                "name": gettext("Follow the device's light or dark setting"),
            },
        },
    ]
    theme["font"] = False  # no request to a font service
