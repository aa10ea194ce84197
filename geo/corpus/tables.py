"""Filtered events as tables: the app's table, its order and the events-over-time chart.

The files (GeoJSON, CSV and the GIS formats) are written by `geo.corpus.io`; `to_csv`,
`to_geojson` and the GeoJSON helpers are its functions under their former names here.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from geo.corpus.io.csvfile import csv_bytes as to_csv
from geo.corpus.io.geojson import dumps_geojson, json_safe, point_geometry
from geo.corpus.io.geojson import geojson_bytes as to_geojson
from geo.corpus.records import EventFeature

__all__ = [
    "COLUMNS",
    "by_date",
    "dumps_geojson",
    "json_safe",
    "monthly_counts",
    "point_geometry",
    "rows",
    "to_csv",
    "to_geojson",
]

# Columns of the app's table, in order (the CSV has every field: geo.corpus.io.csvfile).
COLUMNS = [
    "date_start",
    "date_end",
    "time_basis",
    "event_type",
    "place",
    "gazetteer_name",  # the gazetteer's spelling of the place ("place" is the readers')
    "level",
    "actors",
    "figures",
    "snippet",
    "article_title",
    "article_source",
    "published",
    "confidence",
    "id",
]


def _cell(value: Any) -> Any:
    """A table cell: lists (actors, figures) joined with "; ", as spreadsheets want them."""
    return "; ".join(map(str, value)) if isinstance(value, list | tuple) else value


def rows(features: Sequence[EventFeature]) -> list[dict[str, Any]]:
    out = []
    for feature in features:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        out.append({**{c: _cell(props.get(c)) for c in COLUMNS}, "lat": lat, "lon": lon})
    return out


def by_date(features: Iterable[EventFeature]) -> list[EventFeature]:
    """The events in date order: by start, then end (undated last), then id, so that equal
    dates keep one order from run to run."""
    return sorted(
        features,
        key=lambda f: (
            not f["properties"]["date_start"],
            f["properties"]["date_start"] or "",
            f["properties"]["date_end"] or "",
            f["properties"]["id"],
        ),
    )


def _month(day: str) -> tuple[int, int]:
    return int(day[:4]), int(day[5:7])


def monthly_counts(
    features: Iterable[EventFeature],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[tuple[str, str, int]]:
    """(first day of the month, event type, events) for the events-over-time chart.

    An event counts in every month its interval overlaps ("from March to May" is in three
    bars), clipped to the window `start`..`end`: a window in March 2015 shows no bar in 2014
    for an event that began then, and a year-long event adds one to each month of the
    window, not twelve bars outside it.
    """
    low = _month(start.isoformat()) if start else None
    high = _month(end.isoformat()) if end else None
    counts: Counter[tuple[tuple[int, int], str]] = Counter()
    for f in features:
        p = f["properties"]
        if not (first := p["date_start"]):
            continue
        month, last = _month(first), _month(p["date_end"] or first)
        if low and month < low:
            month = low
        if high and last > high:
            last = high
        while month <= last:
            counts[month, p["event_type"]] += 1
            year, m = month
            month = (year + m // 12, m % 12 + 1)
    return [(f"{y:04d}-{m:02d}-01", kind, n) for ((y, m), kind), n in sorted(counts.items())]
