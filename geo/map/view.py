"""The map every view starts from (the app's and the export's): the offline basemap or a
chosen tile layer, the page's styles, and the initial view, which frames the events.

Add the layers (`geo.map.layers.event_layers`), then call `finish` once: that swaps every
library link for local files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import folium

from geo.map.basemap import BASEMAP, add_basemap, basemap_bbox, load_basemap
from geo.map.bounds import WORLD, Bbox
from geo.map.framing import fit
from geo.map.layers import PageStyle, Publish

if TYPE_CHECKING:
    from geo.map.assets import PublishAsset
    from geo.map.tiles import TileSource

MAX_ZOOM = 12  # the offline basemap's detail ends about here
MIN_ZOOM = 3


@dataclass
class MapOptions:
    style: str = "light"  # "light" (desk) or "dark" (briefing room)
    tiles: TileSource | None = None  # a tile layer the user switched on (geo.map.tiles)
    basemap: Path = BASEMAP  # the offline basemap's file (`geo.map.basemap.basemap_for`)
    bounds: Bbox | None = None  # what the initial view frames until the event layers set
    # theirs (geo.map.layers.event_layers: the bulk of the events); else the basemap's own


def initial_view(options: MapOptions) -> Bbox:
    """The box the map opens on: the events', else the basemap's, else the world."""
    return options.bounds or basemap_bbox(options.basemap) or WORLD


def base_map(options: MapOptions | None = None, publish: Publish | None = None) -> folium.Map:
    """The map every view starts from: offline basemap, styles, no tile server unless
    the user chose one (then its tiles replace the offline basemap); it opens framing
    `options.bounds`.

    Call `finish` once every layer is on it: that swaps every library link for local files.
    """
    options = options or MapOptions()
    tiles = options.tiles
    max_zoom = tiles.max_zoom if tiles else MAX_ZOOM
    min_lon, min_lat, max_lon, max_lat = initial_view(options)
    m = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=5,
        tiles=None,
        max_zoom=max_zoom,
        min_zoom=MIN_ZOOM,
        control_scale=True,
        prefer_canvas=False,
        # The briefing screen is watched, not handled: no zoom buttons over the map.
        zoom_control=options.style != "dark",
    )
    # folium hands max_zoom/min_zoom to its tile layer only; the map itself needs them here.
    m.options["max_zoom"] = max_zoom
    m.options["min_zoom"] = MIN_ZOOM
    if tiles:
        folium.TileLayer(
            tiles.url, attr=tiles.attribution, name=tiles.label, max_zoom=tiles.max_zoom
        ).add_to(m)
    elif publish:
        add_basemap(m, style=options.style, url=publish("basemap", load_basemap(options.basemap)))
    else:
        add_basemap(m, style=options.style, path=options.basemap)
    PageStyle(briefing=options.style == "dark").add_to(m)
    fit(m, (min_lon, min_lat, max_lon, max_lat))
    return m


def finish(m: folium.Map, publish_asset: PublishAsset | None = None) -> folium.Map:
    """Make the finished map self-contained: no CDN link survives (see geo.map.assets). With
    `publish_asset`, Leaflet's files are linked from where it put them, not inlined."""
    from geo.map.assets import make_offline

    return make_offline(m, publish=publish_asset)
