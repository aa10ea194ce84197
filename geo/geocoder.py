"""The gazetteer behind geopy's geocoder interface, with an optional online fallback.

`GazetteerGeocoder` answers `geocode("Fallujah")` from the offline index, like any geopy
geocoder. `FallbackGeocoder` asks it first and, only when the user configured one, an
online geopy provider (Nominatim by default) for the misses, through geopy's RateLimiter
and a persistent JSON cache, so a name is asked for at most once. Online is off unless
`CAMPAIGN_MAP_ONLINE_GEOCODER` names a provider (e.g. `nominatim`); nothing in the tests
uses the network.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geo.gazetteer import Gazetteer, Place, default_index_path, get_gazetteer

log = logging.getLogger(__name__)
ONLINE_ENV = "CAMPAIGN_MAP_ONLINE_GEOCODER"
USER_AGENT = "campaign-map/0.1 (offline-first news geoparser)"


def place_location(place: Place) -> Location:
    raw = {
        "geonameid": place.geonameid, "name": place.name, "country": place.country,
        "admin1": place.admin1, "population": place.population, "level": place.level,
    }
    return Location(place.name, Point(place.lat, place.lon), raw)


class GazetteerGeocoder(Geocoder):
    """geopy geocoder over the offline gazetteer (no network, ever)."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        super().__init__()
        self.gazetteer = gazetteer or get_gazetteer()

    def geocode(self, query: str, *, exactly_one: bool = True, **_: Any) -> Any:
        candidates = self.gazetteer.candidates(query)
        locations = [place_location(c.place) for c in candidates]
        if not locations:
            return None
        return locations[0] if exactly_one else locations


class FallbackGeocoder:
    """Offline first; an online geopy provider for misses, rate-limited and cached."""

    def __init__(
        self,
        offline: Geocoder | None = None,
        online: Geocoder | None = None,
        cache_path: Path | None = None,
        min_delay_seconds: float = 1.0,
        error_wait_seconds: float = 2.0,
    ) -> None:
        self.offline = offline or GazetteerGeocoder()
        self.online = online
        self.cache_path = cache_path or default_index_path().with_name("online-geocoder.json")
        self._cache: dict[str, list[float] | None] = self._load_cache()
        self._lock = threading.Lock()
        self._failures_logged = False
        self._online_call = (
            RateLimiter(online.geocode, min_delay_seconds=min_delay_seconds, max_retries=2,
                        error_wait_seconds=error_wait_seconds, swallow_exceptions=False)
            if online else None
        )

    @classmethod
    def from_environment(cls) -> FallbackGeocoder:
        service = os.environ.get(ONLINE_ENV, "").strip().lower()
        online = None
        if service:
            online = get_geocoder_for_service(service)(user_agent=USER_AGENT, timeout=10)
        return cls(online=online)

    def _load_cache(self) -> dict[str, list[float] | None]:
        try:
            return json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_cache(self) -> None:
        tmp = self.cache_path.with_suffix(".tmp")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(self._cache, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.cache_path)

    def geocode(self, query: str) -> Location | None:
        found = self.offline.geocode(query)
        if found is not None or self._online_call is None:
            return found
        with self._lock:
            if query in self._cache:
                cached = self._cache[query]
                return Location(query, Point(*cached), {}) if cached else None
            try:
                online = self._online_call(query)
            except Exception as exc:  # noqa: BLE001 - any provider failure: stay offline
                if not self._failures_logged:
                    log.warning("online geocoder failed (%s); using the offline gazetteer only",
                                exc)
                    self._failures_logged = True
                return None
            self._cache[query] = [online.latitude, online.longitude] if online else None
            self._save_cache()
            return online
