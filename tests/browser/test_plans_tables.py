"""Plans tables as readers see them: on a phone, and to a screen reader."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import LOCALES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", LOCALES)
def test_on_a_360_pixel_phone_no_column_is_clipped(browser, site_url, locale):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{site_url}/{locale}/account/compare-plans/")
    table = page.locator(".hc-plans[data-plans=current] table")
    expect(table).to_be_visible()
    widths = table.evaluate(
        "t => ({table: t.scrollWidth, box: t.parentElement.clientWidth, "
        "page: document.documentElement.clientWidth})"
    )
    assert widths["table"] <= widths["box"] <= widths["page"]
    for header in table.locator("thead th").all():
        box = header.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    context.close()


def test_screen_readers_hear_words_not_icons(page, site_url):
    page.goto(f"{site_url}/es/account/compare-plans/")
    table = page.get_by_role("table", name="Planes actuales")
    chat_row = table.get_by_role("row").filter(has_text="Chat en directo")
    cells = chat_row.get_by_role("cell")
    assert [cells.nth(i).inner_text().strip() for i in range(cells.count())] == [
        "No incluido",
        "Incluido",
        "Incluido",
        "Incluido",
    ]
    expect(table.get_by_role("columnheader", name="Starter")).to_be_visible()
