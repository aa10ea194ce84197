"""Relative locations: places the gazetteer lacks, placed from what the text says about them.

"the village of Orlan, located 12 kilometres (7 miles) east of Kandor" puts Orlan
12 km east of a place we can resolve; "a village between X and Y" puts it midway. The point
is computed with geopy's geodesic functions and carries an uncertainty radius, because
"10 km south" is never exactly 10 km due south.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geopy.distance import geodesic

BEARINGS = {
    "north": 0.0,
    "northeast": 45.0,
    "east": 90.0,
    "southeast": 135.0,
    "south": 180.0,
    "southwest": 225.0,
    "west": 270.0,
    "northwest": 315.0,
}
UNITS_KM = {"km": 1.0, "kilometre": 1.0, "kilometer": 1.0, "mile": 1.609344, "mi": 1.609344}

_NUMBER = r"(?P<num>\d+(?:[.,]\d+)?)"
_UNIT = r"(?P<unit>kilomet(?:re|er)s?|km|miles?|mi)\b\.?"
_DIRECTION = r"(?P<dir>(?:north|south)?[- ]?(?:east|west)|north|south)(?:ern)?"
_LEAD = (
    r"[,\s]*(?:(?:which\s+is|that\s+is|located|situated|lying|lies|some|about|around"
    r"|roughly|approximately|nearly|just|only)\s+)*"
)
# Offsets from the end of the unknown name to the start of the anchor name.
DISTANCE_PHRASE = re.compile(
    _LEAD
    + _NUMBER
    + r"\s*-?\s*"
    + _UNIT
    + r"(?:\s*\([^)]{0,40}\))?\s+"
    + _DIRECTION
    + r"\s+of\s+(?:the\s+)?",
    re.IGNORECASE,
)
BETWEEN_PHRASE = re.compile(
    _LEAD + r"(?:midway\s+|halfway\s+)?between\s+(?:the\s+)?", re.IGNORECASE
)


@dataclass(frozen=True)
class DerivedPoint:
    lat: float
    lon: float
    uncertainty_km: float
    phrase: str  # the text the point was derived from
    anchors: tuple[str, ...]  # names of the places it was derived from
    country: str = ""  # the anchors' country when they share one (a map groups by it)


@dataclass(frozen=True)
class Anchor:
    """A resolved place mention the derivation may start from."""

    start: int
    end: int
    name: str
    lat: float
    lon: float
    country: str = ""


def _bearing(direction: str) -> float:
    return BEARINGS[re.sub(r"[- ]", "", direction.lower())]


def derive_point(
    text: str, name_end: int, anchors: Sequence[Anchor] | Mapping[int, Anchor]
) -> DerivedPoint | None:
    """A point for the unknown place whose name ends at `name_end`, or None.

    `anchors` are the resolved mentions of the same text, or those by their start offset
    (made once for a text of many unknown names); the phrase must lead from the unknown
    name straight to one (or two, for "between") of them.
    """
    by_start = anchors if isinstance(anchors, Mapping) else {a.start: a for a in anchors}
    window = text[name_end : name_end + 160]
    match = DISTANCE_PHRASE.match(window)
    if match:
        anchor = by_start.get(name_end + match.end())
        if anchor is not None:
            distance = float(match["num"].replace(",", ".")) * UNITS_KM[_unit_key(match["unit"])]
            dest = geodesic(kilometers=distance).destination(
                (anchor.lat, anchor.lon), _bearing(match["dir"])
            )
            phrase = text[name_end : anchor.end].strip(" ,")
            return DerivedPoint(
                lat=round(dest.latitude, 5),
                lon=round(dest.longitude, 5),
                uncertainty_km=round(max(2.0, 0.3 * distance), 1),
                phrase=phrase,
                anchors=(anchor.name,),
                country=anchor.country,
            )
    match = BETWEEN_PHRASE.match(window)
    if match:
        first = by_start.get(name_end + match.end())
        if first is not None:
            rest = re.match(r"\s+and\s+(?:the\s+)?", text[first.end : first.end + 12])
            second = by_start.get(first.end + rest.end()) if rest else None
            if second is not None:
                half = geodesic((first.lat, first.lon), (second.lat, second.lon)).km / 2
                return DerivedPoint(
                    lat=round((first.lat + second.lat) / 2, 5),
                    lon=round((first.lon + second.lon) / 2, 5),
                    uncertainty_km=round(max(2.0, half), 1),
                    phrase=text[name_end : second.end].strip(" ,"),
                    anchors=(first.name, second.name),
                    country=first.country if first.country == second.country else "",
                )
    return None


def _unit_key(unit: str) -> str:
    unit = unit.lower().rstrip(".")
    if unit.startswith("kilomet"):
        return "km"
    if unit.startswith("mile"):
        return "mile"
    return unit
