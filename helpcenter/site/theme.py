"""The package's theme on top of Material's, and the brand of the help center.

The package's templates and assets (`helpcenter/theme/`) sit between the project's own
`custom_dir`, which can override any of them file by file, and Material's. The brand's colours
become a small generated stylesheet; the logo is the project's or the package's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpcenter.config import mix

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

    from helpcenter.config import BrandConfig, HelpCenterConfig

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
DEFAULT_LOGO = "assets/images/helpcenter-logo.svg"


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
    def css(self) -> str:
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
            "}\n"
        )

    @property
    def stylesheet_path(self) -> str:
        """Named after its content, so a changed colour is never served from a cache."""
        digest = hashlib.sha256(self.css.encode()).hexdigest()[:10]
        return f"assets/stylesheets/brand.{digest}.css"


def configure_theme(config: MkDocsConfig, settings: HelpCenterConfig, direction: str) -> None:
    """The package's templates under the project's, its brand, and the language's direction."""
    theme = config.theme
    if str(THEME_DIR) not in theme.dirs:
        theme.dirs.insert(1 if theme.custom_dir else 0, str(THEME_DIR))
    logo = settings.brand.logo or DEFAULT_LOGO
    theme["logo"] = logo
    theme["favicon"] = logo
    theme["direction"] = direction
    # Colours come from the brand's stylesheet; Material's palette only needs to be custom.
    theme["palette"] = {"scheme": "default", "primary": "custom", "accent": "custom"}
    theme["font"] = False  # no request to a font service
