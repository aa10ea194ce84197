"""Seconds and file size of each export format (geo.corpus.io): the seeds, and 10,000
synthetic events (benchmarks/synthetic.py).

    python benchmarks/export_formats.py [--runs 3]

Time is `write_events` end to end (the file complete and renamed into place), the best of
the runs, in one warm process: the first GeoPackage or GeoParquet of a process also pays
for importing GDAL and pyarrow, printed once on its own line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synthetic import synthesize  # noqa: E402

from geo.corpus.build import build  # noqa: E402
from geo.corpus.io import FORMATS, write_events  # noqa: E402
from geo.corpus.records import EventFeature  # noqa: E402
from geo.map import filters  # noqa: E402


def read_events(data: Path) -> list[EventFeature]:
    """synthetic.py's events, read as they are: its articles.json carries no digest of
    them, which `load_events` checks."""
    features: list[EventFeature] = json.loads((data / "events.geojson").read_text("utf-8"))[
        "features"
    ]
    return features


def import_seconds() -> float:
    started = time.perf_counter()
    import geo.corpus.io.gpkg  # noqa: F401
    import geo.corpus.io.parquet  # noqa: F401

    return time.perf_counter() - started


def measure(features: list[EventFeature], folder: Path, fmt: str, runs: int) -> tuple[float, int]:
    path = folder / f"events{FORMATS[fmt].suffix}"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        write_events(features, path, fmt)
        times.append(time.perf_counter() - started)
    return min(times), path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        build(ROOT / "seeds", seeds, processes=1, progress=False)
        big = synthesize(10_000, Path(tmp) / "big")
        print(f"importing pyogrio/GDAL, geopandas, pyarrow: {import_seconds():.2f} s")
        print(f"{'events':>7} {'format':<8} {'seconds':>8} {'size':>10}")
        for features in (filters.load_events(seeds / "events.geojson"), read_events(big)):
            for fmt in FORMATS:
                seconds, size = measure(features, Path(tmp), fmt, args.runs)
                print(f"{len(features):>7} {fmt:<8} {seconds:>8.3f} {size / 1e6:>8.2f} MB")


if __name__ == "__main__":
    main()
