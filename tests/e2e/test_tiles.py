"""Tile layers in the browser: none by default, a local tile server or an online service only
when the user switches it on."""

from __future__ import annotations

import contextlib

from .conftest import frame_of, screenshot, wait_map_still
from .test_app import MAP_FRAME, open_map

# How many tile layers the map holds (the basemap is GeoJSON, not tiles).
TILE_LAYERS_JS = """() => {
    const map = window.campaignLayers.find(l => l.kind === "points").cluster._map;
    let layers = 0;
    map.eachLayer(l => { if (l instanceof L.TileLayer) { layers += 1; } });
    return layers;
}"""

# Every tile image has been asked for and has an answer (loaded, or failed: the page fixture
# aborts requests that would leave the machine).
TILES_DONE_JS = """() => {
    const tiles = [...document.querySelectorAll("img.leaflet-tile")];
    return tiles.length > 0 && tiles.every(img => img.complete);
}"""


def tiles_loaded(frame, pg, at_least: int = 1, timeout_ms: int = 20_000) -> int:
    with contextlib.suppress(Exception):  # playwright's TimeoutError: the caller's assert says
        frame.locator("img.leaflet-tile").nth(at_least - 1).wait_for(
            state="attached", timeout=timeout_ms
        )
    return frame.locator("img.leaflet-tile").count()


def test_default_map_asks_no_tile_server(page, app_url, tile_server) -> None:
    pg, log, _ = page
    asked = len(tile_server.paths)
    frame = open_map(pg, app_url)
    # The map drawn and still, with no tile layer on it: nothing there can ask for a tile.
    frame.locator("html[data-basemap]").wait_for(state="attached")
    wait_map_still(frame)
    assert frame_of(frame).evaluate(TILE_LAYERS_JS) == 0
    assert frame.locator("img.leaflet-tile").count() == 0
    assert len(tile_server.paths) == asked
    assert log.remote() == []


def test_local_tile_server_from_the_url_and_the_sidebar(page, app_url, tile_server) -> None:
    pg, log, errors = page
    asked = len(tile_server.paths)
    frame = open_map(pg, f"{app_url}/?tiles=local")
    assert tiles_loaded(frame, pg) > 0
    assert len(tile_server.paths) > asked
    assert all(p.startswith("/tiles/") and p.endswith(".png") for p in tile_server.paths)
    assert "Tiles: 127.0.0.1" in frame.locator(".leaflet-control-attribution").inner_text()
    assert frame.locator("html[data-visible-events]").count() == 1  # the events are there
    screenshot(pg, "app-local-tiles")
    assert log.remote() == [], log.remote()

    # Back to the offline map from the sidebar: the new map has no tiles.
    pg.locator(".st-key-tiles").click()
    pg.get_by_role("option", name="None (offline)").click()
    pg.wait_for_function(
        """(sel) => { const f = document.querySelector(sel);
                      const d = f && f.contentDocument;
                      return d && d.querySelector('html[data-visible-events]')
                             && !d.querySelector('img.leaflet-tile'); }""",
        arg=MAP_FRAME,
        timeout=30_000,
    )
    assert not [e for e in errors if "dialog" in e]


def test_online_tiles_only_when_chosen(page, app_url) -> None:
    """?tiles=osm asks OpenStreetMap for tiles (the test aborts those requests: no network
    is used), with the attribution its licence requires."""
    pg, log, _ = page
    frame = open_map(pg, f"{app_url}/?tiles=osm")
    # Each tile's request has been made (and aborted): the page fixture has recorded it.
    frame_of(frame).wait_for_function(TILES_DONE_JS, timeout=20_000)
    remote = log.remote()
    assert remote and all(url.startswith("https://tile.openstreetmap.org/") for url in remote)
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
    assert pg.locator(MAP_FRAME).count() == 1
