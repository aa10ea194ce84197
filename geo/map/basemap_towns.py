"""The basemap's place labels: which cities and towns it names, and in which order of
importance. Build-time code for `geo.map.basemap_build`.

Inside the detail areas every town of TOWN_POPULATION people or more (or of unknown size)
is a candidate, so that the map is not empty at town scale; elsewhere only national
capitals and cities of BIG_CITY_POPULATION or more. Each label has a `rank` (0 first):
capitals, then by population. The browser shows labels by rank and hides those that would
overlap at the current zoom, so the file may hold labels close together; it drops only the
near-duplicates (a city's own districts: places closer than their built-up radius) and,
where towns are dense, all but the first MAX_PER_CELL of a grid cell (fewer when the
detail area is large, so that a world-wide corpus still gives a file that draws fast).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import shapely

from geo.map.bounds import DETAIL_CELL, KM_PER_DEGREE, WORLD, Bbox
from geo.map.shapes import basemap_feature
from geo.pipeline.places.gazetteer import Gazetteer, Place
from geo.pipeline.places.names import ascii_name

TOWN_POPULATION = 3_000  # inside the detail areas
BIG_CITY_POPULATION = 2_000_000  # outside them (and national capitals)
# A city's built-up radius from its people at a dense city's 10,000 a square km: 15 km for
# 7 million, 1.8 km for 100,000. A place within it is the city's district (Brooklyn in New
# York); the cap keeps a neighbouring city (Newark beside New York) a place of its own.
PEOPLE_PER_KM2 = 10_000
MIN_SPACING_KM = 2.0  # two villages closer than this are one place on any map
MAX_SPACING_KM = 15.0
COMPARABLE = 2  # a district's better-known city with at least half its people replaces it
MAX_PER_CELL = 40  # labels of one DETAIL_CELL square, most important first
MIN_PER_CELL = 4
MAX_LABELS = 6_000  # a detail area with more occupied cells gets fewer labels per cell
PRE_THIN = 3  # times a cell's cap: the candidates of a cell that districts are dropped from


def importance(place: Place) -> tuple[Any, ...]:
    """Sort key, most important first: national capitals, then population; then a fixed
    order (name, position, id) so that the same gazetteer gives the same ranks."""
    return (not place.capital, -place.population, place.name, place.lat, place.lon, place.id)


def built_up_km(population: int) -> float:
    """The radius of a place's built-up area, roughly: its districts are inside it."""
    radius = math.sqrt(max(population, 0) / PEOPLE_PER_KM2 / math.pi)
    return min(max(radius, MIN_SPACING_KM), MAX_SPACING_KM)


class _Kept:
    """The places kept so far, bucketed by grid square for the distance test."""

    SQUARE = 0.25  # degrees

    def __init__(self) -> None:
        # square -> each kept place in it, with its built-up radius
        self.squares: dict[tuple[int, int], list[tuple[Place, float]]] = {}

    def _square(self, place: Place) -> tuple[int, int]:
        return math.floor(place.lat / self.SQUARE), math.floor(place.lon / self.SQUARE)

    def same_place(self, place: Place) -> Place | None:
        """A kept place that `place` is one with (closer than the larger of their built-up
        radii), if any. Distances are local (equirectangular): at most MAX_SPACING_KM."""
        row, column = self._square(place)
        cos = max(math.cos(math.radians(place.lat)), 0.05)
        rows = math.ceil(MAX_SPACING_KM / KM_PER_DEGREE / self.SQUARE)
        columns = min(math.ceil(MAX_SPACING_KM / (KM_PER_DEGREE * cos) / self.SQUARE), 720)
        own = built_up_km(place.population)
        for r in range(row - rows, row + rows + 1):
            for c in range(column - columns, column + columns + 1):
                for other, radius in self.squares.get((r, c), ()):
                    dy = (place.lat - other.lat) * KM_PER_DEGREE
                    dx = (place.lon - other.lon) * KM_PER_DEGREE * cos
                    if math.hypot(dx, dy) < max(own, radius):
                        return other
        return None

    def add(self, place: Place) -> None:
        entry = (place, built_up_km(place.population))
        self.squares.setdefault(self._square(place), []).append(entry)

    def remove(self, place: Place) -> None:
        square = self.squares[self._square(place)]
        square[:] = [entry for entry in square if entry[0] is not place]

    def places(self) -> list[Place]:
        return sorted((p for square in self.squares.values() for p, _ in square), key=importance)


def _may_replace(place: Place, other: Place) -> bool:
    """Whether `place` may stand for a more important `other` it is one with when it is
    better known: `other` is no capital and has at most COMPARABLE times its people."""
    return not other.capital and place.population * COMPARABLE >= other.population


def _dedupe(ordered: list[Place], known: dict[int, int]) -> tuple[list[Place], list[Place]]:
    """The places kept, and those that were one with a kept place it may stand for."""
    kept, clashes = _Kept(), []
    for place in ordered:
        other = kept.same_place(place)
        if other is None:
            kept.add(place)
        elif _may_replace(place, other):
            if known.get(place.id, 0) > known.get(other.id, 0):
                kept.remove(other)
                kept.add(place)
            else:
                clashes += [place, other]
    return kept.places(), clashes


def _without_districts(places: list[Place], gazetteer: Gazetteer) -> list[Place]:
    """`places` less the districts of a city. Of two places that are one
    (`_Kept.same_place`), the more important stays, unless the other is better known (more
    names: a city has many, its districts few) and of a comparable size: GeoNames may count
    more people in a city's new town (one name) than in the city (dozens). The names are counted
    only for such pairs (a second pass): counting them is a scan of the gazetteer's names."""
    ordered = sorted(places, key=importance)
    kept, clashes = _dedupe(ordered, {})
    if not clashes:
        return kept
    return _dedupe(ordered, gazetteer.name_counts(sorted({p.id for p in clashes})))[0]


def _cell(place: Place) -> tuple[int, int]:
    return math.floor(place.lon / DETAIL_CELL), math.floor(place.lat / DETAIL_CELL)


def _thinned(places: list[Place], occupied: int, share: int = 1) -> list[Place]:
    """At most `share` times a cap of labels per grid cell, most important first (`places`
    is sorted); the cap shrinks when many cells (`occupied`) hold towns."""
    cap = share * min(MAX_PER_CELL, max(MIN_PER_CELL, MAX_LABELS // max(occupied, 1)))
    seen: Counter[tuple[int, int]] = Counter()
    found = []
    for place in places:
        seen[_cell(place)] += 1
        if seen[_cell(place)] <= cap:
            found.append(place)
    return found


def town_features(detail: Sequence[Bbox], gazetteer: Gazetteer) -> list[dict[str, Any]]:
    """The label features: towns in the detail boxes, big cities and capitals everywhere,
    ranked (0 first) and without near-duplicates."""
    towns: dict[int, Place] = {}
    for box in detail:
        for place in gazetteer.places_in_box(box, ("city", "village")):
            # population 0 is unknown, not none: a district seat, a curated town
            if place.population >= TOWN_POPULATION or not place.population or place.capital:
                towns[place.id] = place
    occupied = len({_cell(p) for p in towns.values()})
    for place in gazetteer.places_in_box(WORLD, ("city",), BIG_CITY_POPULATION, capitals=True):
        towns.setdefault(place.id, place)
    # Districts are dropped from the most important few of each cell only (enough to fill
    # the cell's quota): a dense country has tens of thousands of villages.
    most = _thinned(sorted(towns.values(), key=importance), occupied, PRE_THIN)
    chosen = _thinned(_without_districts(most, gazetteer), occupied)
    return [
        basemap_feature(
            "city",
            shapely.Point(round(p.lon, 4), round(p.lat, 4)),
            name=ascii_name(p.name) or p.name,
            population=int(p.population),
            capital=bool(p.capital),
            iso2=p.country,
            rank=rank,
        )
        for rank, p in enumerate(chosen)
    ]
