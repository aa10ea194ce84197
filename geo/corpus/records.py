"""The event record as everything downstream reads it: the properties of one feature of
`events.geojson`, typed. The map, the app, the tables (CSV) and the export all read this
record; `geo.corpus.build.event_properties` writes it.

Lists are JSON arrays (GeoJSON properties may hold them; GDAL and QGIS read them as
string lists); only the CSV joins them with "; ".
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

EventType = Literal[
    "capture",
    "airstrike",
    "offensive",
    "withdrawal",
    "civilian_harm",
    "meeting",
    "deployment",
    "plan",
    "statement",
    "other",
]
# How precise the place is: a region's outline, a town or smaller, a facility of a town, or
# a point derived from a relative phrase ("12 km east of X").
Level = Literal["continent", "country", "province", "city", "village", "facility", "derived"]
Granularity = Literal["day", "week", "month", "season", "year", ""]
# Where the date comes from: the text names it, the text dates it relative to publication,
# the publication date stands in, or there is no date at all.
TimeBasis = Literal["explicit", "relative", "publication", "unknown"]
PublishedBasis = Literal["metadata", "text", "inferred", "unknown"]


class Mark(TypedDict):
    """A highlighted span of the snippet: offsets into the snippet."""

    start: int
    end: int
    kind: Literal["place", "time"]


class EventProperties(TypedDict):
    """One event: where, when, what, and the article sentence it comes from."""

    id: str  # "<article id>:<sentence offset>", or "<article id>:<n>:<offset>" for more
    place: str  # the resolved place's name (GeoNames spelling)
    level: Level
    geonameid: int | None
    country: str  # ISO 3166-1 alpha-2, "" when unknown
    place_confidence: float  # 0..1, how sure the resolution is
    uncertainty_km: float | None  # radius around the point (facilities, derived points)
    date_start: str | None  # ISO date; None when the event could not be dated
    date_end: str | None
    granularity: Granularity
    time_basis: TimeBasis
    planned: bool  # a future interval the text announces
    event_type: EventType
    actors: list[str]
    figures: list[str]  # "30,000 troops"
    snippet: str  # the sentence
    marks: list[Mark]
    caption: bool  # the sentence is a photo caption
    confidence: float  # place confidence x time basis weight
    other_places: list[str]  # the sentence's other places, for search
    article_id: str
    article_title: str
    article_source: str | None
    article_url: str | None
    published: str | None  # ISO date
    published_basis: PublishedBasis


class EventFeature(TypedDict):
    type: Literal["Feature"]
    geometry: dict[str, Any]  # an RFC 7946 Point: {"type": "Point", "coordinates": [lon, lat]}
    properties: EventProperties
    n: NotRequired[int]  # its number once loaded (geo.map.filters.load_events): the map's key
