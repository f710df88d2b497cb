"""A plain (not editable) install carries everything the package reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow  # builds the package's wheel

CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")


def test_the_wheel_holds_every_file_of_the_package(tmp_path):
    # Built from a copy: setuptools builds in the source tree, and the checkout stays clean.
    source = tmp_path / "source"
    shutil.copytree(PROJECT_ROOT / "helpcenter", source / "helpcenter", ignore=CACHES)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--wheel-dir", str(wheels), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("helpcenter-*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "helpcenter"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    tracked = [path for path in listed if (PROJECT_ROOT / path).is_file()]
    # Templates, scripts, styles, catalogs, the starter project: what `pip install` left out.
    missing = [path for path in tracked if path not in packaged]
    assert missing == []
    assert "helpcenter/theme/partials/helpcenter/contact-form.html" in packaged
    entry_points = next(name for name in packaged if name.endswith("entry_points.txt"))
    assert (
        "helpcenter = helpcenter.plugin:HelpCenterPlugin"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
