"""The map's server step at 10,000, 100,000 and 1,000,000 events (geo.map.aggregate).

Writes a synthetic event store per size (the build's layout and schema:
<out>/<size>/events.parquet/month=YYYY-MM/events.parquet), then, each size in a fresh
process: the time to load it (`load_table`), the process's memory after loading, and for
50 slider steps (a 30-day window moving by 7 days) at a world view (zoom 3) and a zoomed-in
view (zoom 9 around the busiest place): the time of in_window + view_layer, of the whole
server step (+ to_json + json.dumps), and the JSON's size; then a whole-corpus window at the
world view (the worst case), and `records_by_id` for five events (a popup).

    .venv/bin/python benchmarks/map_scale.py                    # 10k, 100k, 1M
    .venv/bin/python benchmarks/map_scale.py --sizes 10000 --out /tmp/map-scale

The stores are written with pyarrow directly, in the schema and layout `write_store` gives
(the schema taken from a small store it writes), in about 4 s for a million events.
write_store itself takes about 7 s per 100,000 events with every field filled
(`--check-writer 100000`), and its input is the build's feature lines: about 75 s and a
gigabyte of JSON text for a million, for nothing this benchmark measures.

Synthetic spread: 300 places (Zipf-weighted) over about 4,000 x 3,500 km, 30% of incidents
at a point near their place (derived places), 3 years of dates (70% one day, some a week, a
month or a year), 10 types, incidents of 1-5 reports, 2% undated.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.corpus.io.store import MONTHS_FILE, STORE_DIR, month_of, partition  # noqa: E402
from geo.map.styles import EVENT_STYLES  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
FIRST_DAY = datetime.date(2021, 1, 1)
DAYS = 3 * 365
PLACES = 300
TYPES = list(EVENT_STYLES)
STEPS, WINDOW_DAYS, STEP_DAYS = 50, 30, 7
SCREEN = (1280, 800)  # the map's size in pixels, for the view's bounds


# ---------------------------------------------------------------------------------------
# Writing a synthetic store


def record(**fields: Any) -> dict[str, Any]:
    """A build's record (geo.corpus.records.EventProperties), every field filled."""
    props: dict[str, Any] = {
        "id": "a:0",
        "place": "Place 1",
        "gazetteer_name": "Place 1",
        "level": "city",
        "geonameid": 1,
        "country": "AA",
        "place_confidence": 0.9,
        "uncertainty_km": 1.5,
        "geo_precision": 1,
        "date_start": "2021-01-01",
        "date_end": "2021-01-02",
        "granularity": "day",
        "time_basis": "explicit",
        "time_precision": 1,
        "planned": False,
        "event_type": "offensive",
        "actors": ["Army"],
        "figures": ["30 troops"],
        "snippet": "Troops entered Place 1.",
        "marks": [],
        "caption": False,
        "confidence": 0.8,
        "other_places": [],
        "article_id": "a",
        "article_title": "Title",
        "article_source": "Source",
        "article_url": "https://example.org/a",
        "published": "2021-01-03",
        "published_basis": "metadata",
        "verification": "unverified",
        "verified_at": None,
        "corrected": {"place": {"was": "x", "now": "y", "entry": 1}},
        "incident_link": {"kind": "merge", "with": None, "entry": 1},
        "incident_id": "I-0",
        "incident_verification": "unverified",
        "incident_reports": 1,
        "incident_sources": 1,
        "disagreement": False,
    }
    props.update(fields)
    return props


def sample_schema() -> pa.Schema:
    """The schema (and GeoParquet metadata) write_store gives the build's records."""
    from geo.corpus.io.store import write_store

    props = record()
    line = json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [1, 2]},
            "properties": props,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_store(Path(tmp), [line], [month_of(props["date_start"])])
        return pq.read_schema(partition(Path(tmp) / STORE_DIR, "2021-01"))


def synthetic_events(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """n events as columns: places, incidents, dates, types, points."""
    rng = np.random.default_rng(seed)
    place_lon = rng.uniform(20.0, 58.0, PLACES)
    place_lat = rng.uniform(10.0, 42.0, PLACES)
    weight = 1.0 / np.arange(1, PLACES + 1) ** 1.1
    sizes = rng.choice(np.arange(1, 6), size=n, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    k = len(sizes)
    inc_place = rng.choice(PLACES, size=k, p=weight / weight.sum())
    derived = rng.random(k) < 0.3
    inc_lon = place_lon[inc_place] + np.where(derived, rng.normal(0, 0.1, k), 0.0)
    inc_lat = place_lat[inc_place] + np.where(derived, rng.normal(0, 0.1, k), 0.0)
    inc_type = rng.choice(len(TYPES), size=k, p=np.linspace(2, 1, len(TYPES)) / 15)
    inc_start = rng.integers(0, DAYS, k)
    inc_length = rng.choice([0, 3, 6, 30, 365], size=k, p=[0.7, 0.1, 0.1, 0.07, 0.03])
    inc_dated = rng.random(k) >= 0.02
    member = np.repeat(np.arange(k), sizes)[:n]
    precision = np.where(derived[member], 2, rng.choice([1, 1, 1, 2, 3], size=n))
    return {
        "incident": member,
        "place": inc_place[member],
        "lon": np.round(inc_lon[member], 5),
        "lat": np.round(inc_lat[member], 5),
        "type": inc_type[member],
        "start": inc_start[member],
        "end": inc_start[member] + inc_length[member],
        "dated": inc_dated[member],
        "precision": precision,
        "reports": sizes[member],
    }


def _text(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _wkb_points(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """Little-endian WKB points (21 bytes each) as one binary array, without a Python loop."""
    n = len(lon)
    rows = np.zeros(n, dtype=[("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    rows["order"], rows["kind"], rows["x"], rows["y"] = 1, 1, lon, lat
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(rows.tobytes())]
    )


def _generated(e: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, pa.Array]:
    """The columns the synthetic events fill (the others stay empty)."""
    number = pa.array(rows).cast(pa.string())
    place = pa.array(e["place"][rows]).cast(pa.string())
    day = pa.array(FIRST_DAY.toordinal() - datetime.date(1970, 1, 1).toordinal() + e["start"][rows])
    dated = e["dated"][rows]
    generated: dict[str, Any] = {
        "id": _text("a", pa.array(rows // 3).cast(pa.string()), ":", number),
        "place": _text("Place ", place),
        "gazetteer_name": _text("Place ", place),
        "geonameid": pa.array(e["place"][rows] + 1000),
        "geo_precision": pa.array(e["precision"][rows]),
        "date_start": pa.array(np.where(dated, day, 0), mask=~dated).cast(pa.int32()),
        "date_end": pa.array(
            np.where(dated, day + e["end"][rows] - e["start"][rows], 0), mask=~dated
        ).cast(pa.int32()),
        "event_type": pa.array(np.array(TYPES)[e["type"][rows]]),
        "snippet": _text(
            "Forces were reported near Place ",
            place,
            " in a synthetic sentence long enough to weigh what a real one weighs, number ",
            number,
            ", according to officials speaking on condition of anonymity.",
        ),
        "article_id": _text("a", pa.array(rows // 3).cast(pa.string())),
        "article_title": _text("Synthetic article ", pa.array(rows // 3).cast(pa.string())),
        "incident_id": _text("I-", pa.array(e["incident"][rows]).cast(pa.string())),
        "incident_reports": pa.array(e["reports"][rows]),
        "geometry": _wkb_points(e["lon"][rows], e["lat"][rows]),
    }
    x, y = pa.array(e["lon"][rows]), pa.array(e["lat"][rows])
    generated["bbox"] = pa.StructArray.from_arrays(
        [x, y, x, y], names=["xmin", "ymin", "xmax", "ymax"]
    )
    return generated


def write_synthetic_store(n: int, out: Path) -> float:
    """A store of n synthetic events in `out` (replaced); returns the seconds it took."""
    began = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    schema = sample_schema()
    geo = json.loads(schema.metadata[b"geo"])
    events = synthetic_events(n)
    start = np.datetime64(FIRST_DAY) + events["start"]
    months = np.where(events["dated"], start.astype("datetime64[M]").astype(str), "undated")
    store = out / STORE_DIR
    recorded = {}
    for month in np.unique(months):
        rows = np.flatnonzero(months == month)
        generated = _generated(events, rows)
        # The fields the map never reads stay empty, as many builds leave them.
        columns = [
            generated[f.name].cast(f.type) if f.name in generated else pa.nulls(len(rows), f.type)
            for f in schema
        ]
        geo["columns"]["geometry"]["bbox"] = [
            float(events["lon"][rows].min()),
            float(events["lat"][rows].min()),
            float(events["lon"][rows].max()),
            float(events["lat"][rows].max()),
        ]
        metadata = {**schema.metadata, b"geo": json.dumps(geo).encode()}
        table = pa.Table.from_arrays(columns, schema=schema.with_metadata(metadata))
        target = partition(store, str(month))
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, compression="snappy")
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        recorded[str(month)] = {"events": "synthetic", "file": digest}
    (store / MONTHS_FILE).write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    return time.perf_counter() - began


# ---------------------------------------------------------------------------------------
# Measuring, in a fresh process per size


def view_bounds(lat: float, lon: float, zoom: int) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a SCREEN-sized map centred on (lat, lon) at zoom."""
    world = 256 * 2.0**zoom
    cx = (lon + 180) / 360 * world
    cy = (0.5 - math.asinh(math.tan(math.radians(lat))) / (2 * math.pi)) * world

    def lat_at(y: float) -> float:
        return math.degrees(math.atan(math.sinh((0.5 - y / world) * 2 * math.pi)))

    w, h = SCREEN
    return (
        lat_at(min(world, cy + h / 2)),
        (cx - w / 2) / world * 360 - 180,
        lat_at(max(0.0, cy - h / 2)),
        (cx + w / 2) / world * 360 - 180,
    )


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def measure(data: Path) -> dict[str, Any]:
    import psutil

    from geo.map import aggregate

    process = psutil.Process()
    rss_before = process.memory_info().rss
    began = time.perf_counter()
    table = aggregate.load_table(data)
    load_s = time.perf_counter() - began
    rss = process.memory_info().rss
    # The busiest place: the most frequent point.
    points, counts = np.unique(
        np.stack([table.lat.round(3), table.lon.round(3)], axis=1), axis=0, return_counts=True
    )
    busy_lat, busy_lon = points[counts.argmax()]
    views = {
        "world z3": (view_bounds(25.0, 40.0, 3), 3),
        "zoomed z9": (view_bounds(float(busy_lat), float(busy_lon), 9), 9),
    }
    first = FIRST_DAY + datetime.timedelta(days=200)
    result: dict[str, Any] = {
        "events": len(table),
        "load_s": load_s,
        "rss_mb": rss / 1e6,
        "table_mb": (rss - rss_before) / 1e6,
        "views": {},
    }
    for label, (bounds, zoom) in views.items():
        core, total, sizes, kinds = [], [], [], set()
        for step in range(STEPS):
            start = first + datetime.timedelta(days=STEP_DAYS * step)
            end = start + datetime.timedelta(days=WINDOW_DAYS - 1)
            t0 = time.perf_counter()
            mask = aggregate.in_window(table, start, end, None)
            layer = aggregate.view_layer(table, mask, bounds, zoom)
            t1 = time.perf_counter()
            payload = json.dumps(layer.to_json(), separators=(",", ":"))
            t2 = time.perf_counter()
            core.append(t1 - t0)
            total.append(t2 - t0)
            sizes.append(len(payload.encode()))
            kinds.add(layer.kind)
        result["views"][label] = {
            "core_p50_ms": 1000 * percentile(core, 50),
            "core_p95_ms": 1000 * percentile(core, 95),
            "step_p50_ms": 1000 * percentile(total, 50),
            "step_p95_ms": 1000 * percentile(total, 95),
            "kb_p50": percentile(sizes, 50) / 1000,
            "kb_max": max(sizes) / 1000,
            "in_view_last": layer.counts.in_view,
            "kinds": sorted(kinds),
        }
    bounds, zoom = views["world z3"]
    t0 = time.perf_counter()
    layer = aggregate.view_layer(table, aggregate.in_window(table, None, None), bounds, zoom)
    payload = json.dumps(layer.to_json(), separators=(",", ":"))
    result["all_time_world_ms"] = 1000 * (time.perf_counter() - t0)
    result["all_time_world_kb"] = len(payload) / 1000
    picked = [str(i) for i in table.ids[:: max(1, len(table) // 5)][:5]]
    t0 = time.perf_counter()
    records = aggregate.records_by_id(data, picked)
    result["records_by_id_ms"] = 1000 * (time.perf_counter() - t0)
    assert [r["properties"]["id"] for r in records] == picked
    return result


def check_writer(n: int) -> float:
    """Seconds write_store takes for n events, every field filled (its own path: feature
    lines, a GeoDataFrame of them, one GeoParquet file per month)."""
    from geo.corpus.io.store import write_store

    events = synthetic_events(n)
    lines, months = [], []
    for i in range(n):
        day = FIRST_DAY + datetime.timedelta(days=int(events["start"][i]))
        props = record(
            id=f"a{i // 3}:{i}",
            event_type=TYPES[events["type"][i]],
            date_start=day.isoformat(),
            date_end=day.isoformat(),
            incident_id=f"I-{events['incident'][i]}",
            geo_precision=int(events["precision"][i]),
            snippet=f"Forces were reported near Place {events['place'][i]}, number {i}.",
        )
        point = [float(events["lon"][i]), float(events["lat"][i])]
        geometry = {"type": "Point", "coordinates": point}
        lines.append(json.dumps({"type": "Feature", "geometry": geometry, "properties": props}))
        months.append(month_of(props["date_start"]))
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        write_store(Path(tmp), lines, months)
        return time.perf_counter() - began


def report(size: int, written_s: float, r: dict[str, Any]) -> None:
    print(f"\n== {size:,} events (store written in {written_s:.1f} s)")
    print(
        f"load_table {r['load_s']:.2f} s; RSS after load {r['rss_mb']:.0f} MB "
        f"(+{r['table_mb']:.0f} MB for the table)"
    )
    for label, v in r["views"].items():
        print(
            f"{label:10} in_window+view_layer p50 {v['core_p50_ms']:.1f} ms, "
            f"p95 {v['core_p95_ms']:.1f} ms; with to_json+dumps p50 {v['step_p50_ms']:.1f} ms, "
            f"p95 {v['step_p95_ms']:.1f} ms; JSON p50 {v['kb_p50']:.1f} KB, max "
            f"{v['kb_max']:.1f} KB; {'/'.join(v['kinds'])}; last step {v['in_view_last']:,} "
            "in view"
        )
    print(
        f"whole corpus at the world view: {r['all_time_world_ms']:.0f} ms, "
        f"{r['all_time_world_kb']:.1f} KB; records_by_id(5 ids) {r['records_by_id_ms']:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "map-scale")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    parser.add_argument(
        "--check-writer", type=int, metavar="N", help="time write_store on N events and stop"
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    if args.check_writer:
        print(f"write_store, {args.check_writer:,} events: {check_writer(args.check_writer):.1f} s")
        return 0
    for size in args.sizes:
        data = args.out / str(size)
        written_s = write_synthetic_store(size, data)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(data)],
            check=True,
            capture_output=True,
            text=True,
        )
        report(size, written_s, json.loads(child.stdout.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
