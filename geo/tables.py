"""Filtered events as tables and files: the app's table, CSV and GeoJSON downloads."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

# Columns of the table and the CSV, in order; the CSV also carries lat/lon.
COLUMNS = [
    "date_start", "date_end", "time_basis", "event_type", "place", "level", "actors",
    "figures", "snippet", "article_title", "article_source", "published", "confidence", "id",
]


def rows(features: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for feature in features:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        out.append({**{c: props.get(c) for c in COLUMNS}, "lat": lat, "lon": lon})
    return out


def _csv_safe(value: Any) -> Any:
    """Spreadsheets run cells that start with =, +, - or @ as formulas; article text is
    data, so such cells get a leading apostrophe (OWASP 'CSV injection')."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def to_csv(features: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*COLUMNS, "lat", "lon"], lineterminator="\n")
    writer.writeheader()
    for row in rows(features):
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


def to_geojson(features: Sequence[dict[str, Any]]) -> bytes:
    collection = {"type": "FeatureCollection",
                  "features": [{k: f[k] for k in ("type", "geometry", "properties")}
                               for f in features]}
    return (json.dumps(collection, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def monthly_counts(features: Sequence[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(first day of the month, event type, events) for the events-over-time chart."""
    counts: Counter[tuple[str, str]] = Counter(
        (f["properties"]["date_start"][:7] + "-01", f["properties"]["event_type"])
        for f in features if f["properties"].get("date_start")
    )
    return [(month, kind, n) for (month, kind), n in sorted(counts.items())]
