"""Shapely helpers of the basemap builder: valid shapes from simplified GeoJSON, clipping
to an area (the detail areas, or the world outside them) on a 4-decimal grid, merging the
pieces of one country, and the features the basemap file holds."""

from __future__ import annotations

from typing import Any

import shapely
import shapely.affinity
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

GRID = 1e-4  # degrees; coordinates are written with 4 decimals


def _ring_ok(ring: list[list[float]]) -> bool:
    return len({tuple(p) for p in ring}) >= 3


def _unwrapped(ring: list[list[float]]) -> list[list[float]]:
    """A ring that crosses the antimeridian (Fiji, Chukotka: a step of more than 180
    degrees of longitude between two points) made continuous past +-180 degrees, so that
    it is one shape on a flat map; a ring around a pole (Antarctica: it does not close once
    unwrapped) and every other ring are left as they are."""
    if all(abs(a[0] - b[0]) <= 180 for a, b in zip(ring, ring[1:], strict=False)):
        return ring
    out = [ring[0]]
    for lon, lat in ring[1:]:
        out.append([lon + 360 * round((out[-1][0] - lon) / 360), lat])
    return out if abs(out[-1][0] - out[0][0]) < 1e-9 else ring


def _on_the_map(geom: BaseGeometry) -> BaseGeometry:
    """A shape that reaches past +-180 degrees cut there, the part beyond moved back by 360
    degrees."""
    min_lon, _, max_lon, _ = geom.bounds
    if min_lon >= -180 and max_lon <= 180:
        return geom
    parts = [
        shapely.affinity.translate(geom.intersection(shapely.box(w - 180, -90, w + 180, 90)), -w)
        for w in (-360, 0, 360)
    ]
    return shapely.union_all([p for p in parts if not p.is_empty])


def valid_shape(geometry: dict[str, Any]) -> BaseGeometry:
    """A valid shapely geometry from GeoJSON whose rings may have collapsed in simplification
    or cross the antimeridian."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind not in ("Polygon", "MultiPolygon"):
        return shape(geometry)
    polygons = [coords] if kind == "Polygon" else coords
    parts = [
        shapely.Polygon(_unwrapped(rings[0]), [_unwrapped(r) for r in rings[1:] if _ring_ok(r)])
        for rings in polygons
        if rings and _ring_ok(rings[0])
    ]
    geom = shapely.MultiPolygon(parts) if parts else shapely.Polygon()
    geom = geom if geom.is_valid else shapely.make_valid(geom)
    return _on_the_map(geom)


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


def merge(geoms: list[BaseGeometry]) -> BaseGeometry | None:
    """One polygonal shape of several clipped ones (a country's detailed part and its coarse
    rest, cut along the same grid lines: the cut is dissolved), on the same grid."""
    if len(geoms) == 1:
        return _polygonal(geoms[0])
    return _polygonal(shapely.set_precision(shapely.union_all(geoms), GRID))


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
