"""The event record as everything downstream reads it: the properties of one feature of
`events.geojson`, typed. The map, the app, the tables (CSV) and the export all read this
record; `geo.corpus.build.event_properties` writes it.

Lists are JSON arrays (GeoJSON properties may hold them; GDAL and QGIS read them as
string lists); only the CSV joins them with "; ".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

# The kinds of values are the pipeline's: what it writes is what the map reads. Only for
# the type checker, so that reading a map's events never loads the pipeline (dateparser).
if TYPE_CHECKING:
    from geo.pipeline.actions import EventType
    from geo.pipeline.dates import Granularity, PublishedBasis
    from geo.pipeline.events import MarkKind, TimeBasis
    from geo.pipeline.places.gazetteer import Level
    from geo.pipeline.precision import Precision


class Mark(TypedDict):
    """A highlighted span of the snippet: offsets into the snippet."""

    start: int
    end: int
    kind: MarkKind


class EventProperties(TypedDict):
    """One event: where, when, what, and the article sentence it comes from."""

    id: str  # "<article id>:<sentence offset>", or "<article id>:<n>:<offset>" for more
    place: str  # the name readers know: the articles' spelling, one per place in a build
    gazetteer_name: str  # the gazetteer's name (a derived point: its text): region outlines
    level: Level
    geonameid: int | None
    country: str  # ISO 3166-1 alpha-2, "" when unknown
    place_confidence: float  # 0..1, how sure the resolution is
    uncertainty_km: float | None  # radius around the point (facilities, derived points)
    geo_precision: Precision  # 1 the town, 2 near it / derived / facility, 3 province or larger
    date_start: str | None  # ISO date; None when the event could not be dated
    date_end: str | None
    granularity: Granularity | Literal[""]  # "" when undated
    time_basis: TimeBasis
    time_precision: Precision | None  # 1 the day, 2 a few days or a week, 3 longer; None undated
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
    # The analysts' word (geo.corpus.corrections): "unverified", "verified" or "rejected",
    # and when it was given (None: never judged); what a correction changed, by field:
    # {"place": {"was": ..., "now": ..., "entry": id}}; a merge or split of its incident:
    # {"kind": "merge" | "split", "with": an event or incident id | None, "entry": id} or None
    verification: str
    verified_at: str | None
    corrected: dict[str, dict[str, Any]]
    incident_link: dict[str, Any] | None
    # Events with one id report one happening (geo.corpus.incidents): same place, time, kind.
    incident_id: str
    incident_verification: str  # the latest verdict among its reports ("unverified": none)
    incident_reports: int  # events of its incident (1: reported once)
    incident_sources: int  # distinct sources among them
    disagreement: bool  # its reports differ on figures, dates or actors


class EventFeature(TypedDict):
    type: Literal["Feature"]
    geometry: dict[str, Any]  # an RFC 7946 Point: {"type": "Point", "coordinates": [lon, lat]}
    properties: EventProperties
    n: NotRequired[int]  # its number once loaded (geo.map.filters.load_events): the map's key
