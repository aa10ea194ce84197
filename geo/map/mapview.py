"""The map: event layers, popups, legend and time controls, shared by the app and the export.

Everything here produces folium elements whose templates call the page's own JavaScript
(geo/map/static/*.js, loaded once per page), so the same layers run inside streamlit-folium (which
takes only the map's script and its links) and in a static HTML file. Controls (legend, time
slider, title) are Leaflet controls for the same reason.

Article text reaches the browser as JSON data, escaped in the page by `cmEsc`
(geo/map/static/escape.js), or as HTML made here through `geo.map.escape.escape_text` (the legend,
region tooltips and the app's details panel, `event_popup`).
"""

from __future__ import annotations

import base64
import datetime
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from jinja2 import Template

from geo.map.assets import static_links
from geo.map.escape import escape_text, safe_url

if TYPE_CHECKING:
    from geo.map.assets import PublishAsset
    from geo.map.tiles import TileSource

# One colour per event type (colour-blind-safe palette, Okabe-Ito), with its legend label.
EVENT_STYLES: dict[str, tuple[str, str]] = {
    "offensive": ("#D55E00", "Offensive or assault"),
    "capture": ("#CC79A7", "Capture or recapture"),
    "airstrike": ("#E69F00", "Airstrike or shelling"),
    "withdrawal": ("#56B4E9", "Withdrawal or retreat"),
    "deployment": ("#0072B2", "Deployment or troop movement"),
    "meeting": ("#009E73", "Meeting or visit"),
    "statement": ("#999999", "Statement or briefing"),
    "plan": ("#F0E442", "Plan or announcement"),
    "civilian_harm": ("#8B0000", "Civilian harm or displacement"),
    "other": ("#666666", "Other"),
}
POINT_LEVELS = {"city", "village", "derived", "facility"}
REGION_LEVELS = {"province", "country", "continent"}


# ---------------------------------------------------------------------------------------
# Loading and filtering


def load_events(path: Path) -> list[dict[str, Any]]:
    """The features of an events.geojson written by `campaign-map build`.

    Each feature gets `n`, its position: the app tells the page which events to show by
    these small numbers rather than by their ids.
    """
    if not path.exists():
        return []
    features = json.loads(path.read_text(encoding="utf-8")).get("features", [])
    for n, feature in enumerate(features):
        feature["n"] = n
    return features


@dataclass(frozen=True)
class EventFilter:
    """What the analyst asked to see; empty sets mean 'all'."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    types: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    place_query: str = ""
    include_undated: bool = False


def overlaps(props: dict[str, Any], start: datetime.date | None,
             end: datetime.date | None) -> bool:
    """An event is visible when its interval overlaps the selected range."""
    if not props.get("date_start"):
        return False
    if start and props["date_end"] < start.isoformat():
        return False
    return not (end and props["date_start"] > end.isoformat())


def filter_events(features: Iterable[dict[str, Any]], flt: EventFilter) -> list[dict[str, Any]]:
    query = flt.place_query.strip().lower()
    out = []
    for feature in features:
        p = feature["properties"]
        if p.get("date_start"):
            if not overlaps(p, flt.start, flt.end):
                continue
        elif not flt.include_undated:
            continue
        if flt.types and p["event_type"] not in flt.types:
            continue
        if flt.actors and not flt.actors & set(filter(None, (p.get("actors") or "").split("; "))):
            continue
        if flt.articles and p["article_id"] not in flt.articles:
            continue
        if flt.sources and (p.get("article_source") or "") not in flt.sources:
            continue
        if query and query not in (p["place"] or "").lower() and query not in (
            p.get("other_places") or "").lower():
            continue
        out.append(feature)
    return out


def in_window(features: Iterable[dict[str, Any]], start: datetime.date | None,
              end: datetime.date | None) -> list[dict[str, Any]]:
    """The dated events whose interval overlaps the window (the time slider's filter).

    `overlaps` for every event, inlined: it runs on every slider step over up to the whole
    corpus, and ISO date strings compare in date order."""
    low = start.isoformat() if start else ""
    high = end.isoformat() if end else "\uffff"
    return [f for f in features if (p := f["properties"]).get("date_start")
            and p["date_end"] >= low and p["date_start"] <= high]


def date_range(features: Iterable[dict[str, Any]]) -> tuple[datetime.date, datetime.date] | None:
    """The corpus's time span for the slider.

    Year-long intervals ("over the past year") do not stretch it: they still show in any
    window they overlap, but the slider starts where the dated reporting starts.
    """
    dated = [f["properties"] for f in features if f["properties"].get("date_start")]
    precise = [p for p in dated if p.get("granularity") != "year"] or dated
    if not dated:
        return None
    return (datetime.date.fromisoformat(min(p["date_start"] for p in precise)),
            datetime.date.fromisoformat(max(p["date_end"] for p in dated)))


BUSY_SHARE = 0.9  # the busy period holds this share of the dated events
BUSY_MIN_EVENTS = 10  # fewer events than this: the whole span is the busy period


def busy_range(features: Iterable[dict[str, Any]]) -> tuple[datetime.date, datetime.date] | None:
    """The shortest period that holds BUSY_SHARE of the dated events (by start date).

    Old events reported in passing ("captured in 1992") stretch the corpus's span over
    decades; the app opens on the period the reporting is about. None when there are too
    few events to tell.
    """
    starts = sorted(
        datetime.date.fromisoformat(f["properties"]["date_start"]) for f in features
        if f["properties"].get("date_start") and f["properties"].get("granularity") != "year"
    )
    if len(starts) < BUSY_MIN_EVENTS:
        return None
    k = math.ceil(BUSY_SHARE * len(starts))
    first = min(range(len(starts) - k + 1), key=lambda i: starts[i + k - 1] - starts[i])
    return starts[first], starts[first + k - 1]


# ---------------------------------------------------------------------------------------
# Events for the browser
#
# An event's popup has two implementations, one per language: the map's is made in the
# page from data (`browser_event`, cmPopup in geo/map/static/popup.js); the app's details
# panel is Streamlit Markdown, which runs no script, so it gets HTML made here
# (`event_popup`). Both show the same parts; keep them in step.


def highlighted_snippet(props: dict[str, Any]) -> str:
    """The snippet with its place and time expressions marked, everything escaped."""
    snippet = props.get("snippet") or ""
    try:
        marks = json.loads(props.get("marks") or "[]")
    except (TypeError, ValueError):
        marks = props.get("marks") if isinstance(props.get("marks"), list) else []
    pieces, cursor = [], 0
    for mark in sorted(marks, key=lambda m: m["start"]):
        start, end = int(mark["start"]), int(mark["end"])
        if start < cursor or end > len(snippet):
            continue  # overlapping or stale marks: show the text plain
        pieces.append(escape_text(snippet[cursor:start]))
        kind = "place" if mark.get("kind") == "place" else "time"
        pieces.append(f'<mark class="cm-{kind}">{escape_text(snippet[start:end])}</mark>')
        cursor = end
    pieces.append(escape_text(snippet[cursor:]))
    return "".join(pieces)


def interval_label(props: dict[str, Any]) -> str:
    start, end = props.get("date_start"), props.get("date_end")
    if not start:
        return "undated"
    label = start if start == end else f"{start} – {end}"
    basis = props.get("time_basis")
    if basis == "publication":
        label += " (reported on)"
    elif props.get("planned"):
        label += " (planned)"
    return label


def event_popup(props: dict[str, Any]) -> str:
    """An event as HTML for the app's details panel (the map's popups: cmPopup)."""
    color, type_label = EVENT_STYLES.get(props.get("event_type"), EVENT_STYLES["other"])
    # <bdi>: bidi controls in article text (a right-to-left override) stay inside it.
    title = f'<bdi>{escape_text(props.get("article_title") or props.get("article_id"))}</bdi>'
    url = safe_url(props.get("article_url"))
    link = f'<a href="{escape_text(url)}" target="_blank" rel="noopener">{title}</a>' if url \
        else title
    rows = [
        f'<div class="cm-type" style="border-left:6px solid {color}">{escape_text(type_label)}'
        f' · {escape_text(props.get("place"))} <span class="cm-level">'
        f'({escape_text(props.get("level"))})</span></div>',
        f'<div class="cm-when">{escape_text(interval_label(props))}</div>',
        f'<blockquote class="cm-snippet">{highlighted_snippet(props)}</blockquote>',
        f'<div class="cm-article">{link}<br><bdi>{escape_text(props.get("article_source") or "")}'
        "</bdi>"
        f' · published {escape_text(props.get("published") or "unknown")}</div>',
    ]
    if props.get("actors"):
        rows.append(f'<div class="cm-actors">Actors: {escape_text(props["actors"])}</div>')
    if props.get("figures"):
        rows.append(f'<div class="cm-figures">Figures: {escape_text(props["figures"])}</div>')
    rows.append(f'<div class="cm-conf">confidence {float(props.get("confidence") or 0):.2f}'
                f'{" · derived place" if props.get("level") == "derived" else ""}</div>')
    return '<div class="cm-popup">' + "".join(rows) + "</div>"


def browser_event(feature: dict[str, Any], articles: dict[str, int]) -> dict[str, Any]:
    """One event as the browser gets it: short keys, the article by index, no HTML.

    Popups are made in the page by `cmPopup` (geo/map/static/popup.js) when they open:
    pre-rendered HTML for every event would triple the size of a 10,000-event export.
    """
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    try:
        marks = json.loads(p.get("marks") or "[]")
    except (TypeError, ValueError):
        marks = []
    return {
        "id": p["id"], "n": feature.get("n", -1),
        "start": p.get("date_start") or "", "end": p.get("date_end") or "",
        "x": lon, "y": lat, "ty": p.get("event_type") or "other", "pl": p.get("place") or "",
        "lv": p.get("level") or "", "b": p.get("time_basis") or "",
        "pn": bool(p.get("planned")), "sn": p.get("snippet") or "",
        "mk": [[m["start"], m["end"], 1 if m.get("kind") == "place" else 0] for m in marks],
        "a": articles.setdefault(p.get("article_id") or "", len(articles)),
        "ac": p.get("actors") or "", "fg": p.get("figures") or "",
        "cf": round(float(p.get("confidence") or 0), 2),
        "r": (p.get("uncertainty_km") or 0) * 1000,
    }


def browser_articles(features: Iterable[dict[str, Any]], index: dict[str, int]) -> list[dict]:
    """The articles the events refer to, in index order (shared by all their events)."""
    by_id = {f["properties"].get("article_id"): f["properties"] for f in features}
    out = []
    for article_id, _ in sorted(index.items(), key=lambda item: item[1]):
        p = by_id.get(article_id, {})
        out.append({"t": p.get("article_title") or article_id, "s": p.get("article_source") or "",
                    "u": safe_url(p.get("article_url")) or "", "p": p.get("published") or ""})
    return out


# ---------------------------------------------------------------------------------------
# Map elements (small folium plugins)
#
# The JavaScript and CSS are files in geo/map/static/ that define functions (window.cmApply,
# window.cmPopup, ...) once per page. Each element lists the files it needs as folium
# links (`default_js`/`default_css`): folium's page header and streamlit-folium's
# `js_links` load each file once however many elements list it, and `finish` points the
# links at the app's static files or inlines them into the export. The elements' own
# templates only call those functions with their options and data.


def _source(url: str | None, data: Any) -> dict[str, Any]:
    """Where the page gets a layer's data (window.cmLoad): the published file or inline."""
    return {"url": url} if url else {"data": data}


class EventLayer(JSCSSMixin, MacroElement):
    """Point events (cities, villages, derived places) as coloured circles, clustered.

    A derived place ("10 km south of X") also gets a dashed circle of its uncertainty.
    Marker objects are made once; filters (`ShowOnly`, the export's slider) re-add the
    ones that pass through `window.cmApply`, so moving the slider never rebuilds the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmEventLayer({{ this._parent.get_name() }}, {{ this.options | tojson }},
                            {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    # The same Leaflet.markercluster files folium's MarkerCluster uses; `make_offline`
    # swaps them for the copies installed from npm.
    default_js = [*MarkerCluster.default_js,
                  *static_links("escape.js", "popup.js", "filter.js", "layers.js")]
    default_css = MarkerCluster.default_css

    def __init__(self, features: Sequence[dict[str, Any]], radius: int = 7,
                 popup_width: int = 420, publish: Publish | None = None) -> None:
        super().__init__()
        self._name = "EventLayer"
        index: dict[str, int] = {}
        events = [browser_event(f, index) for f in features]
        data = {"events": events, "articles": browser_articles(features, index),
                "styles": {k: list(v) for k, v in EVENT_STYLES.items()}}
        # The app publishes the data as a static file the page fetches once: then a rerun
        # renders and sends a few kilobytes, not the events. The export inlines it. A
        # published layer keeps no copy: the app deep-copies the map on every rerun.
        self.url = publish("events", data) if publish else None
        self.data = None if self.url else data
        self.options = {"radius": radius, "popupWidth": popup_width}
        self.source = _source(self.url, self.data)


class RegionLayer(JSCSSMixin, MacroElement):
    """Province- and country-level events: the region's outline, not a fake point.

    Each region with events is drawn once, with its outline from the basemap and a popup
    listing its events. Regions the basemap lacks are listed in `missing` for the caller.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmRegionLayer({{ this._parent.get_name() }}, {{ this.options | tojson }},
                             {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("escape.js", "popup.js", "filter.js", "layers.js")

    def __init__(self, features: Sequence[dict[str, Any]], region_shapes: dict[str, Any],
                 popup_width: int = 420, publish: Publish | None = None) -> None:
        super().__init__()
        self._name = "RegionLayer"
        self.options = {"popupWidth": popup_width}
        by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for feature in features:
            by_region[_region_key(feature["properties"]["place"])].append(feature)
        self.missing = sorted(
            events[0]["properties"]["place"] for key, events in by_region.items()
            if key not in region_shapes
        )
        out = []
        index: dict[str, int] = {}
        for key, events in sorted(by_region.items()):
            if key not in region_shapes:
                continue
            events.sort(key=lambda f: f["properties"].get("date_start") or "")
            first = events[0]["properties"]
            color, _ = EVENT_STYLES.get(first.get("event_type"), EVENT_STYLES["other"])
            out.append({
                "type": "Feature", "geometry": region_shapes[key],
                "properties": {
                    "color": color,
                    "tooltip": f"{escape_text(first.get('place'))} "
                               f"({escape_text(first.get('level'))}): {len(events)} events",
                    "members": [browser_event(f, index) for f in events],
                },
            })
        data = {"regions": {"type": "FeatureCollection", "features": out},
                "articles": browser_articles(features, index),
                "styles": {k: list(v) for k, v in EVENT_STYLES.items()}}
        self.url = publish("regions", data) if publish else None
        self.data = None if self.url else data  # as in EventLayer
        self.source = _source(self.url, self.data)


class ShowOnly(MacroElement):
    """Show only the events whose numbers (`n`, see `load_events`) are listed: the app's
    filters and slider, applied in the browser to markers that already exist.

    This is what `feature_group_to_add` sends on every change, so it carries data and one
    call, no code: `window.cmShowOnly` comes with the layers (filter.js), which are on the
    base map (streamlit-folium collects no links from the feature group).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmShowOnly({{ this.bits | tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, numbers: Iterable[int]) -> None:
        super().__init__()
        self._name = "ShowOnly"
        self.numbers = sorted(set(numbers))
        # A bit per event, base64: 1.7 KB for 10,000 events, where a list of numbers
        # is up to 60 KB on every slider move.
        bits = bytearray((self.numbers[-1] >> 3) + 1 if self.numbers else 0)
        for n in self.numbers:
            bits[n >> 3] |= 1 << (n & 7)
        self.bits = base64.b64encode(bytes(bits)).decode("ascii")


def _region_key(name: str) -> str:
    from geo.pipeline.places.names import name_key

    return name_key(name or "")


class HtmlControl(JSCSSMixin, MacroElement):
    """A Leaflet control showing HTML made here (escaped): the legend, the export's title.
    A control, not page HTML, so that it also shows inside streamlit-folium."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmControl({{ this._parent.get_name() }}, {{ this.position | tojson }},
                         {{ this.class_name | tojson }}, {{ this.html | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("layers.js")

    def __init__(self, html: str, class_name: str, position: str) -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
        self.class_name = class_name
        self.position = position


class Legend(HtmlControl):
    """The event-type legend (works in the app and the export)."""

    def __init__(self, types: Iterable[str] | None = None, note: str = "") -> None:
        shown = [t for t in EVENT_STYLES if types is None or t in set(types)]
        items = "".join(
            f'<div><span class="cm-swatch" style="background:{EVENT_STYLES[t][0]}"></span>'
            f"{escape_text(EVENT_STYLES[t][1])}</div>"
            for t in shown
        )
        items += ('<div><span class="cm-swatch cm-derived"></span>derived place '
                  "(dashed: uncertainty)</div>"
                  '<div><span class="cm-swatch cm-region"></span>province / country event</div>')
        super().__init__(f"<b>Event types</b>{items}" + (f'<div class="cm-note">{note}</div>'
                                                         if note else ""),
                         "cm-legend", "bottomright")
        self._name = "Legend"


class PageStyle(JSCSSMixin, MacroElement):
    """The map's CSS (geo/map/static/map.css) and its type scale: larger on the briefing
    screen. The scale is a custom property in the page header, which streamlit-folium
    applies too (it drops the header's scripts, not its styles)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>:root { --cm-scale: {{ this.scale }}; }</style>
        {% endmacro %}
        """
    )
    default_css = static_links("map.css")

    def __init__(self, briefing: bool = False) -> None:
        super().__init__()
        self._name = "PageStyle"
        self.scale = 1.6 if briefing else 1


def split_by_precision(features: Iterable[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Point-level events and region-level events."""
    points, regions = [], []
    for feature in features:
        level = feature["properties"].get("level")
        (regions if level in REGION_LEVELS else points).append(feature)
    return points, regions


def region_shapes() -> dict[str, Any]:
    """Province and country outlines of the offline basemap, by name key."""
    from geo.map.basemap import load_basemap
    from geo.pipeline.places.names import name_key

    shapes: dict[str, Any] = {}
    try:
        basemap = load_basemap()
    except FileNotFoundError:
        return shapes
    for feature in basemap.get("features", []):
        props = feature.get("properties", {})
        if props.get("kind") in {"province", "country"} and props.get("name"):
            for name in [props["name"], *props.get("aliases", [])]:
                shapes.setdefault(name_key(name), feature["geometry"])
    return shapes


# publish(name, data) -> URL: writes data where the page can fetch it (see app.py).
Publish = Callable[[str, Any], str]


@dataclass
class MapOptions:
    style: str = "light"  # "light" (desk) or "dark" (briefing room)
    center: tuple[float, float] = (34.5, 42.0)
    zoom: int = 6
    extra_css: list[str] = field(default_factory=list)
    tiles: TileSource | None = None  # a tile layer the user switched on (geo.map.tiles)


def base_map(options: MapOptions | None = None, publish: Publish | None = None) -> folium.Map:
    """The map every view starts from: offline basemap, styles, no tile server unless
    the user chose one (then its tiles replace the offline basemap).

    Call `finish` once every layer is on it: that swaps every library link for local files.
    """
    from geo.map.basemap import add_basemap

    options = options or MapOptions()
    tiles = options.tiles
    m = folium.Map(location=list(options.center), zoom_start=options.zoom, tiles=None,
                   max_zoom=tiles.max_zoom if tiles else 12, min_zoom=3, control_scale=True,
                   prefer_canvas=False)
    # folium hands max_zoom/min_zoom to its tile layer only; the map itself needs them here.
    m.options["max_zoom"] = tiles.max_zoom if tiles else 12
    m.options["min_zoom"] = 3
    if tiles:
        folium.TileLayer(tiles.url, attr=tiles.attribution, name=tiles.label,
                         max_zoom=tiles.max_zoom).add_to(m)
    elif publish:
        from geo.map.basemap import load_basemap

        add_basemap(m, style=options.style, url=publish("basemap", load_basemap()))
    else:
        add_basemap(m, style=options.style)
    PageStyle(briefing=options.style == "dark").add_to(m)
    return m


def finish(m: folium.Map, publish_asset: PublishAsset | None = None) -> folium.Map:
    """Make the finished map self-contained: no CDN link survives (see geo.map.assets). With
    `publish_asset`, Leaflet's files are linked from where it put them, not inlined."""
    from geo.map.assets import make_offline

    return make_offline(m, publish=publish_asset)


def event_layers(m: folium.Map, features: Sequence[dict[str, Any]], shapes: dict[str, Any],
                 briefing: bool = False, publish: Publish | None = None) -> RegionLayer:
    """Add every event to the map once; returns the region layer (its `missing` regions)."""
    points, regions = split_by_precision(features)
    width = 640 if briefing else 420
    region_layer = RegionLayer(regions, shapes, popup_width=width, publish=publish)
    region_layer.add_to(m)
    EventLayer(points, radius=11 if briefing else 7, popup_width=width,
               publish=publish).add_to(m)
    return region_layer


def visible_group(features: Iterable[dict[str, Any]]) -> folium.FeatureGroup:
    """The small feature group the app sends on every filter or slider change."""
    group = folium.FeatureGroup(name="visible", control=False)
    ShowOnly(f["n"] for f in features).add_to(group)
    return group


def events_at(features: Sequence[dict[str, Any]], clicked: dict[str, Any] | None,
              tolerance: float = 1e-4) -> list[dict[str, Any]]:
    """The events drawn at a clicked point (the map returns only its coordinates)."""
    if not clicked or clicked.get("lat") is None:
        return []
    lat, lng = float(clicked["lat"]), float(clicked["lng"])
    return [f for f in features
            if abs(f["geometry"]["coordinates"][1] - lat) < tolerance
            and abs(f["geometry"]["coordinates"][0] - lng) < tolerance]


def same_place(features: Sequence[dict[str, Any]], event: dict[str, Any]) -> list[dict[str, Any]]:
    coords = event["geometry"]["coordinates"]
    return sorted((f for f in features if f["geometry"]["coordinates"] == coords),
                  key=lambda f: f["properties"].get("date_start") or "")
