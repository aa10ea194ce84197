"""GeoJSON (RFC 7946): strict JSON, WGS 84 points, no `crs` member; the event id as each
Feature's `id` member, the whole record as its properties."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from geo.corpus.records import EventFeature

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


def _feature(feature: EventFeature) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Feature"}
    event_id = feature["properties"].get("id")
    # RFC 7946 3.2: a Feature's id is a string or a number.
    if isinstance(event_id, str | int) and not isinstance(event_id, bool):
        out["id"] = event_id
    out["geometry"] = point_geometry(*feature["geometry"]["coordinates"])
    out["properties"] = feature["properties"]
    return out


def geojson_bytes(features: Sequence[EventFeature]) -> bytes:
    """A FeatureCollection of Point features, each with the event id as its `id` member (GDAL
    and QGIS read it as the feature's id); ValueError for a feature without a valid point."""
    collection = {"type": "FeatureCollection", "features": [_feature(f) for f in features]}
    return (dumps_geojson(collection) + "\n").encode("utf-8")
