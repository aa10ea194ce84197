"""Filtered events as tables and files: the app's table, CSV and GeoJSON downloads."""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from geo.corpus.records import EventFeature

# Columns of the table and the CSV, in order; the CSV also carries lat/lon.
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


def _csv_safe(value: Any) -> Any:
    """Spreadsheets run cells that start with =, +, - or @ as formulas; article text is
    data, so such cells get a leading apostrophe (OWASP 'CSV injection')."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def to_csv(features: Sequence[EventFeature]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*COLUMNS, "lat", "lon"], lineterminator="\n")
    writer.writeheader()
    for row in rows(features):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def json_safe(value: Any) -> Any:
    """A value strict JSON (RFC 8259) and UTF-8 can hold: a NaN or infinite number becomes
    null, a lone surrogate in a string U+FFFD (as browsers do); lists and objects recursively.
    """
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def point_geometry(lon: Any, lat: Any) -> dict[str, Any]:
    """An RFC 7946 Point; ValueError for anything that is not a WGS 84 longitude, latitude."""
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in (lon, lat)):
        raise ValueError(f"coordinates ({lon!r}, {lat!r}) are not numbers")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"coordinates ({lon}, {lat}) are not a WGS 84 longitude, latitude")
    return {"type": "Point", "coordinates": [lon, lat]}


def dumps_geojson(value: Any) -> str:
    """Strict JSON text of GeoJSON members (see `json_safe`); never emits NaN."""
    return json.dumps(json_safe(value), ensure_ascii=False, sort_keys=True, allow_nan=False)


def to_geojson(features: Sequence[EventFeature]) -> bytes:
    """A FeatureCollection of Point features; ValueError for a feature without a valid point."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": point_geometry(*f["geometry"]["coordinates"]),
                "properties": f["properties"],
            }
            for f in features
        ],
    }
    return (dumps_geojson(collection) + "\n").encode("utf-8")


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
