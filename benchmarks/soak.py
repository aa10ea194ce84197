"""The briefing screen left playing for an hour, compressed: does memory stay flat in the
browser and in the server?

    python benchmarks/soak.py [--steps 3600] [--speed 0.1] [--every 100] [--max-minutes 25]

The briefing view (`?view=briefing`) plays by itself: the app's map panel (a fragment with
`run_every`) moves the date window one step (a week) every `speed` seconds, 1 s by default,
and loops at the end of the campaign. An hour on the wall is 3,600 steps at that pace. This
benchmark opens `?view=briefing&speed=<--speed>` (the URL sets the pace, see
`geo.app.playback.init_pace`) in headless Debian chromium and lets it run `--steps` steps as fast
as the app and the browser keep up, which is the same work per step as the real pace, in a
fraction of the time.

Steps are counted in the page: every change of the period label (one per step the browser
drew). Every `--every` steps it samples, after a forced garbage collection in the page (CDP
`HeapProfiler.collectGarbage`): the page's JS heap and DOM node and listener counts (CDP
`Performance.getMetrics`; the map frame is same-origin, so its heap is in the same isolate),
what the map frame holds (Leaflet layers on the map, markers in the cluster layer,
streamlit-folium's `window.feature_group` list, DOM elements), the browser's memory (PSS of
chromium and its renderers) and the server's resident memory (/proc VmRSS).

Verdict: after `--warmup` steps, the mean of the last quarter of the samples against the
mean of the first quarter: JS heap, DOM nodes and Leaflet layers may grow less than
`--max-growth` percent (default 10), the server's RSS less than `--max-server-growth` percent
(default 5: ~10 MB of ~200 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.probes import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    MAP_STATE_JS,
    ROOT,
    STARTED,
    chromium_pid,
    is_remote,
    load_average,
    log,
    require_chromium,
    rss_mb,
    seed_data,
    serve,
    tree_pss_mb,
)

# In the page: count the steps the browser drew (changes of the period label).
STEP_COUNTER_JS = """() => {
    window.__cmSteps = 0;
    window.__cmLabel = null;
    window.__cmMaxGap = 0;  // the longest wait between two steps, ms
    var last = performance.now();
    var seen = function () {
        var el = document.querySelector(".cm-period");
        var text = el ? el.textContent : null;
        if (text && text !== window.__cmLabel) {
            if (window.__cmLabel !== null) {
                window.__cmSteps += 1;
                window.__cmMaxGap = Math.max(window.__cmMaxGap, performance.now() - last);
            }
            last = performance.now();
            window.__cmLabel = text;
        }
    };
    new MutationObserver(seen).observe(document.body,
        {subtree: true, childList: true, characterData: true});
    seen();
}"""


LOST = {"DISCONNECTED_FOREVER"}  # Streamlit's connection state when it gives up
SCRIPT_STATE_JS = """() => {
    var app = document.querySelector('[data-testid="stApp"]');
    return [app && app.getAttribute("data-test-script-state"),
            app && app.getAttribute("data-test-connection-state")];
}"""


@dataclass
class Sample:
    step: int
    seconds: float
    heap_mb: float
    nodes: int
    listeners: int
    layers: int
    clustered: int
    feature_groups: int
    frame_elements: int
    browser_mb: float
    server_mb: float
    load: str


def steps_per_loop(data: Path) -> int:
    """Steps the briefing screen takes to go once through the campaign (and jump back)."""
    from geo.app import playback
    from geo.map import filters

    features = filters.load_events(data / "events.geojson")
    span = filters.date_range(features)
    session = {playback.WINDOW_KEY: playback.default_window(span, True), "playing": True}
    state = playback.PlaybackState.from_session(session, span)
    first, steps = (state.start, state.end), 0
    while True:
        state = state.advanced()
        steps += 1
        if (state.start, state.end) == first:
            return steps


def quarter_means(samples: list[Sample], name: str) -> tuple[float, float]:
    quarter = max(1, len(samples) // 4)
    values = [getattr(s, name) for s in samples]
    return statistics.mean(values[:quarter]), statistics.mean(values[-quarter:])


async def run(args) -> int:
    from playwright.async_api import async_playwright

    def say(line: str = "") -> None:
        print(line, flush=True)

    samples: list[Sample] = []
    failure = ""
    remote: list[str] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cm-soak-") as tmp:
        base = Path(tmp)
        log("building the seeds' map data")
        corpus, data = seed_data(base)
        loop = steps_per_loop(data)
        options = tuple(
            part
            for option in args.streamlit
            for part in (f"--{option.split('=', 1)[0]}", option.split("=", 1)[1])
        )
        with serve(corpus, data, base / "server.log", options=options) as server:
            marker = uuid.uuid4().hex
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--cm-marker={marker}"]
                )
                browser_pid = chromium_pid(marker)
                context = await browser.new_context(viewport={"width": 1600, "height": 1000})
                context.on("request", lambda r: remote.append(r.url) if is_remote(r.url) else None)
                page = await context.new_page()
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                say(
                    f"Campaign Map soak: the briefing view playing by itself, "
                    f"{args.steps} steps at speed={args.speed} s (1 s per step is the normal "
                    f"pace: {args.steps} steps = {args.steps / 3600:.2f} h of a briefing screen); "
                    f"seeds data, one step = one week, {loop} steps per loop through the "
                    f"campaign; Streamlit options {args.streamlit or 'as configured'}; load "
                    f"average before {load_average()} (1/5/15 min, 2 cores)"
                )
                started = time.monotonic()
                await page.goto(
                    f"{server.url}/?view=briefing&speed={args.speed}", wait_until="domcontentloaded"
                )
                frame_handle = await page.wait_for_selector(
                    MAP_FRAME, state="attached", timeout=120_000
                )
                frame = await frame_handle.content_frame()
                await frame.wait_for_selector(
                    "html[data-visible-events]", state="attached", timeout=120_000
                )
                log(f"map up after {time.monotonic() - started:.1f} s")
                await page.evaluate(STEP_COUNTER_JS)
                cdp = await context.new_cdp_session(page)
                await cdp.send("Performance.enable")

                async def sample(step: int, seconds: float) -> Sample:
                    await cdp.send("HeapProfiler.collectGarbage")
                    metrics = {
                        m["name"]: m["value"]
                        for m in (await cdp.send("Performance.getMetrics"))["metrics"]
                    }
                    state = await frame.evaluate(MAP_STATE_JS)
                    return Sample(
                        step,
                        round(seconds, 1),
                        metrics["JSHeapUsedSize"] / 2**20,
                        int(metrics["Nodes"]),
                        int(metrics["JSEventListeners"]),
                        state["layers"],
                        state["clustered"],
                        state["feature_groups"],
                        state["elements"],
                        tree_pss_mb(browser_pid) if browser_pid else float("nan"),
                        rss_mb(server.pid),
                        load_average(),
                    )

                began = time.monotonic()
                samples.append(await sample(0, 0.0))
                next_at, last_step, last_change = args.every, 0, time.monotonic()
                deadline = began + args.max_minutes * 60
                stalled = False
                while last_step < args.steps and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    step, connection = await page.evaluate(
                        "[window.__cmSteps, (document.querySelector('[data-testid=stApp]')"
                        " || {getAttribute: () => null}).getAttribute("
                        "'data-test-connection-state')]"
                    )
                    if step != last_step:
                        last_step, last_change = step, time.monotonic()
                    elif time.monotonic() - last_change > 60 or connection in LOST:
                        stalled = True
                        shot = ROOT / "artifacts" / "soak-stalled.png"
                        shot.parent.mkdir(exist_ok=True)
                        await page.screenshot(path=str(shot))
                        state = await page.evaluate(SCRIPT_STATE_JS)
                        dialog = page.locator('[role="dialog"]')
                        if await dialog.count():
                            failure = " ".join((await dialog.first.inner_text()).split())
                            log(f"dialog on the page: {failure}")
                        log(
                            f"playback stopped after step {step} (label "
                            f"{await page.evaluate('window.__cmLabel')!r}, script state "
                            f"{state}, screenshot {shot}); server log:\n"
                            + (base / "server.log").read_text(errors="replace")[-3000:]
                        )
                        break
                    if step >= next_at:
                        samples.append(await sample(step, time.monotonic() - began))
                        s = samples[-1]
                        log(
                            f"step {step}: {step / s.seconds:.1f} steps/s, heap "
                            f"{s.heap_mb:.1f} MB, nodes {s.nodes}, layers {s.layers}, "
                            f"feature groups {s.feature_groups}, browser {s.browser_mb:.0f} MB, "
                            f"server {s.server_mb:.0f} MB, load {s.load}"
                        )
                        next_at = (step // args.every + 1) * args.every
                elapsed = time.monotonic() - began
                max_gap = await page.evaluate("window.__cmMaxGap") / 1000
                if samples[-1].step != last_step:
                    samples.append(await sample(last_step, elapsed))
                await browser.close()

    say()
    columns = [
        "step",
        "s",
        "JS heap MB",
        "DOM nodes",
        "JS listeners",
        "Leaflet layers",
        "clustered markers",
        "feature_group list",
        "map frame elements",
        "browser PSS MB",
        "server RSS MB",
        "load average",
    ]
    say("| " + " | ".join(columns) + " |")
    say("|" + "---|" * len(columns))
    for s in samples:
        say(
            f"| {s.step} | {s.seconds:.0f} | {s.heap_mb:.2f} | {s.nodes} | {s.listeners} | "
            f"{s.layers} | {s.clustered} | {s.feature_groups} | {s.frame_elements} | "
            f"{s.browser_mb:.0f} | {s.server_mb:.1f} | {s.load} |"
        )
    steps = samples[-1].step
    say()
    say(
        f"steps drawn: {steps} in {elapsed:.0f} s ({steps / elapsed:.1f} steps/s; asked for "
        f"{1 / args.speed:.0f}/s): {steps / 3600:.2f} h at the normal pace of 1 s per step, "
        f"{steps / loop:.1f} loops through the campaign; longest wait between two steps "
        f"{max_gap:.1f} s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(s) for s in samples], indent=1))

    judged = [s for s in samples if s.step >= args.warmup]
    say(
        f"verdict over the {len(judged)} samples after the {args.warmup}-step warm-up: mean of "
        "the last quarter against the first quarter"
    )
    ok = not stalled and steps >= args.steps and len(judged) >= 4
    checks = [
        ("JS heap", "heap_mb", args.max_growth),
        ("DOM nodes", "nodes", args.max_growth),
        ("Leaflet layers", "layers", args.max_growth),
        ("server RSS", "server_mb", args.max_server_growth),
        ("browser PSS (not judged: shared pages move)", "browser_mb", None),
        ("streamlit-folium feature_group list (not judged)", "feature_groups", None),
    ]
    for label, name, limit in checks:
        if len(judged) < 4:
            break
        first, last = quarter_means(judged, name)
        growth = (last - first) / first * 100 if first else 0.0
        within = limit is None or growth < limit
        ok &= within
        say(
            f"  {label}: {first:.1f} -> {last:.1f} ({growth:+.1f} %)"
            + (
                ""
                if limit is None
                else f"; limit +{limit:.0f} %: " + ("flat" if within else "GROWS")
            )
        )
    say(
        f"remote requests: {len(remote)}; page errors: {len(errors)}"
        + (f" (first: {errors[0][:200]})" if errors else "")
    )
    if stalled or steps < args.steps:
        say(
            f"stopped early: {steps} of {args.steps} steps "
            + (
                f"(playback stopped{': ' + failure if failure else ''})"
                if stalled
                else f"(time cap {args.max_minutes} min)"
            )
        )
    ok &= not remote
    say(
        f"soak verdict: {'memory flat' if ok else 'NOT flat or incomplete'}; load average "
        f"after: {load_average()}; took {time.monotonic() - STARTED:.0f} s; "
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3600)
    parser.add_argument(
        "--speed",
        type=float,
        default=0.1,
        help="seconds per step asked for in the URL (the app accepts >= 0.05)",
    )
    parser.add_argument("--every", type=int, default=100, help="steps between samples")
    parser.add_argument("--warmup", type=int, default=200, help="steps left out of the verdict")
    parser.add_argument("--max-minutes", type=float, default=25.0)
    parser.add_argument("--max-growth", type=float, default=10.0, help="percent")
    parser.add_argument("--max-server-growth", type=float, default=5.0, help="percent")
    parser.add_argument("--json", help="write the samples here")
    parser.add_argument(
        "--streamlit",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="a Streamlit option for the server, e.g. global.minCachedMessageSize=1e12",
    )
    args = parser.parse_args()
    require_chromium()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
