"""Optional tile layers under the events: off by default, switched on by the user.

The map is drawn from the offline basemap (geo.map.basemap) and needs no network. Where there is
one, the analyst can switch on OpenStreetMap, or CARTO's dark style for the briefing screen;
a building with its own tile server (a disconnected briefing room, a mirror) sets
`CAMPAIGN_MAP_TILE_URL` (e.g. `http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png`, optional
`CAMPAIGN_MAP_TILE_ATTRIBUTION`) and gets a "Local tile server" choice. Nothing is asked of
any tile server unless one of them is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from geo.map.escape import escape_text

OFFLINE = "offline"
URL_ENV = "CAMPAIGN_MAP_TILE_URL"
ATTRIBUTION_ENV = "CAMPAIGN_MAP_TILE_ATTRIBUTION"


class TileConfigError(ValueError):
    """The configured tile server URL cannot be used."""


@dataclass(frozen=True)
class TileSource:
    key: str
    label: str
    url: str  # Leaflet's template: {z}/{x}/{y}, optional {s} and {r}
    attribution: str
    max_zoom: int = 18


# Public services: their usage policies ask for an attribution and light use (one analyst,
# not a fleet of screens); a briefing room with many screens should run its own server.
PRESETS: dict[str, TileSource] = {
    "osm": TileSource(
        "osm",
        "OpenStreetMap (online)",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        19,
    ),
    "dark": TileSource(
        "dark",
        "Dark, CARTO (online)",
        "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
        'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>',
        20,
    ),
}


def local_source(env: Mapping[str, str] = os.environ) -> TileSource | None:
    """The user's own tile server, if `CAMPAIGN_MAP_TILE_URL` names one."""
    url = env.get(URL_ENV, "").strip()
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise TileConfigError(f"{URL_ENV}={url!r}: not an http(s) URL")
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
    if missing:
        raise TileConfigError(
            f"{URL_ENV}={url!r}: the URL needs {', '.join(missing)} "
            "(e.g. http://host:8080/{z}/{x}/{y}.png)"
        )
    attribution = env.get(ATTRIBUTION_ENV, "").strip() or f"Tiles: {escape_text(parsed.netloc)}"
    return TileSource("local", "Local tile server", url, attribution)


def tile_sources(env: Mapping[str, str] = os.environ) -> dict[str, TileSource]:
    """Every tile layer the user can switch on here (the offline map is not among them)."""
    sources = dict(PRESETS)
    local = local_source(env)
    if local:
        sources[local.key] = local
    return sources
