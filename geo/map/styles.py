"""What each event type looks like: its colour, shape and legend label, everywhere the map,
the legend, the popups and the app's chart show it.

Colour and shape both carry the type, as on conflict maps: a reader who cannot tell two
colours apart (about one man in twelve) still tells a triangle from a star. The colours are
Okabe and Ito's colour-blind-safe set ("Color Universal Design", Okabe & Ito 2002,
https://jfly.uni-koeln.de/color/) and, for the two types it has no colour left for, Paul
Tol's "muted" scheme (wine #882255; Tol 2021, "Colour schemes", SRON/EPS/TN/09-002,
https://personal.sron.nl/~pault/). Pairs a reader must tell apart at a glance differ in
both: offensive (vermillion triangle) and airstrike (sky-blue star), statement (yellow
hexagon) and other (grey small circle). Cluster bubbles are neutral (geo/map/static/
map.css), never a type's colour.
"""

from __future__ import annotations

import math
from typing import Any

# One colour per event type, with its legend label. (Two fields: the app's chart reads them.)
EVENT_STYLES: dict[str, tuple[str, str]] = {
    "offensive": ("#D55E00", "Offensive or assault"),  # Okabe-Ito vermillion
    "airstrike": ("#56B4E9", "Airstrike or shelling"),  # sky blue
    "capture": ("#CC79A7", "Capture or recapture"),  # reddish purple
    "withdrawal": ("#E69F00", "Withdrawal or retreat"),  # orange
    "deployment": ("#0072B2", "Deployment or troop movement"),  # blue
    "civilian_harm": ("#882255", "Civilian harm or displacement"),  # Tol muted wine
    "meeting": ("#009E73", "Meeting or visit"),  # bluish green
    "statement": ("#F0E442", "Statement or briefing"),  # yellow
    "plan": ("#000000", "Plan or announcement"),  # black
    "other": ("#BBBBBB", "Other"),  # Tol's grey
}

# The shape of each type's marker (SHAPES), chosen so that the shape alone names the kind
# of action: attacks point up, retreats down, strikes burst, held ground is square.
EVENT_SHAPES: dict[str, str] = {
    "offensive": "triangle",
    "airstrike": "star",
    "capture": "square",
    "withdrawal": "triangle-down",
    "deployment": "diamond",
    "civilian_harm": "cross",
    "meeting": "circle",
    "statement": "hexagon",
    "plan": "pentagon",
    "other": "dot",
}


def _polygon(corners: int, rotation: float = 0.0, inner: float | None = None) -> list[list[float]]:
    """A regular polygon (or a star with `inner` radius) around (0, 0), radius 1, first
    corner at `rotation` degrees from straight up; y grows downwards as on the screen."""
    points = []
    steps = corners * 2 if inner else corners
    for k in range(steps):
        radius = inner if inner and k % 2 else 1.0
        angle = math.radians(rotation + 360 * k / steps)
        points.append([radius * math.sin(angle), -radius * math.cos(angle)])
    return points


def _cross(arm: float = 0.36) -> list[list[float]]:
    """A saltire (x) of arms `arm` wide, corners at radius 1."""
    a = arm / math.sqrt(2)
    plus = [
        [a, -1], [a, -a], [1, -a], [1, a], [a, a], [a, 1],
        [-a, 1], [-a, a], [-1, a], [-1, -a], [-a, -a], [-a, -1],
    ]  # fmt: skip
    turn = math.radians(45)
    return [
        [x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)]
        for x, y in plus
    ]


def _area(points: list[list[float]]) -> float:
    return abs(
        sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def _scaled(points: list[list[float]], area: float = math.pi) -> list[list[float]]:
    """The polygon scaled to `area` (that of the marker's circle, radius 1): every shape
    weighs the same on the map, none looks more important for its outline. Rounded: the
    page gets three decimals."""
    factor = math.sqrt(area / _area(points))
    return [[round(x * factor, 3), round(y * factor, 3)] for x, y in points]


# Each shape as polygon corners around (0, 0) for a marker of radius 1 (the page scales
# them: geo/map/static/shapes.js; the legend draws them as SVG); None: a circle.
SHAPES: dict[str, list[list[float]] | None] = {
    "circle": None,
    "dot": _scaled(_polygon(16), math.pi * 0.55),  # smaller: "other" recedes
    "triangle": _scaled(_polygon(3)),
    "triangle-down": _scaled(_polygon(3, 180)),
    "square": _scaled(_polygon(4, 45)),
    "diamond": _scaled(_polygon(4)),
    "pentagon": _scaled(_polygon(5)),
    "hexagon": _scaled(_polygon(6, 30)),
    "star": _scaled(_polygon(5, inner=0.45)),
    "cross": _scaled(_cross()),
}


def event_style(event_type: str | None) -> tuple[str, str]:
    """(colour, label) of an event type; unknown types look like "other"."""
    return EVENT_STYLES.get(event_type or "other", EVENT_STYLES["other"])


def event_shape(event_type: str | None) -> str:
    """The shape (a key of SHAPES) of an event type; unknown types look like "other"."""
    return EVENT_SHAPES.get(event_type or "other", EVENT_SHAPES["other"])


def browser_styles() -> dict[str, list[Any]]:
    """The type table the page gets: type -> [colour, label, shape's corners or null]."""
    return {t: [c, label, SHAPES[event_shape(t)]] for t, (c, label) in EVENT_STYLES.items()}


def shape_svg(event_type: str | None, size: int = 14, stroke: str = "#222") -> str:
    """A type's marker as a small inline SVG (the legend's swatch)."""
    color, _ = event_style(event_type)
    corners = SHAPES[event_shape(event_type)]
    r = size / 2 - 1  # room for the outline
    c = size / 2
    if corners is None:
        body = f'<circle cx="{c}" cy="{c}" r="{r * 0.8:.2f}"/>'
    else:
        # Scaled to the swatch: the shape, not its weight on the map, is what the legend shows.
        k = r / max(math.hypot(x, y) for x, y in corners)
        path = " ".join(f"{c + x * k:.2f},{c + y * k:.2f}" for x, y in corners)
        body = f'<polygon points="{path}"/>'
    return (
        f'<svg class="cm-shape" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'aria-hidden="true"><g fill="{color}" stroke="{stroke}" stroke-width="1">'
        f"{body}</g></svg>"
    )
