"""A build's outputs, written together and read back checked.

`events.geojson` (the events) and `articles.json` (the articles, and the manifest of the
build) change together: `articles.json` carries the SHA-256 of the `events.geojson` it was
written with, and is renamed into place last. While the two renames happen, the previous
events stay readable under a second name (`.events.previous.geojson`, a hard link), so a
reader that finds the new events beside the old manifest reads the old events instead: a
build killed between any two writes leaves either the old build or the new one, never a mix.

Every reader (the app, the export, the build itself) goes through `read_build`, which
refuses a file that is not what a build wrote (cut short, garbage, a feature without
properties, events that belong to another manifest) with a `MapDataError` naming the file
and the way out; the build writes damaged outputs again (`damage`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.corpus.records import EventFeature, EventProperties

EVENTS_FILE = "events.geojson"
ARTICLES_FILE = "articles.json"
# The events the manifest in place still describes, while a build swaps the two files.
PREVIOUS_EVENTS_FILE = ".events.previous.geojson"
EVENT_KEYS = frozenset(EventProperties.__annotations__)
ARTICLE_KEYS = frozenset({"id", "title", "published", "events", "unresolved", "warnings"})
# A build can finish between a reader's two reads; reading again then sees one build.
READ_ATTEMPTS = 3


class MapDataError(ValueError):
    """A map data file that is not what a build wrote."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path, self.problem = path, problem
        super().__init__(
            f"{path}: {problem}; to rebuild it: campaign-map build --out {path.parent}"
        )


@dataclass(frozen=True)
class MapData:
    features: list[EventFeature]
    articles: dict[str, Any]  # articles.json: {"articles": [...], "skipped": [...], ...}


EMPTY_ARTICLES: dict[str, Any] = {"articles": [], "skipped": []}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- writing ------------------------------------------------------------------------------


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else by setting it back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_copy(target: Path, data: bytes | Iterable[bytes]) -> tuple[Path, str]:
    """`data` (or its pieces, written as they come) in a new file beside `target`, readable
    as any new file of this user would be (mkstemp's files are private: other users and
    web servers could not read a map); and its SHA-256."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    checksum = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in [data] if isinstance(data, bytes) else data:
                handle.write(piece)
                checksum.update(piece)
        os.chmod(name, 0o666 & ~_umask())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), checksum.hexdigest()


def write_atomically(target: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    tmp, _ = _temporary_copy(target, data)
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _json_pieces(document: dict[str, Any], piece_chars: int = 1 << 16) -> Iterator[bytes]:
    """`json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"`, encoded
    as it is made, in pieces of about `piece_chars`: a large corpus's articles (with their
    texts) are never held whole as one string, nor as its bytes."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1, sort_keys=True)
    pending: list[str] = []
    size = 0
    for chunk in itertools.chain(encoder.iterencode(document), ["\n"]):
        pending.append(chunk)
        size += len(chunk)
        if size >= piece_chars:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    yield "".join(pending).encode("utf-8")


def write_build(out: Path, events: bytes | Iterable[bytes], document: dict[str, Any]) -> None:
    """Put a build's two files in place so that a reader sees the old build or this one.
    `events`: the bytes of events.geojson, or its pieces (a large corpus's events are
    written as they come, never held whole).

    Order: both files complete beside their targets; the old events linked under a second
    name; the events renamed in; the manifest renamed in (the build is now the new one);
    the second name removed. `read_build` follows it: events that do not match the
    manifest are read from the second name.
    """
    events_tmp, events_sha256 = _temporary_copy(out / EVENTS_FILE, events)
    try:
        manifest = dict(document, events_sha256=events_sha256)
        articles_tmp, _ = _temporary_copy(out / ARTICLES_FILE, _json_pieces(manifest))
    except BaseException:
        events_tmp.unlink(missing_ok=True)
        raise
    try:
        _keep_described_events(out)
        os.replace(events_tmp, out / EVENTS_FILE)
        os.replace(articles_tmp, out / ARTICLES_FILE)
        (out / PREVIOUS_EVENTS_FILE).unlink(missing_ok=True)
    finally:
        events_tmp.unlink(missing_ok=True)
        articles_tmp.unlink(missing_ok=True)


def _keep_described_events(out: Path) -> None:
    """Keep the events the manifest in place describes under the second name: the events
    file itself, or (after a build killed between its renames) the second name already."""
    previous = out / PREVIOUS_EVENTS_FILE
    expected = _manifest_digest(out)
    if expected is not None and _file_digest(previous) == expected:
        return
    previous.unlink(missing_ok=True)
    if (out / EVENTS_FILE).exists():
        try:
            os.link(out / EVENTS_FILE, previous)
        except OSError:  # a file system without hard links
            shutil.copyfile(out / EVENTS_FILE, previous)


def tidy(out: Path) -> None:
    """Remove the second name of the events once the manifest describes the events in
    place (a build killed just before removing it leaves it behind)."""
    previous = out / PREVIOUS_EVENTS_FILE
    if previous.exists() and _file_digest(out / EVENTS_FILE) == _manifest_digest(out):
        previous.unlink(missing_ok=True)


def _manifest_digest(out: Path) -> str | None:
    try:
        value = json.loads((out / ARTICLES_FILE).read_text(encoding="utf-8")).get("events_sha256")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _file_digest(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


# -- reading ------------------------------------------------------------------------------


def _load_json(path: Path, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise MapDataError(path, "not UTF-8 text") from None
    except RecursionError:
        raise MapDataError(path, "nested too deeply to be map data") from None
    except ValueError as exc:
        raise MapDataError(path, f"not valid JSON ({exc})") from None


def _check_point(path: Path, n: int, geometry: object) -> None:
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type") != "Point"
        or not isinstance(coordinates, list)
        or len(coordinates) != 2
        or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
            for c in coordinates
        )
    ):
        raise MapDataError(path, f"feature {n + 1} has no valid point")


def _features(path: Path, collection: object, trusted: bool) -> list[EventFeature]:
    """The features of a FeatureCollection; each one checked unless the manifest vouched
    for the file (its checksum matched)."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise MapDataError(path, "not a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise MapDataError(path, "its FeatureCollection has no list of features")
    if not trusted:
        for n, feature in enumerate(features):
            props = feature.get("properties") if isinstance(feature, dict) else None
            if not isinstance(props, dict):
                raise MapDataError(path, f"feature {n + 1} has no properties")
            missing = EVENT_KEYS - props.keys()
            if missing:
                raise MapDataError(path, f"feature {n + 1} lacks {', '.join(sorted(missing)[:3])}")
            _check_point(path, n, feature.get("geometry"))
    return features


def _articles(path: Path, document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise MapDataError(path, "not an articles document")
    articles, skipped = document.get("articles"), document.get("skipped", [])
    if not isinstance(articles, list) or not isinstance(skipped, list):
        raise MapDataError(path, "its articles or skipped files are not lists")
    for n, article in enumerate(articles):
        if not isinstance(article, dict) or not article.keys() >= ARTICLE_KEYS:
            raise MapDataError(path, f"article {n + 1} is incomplete")
    return document


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise MapDataError(path, f"cannot be read ({exc.strerror or exc})") from None


def _read_once(out: Path, check_only: bool = False) -> MapData:
    articles_path, events_path = out / ARTICLES_FILE, out / EVENTS_FILE
    articles_bytes = _read_bytes(articles_path)
    articles = (
        EMPTY_ARTICLES
        if articles_bytes is None
        else _articles(articles_path, _load_json(articles_path, articles_bytes))
    )
    events = _read_bytes(events_path)
    if events is None:
        return MapData([], articles)
    expected = articles.get("events_sha256")
    if expected is not None and digest(events) != expected:
        # The events of a newer build beside the manifest of the one before (a build between
        # its two renames, or killed there): the events that manifest describes.
        previous = _read_bytes(out / PREVIOUS_EVENTS_FILE)
        if previous is None or digest(previous) != expected:
            raise MapDataError(events_path, f"damaged (it does not match {ARTICLES_FILE})")
        events = previous
    trusted = expected is not None
    if check_only and trusted:  # the bytes the build wrote: whole, and not read for nothing
        return MapData([], articles)
    return MapData(_features(events_path, _load_json(events_path, events), trusted), articles)


def read_build(out: Path, check_only: bool = False) -> MapData:
    """The events and articles of the build in `out`; MapDataError when a file is damaged.
    `check_only`: events whose checksum the manifest vouches for are not read (no events
    returned).

    No files yet is an empty map (the app's empty state), not an error.
    """
    for attempt in range(READ_ATTEMPTS):
        try:
            return _read_once(Path(out), check_only)
        except MapDataError:
            if attempt == READ_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def damage(out: Path) -> str | None:
    """What is wrong with the build in `out` ("events.geojson: damaged ..."), None when it
    reads back whole (or is not there: the build writes it then anyway)."""
    try:
        read_build(out, check_only=True)
    except MapDataError as exc:
        return f"{exc.path.name}: {exc.problem}"
    return None


__all__ = [
    "ARTICLES_FILE",
    "EVENTS_FILE",
    "MapData",
    "MapDataError",
    "damage",
    "read_build",
    "tidy",
    "write_atomically",
    "write_build",
]
