"""A relationship's timeline drawn as SVG on the server: a years axis, one mark per dated
event, shaped and coloured by kind, hollow where the date is inferred, the events of one year
stacked so none overlap. Entries in, the marks' SVG and the axis's positions out; the
template writes the rest.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

MARK = 10.0
"""A mark's width and height."""
STEP = 13.0
"""From one stacked mark's centre to the next."""
LEFT, RIGHT, TOP, BOTTOM = 24.0, 24.0, 12.0, 34.0
MIN_WIDTH = 960.0
MIN_TICK_GAP = 44.0
"""Pixels between two labelled years at least (a label is four digits)."""
TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


@dataclass(frozen=True)
class Style:
    label: str
    colour: str
    shape: str


STYLES = {
    "visit": Style("Visit", "#0b5cad", "circle"),
    "agreement": Style("Agreement", "#a3320b", "square"),
    "relation": Style("Milestone of the relations", "#1f7a3a", "diamond"),
    "statement": Style("Statement", "#6b3fa0", "triangle"),
}
"""Each kind of event: its legend, colour and shape (so kinds differ without colour too)."""


@dataclass(frozen=True)
class Tick:
    x: float
    year: int


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    axis_y: float
    marks: Markup
    """Each dated event's mark, in the timeline's order: an `<a class="mark">` with its
    `data-kind`, `data-id`, `data-date` (as the API gives it) and `data-inferred`, holding a
    `<title>` and the shape."""
    ticks: list[Tick]
    undated: list[dict[str, Any]]
    """The entries with no date, each with its `href`."""


def draw(entries: Iterable[dict[str, Any]], href: Callable[[dict[str, Any]], str]) -> Drawing:
    """Lay out timeline entries (as the timeline query gives them, in its order): the dated
    ones as marks above their year, the undated ones apart. `href` gives each mark's link."""
    dated, undated = [], []
    for entry in entries:
        if entry["date"]:
            dated.append(entry)
        else:
            undated.append({**entry, "href": href(entry)})
    years = [_year(e) for e in dated] or [0]
    first, last = min(years), max(years)
    span = max(last - first, 1)
    width = max(MIN_WIDTH, LEFT + RIGHT + (span + 1) * (MARK + 3))
    per_year = (width - LEFT - RIGHT) / span
    stacks: dict[int, int] = defaultdict(int)
    placed = []
    for entry in dated:
        year = _year(entry)
        placed.append((entry, LEFT + (year - first) * per_year, stacks[year]))
        stacks[year] += 1
    highest = max(stacks.values(), default=1)
    axis_y = TOP + highest * STEP + 4
    marks = Markup(
        "".join(
            _mark(entry, href(entry), x, axis_y - 4 - STEP / 2 - level * STEP)
            for entry, x, level in placed
        )
    )
    tick_step = next((s for s in TICK_STEPS if s * per_year >= MIN_TICK_GAP), TICK_STEPS[-1])
    ends = (first, last) if dated else ()
    ticks = [
        Tick(LEFT + (year - first) * per_year, year)
        for year in range(first, first + span + 1)
        if year in ends
        or (
            year % tick_step == 0
            and all(abs(year - end) * per_year >= MIN_TICK_GAP for end in ends)
        )
    ]
    return Drawing(width, axis_y + BOTTOM, axis_y, marks, ticks, undated)


def _year(entry: dict[str, Any]) -> int:
    return int(entry["date"][:4])


def _mark(entry: dict[str, Any], href: str, x: float, y: float) -> str:
    """One mark as SVG, each value escaped. Written here rather than by the template: a busy
    pair has a thousand marks, which a template loop took 25-30 ms to write, this 5 (laid
    out too)."""
    kind = entry["kind"]
    style = STYLES[kind]
    inferred = bool(entry["date_inferred"])
    element, geometry = shape(style.shape, x, y)
    paint = {"fill": "#ffffff" if inferred else style.colour, "stroke": style.colour}
    attributes = "".join(f' {k}="{v}"' for k, v in (geometry | paint).items())
    date = escape(entry["date"])
    return (
        f'<a class="mark" href="{escape(href)}" data-kind="{kind}" data-id="{escape(entry["id"])}"'
        f' data-date="{date}" data-inferred="{"true" if inferred else "false"}">'
        f"<title>{escape(entry['title'])} ({kind}, {date}"
        f"{', date inferred' if inferred else ''})</title>"
        f'<{element}{attributes} class="shape"/></a>\n'
    )


def shape(name: str, x: float, y: float) -> tuple[str, dict[str, str]]:
    """An SVG element of the shape, `MARK` wide, centred on (x, y)."""
    h = MARK / 2
    if name == "circle":
        return "circle", {"cx": svg_number(x), "cy": svg_number(y), "r": svg_number(h)}
    if name == "square":
        side = MARK - 1
        return "rect", {
            "x": svg_number(x - side / 2),
            "y": svg_number(y - side / 2),
            "width": svg_number(side),
            "height": svg_number(side),
        }
    points = (
        [(x, y - h - 0.5), (x + h + 0.5, y), (x, y + h + 0.5), (x - h - 0.5, y)]
        if name == "diamond"
        else [(x, y - h), (x + h, y + h - 1), (x - h, y + h - 1)]
    )
    return "polygon", {
        "points": " ".join(f"{svg_number(px)},{svg_number(py)}" for px, py in points)
    }


def legend() -> list[tuple[str, Style, str, dict[str, str]]]:
    """Each kind's legend entry: kind, style, and its shape drawn in a 14-pixel square."""
    return [(kind, style, *shape(style.shape, 7, 7)) for kind, style in STYLES.items()]


def svg_number(value: float) -> str:
    """A coordinate as SVG gets it: one decimal at most."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
