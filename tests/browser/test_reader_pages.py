"""What every reader of an article meets, in a real browser: the dark scheme their device asks
for, a print of the article alone, form fields that show they are invalid, related articles in
their language, and the vote without JavaScript."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_accessibility import WCAG_21_AA, open_search, show_form_errors

pytestmark = pytest.mark.browser

ARTICLE = "fr/shipping/returns/"
RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)")


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed `rgb(...)` colour."""
    channels = [int(part) / 255 for part in RGB.match(css_colour).groups()]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.fixture
def context_for(browser):
    contexts = []

    def open_context(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def test_the_page_follows_the_devices_dark_setting(context_for, site_url):
    page = context_for()
    page.emulate_media(color_scheme="light")
    page.goto(f"{site_url}/{ARTICLE}")
    assert luminance(background(page)) > 0.8
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    assert luminance(background(page)) < 0.05
    # The text stays readable: light text on the dark background.
    text = page.evaluate("getComputedStyle(document.querySelector('.md-typeset p')).color")
    assert luminance(text) > 0.3


def test_the_toggle_chooses_the_light_scheme_on_a_dark_device_and_says_so(context_for, site_url):
    page = context_for(color_scheme="dark")
    page.goto(f"{site_url}/{ARTICLE}")
    toggle = page.locator("[data-md-component=palette] label:visible")
    expect(toggle).to_have_attribute("title", "Passer en mode clair")
    toggle.click()
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "default")
    assert luminance(background(page)) > 0.8
    expect(page.locator("[data-md-component=palette] label:visible")).to_have_attribute(
        "title", "Passer en mode sombre"
    )


def test_printing_an_article_prints_the_article_only(context_for, site_url):
    page = context_for()
    page.goto(f"{site_url}/{ARTICLE}")
    page.emulate_media(media="print")
    for hidden in (
        "[data-testid=article-feedback]",
        ".hc-contact-cta",
        "[data-testid=related-articles]",
        ".md-header",
        ".md-tabs",
        ".md-sidebar--primary",
        ".md-sidebar--secondary",
        ".md-path",
        ".md-search",
        ".md-footer",
    ):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("article h1")).to_be_visible()
    expect(page.locator("article h2").first).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.get_by_test_id("article-feedback")).to_be_visible()
    expect(page.locator(".md-path")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_invalid_email_field_has_a_border_of_its_own_colour(context_for, site_url, scheme):
    page = context_for(color_scheme=scheme)
    page.goto(f"{site_url}/fr/contact/")
    page.locator("#hc-name").fill("Camille Martin")
    page.locator("#hc-subject").fill("Étiquette introuvable")
    page.locator("#hc-category").select_option("shipping")
    page.locator("#hc-message").fill("Je ne retrouve plus l'étiquette de mon dernier envoi.")
    email = page.locator("#hc-email")
    email.fill("not-an-address")
    page.locator("form[data-hc-contact-form] button[type=submit]").click()
    expect(email).to_have_attribute("aria-invalid", "true")

    def border(selector: str) -> str:
        return page.locator(selector).evaluate("field => getComputedStyle(field).borderTopColor")

    invalid = border("#hc-email")
    for valid in ("#hc-name", "#hc-subject", "#hc-category", "#hc-message"):
        assert border(valid) != invalid, valid
    # Every type of field: a select and a textarea marked invalid change colour too.
    for field in ("#hc-category", "#hc-message", "#hc-attachments"):
        page.locator(field).evaluate("field => field.setAttribute('aria-invalid', 'true')")
        assert border(field) == invalid, field


@pytest.mark.parametrize(
    ("locale", "path"),
    [("es", "shipping/label-formats/"), ("es", "shipping/customs/"), ("it", "account/plans/")],
)
def test_related_articles_lead_to_articles_written_in_the_pages_language(
    page, site_url, locale, path
):
    """On a translated article and on a fallback (es shipping/customs/ is French), related
    articles are articles of the reader's language, never a fallback (the customs article,
    untranslated in Spanish, would otherwise be among those of label formats)."""
    page.goto(f"{site_url}/{locale}/{path}")
    related = page.get_by_test_id("related-articles")
    expect(related).to_be_visible()
    links = related.locator("a")
    assert 3 <= links.count() <= 5
    targets = [links.nth(i).evaluate("a => a.href") for i in range(links.count())]
    assert f"{site_url}/{locale}/{path}" not in targets
    for target in targets:
        assert target.startswith(f"{site_url}/{locale}/"), target
        page.goto(target)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        expect(page.get_by_test_id("translation-notice")).to_have_count(0)


def test_without_javascript_a_yes_vote_leaves_only_the_thanks(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site_url}/fr/account/invoices/")
    widget = page.get_by_test_id("article-feedback")
    # Before the vote, the script's Send (`hidden`) stays hidden: the comment has its own.
    expect(widget.locator("[data-hc-feedback-send]")).to_be_hidden()
    expect(widget.get_by_role("button", name="Envoyer")).to_have_count(1)
    widget.locator("button[value=yes]").click()
    expect(page).to_have_url(f"{site_url}/fr/account/invoices/#feedback-thanks")
    expect(widget.locator("#feedback-thanks")).to_be_visible()
    comment = widget.locator("label[for=hc-feedback-comment]")
    expect(comment).to_have_count(1)
    expect(comment).to_be_hidden()
    expect(widget.locator("textarea")).to_be_hidden()
    for button in widget.locator("button").all():
        expect(button).to_be_hidden()
    context.close()


DARK_PAGES = [
    ("home", "fr/", None),
    ("article", ARTICLE, None),
    ("article with a plans table", "fr/account/compare-plans/", None),
    ("untranslated article", "es/shipping/customs/", None),
    ("search with results", "fr/", lambda page: open_search(page, "étiq")),
    ("contact form with errors", "fr/contact/", show_form_errors),
    ("thank-you page", "fr/contact/thanks/?ticket=HC-0000-0000-0000", None),
    ("404", "fr/no-such-page/", None),
]


def test_the_dark_scheme_has_no_wcag_violation(browser, site_url):
    axe = Axe()
    failures = []
    for name, path, prepare in DARK_PAGES:
        context = browser.new_context(color_scheme="dark")
        page = context.new_page()
        page.goto(f"{site_url}/{path}")
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
        if prepare:
            prepare(page)
        if name == "article":
            # The vote's comment and its thanks, as a reader who voted No sees them.
            page.get_by_test_id("article-feedback").locator("button[value=no]").first.click()
            expect(page.locator("#feedback-thanks")).to_be_visible()
        results = axe.run(page, options=WCAG_21_AA)
        if results.violations_count:
            failures.append(f"dark {name}: {results.generate_report()}")
        context.close()
    assert failures == [], "\n\n".join(failures)
