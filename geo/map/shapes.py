"""Shapely helpers of the basemap builder: valid shapes from simplified GeoJSON, clipping
to the map's box on a 4-decimal grid, and the features the basemap file holds."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

GRID = 1e-4  # degrees; coordinates are written with 4 decimals


def _ring_ok(ring: list[list[float]]) -> bool:
    return len({tuple(p) for p in ring}) >= 3


def valid_shape(geometry: dict[str, Any]) -> BaseGeometry:
    """A valid shapely geometry from GeoJSON whose rings may have collapsed in simplification."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind not in ("Polygon", "MultiPolygon"):
        return shape(geometry)
    polygons = [coords] if kind == "Polygon" else coords
    parts = [
        shapely.Polygon(rings[0], [r for r in rings[1:] if _ring_ok(r)])
        for rings in polygons
        if rings and _ring_ok(rings[0])
    ]
    geom = shapely.MultiPolygon(parts) if parts else shapely.Polygon()
    return geom if geom.is_valid else shapely.make_valid(geom)


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [
        g
        for g in getattr(geom, "geoms", [geom])
        if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty
    ]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _lineal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [
        g
        for g in getattr(geom, "geoms", [geom])
        if g.geom_type in ("LineString", "MultiLineString") and not g.is_empty
    ]
    if not parts:
        return None
    return shapely.line_merge(shapely.union_all(parts)) if len(parts) > 1 else parts[0]


def clip(geom: BaseGeometry, area: BaseGeometry, lines: bool = False) -> BaseGeometry | None:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    clipped = geom.intersection(area)
    clipped = shapely.set_precision(clipped, GRID)
    return _lineal(clipped) if lines else _polygonal(clipped)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def basemap_feature(kind: str, geom: BaseGeometry, **properties: Any) -> dict[str, Any]:
    geometry = mapping(geom)
    return {
        "type": "Feature",
        "properties": {"kind": kind, **{k: v for k, v in properties.items() if v is not None}},
        "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])},
    }
