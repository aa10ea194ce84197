"""Where the map is: the box around a corpus's events, the basemap's detail areas around
them, and the optional user setting that fixes the detail area instead.

Nothing here knows a campaign. Every basemap holds the whole world at low detail; it is
drawn in full (provinces, rivers, towns) in its detail areas: the grid cells (DETAIL_CELL
degrees, so that similar corpora get the same cells and share a basemap) within
DETAIL_REACH_KM of a located event, merged into boxes. A data folder's `view.toml`
(git-ignored; `bbox = [min_lon, min_lat, max_lon, max_lat]`) fixes the detail area instead,
for a map that should show more than the events. The map opens framing the events.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import shapely

from geo.corpus.records import EventFeature
from geo.map.framing import is_country_level

Bbox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat, degrees
VIEW_CONFIG = "view.toml"  # in a data folder, beside events.geojson
# Leaflet's Web Mercator ends at about 85 degrees; a box beyond it is never drawn.
WORLD: Bbox = (-180.0, -85.0, 180.0, 85.0)
DETAIL_CELL = 2  # degrees: the grid of detail areas
# Around each located event, drawn in full: what a screen shows around it at the zooms the
# map opens on (a few hundred km across), with its neighbours a zoom out away.
DETAIL_REACH_KM = 600.0
# An event this close to the edge of a basemap's detail area asks for a new basemap: its
# surroundings on one side would be drawn at low detail.
DETAIL_MARGIN_KM = 300.0
KM_PER_DEGREE = 111.32  # of latitude, and of longitude at the equator
# A basemap whose detail area is up to this many times what the events need is kept; a
# larger one is rebuilt for the events, at finer detail (one left over from a world-wide
# corpus, say).
OVERSIZE = 4.0


def event_bounds(features: Iterable[EventFeature]) -> Bbox | None:
    """The smallest box holding every event's point; None without events."""
    return event_bounds_of(_points(features))


def _points(features: Iterable[EventFeature]) -> list[tuple[float, float]]:
    return [
        (float(f["geometry"]["coordinates"][0]), float(f["geometry"]["coordinates"][1]))
        for f in features
    ]


def event_bounds_of(points: list[tuple[float, float]]) -> Bbox | None:
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def located_points(features: Iterable[EventFeature]) -> list[tuple[float, float]]:
    """The points of the events that have a place (country-level events' points are a
    country's middle, where nothing happened); all points when no event has a place."""
    features = list(features)
    located = [f for f in features if not is_country_level(f)]
    return _points(located or features)


def _reach(lat: float, km: float) -> tuple[float, float]:
    """`km` in degrees of longitude and latitude at `lat` (the longitude reach is capped
    near the poles, where a degree of longitude shrinks to nothing)."""
    cos = max(math.cos(math.radians(lat)), 0.1)
    return min(km / (KM_PER_DEGREE * cos), 180.0), km / KM_PER_DEGREE


def _cells(points: Iterable[tuple[float, float]]) -> set[tuple[int, int]]:
    """The grid cells (column, row of DETAIL_CELL degrees) within DETAIL_REACH_KM of a
    point, longitude wrapping at the date line, latitude within the map."""
    columns = round(360 / DETAIL_CELL)
    low_row, high_row = math.floor(WORLD[1] / DETAIL_CELL), math.ceil(WORLD[3] / DETAIL_CELL)
    cells = set()
    for lon, lat in points:
        dlon, dlat = _reach(lat, DETAIL_REACH_KM)
        first = math.floor((lon - dlon + 180) / DETAIL_CELL)
        last = math.floor((lon + dlon + 180) / DETAIL_CELL)
        if last - first + 1 >= columns:
            first, last = 0, columns - 1
        rows = range(
            max(low_row, math.floor((lat - dlat) / DETAIL_CELL)),
            min(high_row, math.floor((lat + dlat) / DETAIL_CELL) + 1),
        )
        cells |= {(column % columns, row) for column in range(first, last + 1) for row in rows}
    return cells


def _cell_boxes(cells: set[tuple[int, int]]) -> list[Bbox]:
    """Cells merged into few boxes: runs along each row, then equal runs of adjacent rows."""
    runs: dict[tuple[int, int], list[int]] = {}  # (first column, last column) -> rows
    for row in sorted({r for _, r in cells}):
        columns = sorted(c for c, r in cells if r == row)
        start = columns[0]
        for i, column in enumerate(columns):
            if i + 1 == len(columns) or columns[i + 1] != column + 1:
                runs.setdefault((start, column), []).append(row)
                start = columns[i + 1] if i + 1 < len(columns) else start
    boxes = []
    for (first, last), rows in runs.items():
        top = rows[0]
        for i, row in enumerate(rows):
            if i + 1 == len(rows) or rows[i + 1] != row + 1:
                boxes.append(
                    (
                        float(first * DETAIL_CELL - 180),
                        float(max(top * DETAIL_CELL, WORLD[1])),
                        float((last + 1) * DETAIL_CELL - 180),
                        float(min((row + 1) * DETAIL_CELL, WORLD[3])),
                    )
                )
                top = rows[i + 1] if i + 1 < len(rows) else top
    return sorted(boxes)


def detail_boxes(features: Iterable[EventFeature]) -> list[Bbox]:
    """Where a basemap for these events is drawn in full: whole-cell boxes around every
    located event (see the module's docstring); none without events."""
    return _cell_boxes(_cells(located_points(features)))


def detail_area(boxes: Sequence[Bbox]) -> float:
    """The area of the union of `boxes`, in square degrees (enough to compare areas)."""
    return float(shapely.union_all([shapely.box(*b) for b in boxes]).area) if boxes else 0.0


def covers(boxes: Sequence[Bbox], features: Iterable[EventFeature]) -> bool:
    """Whether every located event is inside the union of `boxes` (a basemap's detail
    area), DETAIL_MARGIN_KM from its edge (less where the edge is the map's own)."""
    union = shapely.union_all([shapely.box(*b) for b in boxes])
    for lon, lat in located_points(features):
        dlon, dlat = _reach(lat, DETAIL_MARGIN_KM)
        around = shapely.box(
            max(lon - dlon, WORLD[0]),
            max(lat - dlat, WORLD[1]),
            min(lon + dlon, WORLD[2]),
            min(lat + dlat, WORLD[3]),
        )
        if not union.covers(around):
            return False
    return True


def covers_box(boxes: Sequence[Bbox], box: Bbox) -> bool:
    """Whether `box` is inside the union of `boxes` (a basemap's detail area)."""
    union = shapely.union_all([shapely.box(*b) for b in boxes])
    return bool(union.covers(shapely.box(*box)))


def serves(boxes: Sequence[Bbox] | None, features: Sequence[EventFeature]) -> bool:
    """Whether a basemap with detail areas `boxes` serves these events: its detail area
    covers them (`covers`) and is not so much larger than they need that it was built at
    a coarser level of detail. A basemap without detail areas (an old file) serves none."""
    if not boxes:
        return False
    needed = detail_area(detail_boxes(features))
    return covers(boxes, features) and detail_area(boxes) <= OVERSIZE * max(needed, 1.0)


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
