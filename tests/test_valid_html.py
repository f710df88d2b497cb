"""Material's invalid markup is fixed, and nothing else of the page changes."""

from helpcenter.site.valid_html import valid_html


def test_toggles_lose_autocomplete_text_fields_keep_it():
    html = (
        '<input class="md-toggle" type="checkbox" id="__drawer" autocomplete="off">'
        '<input type="text" name="q" autocomplete="off">'
    )
    assert valid_html(html) == (
        '<input class="md-toggle" type="checkbox" id="__drawer">'
        '<input type="text" name="q" autocomplete="off">'
    )


def test_an_empty_tabindex_is_dropped_a_real_one_kept():
    html = '<label for="a" tabindex="">A</label><label for="b" tabindex="0">B</label>'
    assert valid_html(html) == '<label for="a">A</label><label for="b" tabindex="0">B</label>'


def test_the_table_of_contents_label_names_its_toggle_only_when_there_is_one():
    label = '<label class="md-nav__title" for="__toc">Sommaire</label>'
    toggle = '<input type="checkbox" id="__toc">'
    assert valid_html(label) == '<label class="md-nav__title">Sommaire</label>'
    assert valid_html(toggle + label) == toggle + label
