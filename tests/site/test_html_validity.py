"""Every page the reader can get is valid HTML, by the Nu Html Checker (the W3C validator).

The checker (vnu.jar) comes from npm's `vnu-jar`, pinned in package-lock.json; `make test`
installs it and the Java it runs on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import LOCALES, PROJECT_ROOT

pytestmark = pytest.mark.slow  # builds sites of its own

VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker_problems(paths: list[Path]) -> list[str]:
    """The checker's errors and warnings for `paths`, one line each."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        pytest.fail(
            "The Nu Html Checker needs Java and vnu.jar: run `make test`, which installs them."
        )
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--also-check-svg", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{message.get('url', '').rsplit('/build', 1)[-1]}:{message.get('lastLine', '?')}: "
        f"{message.get('subType', message['type'])}: {message['message']}"
        for message in messages
        if message["type"] != "info" or message.get("subType") == "warning"
    ]


def test_every_built_page_and_every_page_the_endpoint_serves_is_valid(site_dir, site_url, tmp_path):
    pages = sorted(site_dir.rglob("*.html")) + sorted(site_dir.rglob("*.svg"))
    assert len(pages) > 50
    # What the endpoint writes itself: the contact page again with errors (no JavaScript), and
    # the thank-you page with the ticket's reference filled in.
    with httpx.Client(base_url=site_url) as client:
        for locale in LOCALES:
            refilled = client.post("/api/tickets", data={"language": locale, "name": "Ana <b>"})
            assert refilled.status_code == 422
            thanks = client.get(
                f"/{locale}/contact/thanks/", params={"ticket": "HC-7K3M-9QX2-P4RT"}
            )
            assert thanks.status_code == 200
            for name, response in (("contact-errors", refilled), ("thanks", thanks)):
                served = tmp_path / f"{locale}-{name}.html"
                served.write_text(response.text, encoding="utf-8")
                pages.append(served)
    assert checker_problems(pages) == []
