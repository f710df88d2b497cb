"""Build every language of the site, then swap the result into place.

Each language is its own `mkdocs build` process. By default they run one after another, so a
build needs the memory of one language; `jobs` runs that many at once, faster on a machine with
cores to spare, with that many times the memory. Everything is built into a fresh folder next to
the target and only replaces it when every language succeeded: a failed build leaves the
previous site intact.

This process only starts the builds and waits for them: it reads no more of MkDocs than the list
of languages until they are done, so that its memory adds little to theirs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml


class BuildError(Exception):
    """A language failed to build; the message holds what MkDocs said."""


class LanguagesReader(yaml.SafeLoader):
    """Reads mkdocs.yml for its languages only: MkDocs' own tags (`!ENV`, ...) read as empty."""


LanguagesReader.add_multi_constructor("!", lambda loader, suffix, node: None)
LanguagesReader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, s, node: None)


def configured_locales(config_file: Path) -> list[str]:
    """The i18n plugin's languages, in order, without loading MkDocs."""
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=LanguagesReader)
        plugins = config.get("plugins") or []
        i18n = next(
            plugin["i18n"] for plugin in plugins if isinstance(plugin, dict) and "i18n" in plugin
        )
        return [language["locale"] for language in i18n["languages"]]
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"{config_file}: {error}") from None
    except (AttributeError, KeyError, TypeError, StopIteration):
        raise BuildError(
            f"{config_file}: plugins: expected the i18n plugin with its languages "
            "(`- i18n: {languages: [{locale: fr, ...}, ...]}`)"
        ) from None


def mkdocs_environment(locale: str, site_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HELPCENTER_LOCALE": locale,
        "HELPCENTER_SITE_DIR": str(site_dir),
        "NO_MKDOCS_2_WARNING": "1",
    }


def build_language(config_file: Path, locale: str, site_dir: Path, strict: bool) -> str:
    # Not --quiet: it hides warnings from MkDocs' strict mode, which then lets them pass.
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(config_file)]
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


def build_site(config_file: Path, site_dir: Path, strict: bool = True, jobs: int = 1) -> None:
    locales = configured_locales(config_file)
    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{site_dir.name}.", dir=site_dir.parent))
    staging.chmod(0o755)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {
                locale: pool.submit(build_language, config_file, locale, staging / locale, strict)
                for locale in locales
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
        # Only now: the site's root needs MkDocs' whole configuration (see the docstring).
        from helpcenter.site_root import write_site_root

        write_site_root(config_file, staging)
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
