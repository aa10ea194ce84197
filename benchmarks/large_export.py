"""The HTML export of a large corpus (geo.map.large_export) at 100,000 and 1,000,000 events.

For each size, a synthetic store (benchmarks/map_scale.py's: the build's layout and schema)
then `campaign-map export` in its own process, default window (the most recent stretch that
fits EXPORT_MOST_EVENTS): its wall time and peak memory, the file's size and how much of it
is the overview (the grey clusters made ahead per zoom), and the page's time to interactive
in headless Debian chromium from file:// with the network cut (navigation start to the
window's markers added, `data-visible-events`, and to the overview drawn).

`--full N` also measures what one file of every event would be (the export before this one:
`export_map` over all of N events, read from the store): its size and time to interactive.

    .venv/bin/python benchmarks/large_export.py
    .venv/bin/python benchmarks/large_export.py --sizes 100000 --full 100000
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from map_scale import write_synthetic_store  # noqa: E402
from probes import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SIZES = (100_000, 1_000_000)
CLI = ROOT / ".venv" / "bin" / "campaign-map"

READY_JS = "() => document.documentElement.hasAttribute('data-visible-events')"
OVERVIEW_JS = "() => !!(window.cmOverviewGroup && window.cmOverviewGroup.cmZoom !== undefined)"


def run_export(data: Path, target: Path) -> tuple[float, float, str]:
    """(seconds, peak MB of the export's process, what it printed)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(CLI), "export", "--data", str(data), "--out", str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb, done.stdout.strip()


def overview_bytes(page: str) -> int:
    """The size of the overview's data in the page (window.cmZoomAggregates' call)."""
    found = re.search(r"window\.cmZoomAggregates\((.*?)\);\n", page, re.S)
    return len(found[1]) if found else 0


def interactive(browser, target: Path, overview: bool, runs: int = 3) -> list[tuple[float, ...]]:
    """Per run: seconds from navigation to the markers (and to the overview drawn)."""
    out = []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        started = time.perf_counter()
        page.goto(target.as_uri(), timeout=600_000)
        page.wait_for_function(READY_JS, timeout=600_000, polling=50)
        ready = time.perf_counter() - started
        times: tuple[float, ...] = (ready,)
        if overview:
            page.wait_for_function(OVERVIEW_JS, timeout=600_000, polling=50)
            times += (time.perf_counter() - started,)
        out.append(times)
        page.close()
    return out


def full_export(data: Path, target: Path) -> tuple[int, float]:
    """Every event of the store in one export (`export_map`): (bytes, seconds)."""
    from geo.map import aggregate
    from geo.map.export import export_map, write_export
    from geo.map.large_export import articles_of

    started = time.perf_counter()
    table = aggregate.load_table(data)
    features: list = aggregate.records_by_id(data, table.ids.tolist())
    size = write_export(export_map(features, articles_of(features)), target)
    return size, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--full", type=int, metavar="N", help="also one file of all N events")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "large-export")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for size in args.sizes:
            data = args.out / str(size) / "mapdata"
            write_synthetic_store(size, data)
            target = args.out / str(size) / "export.html"
            seconds, peak_mb, said = run_export(data, target)
            page = target.read_text(encoding="utf-8")
            runs = interactive(browser, target, overview=True)
            print(f"\n== {size:,} events: {said}")
            print(
                f"export {seconds:.1f} s, peak memory (largest export process so far) "
                f"{peak_mb:.0f} MB; file {len(page.encode()) / 1e6:.2f} MB, of which the "
                f"overview {overview_bytes(page) / 1e6:.2f} MB"
            )
            print(
                "chromium: markers "
                + ", ".join(f"{r[0]:.2f}" for r in runs)
                + " s; overview drawn "
                + ", ".join(f"{r[1]:.2f}" for r in runs)
                + " s"
            )
        if args.full:
            data = args.out / str(args.full) / "mapdata"
            if not data.is_dir():
                write_synthetic_store(args.full, data)
            target = args.out / str(args.full) / "everything.html"
            size_bytes, seconds = full_export(data, target)
            runs = interactive(browser, target, overview=False, runs=1)
            print(
                f"\n== every one of {args.full:,} events in one export: {size_bytes / 1e6:.1f} MB "
                f"in {seconds:.1f} s; chromium: markers {runs[0][0]:.1f} s"
            )
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
