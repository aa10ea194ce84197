"""Shareable views: the app's whole view (date window, filters, picked event, map centre and
zoom, basemap, tiles, briefing options: `?view=briefing&status=verified` is a briefing of
the verified incidents only) in the URL's query, and back.

The app writes the view into its URL as the analyst works and reads it once, on a visitor's
first run, so a copied link opens the same picture in another browser. A URL is typed,
pasted, cut short and edited by hand: `parse` keeps what it can read and ignores the rest
(a bad date, a zoom of 99, a speed of "fast"), never raising. Which values exist (event
types, actors, sources, articles, tile layers) is the app's to say: `View.restricted`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from geo.corpus.corrections import STATUSES

# Query parameter names. `view`, `speed`, `step` and `tiles` were the app's before views were
# shared; links made then still open.
START, END = "from", "to"
TYPES, ACTORS, SOURCES, ARTICLES = "type", "actor", "source", "article"
PLACE, EVENT, MAP, DARK, TILES = "place", "event", "map", "dark", "tiles"
VIEW, SPEED, STEP = "view", "speed", "step"
GEO_PRECISION, TIME_PRECISION, STATUS, DISAGREEING = "geo", "time", "status", "disagreeing"
PRECISION_CODES = ("1", "2", "3")  # ACLED-style (geo.pipeline.precision)
VIEWS = frozenset({"briefing"})
ZOOM_LIMITS = (0, 22)  # Leaflet's zoom levels with any tiles
MAX_TEXT = 200  # a place query or an event id longer than this is not one
MAX_VALUES = 100  # values of one list parameter (types, actors...) kept
DIGITS = 5  # decimals of a shared centre: about a metre


@dataclass(frozen=True)
class View:
    """What the analyst sees; None or empty means "the app's default"."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    place: str = ""
    geo_precision: tuple[int, ...] = ()  # precision codes to keep
    time_precision: tuple[int, ...] = ()
    verification: tuple[str, ...] = ()  # incident statuses to keep ("verified"...)
    disagreeing: bool = False  # only incidents whose reports disagree
    event: str | None = None  # the picked event's id (the details panel)
    center: tuple[float, float] | None = None  # (lat, lon)
    zoom: int | None = None
    dark: bool = False
    tiles: str | None = None
    view: str | None = None  # "briefing"
    speed: float | None = None  # seconds per step
    step: str | None = None  # a key of geo.app.playback.STEPS

    def restricted(
        self,
        *,
        types: Collection[str],
        actors: Collection[str],
        sources: Collection[str],
        articles: Collection[str],
    ) -> View:
        """This view with only the filter values the corpus has: a link made on a larger
        corpus, or edited by hand, must not ask a widget for an option it does not offer."""
        return replace(
            self,
            types=_known(self.types, types),
            actors=_known(self.actors, actors),
            sources=_known(self.sources, sources),
            articles=_known(self.articles, articles),
        )


def _known(values: Iterable[str], allowed: Collection[str]) -> tuple[str, ...]:
    return tuple(v for v in values if v in allowed)


# -- reading ---------------------------------------------------------------------------

Params = Mapping[str, str | Sequence[str]]


def _all(params: Params, name: str) -> list[str]:
    """Every value of `name` (a repeated parameter, or one string)."""
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]


def _one(params: Params, name: str) -> str | None:
    values = _all(params, name)
    return values[-1] if values else None  # the last one, as browsers' forms do


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def _text(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if 0 < len(text) <= MAX_TEXT else None


def _list(params: Params, name: str) -> tuple[str, ...]:
    out: list[str] = []
    for value in _all(params, name):
        if (text := _text(value)) is not None and text not in out:
            out.append(text)
    return tuple(out[:MAX_VALUES])


def _codes(params: Params, name: str) -> tuple[int, ...]:
    return tuple(int(c) for c in _list(params, name) if c in PRECISION_CODES)


def _yes(params: Params, name: str) -> bool:
    return _one(params, name) in {"1", "true", "yes", "on"}


def _map(text: str | None) -> tuple[tuple[float, float] | None, int | None]:
    """ "lat,lon,zoom" -> ((lat, lon), zoom), both or neither (one alone is no map view)."""
    parts = (text or "").split(",")
    if len(parts) != 3:
        return None, None
    lat, lon, zoom = (_number(p) for p in parts)
    if lat is None or lon is None or zoom is None or abs(lat) > 90 or abs(lon) > 180:
        return None, None
    if not zoom.is_integer() or not ZOOM_LIMITS[0] <= zoom <= ZOOM_LIMITS[1]:
        return None, None
    return (lat, lon), int(zoom)


def _window(params: Params) -> tuple[datetime.date | None, datetime.date | None]:
    start, end = _date(_one(params, START)), _date(_one(params, END))
    if start and end and start > end:  # not a window: neither is believed
        return None, None
    return start, end


def parse(
    params: Params,
    *,
    steps: Collection[str] = (),
    parse_speed: Callable[[str | None], float | None] = lambda _: None,
) -> View:
    """The view a URL's query asks for (Streamlit's `st.query_params`, as name -> values);
    anything unreadable is left at its default. `steps` are the playback steps that exist
    and `parse_speed` reads a speed within the app's limits (both geo.app.playback's)."""
    start, end = _window(params)
    center, zoom = _map(_one(params, MAP))
    step = _one(params, STEP)
    view = _one(params, VIEW)
    return View(
        start=start,
        end=end,
        types=_list(params, TYPES),
        actors=_list(params, ACTORS),
        sources=_list(params, SOURCES),
        articles=_list(params, ARTICLES),
        place=_text(_one(params, PLACE)) or "",
        geo_precision=_codes(params, GEO_PRECISION),
        time_precision=_codes(params, TIME_PRECISION),
        verification=tuple(s for s in _list(params, STATUS) if s in STATUSES),
        disagreeing=_yes(params, DISAGREEING),
        event=_text(_one(params, EVENT)),
        center=center,
        zoom=zoom,
        dark=_yes(params, DARK),
        tiles=_text(_one(params, TILES)),
        view=view if view in VIEWS else None,
        speed=parse_speed(_one(params, SPEED)),
        step=step if step in steps else None,
    )


# -- writing ---------------------------------------------------------------------------


def _coordinate(value: float) -> str:
    return f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")


def params(view: View) -> dict[str, str | list[str]]:
    """The query that `parse` reads back as `view` (defaults left out, so a plain view has
    a plain URL). Lists are repeated parameters (?type=a&type=b): names may hold commas."""
    center = None
    if view.center is not None and view.zoom is not None:
        lat, lon = view.center
        center = f"{_coordinate(lat)},{_coordinate(lon)},{view.zoom}"
    pairs: list[tuple[str, str | list[str] | None]] = [
        (VIEW, view.view),
        (START, view.start.isoformat() if view.start else None),
        (END, view.end.isoformat() if view.end else None),
        (TYPES, list(view.types)),
        (ACTORS, list(view.actors)),
        (SOURCES, list(view.sources)),
        (ARTICLES, list(view.articles)),
        (PLACE, view.place.strip()),
        (GEO_PRECISION, [str(c) for c in view.geo_precision]),
        (TIME_PRECISION, [str(c) for c in view.time_precision]),
        (STATUS, list(view.verification)),
        (DISAGREEING, "1" if view.disagreeing else None),
        (EVENT, view.event),
        (MAP, center),
        (DARK, "1" if view.dark else None),
        (TILES, view.tiles),
        (SPEED, f"{view.speed:g}" if view.speed is not None else None),
        (STEP, view.step),
    ]
    return {name: value for name, value in pairs if value}


def query_string(view: View) -> str:
    """ "?from=...&type=..." (or "" for the default view), for a link."""
    query = urlencode(params(view), doseq=True)
    return f"?{query}" if query else ""


def link(base_url: str, view: View) -> str:
    """The address of `view` on the app at `base_url` (its query and fragment replaced)."""
    base = base_url.split("#", 1)[0].split("?", 1)[0]
    return base + query_string(view)


def normal(query: Mapping[str, Any]) -> dict[str, list[str]]:
    """A query as name -> list of values, one value or many: two queries say the same
    when their normal forms are equal."""
    return {k: [v] if isinstance(v, str) else list(v) for k, v in query.items()}
