"""The events as a GeoDataFrame with Arrow column types, for the GDAL and Parquet writers.

Arrow types keep a column's type whatever the values (pandas would make a column of
whole numbers with a gap a float column, a column of lists or dates plain objects, and
GDAL writes objects as their Python repr): integers stay integers with nulls, dates are
dates, the lists are lists of strings (GDAL's StringList; GeoPackage keeps it as JSON).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from geo.corpus.io.fields import (
    PAGE_ONLY_FIELDS,
    Field,
    FieldKind,
    clean_properties,
    event_fields,
    lon_lat,
)
from geo.corpus.records import EventFeature

WGS84 = "EPSG:4326"
_ARROW_TYPES: dict[FieldKind, pa.DataType] = {
    "text": pa.string(),
    "integer": pa.int64(),
    "real": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "text_list": pa.list_(pa.string()),
    "json": pa.string(),
}


def _arrow_value(kind: FieldKind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "real":
        return float(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _column(field: Field, rows: Sequence[dict[str, Any]]) -> pd.Series:
    values = [_arrow_value(field.kind, row.get(field.name)) for row in rows]
    array = pa.array(values, type=_ARROW_TYPES[field.kind])
    return pd.Series(pd.arrays.ArrowExtensionArray(array), name=field.name)


def event_frame(features: Sequence[EventFeature], strict_json: bool = False) -> gpd.GeoDataFrame:
    """One row per event: every field but the page-only ones, a WGS 84 point geometry.
    `strict_json`: the features were read from a build's strict JSON (its lines), so their
    values need no `json_safe` pass (half the time of a large frame)."""
    rows = [
        {k: v for k, v in f["properties"].items() if k not in PAGE_ONLY_FIELDS}
        if strict_json
        else clean_properties(f)
        for f in features
    ]
    columns = {field.name: _column(field, rows) for field in event_fields(features)}
    points = shapely.points([lon_lat(f) for f in features])
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=points, crs=WGS84)
