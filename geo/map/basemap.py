"""The offline basemap at run time: which file a map is drawn on, loading it, drawing it, and
its province and country outlines for region-level events.

The file (countries, provinces, rivers, lakes and city labels as one GeoJSON
FeatureCollection, with its `bbox`) is written by `geo.map.basemap_build` for the region
the events need (`geo.map.bounds`): `campaign-map build` writes one into its output folder
when no basemap there covers the events. So the map needs no tile server.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from geo.map.assets import static_links
from geo.map.bounds import Bbox, contains
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


def forget_loaded() -> None:
    """Drop the cached files (the builder has just replaced one)."""
    _load.cache_clear()


def basemap_bbox(path: Path = BASEMAP) -> Bbox | None:
    """The region a basemap file was built for; None when there is no (usable) file."""
    try:
        box = load_basemap(path).get("bbox")
    except (FileNotFoundError, ValueError):
        return None
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])) if box else None


def basemap_for(data: Path | None, bounds: Bbox | None) -> Path:
    """The basemap a map of `data`'s events (within `bounds`) is drawn on.

    The data folder's own basemap when it covers the events, else the project's
    (mapdata/, which a build of another folder leaves alone when it already covers that
    folder's events: see `geo.map.basemap_build.ensure_basemap`); failing both, whichever
    exists, so that a map is drawn even before the next build brings a better one.
    """
    candidates = list(dict.fromkeys([*([Path(data) / FILE_NAME] if data else []), BASEMAP]))
    existing = [(path, box) for path in candidates if (box := basemap_bbox(path)) is not None]
    for path, box in existing:
        if bounds is None or contains(box, bounds):
            return path
    return existing[0][0] if existing else candidates[0]


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
        "halo": "#ffffff",
        "dot": "#5b5750",
        "font_px": 12,
        "capital_px": 13,
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
        "halo": "#000000",
        "dot": "#e8e8e8",
        "font_px": 16,
        "capital_px": 18,
        "border_weight": 1.6,
        "province_weight": 1.0,
        "river_weight": 2.0,
    },
}


class BasemapStyle(JSCSSMixin, MacroElement):
    """The map's background (the sea) and the city label style: geo/map/static/basemap.css,
    with the palette's colours and sizes as custom properties in the page header."""

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
    rerun never re-renders or re-sends them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmBasemap({{ this._parent.get_name() }}, {{ this.p | tojson }},
                         {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("escape.js", "layers.js", "basemap.js")

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
