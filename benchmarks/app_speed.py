"""App speed in a real browser: first map paint, and slider latency with 10,000 events.

    python benchmarks/app_speed.py [--events 10000] [--steps 30] [--naive-steps 8]

Starts the real app (`app.py`) on loopback, on the seeds and on synthetic data
(`benchmarks/synthetic.py`), with an empty corpus folder so it never rebuilds, and drives it
with Debian's chromium (headless, through Playwright):

- first map paint: from `page.goto` to the map frame's <html data-visible-events> (markers
  added), on a fresh browser context each time; cold = first page after the server started,
  warm = median of the next pages;
- slider latency: the date slider's start thumb moved by keyboard, from the keydown event to
  the next animation frame after the map has the new markers (its `data-cm-applied` set by
  `window.cmApply` once Leaflet.markercluster's chunked additions finished). Measured
  inside the browser: a MutationObserver in the (same-origin) map frame and a keydown listener
  in the page, both on `performance.timeOrigin + performance.now()`;
- the same for `benchmarks/naive_app.py` (a new folium map with a Marker and Popup per event,
  re-rendered whole on every change); there every change makes a new map frame, which stamps
  its own draw time.

Prints the figures on stdout (the README quotes them) and progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.probes import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    START_THUMB,
    STARTED,
    is_remote,
    log,
    percentile,
    require_chromium,
    serve,
)
from benchmarks.synthetic import synthesize  # noqa: E402
from geo.corpus.build import build  # noqa: E402

TARGET_PAINT_S, TARGET_P95_MS, TARGET_RATIO = 3.0, 300.0, 10.0

# In the page: when each key went down, on the clock the map frame uses too.
KEYDOWN_JS = """() => {
    window.__cmKeys = [];
    document.addEventListener("keydown", function (e) {
        window.__cmKeys.push(performance.timeOrigin + e.timeStamp);
    }, true);
}"""
# In the app's map frame (it lives on across reruns): what happened when. "drawn" is the first
# animation frame after cmApply set data-visible-events; "settled" the first after
# data-cm-applied moved: the filter finished, markercluster's chunked additions included.
OBSERVER_JS = """() => {
    var bench = window.__cmBench = {events: []};
    var now = function () { return performance.timeOrigin + performance.now(); };
    var html = document.documentElement;
    new MutationObserver(function (records) {
        records.forEach(function (r) {
            var value = html.getAttribute(r.attributeName);
            bench.events.push([now(), r.attributeName, value]);
            var after = {"data-visible-events": "drawn", "data-cm-applied": "settled"};
            if (after[r.attributeName]) {
                requestAnimationFrame(function () {
                    bench.events.push([now(), after[r.attributeName], value]);
                });
            }
        });
    }).observe(html, {attributes: true, attributeFilter: [
        "data-visible-events", "data-mounted-at", "data-cm-applied"]});
    window.addEventListener("message", function (e) {
        if (e.data && e.data.type === "streamlit:render") {
            bench.events.push([now(), "render-message", ""]);
        }
    }, true);
    document.querySelector(".leaflet-container").__cmBenchProbe = true;
    return (window.campaignLayers || []).length;
}"""
PROBE_JS = """() => [document.documentElement.getAttribute("data-mounted-at"),
                    !!(window.__cmBench && document.querySelector(".leaflet-container")
                       && document.querySelector(".leaflet-container").__cmBenchProbe)]"""
SCRIPT_STATE_JS = """() => {
    var app = document.querySelector('[data-testid="stApp"]');
    return app ? app.getAttribute("data-test-script-state") : null;
}"""


@dataclass
class Browser:
    """Headless chromium; every request to a host other than loopback is counted."""

    chromium: object
    remote: list[str] = field(default_factory=list)

    @contextlib.contextmanager
    def page(self) -> Iterator[object]:
        context = self.chromium.new_context(viewport={"width": 1600, "height": 1000})

        def seen(request) -> None:
            if is_remote(request.url):
                self.remote.append(request.url)

        context.on("request", seen)
        try:
            yield context.new_page()
        finally:
            context.close()


def map_frame(pg) -> object:
    return pg.locator(MAP_FRAME).last.element_handle().content_frame()


def wait_idle(pg, timeout: float = 120.0, quiet: float = 0.4) -> float:
    """Until the app's script has not been running for `quiet` seconds; returns when it
    stopped (time.monotonic)."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        if pg.evaluate(SCRIPT_STATE_JS) == "notRunning":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= quiet:
                return idle_since
        else:
            idle_since = None
        pg.wait_for_timeout(50)
    raise TimeoutError("the app kept running")


def open_map(pg, url: str) -> float:
    """Seconds from `goto` to the map frame's <html data-visible-events>."""
    started = time.perf_counter()
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector(MAP_FRAME, state="attached", timeout=180_000)
    pg.locator(MAP_FRAME).last.content_frame.locator("html[data-visible-events]").wait_for(
        state="attached", timeout=180_000
    )
    return time.perf_counter() - started


def first_paints(browser: Browser, url: str, runs: int, label: str) -> list[float]:
    times = []
    for i in range(runs):
        with browser.page() as pg:
            times.append(open_map(pg, url))
            log(f"{label}: first map paint {i + 1}/{runs}: {times[-1]:.2f} s")
    return times


@dataclass
class Step:
    key: str
    latency_ms: float  # keydown -> markers drawn
    message_ms: float | None  # keydown -> the map frame got the rerun's render message
    rerun_ms: float  # key press -> the app's script finished (Python clock)
    count: int


def poll(pg, check: Callable[[], object], timeout: float, what: str) -> object:
    """Until `check()` is truthy. Waits with Playwright, not time.sleep: the sync API handles
    browser events (such as a new frame) only while one of its calls is running."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {timeout:.0f} s")
        pg.wait_for_timeout(8)


def ours_slider(pg, keys: list[str], timeout: float) -> tuple[list[Step], dict[str, object]]:
    """Move the start thumb once per key; the map frame must not be rebuilt meanwhile."""
    frame = map_frame(pg)
    pg.evaluate(KEYDOWN_JS)
    pg.locator(MAP_FRAME).last.evaluate("el => { el.__cmBenchProbe = true; }")
    mounted_before = frame.evaluate(PROBE_JS)[0]
    frame.evaluate(OBSERVER_JS)
    thumb = pg.locator(START_THUMB).first
    thumb.focus()
    count = int(frame.evaluate("document.documentElement.getAttribute('data-visible-events')"))
    steps, mounted_seen = [], {mounted_before}
    for i, key in enumerate(keys):
        frame.evaluate("window.__cmBench.events = []")
        n_keys = pg.evaluate("window.__cmKeys.length")
        pressed = time.monotonic()
        thumb.press(key)

        def done() -> list | None:
            events = frame.evaluate("window.__cmBench.events")
            return events if "settled" in [e[1] for e in events] else None

        events = poll(pg, done, timeout, "map update")
        keydown = pg.evaluate(f"window.__cmKeys[{n_keys}]")
        rerun = (wait_idle(pg, timeout) - pressed) * 1000
        by_kind: dict[str, list] = {}
        for event in events:
            by_kind.setdefault(event[1], []).append(event)
        mounted_seen.update(e[2] for e in by_kind.get("data-mounted-at", []))
        updated = max(e[0] for e in events if e[1] in {"drawn", "settled"})
        message = by_kind.get("render-message")
        new_count = int(by_kind["data-visible-events"][-1][2])
        steps.append(
            Step(
                key,
                updated - keydown,
                message[0][0] - keydown if message else None,
                rerun,
                new_count,
            )
        )
        log(
            f"ours step {i + 1}/{len(keys)} {key}: {count} -> {new_count} events, "
            f"{steps[-1].latency_ms:.0f} ms (message after "
            f"{steps[-1].message_ms or float('nan'):.0f} ms, rerun done after {rerun:.0f} ms)"
        )
        count = new_count
    mounted_after, probe = frame.evaluate(PROBE_JS)
    same_iframe = pg.locator(MAP_FRAME).last.evaluate("el => !!el.__cmBenchProbe")
    checks = {
        "mounted_at_unchanged": mounted_seen == {mounted_before} == {mounted_after},
        "same_map_container": bool(probe),
        "same_iframe": same_iframe,
        "map_frames": pg.locator(MAP_FRAME).count(),
    }
    return steps, checks


def naive_app(
    browser: Browser,
    corpus: Path,
    data: Path,
    base: Path,
    steps: int,
    timeout: float,
    deadline: float,
) -> tuple[float, int, list[Step]]:
    """First paint, visible events at the start and the slider steps of the naive app."""
    with (
        serve(corpus, data, base / "naive.log", app=ROOT / "benchmarks" / "naive_app.py") as server,
        browser.page() as pg,
    ):
        paint = open_map(pg, server.url)
        log(f"naive: first map paint {paint:.2f} s")
        wait_idle(pg, 180, quiet=1.0)
        start = int(
            map_frame(pg).evaluate("document.documentElement.getAttribute('data-visible-events')")
        )
        return paint, start, naive_slider(pg, ["ArrowRight"] * steps, timeout, deadline)


def naive_slider(pg, keys: list[str], timeout: float, deadline: float) -> list[Step]:
    """Each change replaces the map frame; the new frame stamps when it drew its markers."""
    pg.evaluate(KEYDOWN_JS)
    thumb = pg.locator(START_THUMB).first
    thumb.focus()
    count = int(
        map_frame(pg).evaluate("document.documentElement.getAttribute('data-visible-events')")
    )
    steps: list[Step] = []
    for i, key in enumerate(keys):
        if steps and time.monotonic() > deadline:
            log(f"naive: time budget spent, stopping after {len(steps)} steps")
            break
        old = [f for f in pg.frames if "st_folium" in f.url]
        n_keys = pg.evaluate("window.__cmKeys.length")
        pressed = time.monotonic()
        thumb.press(key)

        def drawn(old=old) -> tuple | None:
            for frame in pg.frames:
                if "st_folium" not in frame.url or frame in old:
                    continue
                with contextlib.suppress(Exception):  # a frame still loading or gone
                    stamp = frame.evaluate("""() => [
                        document.documentElement.getAttribute("data-visible-events"),
                        document.documentElement.getAttribute("data-frame-at")]""")
                    if stamp[1]:
                        return stamp
            return None

        visible, drawn_at = poll(pg, drawn, timeout, "new naive map")
        keydown = pg.evaluate(f"window.__cmKeys[{n_keys}]")
        rerun = (wait_idle(pg, timeout) - pressed) * 1000
        steps.append(Step(key, float(drawn_at) - keydown, None, rerun, int(visible)))
        log(
            f"naive step {i + 1}/{len(keys)} {key}: {count} -> {visible} events, "
            f"{steps[-1].latency_ms:.0f} ms"
        )
        count = int(visible)
    return steps


def summary(steps: list[Step]) -> str:
    ms = [s.latency_ms for s in steps]
    return (
        f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
        f"max {max(ms):.0f} ms ({len(ms)} steps)"
    )


def changed(steps: list[Step], start: int) -> int:
    counts = [start, *(s.count for s in steps)]
    return sum(a != b for a, b in zip(counts, counts[1:], strict=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=30, help="slider steps on the app")
    parser.add_argument(
        "--revisit-steps",
        type=int,
        default=10,
        help="extra steps going back and forth between two positions",
    )
    parser.add_argument("--naive-steps", type=int, default=8)
    parser.add_argument("--step-timeout", type=float, default=120.0)
    parser.add_argument(
        "--budget",
        type=float,
        default=540.0,
        help="seconds; the naive app gets fewer steps past this",
    )
    args = parser.parse_args()
    require_chromium()
    if not (ROOT / "mapdata" / "basemap.geojson").exists():
        sys.exit("no basemap: run `campaign-map build` (or `python -m geo.map.basemap_build`)")
    from playwright.sync_api import sync_playwright

    def say(line: str) -> None:
        print(line, flush=True)

    with tempfile.TemporaryDirectory(prefix="cm-app-speed-") as tmp, sync_playwright() as pw:
        base = Path(tmp)
        corpus = base / "corpus"
        corpus.mkdir()  # empty: the app maps what is in CAMPAIGN_MAP_DATA and builds nothing
        log("building the seeds' map data")
        seeds = base / "seeds"
        build(ROOT / "seeds", seeds, processes=1, progress=False)
        seed_events = len(json.loads((seeds / "events.geojson").read_text("utf-8"))["features"])
        log(f"making {args.events:,} synthetic events")
        big = synthesize(args.events, base / f"synthetic-{args.events}")
        stamps = {p: (p / "events.geojson").stat().st_mtime_ns for p in (seeds, big)}
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        browser = Browser(chromium)
        try:
            say(
                f"Campaign Map app speed: headless chromium, {os.cpu_count()} cores, "
                f"synthetic data {args.events:,} events; load average before: "
                f"{os.getloadavg()[0]:.2f} (other work on the machine skews every figure)"
            )
            with serve(corpus, seeds, base / "seeds.log") as server:
                seed_paints = first_paints(browser, server.url, 3, "seeds")
            with serve(corpus, big, base / "big.log") as server:
                url = server.url
                big_paints = first_paints(browser, url, 3, f"{args.events} events")
                with browser.page() as pg:
                    open_map(pg, url)
                    wait_idle(pg, 180, quiet=1.5)
                    start = int(
                        map_frame(pg).evaluate(
                            "document.documentElement.getAttribute('data-visible-events')"
                        )
                    )
                    # New positions each time (one day later): nothing is served from
                    # Streamlit's message cache, as when an analyst scans through time.
                    sweep, checks = ours_slider(pg, ["ArrowRight"] * args.steps, args.step_timeout)
                    revisit, revisit_checks = ours_slider(
                        pg,
                        ["ArrowLeft", "ArrowRight"] * (args.revisit_steps // 2),
                        args.step_timeout,
                    )
            rebuilt = [
                p.name for p, t in stamps.items() if (p / "events.geojson").stat().st_mtime_ns != t
            ]
            naive_deadline = STARTED + args.budget
            naive_paint, naive_start, naive = (
                naive_app(
                    browser, corpus, big, base, args.naive_steps, args.step_timeout, naive_deadline
                )
                if args.naive_steps
                else (float("nan"), 0, [])
            )
        finally:
            chromium.close()

    def paints(label: str, times: list[float]) -> tuple[float, float]:
        cold, warm = times[0], statistics.median(times[1:])
        say(
            f"first map paint, {label}: cold {cold:.2f} s, warm {warm:.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
        )
        return cold, warm

    say(
        "setup: empty corpus folder; events.geojson "
        + (
            "rewritten in " + ", ".join(rebuilt) + ": THE APP REBUILT"
            if rebuilt
            else "untouched by the app: no rebuild"
        )
    )
    seed_cold, seed_warm = paints(f"seeds ({seed_events} events)", seed_paints)
    big_cold, big_warm = paints(f"{args.events:,} events", big_paints)
    say(f"first map paint, naive app, {args.events:,} events: {naive_paint:.2f} s (cold)")
    say(
        f"slider, app, {args.events:,} events, start thumb +1 day per step (new positions): "
        f"{summary(sweep)}; visible count changed in {changed(sweep, start)}/{len(sweep)} "
        f"steps ({start} -> {sweep[-1].count})"
    )
    messages = [s.message_ms for s in sweep if s.message_ms is not None]
    if messages:
        say(
            f"  median keydown -> render message in the map frame (server + transfer): "
            f"{statistics.median(messages):.0f} ms; message -> markers drawn: "
            f"{statistics.median(s.latency_ms - s.message_ms for s in sweep if s.message_ms):.0f}"
            f" ms; whole rerun finished: median {statistics.median(s.rerun_ms for s in sweep):.0f}"
            " ms"
        )
    say(
        f"  no remount: data-mounted-at unchanged {checks['mounted_at_unchanged']}, same map "
        f"container {checks['same_map_container']}, same iframe {checks['same_iframe']}, "
        f"map frames on the page {checks['map_frames']}"
    )
    say(
        f"slider, app, back and forth between two positions: {summary(revisit)}; no remount: "
        f"{all(v is True for k, v in revisit_checks.items() if k != 'map_frames')}"
    )
    if naive:
        say(
            f"slider, naive app, {args.events:,} events, +1 day per step: {summary(naive)}; "
            f"visible count changed in {changed(naive, naive_start)}/{len(naive)} steps"
        )
    ours_p95 = percentile([s.latency_ms for s in sweep], 95)
    ratio = percentile([s.latency_ms for s in naive], 95) / ours_p95 if naive else float("nan")
    say(f"ratio naive p95 / app p95: {ratio:.1f}x" if naive else "naive app: not run")
    say(f"remote requests from the browser: {len(browser.remote)}")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    say(
        f"target first paint < {TARGET_PAINT_S:.0f} s: seeds cold {verdict(seed_cold < 3)}, "
        f"seeds warm {verdict(seed_warm < 3)}; {args.events:,} events cold "
        f"{verdict(big_cold < 3)}, warm {verdict(big_warm < 3)}"
    )
    say(
        f"target slider p95 < {TARGET_P95_MS:.0f} ms: {verdict(ours_p95 < TARGET_P95_MS)} "
        f"({ours_p95:.0f} ms)"
    )
    say(f"target naive/app >= {TARGET_RATIO:.0f}x: {verdict(ratio >= TARGET_RATIO)} ({ratio:.1f}x)")
    say(f"load average after: {os.getloadavg()[0]:.2f}; took {time.monotonic() - STARTED:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
