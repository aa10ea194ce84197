"""The app with a large corpus (geo.app.large_corpus), in Chromium: 100,000 and 1,000,000
synthetic events in the build's store (benchmarks/map_scale.py writes them).

    python benchmarks/app_scale.py [--sizes 100000 1000000] [--steps 30]

For each size: first paint (a new page until the map shows the server's layer; the first
visitor comes as soon as the server answers, while it may still be reading the store, which
it does as it starts, and is the first run of the page), slider steps (a key press on the
window's start until the map shows the new layer), the app server's memory. The targets:
first paint < 3 s, slider p95 < 300 ms. The dashboard at 10,000 events is
benchmarks/app_speed.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.map_scale import write_synthetic_store  # noqa: E402
from geo.app import server as app_server  # noqa: E402
from geo.map.snapshot import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

LAYER_JS = """(before) => { const g = window.cmAggregateGroup;
    return !!(g && g._map && g !== before && g.getLayers().length); }"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def map_frame(pg):  # noqa: ANN001, ANN201 - playwright objects
    element = pg.locator('iframe[title="streamlit_folium.st_folium"]')
    element.wait_for(timeout=120_000)
    return element.element_handle().content_frame()


def first_paint(browser, url: str) -> float:  # noqa: ANN001
    pg = browser.new_page(viewport={"width": 1600, "height": 1000})
    started = time.perf_counter()
    pg.goto(url)
    map_frame(pg).wait_for_function(LAYER_JS, arg=None, timeout=120_000)
    seconds = time.perf_counter() - started
    pg.close()
    return seconds


def press(pg, frame, key: str) -> float:  # noqa: ANN001
    """Seconds from a key press on the focused slider thumb until the map shows the layer
    of the new window."""
    before = frame.evaluate_handle("() => window.cmAggregateGroup")
    started = time.perf_counter()
    pg.keyboard.press(key)
    frame.wait_for_function(LAYER_JS, arg=before, timeout=120_000)
    return time.perf_counter() - started


def slider_steps(browser, url: str, steps: int, month: bool = False) -> list[float]:  # noqa: ANN001
    """Steps of a day on the window: its start, from the whole span (the page's first
    window); or (`month`) its end, from a window of the first 30 days."""
    pg = browser.new_page(viewport={"width": 1600, "height": 1000})
    pg.goto(url)
    frame = map_frame(pg)
    frame.wait_for_function(LAYER_JS, arg=None, timeout=120_000)
    thumbs = pg.get_by_role("slider")
    if month:
        thumbs.nth(1).focus()
        press(pg, frame, "Home")  # the end on the first day: a window of one day
        for _ in range(30):
            press(pg, frame, "ArrowRight")
    else:
        thumbs.first.focus()
    times = [press(pg, frame, "ArrowRight") for _ in range(steps)]
    pg.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--paints", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data, corpus = Path(tmp) / "mapdata", Path(tmp) / "corpus"
            corpus.mkdir()
            write_synthetic_store(size, data)
            env = {"CAMPAIGN_MAP_DATA": str(data), "CAMPAIGN_MAP_CORPUS": str(corpus)}
            with (
                app_server.running(ROOT / "app.py", cwd=ROOT, env=env) as app,
                sync_playwright() as pw,
            ):
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                server = psutil.Process(app.process.pid)
                paints = [first_paint(browser, app.url) for _ in range(args.paints)]
                steps = slider_steps(browser, app.url, args.steps)
                month = slider_steps(browser, app.url, args.steps, month=True)
                rss = sum(p.memory_info().rss for p in [server, *server.children(True)])
                browser.close()
            print(
                f"{size:,} events: first paint {paints[0]:.2f} s (first visitor), then "
                f"{', '.join(f'{p:.2f}' for p in paints[1:])} s; slider "
                f"p50 {statistics.median(steps) * 1000:.0f} ms, p95 "
                f"{percentile(steps, 0.95) * 1000:.0f} ms over {len(steps)} steps from the "
                f"whole span, p50 {statistics.median(month) * 1000:.0f} ms, p95 "
                f"{percentile(month, 0.95) * 1000:.0f} ms with a 30-60 day window; app "
                f"server {rss / 1e6:.0f} MB",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
