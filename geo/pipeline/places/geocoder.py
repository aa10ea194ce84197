"""The gazetteer behind geopy's geocoder interface, with an optional online fallback.

`GazetteerGeocoder` answers `geocode("Kandahar")` from the offline index, like any geopy
geocoder. `FallbackGeocoder` asks it first and, only when the user configured one, an
online geopy provider for the misses, with a persistent JSON cache so a name is asked for
at most once. Online is off unless the environment says otherwise:

- `CAMPAIGN_MAP_ONLINE_GEOCODER`: a geopy service name (e.g. `nominatim`).
- `CAMPAIGN_MAP_ONLINE_GEOCODER_URL`: where that service runs, e.g. `http://127.0.0.1:8080`
  for a self-hosted Nominatim (given to geopy as `scheme=` and `domain=`); unset, the
  provider's public server.
- `CAMPAIGN_MAP_ONLINE_GEOCODER_TIMEOUT`: seconds per request (default 10).

A setting that cannot be used (unknown service, bad URL or timeout) leaves the run offline,
with a warning. The online service can never break a run:

- one request at a time, at most one per `min_delay_seconds` (1 s, Nominatim's usage
  policy), also across the forked workers of a build;
- timeouts, refused connections, HTTP 429, 5xx and unreadable answers are retried
  `max_retries` times with exponential backoff (`error_wait_seconds`, then twice that...,
  never more than `max_wait_seconds`); a 429's Retry-After is honoured, and one longer
  than `max_wait_seconds` stops asking for the rest of the run. Other failures (400, an
  answer without a point, any other exception) are not retried;
- a name that still fails stays unresolved offline and is *not* cached, so the next run
  asks again; answers, "no such place" included, are cached (the file is replaced
  atomically), under the service and its address: a cache filled by one server is never
  read for another (a file in the first format, keyed by name only, is ignored);
- redirects are never followed (a redirect is a failure that names its target: set the URL
  to the address that answers) and an answer larger than `MAX_ANSWER_BYTES` is a failure,
  with no more than that read (a service cannot send the run elsewhere or fill its memory);
- the first failure of a run is logged once, as a warning naming the service and the
  error; after `failure_limit` names in a row have failed (at once on an authentication
  or quota error) the service is not asked again in this run, which is logged once too.

No test uses the network: they run a fake server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import math
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from geopy.adapters import AdapterHTTPError, RequestsAdapter
from geopy.exc import (
    ConfigurationError,
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderParseError,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geo.pipeline.places.gazetteer import Gazetteer, Place, cache_dir, get_gazetteer

log = logging.getLogger(__name__)
ONLINE_ENV = "CAMPAIGN_MAP_ONLINE_GEOCODER"
URL_ENV = "CAMPAIGN_MAP_ONLINE_GEOCODER_URL"
TIMEOUT_ENV = "CAMPAIGN_MAP_ONLINE_GEOCODER_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
USER_AGENT = "campaign-map/0.1 (offline-first news geoparser)"
# Every later request would fail the same way (429 is handled on its own).
_HOPELESS = (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQuotaExceeded,
    ConfigurationError,
)
# What the cache keeps of a provider's raw answer (the geoparser reads the kind of place).
_RAW_KEYS = ("addresstype", "type", "class")
# The largest answer read: a geocoding answer is a few kilobytes; more is a broken or hostile
# service, and reading it all would hold the run (and its memory) hostage.
MAX_ANSWER_BYTES = 1_000_000
# The cache file's format: answers grouped by the service (and address) that gave them.
CACHE_FORMAT = 2


class RedirectRefused(ConfigurationError):
    """The service answered with a redirect: never followed (it could point anywhere), and
    every later request would get the same, so the service is left alone for the run."""


class AnswerTooLarge(GeocoderServiceError):
    """An answer over `MAX_ANSWER_BYTES`: a failure for this name, not retried."""


class GuardedAdapter(RequestsAdapter):
    """geopy's requests adapter that follows no redirect and reads at most `max_bytes`
    of an answer; no hidden retries either (FallbackGeocoder does them, with backoff, a cap
    and a circuit breaker; geopy's default lets urllib3 retry twice, sleeping out any
    Retry-After)."""

    def __init__(self, *, max_bytes: int | None = None, **options: Any) -> None:
        super().__init__(**{**options, "max_retries": 0})
        self.max_bytes = MAX_ANSWER_BYTES if max_bytes is None else max_bytes

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        return self._fetch(url, timeout, headers).decode("utf-8", errors="replace")

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        body = self._fetch(url, timeout, headers)
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise GeocoderParseError(f"an answer that is not JSON: {body[:120]!r}") from None

    def _fetch(self, url: str, timeout: float, headers: dict[str, str]) -> bytes:
        """The answer's body; geopy's exceptions for what went wrong (as its own adapter)."""
        import requests

        try:
            with self.session.get(
                url, timeout=timeout, headers=headers, allow_redirects=False, stream=True
            ) as reply:
                if 300 <= reply.status_code < 400:
                    target = reply.headers.get("Location", "nowhere")
                    raise RedirectRefused(  # repr: a header's control characters, escaped
                        f"HTTP {reply.status_code} redirect to {target[:120]!r} not followed; "
                        f"set {URL_ENV} to the address that answers"
                    )
                body = self._capped_body(reply)
                if reply.status_code >= 400:
                    raise AdapterHTTPError(
                        f"Non-successful status code {reply.status_code}",
                        status_code=reply.status_code,
                        headers=reply.headers,
                        text=body.decode("utf-8", errors="replace"),
                    )
                return body
        except (RedirectRefused, AnswerTooLarge, AdapterHTTPError):
            raise
        except requests.Timeout:
            raise GeocoderTimedOut("Service timed out") from None
        except requests.ConnectionError as exc:  # refused, reset, or a read that timed out
            raise GeocoderUnavailable(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - any other transport failure, as geopy does
            raise GeocoderServiceError(str(exc)) from None

    def _capped_body(self, reply: Any) -> bytes:
        declared = reply.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise AnswerTooLarge(
                f"an answer of {int(declared):,} bytes (the limit is {self.max_bytes:,}) not read"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in reply.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:  # stop reading here: the rest is never fetched
                raise AnswerTooLarge(f"an answer over {self.max_bytes:,} bytes: not read")
            chunks.append(chunk)
        return b"".join(chunks)


def place_location(place: Place) -> Location:
    raw = {
        "geonameid": place.geonameid,
        "name": place.name,
        "country": place.country,
        "admin1": place.admin1,
        "population": place.population,
        "level": place.level,
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


def online_geocoder(service: str, url: str = "", timeout: float | str = "") -> Geocoder:
    """The geopy geocoder for `service`, at `url` when given; ValueError for bad settings."""
    factory = get_geocoder_for_service(service.strip().lower())  # GeocoderNotFound
    params = inspect.signature(factory).parameters
    seconds = float(timeout) if str(timeout).strip() else DEFAULT_TIMEOUT
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{TIMEOUT_ENV} must be a positive number of seconds, not {timeout!r}")
    if "adapter_factory" not in params or not GuardedAdapter.is_available:
        # Without it, redirects would be followed and answers read whole.
        raise ValueError(f"geopy's {factory.__name__} cannot use a guarded HTTP client")
    options: dict[str, Any] = {"timeout": seconds, "adapter_factory": GuardedAdapter}
    if "user_agent" in params:
        options["user_agent"] = USER_AGENT
    if url.strip():
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError(f"{URL_ENV} must be an http(s) URL like http://host:port, not {url!r}")
        if "domain" not in params:
            raise ValueError(f"geopy's {factory.__name__} cannot be pointed at a URL")
        options["domain"] = parts.netloc + parts.path.rstrip("/")
        if "scheme" in params:
            options["scheme"] = parts.scheme
    return factory(**options)


def _service_name(online: Any) -> str:
    name = type(online).__name__
    domain = getattr(online, "domain", None)
    if isinstance(domain, str) and domain:
        return f"{name} at {getattr(online, 'scheme', None) or 'https'}://{domain}"
    return name


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 240 else text[:237] + "..."


def _retryable(exc: BaseException) -> bool:
    """Might work after a pause: timeouts, refused connections, 429, 5xx, unreadable bodies."""
    if isinstance(exc, GeocoderRateLimited):
        return True
    if isinstance(exc, (GeocoderQueryError, AnswerTooLarge, *_HOPELESS)):
        return False
    return isinstance(exc, GeocoderServiceError)


def _retry_after(exc: BaseException) -> float | None:
    """A 429's Retry-After in seconds, when it is a sane number."""
    value = getattr(exc, "retry_after", None) if isinstance(exc, GeocoderRateLimited) else None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


def _entry(value: Any) -> dict[str, Any] | None:
    """A cache value, normalised; ValueError for anything that is not one."""
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2:  # the first cache format: [lat, lon]
        value = {"lat": value[0], "lon": value[1]}
    if not isinstance(value, dict):
        raise ValueError(value)
    lat, lon = value.get("lat"), value.get("lon")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lat, lon)):
        raise ValueError(value)
    entry: dict[str, Any] = {"lat": float(lat), "lon": float(lon)}  # type: ignore[arg-type]
    if isinstance(value.get("address"), str):
        entry["address"] = value["address"]
    if isinstance(value.get("raw"), dict):
        entry["raw"] = {k: v for k, v in value["raw"].items() if k in _RAW_KEYS}
    return entry


def _entry_of(location: Location | None) -> dict[str, Any] | None:
    """What the cache keeps of an online answer; GeocoderParseError if it has no point."""
    if location is None:
        return None
    lat, lon = location.latitude, location.longitude
    # geopy reads an answer without coordinates as (0, 0): no news place is at Null Island.
    if not (
        math.isfinite(lat)
        and math.isfinite(lon)
        and abs(lat) <= 90
        and abs(lon) <= 180
        and (lat, lon) != (0.0, 0.0)
    ):
        raise GeocoderParseError(f"answer without a usable point: {location.raw!r:.120}")
    raw = location.raw if isinstance(location.raw, dict) else {}
    return {
        "lat": lat,
        "lon": lon,
        "address": location.address,
        "raw": {k: raw[k] for k in _RAW_KEYS if isinstance(raw.get(k), str)},
    }


def _location(query: str, entry: dict[str, Any] | None) -> Location | None:
    if entry is None:
        return None
    return Location(
        entry.get("address") or query,
        Point(entry["lat"], entry["lon"]),
        dict(entry.get("raw") or {}),
    )


def _shared_field(index: int) -> property:
    return property(
        lambda self: self._values[index], lambda self, value: self._values.__setitem__(index, value)
    )


class _RunState:
    """What one run knows of the online service, shared with the build's forked workers,
    so that they keep one request rate, one circuit breaker and one warning between them."""

    last_call = _shared_field(0)
    failures_in_a_row = _shared_field(1)
    failure_logged = _shared_field(2)
    disabled = _shared_field(3)

    def __init__(self) -> None:
        self.lock: Any
        self._values: Any
        try:
            context = multiprocessing.get_context("fork")
            self.lock, self._values = context.Lock(), context.RawArray("d", 4)
        except (OSError, ValueError, ImportError):  # no fork or shared memory: this process
            self.lock, self._values = threading.Lock(), [0.0] * 4
        self.last_call = -math.inf


class FallbackGeocoder:
    """Offline first; an online geopy provider for misses, rate-limited, retried and cached."""

    # Defaults of the constructor's options (class attributes, so tests can shorten them).
    MIN_DELAY_SECONDS = 1.0
    ERROR_WAIT_SECONDS = 2.0
    MAX_WAIT_SECONDS = 30.0
    MAX_RETRIES = 2
    FAILURE_LIMIT = 3

    def __init__(
        self,
        offline: Geocoder | None = None,
        online: Any | None = None,
        cache_path: Path | None = None,
        min_delay_seconds: float | None = None,
        error_wait_seconds: float | None = None,
        *,
        max_retries: int | None = None,
        max_wait_seconds: float | None = None,
        failure_limit: int | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        def default(value: Any, fallback: Any) -> Any:
            return fallback if value is None else value

        self.offline = offline or GazetteerGeocoder()
        self.online = online
        self.service = _service_name(online) if online is not None else "none"
        self.cache_path = cache_path or cache_dir() / "online-geocoder.json"
        self.min_delay_seconds = default(min_delay_seconds, self.MIN_DELAY_SECONDS)
        self.error_wait_seconds = default(error_wait_seconds, self.ERROR_WAIT_SECONDS)
        self.max_wait_seconds = default(max_wait_seconds, self.MAX_WAIT_SECONDS)
        self.max_retries = max(0, default(max_retries, self.MAX_RETRIES))
        self.failure_limit = max(1, default(failure_limit, self.FAILURE_LIMIT))
        self._sleep = sleep
        self._cache: dict[str, dict[str, Any] | None] = self._load_cache()
        self._state = _RunState()
        self._save_failure_logged = False

    @classmethod
    def from_environment(cls, **options: Any) -> FallbackGeocoder:
        """Online as configured by the environment (module docstring); offline otherwise."""
        service = os.environ.get(ONLINE_ENV, "").strip().lower()
        online = None
        if service:
            try:
                online = online_geocoder(
                    service, os.environ.get(URL_ENV, ""), os.environ.get(TIMEOUT_ENV, "")
                )
            except Exception as exc:  # noqa: BLE001 - a bad setting must not stop the run
                log.warning(
                    "online geocoder %r is not usable (%s); this run stays offline",
                    service,
                    _describe(exc),
                )
        return cls(online=online, **options)

    # -- the persistent cache ----------------------------------------------------------

    def _read_services(self) -> dict[str, Any]:
        """The cache file's answers by service; {} for a file that is missing, unreadable or
        in the first format (names only: which server gave them is unknown, so none is used)."""
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return {}
        if not (isinstance(data, dict) and data.get("format") == CACHE_FORMAT):
            return {}
        services = data.get("services")
        return services if isinstance(services, dict) else {}

    def _load_cache(
        self, services: dict[str, Any] | None = None
    ) -> dict[str, dict[str, Any] | None]:
        """This service's answers (its name and address are the key), of `services` or of
        the file; entries that are not answers are dropped."""
        answers = (self._read_services() if services is None else services).get(self.service)
        cache: dict[str, dict[str, Any] | None] = {}
        for name, value in answers.items() if isinstance(answers, dict) else ():
            with contextlib.suppress(ValueError):
                cache[name] = _entry(value)
        return cache

    def _save_cache(self) -> None:
        # Merged with the file as it is now: other processes of the run may have added names,
        # and other services' answers are kept as they are.
        services = self._read_services()
        self._cache = {**self._load_cache(services), **self._cache}
        services[self.service] = self._cache
        tmp = None
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(
                prefix=f".{self.cache_path.name}.", suffix=".tmp", dir=self.cache_path.parent
            )
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(
                    {"format": CACHE_FORMAT, "services": services},
                    fh,
                    sort_keys=True,
                    ensure_ascii=False,
                )
            os.replace(tmp, self.cache_path)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if not self._save_failure_logged:
                self._save_failure_logged = True
                log.warning(
                    "cannot write the online geocoder cache %s (%s); answers are kept "
                    "for this run only",
                    self.cache_path,
                    _describe(exc),
                )

    # -- asking --------------------------------------------------------------------------

    def geocode(self, query: str) -> Location | None:
        found = self.offline.geocode(query)
        if found is not None or self.online is None:
            return found
        if query in self._cache:
            return _location(query, self._cache[query])
        with self._state.lock:
            if self._state.disabled:
                return None
            self._cache = {**self._load_cache(), **self._cache}  # another worker's answer?
            if query in self._cache:
                return _location(query, self._cache[query])
            try:
                entry = _entry_of(self._ask(query))
            except Exception as exc:  # noqa: BLE001 - any provider failure: stay offline
                self._failed(query, exc)
                return None
            self._state.failures_in_a_row = 0
            self._cache[query] = entry
            self._save_cache()
            return _location(query, entry)

    def _ask(self, query: str) -> Location | None:
        """One online answer, retried with backoff; raises the last failure."""
        for attempt in count():
            wait = self._state.last_call + self.min_delay_seconds - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            self._state.last_call = time.monotonic()
            try:
                return self.online.geocode(query)  # type: ignore[union-attr]
            except Exception as exc:
                wait = self._retry_wait(exc, attempt)
                if wait is None:
                    raise
                log.debug(
                    "online geocoder %s: %s for %r; retrying in %.3g s",
                    self.service,
                    _describe(exc),
                    query,
                    wait,
                )
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_wait(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying after `exc`, or None for no retry."""
        if attempt >= self.max_retries or not _retryable(exc):
            return None
        backoff = self.error_wait_seconds * 2**attempt
        retry_after = _retry_after(exc)
        if retry_after is not None:
            if retry_after > self.max_wait_seconds:
                return None  # told to wait longer than we will: see _stops_the_run
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_wait_seconds)

    def _stops_the_run(self, exc: BaseException) -> str | None:
        retry_after = _retry_after(exc)
        if retry_after is not None and retry_after > self.max_wait_seconds:
            return f"it asks to wait {retry_after:g} s (Retry-After)"
        if isinstance(exc, _HOPELESS) and not isinstance(exc, GeocoderRateLimited):
            return _describe(exc)
        if self._state.failures_in_a_row >= self.failure_limit:
            return f"{int(self._state.failures_in_a_row)} names in a row failed"
        return None

    def _failed(self, query: str, exc: BaseException) -> None:
        state = self._state
        state.failures_in_a_row += 1
        if not state.failure_logged:
            state.failure_logged = 1
            log.warning(
                "online geocoder %s failed for %r (%s); such names stay unresolved "
                "in this run and are asked again in the next one",
                self.service,
                query,
                _describe(exc),
            )
        else:
            log.debug("online geocoder %s failed for %r (%s)", self.service, query, _describe(exc))
        reason = self._stops_the_run(exc)
        if reason and not state.disabled:
            state.disabled = 1
            log.warning(
                "online geocoder %s: %s; not asking it again in this run", self.service, reason
            )
