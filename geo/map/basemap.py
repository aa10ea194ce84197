"""The offline basemap at run time: which file a map is drawn on, loading it, drawing it, and
its province and country outlines for region-level events.

The file (the whole world's countries, and in its detail areas provinces, rivers, lakes and
town labels, as one GeoJSON FeatureCollection, with its `detail` boxes) is written by
`geo.map.basemap_build` for the areas the events need (`geo.map.bounds.detail_boxes`):
`campaign-map build` writes one into its output folder when no basemap there serves the
events. So the map needs no tile server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geo.corpus.records import EventFeature
from geo.map.assets import static_links
from geo.map.bounds import Bbox, covers_box, event_bounds_of, serves
from geo.paths import MAPDATA
from geo.pipeline.places.names import name_key

FILE_NAME = "basemap.geojson"
BASEMAP = MAPDATA / FILE_NAME  # the project's own: `make build` writes it for the seeds
REBUILD = "python -m geo.map.basemap_build"  # or `campaign-map build`
KINDS = ("country", "province", "lake", "river", "city")  # drawing order, bottom first


# ---------------------------------------------------------------------------------------
# Loading


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_basemap(path: Path = BASEMAP) -> dict[str, Any]:
    """The basemap FeatureCollection (cached; FileNotFoundError names the rebuild command)."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"no basemap at {path}: build it with `{REBUILD}`") from None
    return _load(path, mtime)


def basemap_damage(path: Path = BASEMAP) -> str | None:
    """What is wrong with a basemap file (cut short, garbage, not a FeatureCollection), or
    None when it reads whole or is not there."""
    try:
        data = load_basemap(path)
    except FileNotFoundError:
        return None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return "damaged (not valid JSON)"
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        return "damaged (not a GeoJSON FeatureCollection)"
    return None


def forget_loaded() -> None:
    """Drop the cached files (the builder has just replaced one)."""
    _load.cache_clear()


def basemap_detail(path: Path = BASEMAP) -> list[Bbox] | None:
    """The boxes a basemap file draws in full; None when there is no (usable) file or it is
    of the former kind (one region, no world around it), which serves no events."""
    if basemap_damage(path) is not None:
        return None
    try:
        boxes = load_basemap(path).get("detail")
    except FileNotFoundError:
        return None
    if not isinstance(boxes, list):
        return None
    return [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in boxes]


def basemap_bbox(path: Path = BASEMAP) -> Bbox | None:
    """The box around a basemap's detail areas (what a map without events opens on); None
    when there is no (usable) file."""
    boxes = basemap_detail(path)
    if boxes:
        corners = [(b[0], b[1]) for b in boxes] + [(b[2], b[3]) for b in boxes]
        return event_bounds_of(corners)
    try:
        box = load_basemap(path).get("bbox")
    except (FileNotFoundError, ValueError):
        return None
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])) if box else None


def basemap_for(data: Path | None, events: Sequence[EventFeature] | Bbox | None) -> Path:
    """The basemap a map of `data`'s events is drawn on.

    The data folder's own basemap when it serves the events (`bounds.serves`; given a box
    instead of the events, when its detail area covers the box), else the project's
    (mapdata/, which a build of another folder leaves alone when it already serves that
    folder's events: see `geo.map.basemap_build.ensure_basemap`); failing both, whichever
    exists, so that a map is drawn even before the next build brings a better one.
    """
    candidates = list(dict.fromkeys([*([Path(data) / FILE_NAME] if data else []), BASEMAP]))
    existing = [(path, boxes) for path in candidates if (boxes := basemap_detail(path))]
    for path, boxes in existing:
        if not events or _serves(boxes, events):
            return path
    if existing:
        return existing[0][0]
    return next((path for path in candidates if path.exists()), candidates[0])


def _serves(boxes: list[Bbox], events: Sequence[EventFeature] | Bbox) -> bool:
    if isinstance(events, tuple):  # a box: the events' bounds, from an older caller
        return covers_box(boxes, events)
    return serves(boxes, events)


def region_shapes(path: Path = BASEMAP) -> dict[str, Any]:
    """Province and country outlines of the offline basemap, by name key."""
    shapes: dict[str, Any] = {}
    try:
        basemap = load_basemap(path)
    except FileNotFoundError:
        return shapes
    for feature in basemap.get("features", []):
        props = feature.get("properties", {})
        if props.get("kind") in {"province", "country"} and props.get("name"):
            for name in [props["name"], *props.get("aliases", [])]:
                shapes.setdefault(name_key(name), feature["geometry"])
    return shapes


# ---------------------------------------------------------------------------------------
# Drawing

PALETTES: dict[str, dict[str, Any]] = {
    "light": {
        "sea": "#cfe3ef",
        "land": "#f2efe9",
        "border": "#9a948a",
        "province": "#b9b2a6",
        "river": "#7fb2d6",
        "label": "#3d3a35",
        "event_label": "#141414",
        "halo": "#ffffff",
        "dot": "#5b5750",
        # Label sizes in px at --cm-scale 1 (geo.map.layers.PageStyle multiplies them).
        "font_px": 12,
        "capital_px": 13,
        "event_px": 13,
        "border_weight": 1.0,
        "province_weight": 0.6,
        "river_weight": 1.4,
    },
    "dark": {
        "sea": "#05080c",
        "land": "#1f2226",
        "border": "#8c9198",
        "province": "#4d535b",
        "river": "#3d7fb8",
        "label": "#f2f2f2",
        "event_label": "#ffffff",
        "halo": "#000000",
        "dot": "#e8e8e8",
        # x 1.6 and up on the briefing screen: 19 px town labels on a 1920x1080 screen.
        "font_px": 12,
        "capital_px": 13.5,
        "event_px": 14,
        "border_weight": 1.6,
        "province_weight": 1.0,
        "river_weight": 2.0,
    },
}


class BasemapStyle(JSCSSMixin, MacroElement):
    """The map's background (the sea, geo/map/static/basemap.css) and the place labels'
    colours and sizes (labels.css): the palette as custom properties in the page header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>:root {
        {%- for key, value in this.p.items() %} --cm-{{ key | replace("_", "-") }}: {{ value }};
        {%- endfor %} }</style>
        {% endmacro %}
        """
    )
    default_css = static_links("basemap.css")

    def __init__(self, palette: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BasemapStyle"
        self.p = palette


class BasemapLayer(JSCSSMixin, MacroElement):
    """Countries, provinces (name as tooltip), rivers, lakes and city labels, drawn in the
    page (window.cmBasemap, geo/map/static/basemap.js) from the basemap data: inlined (the
    export), or fetched once from the app's own static files (`url`), so that a Streamlit
    rerun never re-renders or re-sends them. The cities go to the label layout
    (window.cmLabels, geo/map/static/labels.js), which labels those that fit without overlap.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmBasemap({{ this._parent.get_name() }}, {{ this.p | tojson }},
                         {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("escape.js", "layers.js", "labels.js", "basemap.js")

    def __init__(
        self, palette: dict[str, Any], data: dict[str, Any] | None = None, url: str | None = None
    ) -> None:
        super().__init__()
        self._name = "BasemapLayer"
        self.p = palette
        self.data = data
        self.url = url
        self.source = {"url": url} if url else {"data": data}


def add_basemap(
    m: folium.Map,
    style: str = "light",
    path: Path = BASEMAP,
    basemap: dict[str, Any] | None = None,
    url: str | None = None,
) -> None:
    """Add countries, provinces, rivers and city labels to a map.

    style: "light" (desk) or "dark" (briefing screen: dark, high contrast, larger labels).
    url: where the page fetches the basemap data (the app's static files); without it the
    data is inlined (the export).
    """
    if style not in PALETTES:
        raise ValueError(f"style must be one of {sorted(PALETTES)}, not {style!r}")
    p = PALETTES[style]
    BasemapStyle(p).add_to(m)
    data = None if url else (basemap if basemap is not None else load_basemap(path))
    BasemapLayer(p, data=data, url=url).add_to(m)
