"""Where the browser's search code comes from, so no third-party code is copied into the project.

lunr.js 2.3.9 ships unminified inside the installed `mkdocs` package; the lunr-languages stemmers
ship minified inside `mkdocs-material`, whose theme already copies them into every site.
The versions follow the pinned packages.
"""

from pathlib import Path

import material
import mkdocs.contrib.search

LUNR_CORE = Path(mkdocs.contrib.search.__file__).parent / "templates" / "search" / "lunr.js"
LUNR_LANGUAGES_DIR = Path(material.__file__).parent / "templates/assets/javascripts/lunr/min"
LUNR_CORE_SITE_PATH = "assets/javascripts/lunr/lunr.js"


def lazy_scripts(language: str) -> list[str]:
    """What the first search loads, below a language's site root, in load order."""
    return [
        LUNR_CORE_SITE_PATH,
        "assets/javascripts/lunr/min/lunr.stemmer.support.min.js",
        f"assets/javascripts/lunr/min/lunr.{language}.min.js",
        "assets/javascripts/search/index.js",
    ]


def language_stemmer_scripts(language: str) -> list[Path]:
    """lunr-languages' files that define `lunr.<language>.stemmer`, in load order."""
    return [
        LUNR_LANGUAGES_DIR / "lunr.stemmer.support.min.js",
        LUNR_LANGUAGES_DIR / f"lunr.{language}.min.js",
    ]
