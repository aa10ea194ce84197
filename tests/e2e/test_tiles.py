"""Tile layers in the browser: none by default, a local tile server or an online service only
when the user switches it on."""

from __future__ import annotations

from .conftest import screenshot
from .test_app import MAP_FRAME, open_map


def tiles_loaded(frame, pg, at_least: int = 1, timeout_ms: int = 20_000) -> int:
    deadline = timeout_ms / 100
    for _ in range(int(deadline)):
        count = frame.locator("img.leaflet-tile").count()
        if count >= at_least:
            return count
        pg.wait_for_timeout(100)
    return frame.locator("img.leaflet-tile").count()


def test_default_map_asks_no_tile_server(page, app_url, tile_server) -> None:
    pg, log, _ = page
    asked = len(tile_server.paths)
    frame = open_map(pg, app_url)
    pg.wait_for_timeout(1500)
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
        arg=MAP_FRAME, timeout=30_000)
    assert not [e for e in errors if "dialog" in e]


def test_online_tiles_only_when_chosen(page, app_url) -> None:
    """?tiles=osm asks OpenStreetMap for tiles (the test aborts those requests: no network
    is used), with the attribution its licence requires."""
    pg, log, _ = page
    frame = open_map(pg, f"{app_url}/?tiles=osm")
    pg.wait_for_timeout(1500)
    remote = log.remote()
    assert remote and all(url.startswith("https://tile.openstreetmap.org/") for url in remote)
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()
    assert pg.locator(MAP_FRAME).count() == 1
