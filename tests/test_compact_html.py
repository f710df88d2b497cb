"""Compacting a page changes its bytes, never what it shows."""

from helpcenter.site.compact_html import collapse_whitespace


def test_blank_lines_and_indentation_become_one_line_break():
    html = "<ul>\n\n    <li>\n      Un\n\n    </li>\n  \t\n</ul>\n"
    assert collapse_whitespace(html) == "<ul>\n<li>\nUn\n</li>\n</ul>\n"


def test_spaces_within_a_line_are_kept():
    assert collapse_whitespace("<p>Un  <b>deux</b> trois</p>") == "<p>Un  <b>deux</b> trois</p>"


def test_preformatted_text_fields_and_scripts_are_left_as_they_are():
    html = (
        "<div>\n\n  <pre><code>a\n\n    b\n</code></pre>\n\n"
        '  <textarea name="message">\n\n  Bonjour\n</textarea>\n'
        "  <script>\n  var a = 1;\n\n  var b = 2;\n</script>\n\n</div>"
    )
    assert collapse_whitespace(html) == (
        "<div>\n<pre><code>a\n\n    b\n</code></pre>\n"
        '<textarea name="message">\n\n  Bonjour\n</textarea>\n'
        "<script>\n  var a = 1;\n\n  var b = 2;\n</script>\n</div>"
    )
