"""Where the map is: the box around a corpus's events, the basemap region that holds them, and
the optional user setting that fixes the region instead.

Nothing here knows a campaign. The basemap covers the events' bounding box, padded and at
least MIN_SIZE large (so one event still shows its neighbours); the map opens framing the
events. A data folder's `view.toml` (git-ignored; `bbox = [min_lon, min_lat, max_lon,
max_lat]`) fixes the basemap region, for a map that should show more than the events.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo.corpus.records import EventFeature
from geo.map.filters import BUSY_MIN_EVENTS, densest

Bbox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat, degrees
VIEW_CONFIG = "view.toml"  # in a data folder, beside events.geojson
# Leaflet's Web Mercator ends at about 85 degrees; a box beyond it is never drawn.
WORLD: Bbox = (-180.0, -85.0, 180.0, 85.0)
MIN_SIZE = (20.0, 14.0)  # degrees of longitude, latitude: a country and its neighbours
PAD_SHARE = 0.25  # of the events' extent, on each side
PAD_MIN = 2.0  # degrees on each side: an event at the edge keeps its surroundings
# A basemap up to this many times the area the events need is kept; a larger one is rebuilt
# for the events, at finer detail (a world map left over from another corpus, say).
OVERSIZE = 4.0


def event_bounds(features: Iterable[EventFeature]) -> Bbox | None:
    """The smallest box holding every event's point; None without events."""
    return event_bounds_of(_points(features))


def _points(features: Iterable[EventFeature]) -> list[tuple[float, float]]:
    return [
        (float(f["geometry"]["coordinates"][0]), float(f["geometry"]["coordinates"][1]))
        for f in features
    ]


def focus_bounds(features: Iterable[EventFeature]) -> Bbox | None:
    """The box the map opens on: where the reporting is. As the time slider opens on the
    busy period, a few events far from the rest (a statement in Washington about a war in
    Mali) do not zoom the view out to half the world; they are on the map and the basemap,
    a zoom out away. With few events, all of them."""
    points = _points(features)
    if len(points) < BUSY_MIN_EVENTS:
        return event_bounds_of(points)
    (min_lon, max_lon), (min_lat, max_lat) = (
        densest(p[0] for p in points),
        densest(p[1] for p in points),
    )
    return min_lon, min_lat, max_lon, max_lat


def event_bounds_of(points: list[tuple[float, float]]) -> Bbox | None:
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def near_boxes(features: Iterable[EventFeature]) -> list[Bbox]:
    """A MIN_SIZE box around each event (whole degrees, so nearby events share one): where
    the basemap draws provinces. Provinces are most of a basemap's bytes, and a box from
    Washington to Bamako needs them around the events, not across the Atlantic's shores."""
    return sorted({region_for((lon, lat, lon, lat)) for lon, lat in _points(features)})


def near_enough(boxes: Iterable[Bbox], features: Iterable[EventFeature]) -> bool:
    """Whether every event is inside one of `boxes` (a basemap's province boxes), PAD_MIN
    from its edge: else the basemap lacks the provinces around it."""
    inner = [(b[0] + PAD_MIN, b[1] + PAD_MIN, b[2] - PAD_MIN, b[3] - PAD_MIN) for b in boxes]
    return all(
        any(contains(b, (lon, lat, lon, lat)) for b in inner) for lon, lat in _points(features)
    )


def _span(
    low: float, high: float, pad: float, size: float, limit: tuple[float, float]
) -> tuple[float, float]:
    """One axis: padded, widened about its centre to `size`, snapped outwards to whole
    degrees (the same events give the same box) and shifted back inside `limit`."""
    low, high = low - pad, high + pad
    if high - low < size:
        middle = (low + high) / 2
        low, high = middle - size / 2, middle + size / 2
    low, high = math.floor(low), math.ceil(high)
    if high - low >= limit[1] - limit[0]:
        return limit
    shift = max(0.0, limit[0] - low) - max(0.0, high - limit[1])
    return low + shift, high + shift


def region_for(bounds: Bbox) -> Bbox:
    """The basemap region for events within `bounds`: padded, at least MIN_SIZE, at most
    the world."""
    min_lon, min_lat, max_lon, max_lat = bounds
    lon_pad = max(PAD_MIN, PAD_SHARE * (max_lon - min_lon))
    lat_pad = max(PAD_MIN, PAD_SHARE * (max_lat - min_lat))
    lon = _span(min_lon, max_lon, lon_pad, MIN_SIZE[0], (WORLD[0], WORLD[2]))
    lat = _span(min_lat, max_lat, lat_pad, MIN_SIZE[1], (WORLD[1], WORLD[3]))
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


def contains(outer: Bbox, inner: Bbox) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def area(box: Bbox) -> float:
    """In square degrees: enough to compare boxes."""
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def fits(region: Bbox, bounds: Bbox) -> bool:
    """Whether a basemap of `region` serves events within `bounds`: it holds them, and is
    not so much larger than they need that it was built at a coarser level of detail."""
    return contains(region, bounds) and area(region) <= OVERSIZE * area(region_for(bounds))


def check_bbox(value: Any, where: str) -> Bbox:
    """A bbox from user input, or ValueError saying what is wrong with it."""
    try:
        box = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        box = ()
    if len(box) != 4:
        raise ValueError(f"{where}: bbox must be [min_lon, min_lat, max_lon, max_lat]")
    min_lon, min_lat, max_lon, max_lat = box
    if not (WORLD[0] <= min_lon < max_lon <= WORLD[2] and -90 <= min_lat < max_lat <= 90):
        raise ValueError(
            f"{where}: bbox {list(box)} is not [min_lon, min_lat, max_lon, "
            "max_lat] within -180..180 and -90..90"
        )
    return min_lon, max(min_lat, WORLD[1]), max_lon, min(max_lat, WORLD[3])


def configured_region(data: Path) -> Bbox | None:
    """The region fixed in `data`/view.toml, if the user wrote one (ValueError if unusable)."""
    path = Path(data) / VIEW_CONFIG
    if not path.is_file():
        return None
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    return check_bbox(config["bbox"], str(path)) if "bbox" in config else None
