"""The picture, measured: what the first view shows on the screens the map is used on.

For the static export and the app's briefing screen, at a desk size (1400x900), a full-HD
screen (1920x1080) and a 4K wall screen (3840x2160), on the seeds (or --data), prints:
- zoom: the first view's zoom (a region, not the world: 5 or more for one campaign);
- cover: the share of the screen the map covers;
- labels / overlaps: map labels on screen and how many pairs of them overlap, in the first
  view and after zooming in and out twice;
- outside: visible event markers (or cluster bubbles) not inside the map's viewport.
With --screenshots DIR it also saves the views as JPEGs (`--screenshots docs`: the README's).

    .venv/bin/python benchmarks/picture.py [--data DIR] [--screenshots docs/]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probes  # noqa: E402  (benchmarks/ is not a package)

SIZES = ((1400, 900), (1920, 1080), (3840, 2160))
MAP_FRAME = probes.MAP_FRAME
# Every element that is a map label: basemap cities and towns, event-place labels.
LABELS = ".basemap-city span, .cm-label"

# In a page (or the map's frame): the Leaflet map, its labels and its markers.
STATE_JS = """(labelSelector) => {
    var map = window.map;
    if (!(map instanceof L.Map)) {
        map = Object.keys(window).map(function (k) { return window[k]; })
            .filter(function (v) { return v instanceof L.Map; })[0];
    }
    var box = map.getContainer().getBoundingClientRect();
    function shown(e) {
        var r = e.getBoundingClientRect(), s = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && s.visibility !== "hidden" &&
            s.display !== "none" && Number(s.opacity) > 0.05 &&
            r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
    }
    var rects = Array.prototype.filter.call(document.querySelectorAll(labelSelector), shown)
        .map(function (e) { return e.getBoundingClientRect(); });
    var overlaps = 0;
    for (var i = 0; i < rects.length; i++) {
        for (var j = i + 1; j < rects.length; j++) {
            var a = rects[i], b = rects[j];
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
                overlaps += 1;
            }
        }
    }
    var outside = 0, markers = 0;
    document.querySelectorAll(".cm-event, .marker-cluster").forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (!r.width) { return; }
        var x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
        markers += 1;
        if (x < box.left || x > box.right || y < box.top || y > box.bottom) { outside += 1; }
    });
    return {zoom: map.getZoom(), labels: rects.length, overlaps: overlaps,
            markers: markers, outside: outside,
            map: [box.width, box.height]};
}"""

ZOOM_JS = """(delta) => {
    var map = window.map;
    if (!(map instanceof L.Map)) {
        map = Object.keys(window).map(function (k) { return window[k]; })
            .filter(function (v) { return v instanceof L.Map; })[0];
    }
    map.setZoom(map.getZoom() + delta, {animate: false});
}"""


def _settle(frame: Any, timeout_ms: int = 60_000) -> None:
    frame.wait_for_function(
        "document.documentElement.getAttribute('data-basemap') === 'drawn'"
        " && document.documentElement.getAttribute('data-cm-applied') !== null",
        timeout=timeout_ms,
    )
    time.sleep(0.8)  # labels lay out after the last move (debounced)


def measure(frame: Any, page: Any) -> dict[str, Any]:
    """The first view, then the worst overlaps after zooming in and out twice."""
    first = frame.evaluate(STATE_JS, LABELS)
    worst = first["overlaps"]
    for delta in (2, -2, 2, -2):
        frame.evaluate(ZOOM_JS, delta)
        time.sleep(0.8)
        worst = max(worst, frame.evaluate(STATE_JS, LABELS)["overlaps"])
    first["overlaps_after_zooming"] = worst
    viewport = page.viewport_size
    first["cover"] = first["map"][0] * first["map"][1] / (viewport["width"] * viewport["height"])
    return first


def report(view: str, size: tuple[int, int], figures: dict[str, Any]) -> None:
    print(
        f"{view:9} {size[0]}x{size[1]:<5} zoom {figures['zoom']:>4} "
        f"cover {figures['cover']:.0%}  labels {figures['labels']:>3}  overlaps "
        f"{figures['overlaps']:>3} (after zooming {figures['overlaps_after_zooming']:>3})  "
        f"markers {figures['markers']:>3}, outside view {figures['outside']}",
        flush=True,
    )


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    probes.require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(probes.CHROMIUM), args=probes.CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def export_views(browser: Any, data: Path, shots: Path | None) -> None:
    from geo.map.export import export_map, load_articles, write_export
    from geo.map.filters import load_events

    features = load_events(data / "events.geojson")
    articles = load_articles(data / "articles.json")
    with tempfile.TemporaryDirectory() as tmp:
        for style in ("light", "dark"):
            target = Path(tmp) / f"export-{style}.html"
            write_export(export_map(features, articles, briefing=style == "dark"), target)
            for size in SIZES:
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                page.goto(target.as_uri())
                _settle(page)
                if shots and size == (1920, 1080):
                    page.screenshot(path=str(shots / f"export-{style}.jpg"), quality=80)
                report(f"export-{style[0]}", size, measure(page, page))
                page.close()


def briefing_views(browser: Any, corpus: Path, data: Path, shots: Path | None) -> None:
    with (
        tempfile.TemporaryDirectory() as logs,
        probes.serve(corpus, data, Path(logs) / "server.log") as server,
    ):
        for size in SIZES:
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            page.goto(f"{server.url}/?view=briefing&speed=60")
            frame = page.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame()
            _settle(frame)
            if shots and size[0] >= 1920:
                page.screenshot(path=str(shots / f"briefing-{size[0]}x{size[1]}.jpg"), quality=80)
            report("briefing", size, measure(frame, page))
            page.close()
        if shots:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(server.url)
            _settle(page.wait_for_selector(MAP_FRAME, timeout=90_000).content_frame())
            page.screenshot(path=str(shots / "dashboard.jpg"), full_page=True, quality=80)
            page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a built data folder (default: seeds)")
    parser.add_argument("--corpus", type=Path, help="its corpus folder (for the app)")
    parser.add_argument("--screenshots", type=Path, help="save the views as PNGs here")
    parser.add_argument("--only", choices=("export", "briefing"), help="one kind of view")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.data:
            corpus, data = args.corpus or args.data, args.data
        else:
            corpus, data = probes.seed_data(Path(tmp))
        if args.screenshots:
            args.screenshots.mkdir(parents=True, exist_ok=True)
        with chromium() as browser:
            if args.only != "briefing":
                export_views(browser, data, args.screenshots)
            if args.only != "export":
                briefing_views(browser, corpus, data, args.screenshots)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
