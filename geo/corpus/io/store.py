"""The columnar event store: every build's events as GeoParquet, one file per month.

    <out>/events.parquet/month=2016-03/events.parquet    (month=undated: no date)
    <out>/events.parquet/_months.json                    month -> digests of its events and file

Hive-style partitions, so that the whole folder reads as one table with a `month` column:
`geopandas.read_parquet(folder)`, or in DuckDB
`SELECT * FROM read_parquet('<out>/events.parquet/*/*.parquet', hive_partitioning = true)`.
Each file is GeoParquet (WKB points, WGS 84, the record's fields with Arrow types, as the
export writes: `geo.corpus.io.parquet`) with a `bbox` covering column, so that a reader
filters by area without decoding geometries.

A month's events are the events whose interval starts in it. A build rewrites only the
months whose events changed (their digest), so adding an article costs the months it
touches; a month left with no events goes. Each file is put in place whole. events.geojson
with articles.json stays the build's record: a store found missing or damaged (a file not
as written, a build stopped half-way through it) is written again from them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from geo.corpus.outputs import write_atomically

STORE_DIR = "events.parquet"
PART_FILE = "events.parquet"
MONTHS_FILE = "_months.json"
UNDATED = "undated"


# A partition's name: the only folder names the store makes, or removes.
MONTH = re.compile(r"\d{4}-\d{2}|" + UNDATED)


def month_of(date_start: object) -> str:
    """The partition of an event: the month its interval starts in ("2016-03")."""
    month = date_start[:7] if isinstance(date_start, str) else ""
    return month if MONTH.fullmatch(month) else UNDATED


def partition(store: Path, month: str) -> Path:
    return store / f"month={month}" / PART_FILE


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _recorded(store: Path) -> dict[str, dict[str, str]]:
    """month -> {"events": digest of its feature lines, "file": digest of its file}, as
    the last write left them; {} when there is no list or it is damaged."""
    try:
        months = json.loads((store / MONTHS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(months, dict):
        return {}
    # A damaged or hand-made list names only months (never "../..": folders are removed).
    return {m: d for m, d in months.items() if MONTH.fullmatch(m) and isinstance(d, dict)}


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def damaged(out: Path) -> str | None:
    """What is wrong with `out`'s store (its list of months missing or damaged, a month's
    file missing or changed since it was written), None when it is as written."""
    store = out / STORE_DIR
    if not (store / MONTHS_FILE).exists():
        return f"{STORE_DIR}/{MONTHS_FILE} missing"
    recorded = _recorded(store)
    if not recorded and (store / MONTHS_FILE).read_bytes().strip() != b"{}":
        return f"{STORE_DIR}/{MONTHS_FILE} damaged"
    for month, digests in sorted(recorded.items()):
        found = _file_digest(partition(store, month))
        if found is None or found != digests.get("file"):
            return f"{STORE_DIR}: month {month} missing or damaged"
    return None


def write_store(out: Path, feature_lines: Sequence[str], months: Sequence[str]) -> list[str]:
    """Bring `out`/events.parquet up to these events (their GeoJSON feature lines, each
    with its month: `month_of`); returns the months written: those whose events changed,
    and those whose file is missing or not as written."""
    from geo.corpus.io.parquet import write_parquet  # geopandas and pyarrow, when needed

    store = out / STORE_DIR
    by_month: dict[str, list[str]] = {}
    for line, month in zip(feature_lines, months, strict=True):
        by_month.setdefault(month, []).append(line)
    recorded = _recorded(store)
    for month in recorded.keys() - by_month.keys():
        shutil.rmtree(partition(store, month).parent, ignore_errors=True)
    months_now: dict[str, dict[str, str]] = {}
    written = []
    for month, lines in sorted(by_month.items()):
        events = _digest("\n".join(lines).encode("utf-8"))
        before = recorded.get(month, {})
        target = partition(store, month)
        if before.get("events") == events and _file_digest(target) == before.get("file"):
            months_now[month] = before
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            features = [json.loads(line) for line in lines]
            write_parquet(features, temporary, covering_bbox=True, from_build=True)
            months_now[month] = {"events": events, "file": _digest(temporary.read_bytes())}
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        written.append(month)
    if months_now != recorded or not (store / MONTHS_FILE).exists():
        store.mkdir(parents=True, exist_ok=True)
        text = json.dumps(months_now, indent=1, sort_keys=True) + "\n"
        write_atomically(store / MONTHS_FILE, text.encode("utf-8"))
    return written
