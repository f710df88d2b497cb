"""Bar charts as inline SVG, drawn when the dashboard is written.

Hand-made rather than matplotlib: the dashboard only needs horizontal bars, and a few lines of
SVG keep the package free of a heavy dependency, give text that stays text (selectable, read by
screen readers, in the page's font) and leave nothing to fetch.
"""

from __future__ import annotations

from html import escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 220
BAR_WIDTH = 360
VALUE_WIDTH = 70
# Longer labels are cut with an ellipsis to stay in their column (the table has them whole).
LABEL_CHARACTERS = 30
# Dark blue on white: 8.6:1, above the 3:1 WCAG 2.1 asks of graphical objects.
BAR_COLOUR = "#1f4e79"
TEXT_COLOUR = "#1a1a1a"


def shortened(label: str) -> str:
    """The label cut to its column, isolated so that its own direction holds in the page's
    (`fr/shipping/` keeps its slash at its end in an Arabic page)."""
    cut = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
    return f"\u2068{cut}\u2069"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: list[tuple[str, float, str]],
    direction: str = "ltr",
) -> str:
    """An `<svg role="img">` of one bar per `(label, value, shown value)`, named by its title
    and description so a screen reader announces it; the page puts its table right after.

    Read in the page's `direction`: labels first, bars growing from them, values at their
    ends; for `rtl` all mirrored, labels on the right and bars growing to the left. The SVG's
    `direction` makes the anchors' start and end the page's."""
    top = max((value for _, value, _ in bars), default=0) or 1
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH

    def x(along: float) -> float:
        """A distance from the side the page starts on, as an SVG x."""
        return along if direction == "ltr" else width - along

    rows = []
    for index, (label, value, shown) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / top, 1)
        middle = y + BAR_HEIGHT / 2
        rows.append(
            f'<text x="{x(LABEL_WIDTH - 8)}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(shortened(label))}</text>'
            f'<rect x="{min(x(LABEL_WIDTH), x(LABEL_WIDTH + length))}" y="{y}" '
            f'width="{length}" height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>'
            f'<text x="{x(LABEL_WIDTH + length + 6)}" y="{middle}" '
            f'dominant-baseline="middle">{escape(shown)}</text>'
        )
    return (
        f'<svg role="img" width="{width}" height="{height}" direction="{direction}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-size="13" fill="{TEXT_COLOUR}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(rows) + "</svg>"
    )
