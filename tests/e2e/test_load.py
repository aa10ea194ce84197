"""The app under load, in CI's time: several sessions at once, and the briefing screen playing
for a while with its memory watched.

The full-size versions are `benchmarks/sessions.py` (20 sessions, 3 waves) and
`benchmarks/soak.py` (3,600 steps, an hour of a briefing screen); their figures are in the
README. Bounds here are set from repeated runs on a 2-core machine under other load (see the
constants) so that they catch a real regression, not a busy machine.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlparse

import pytest

from .conftest import LOCAL_HOSTS, wait_map_data

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

# Six sessions at once. On a 2-core machine the browser tabs need ~5 CPU-seconds each
# (Streamlit's page, the map), far more than the server (~0.5 s each), so this mostly measures
# the browser. Measured with eight: slowest map 41-47 s on a fresh server with other tests
# running beside it (load average 8-15), and over 75 s once at load average 20; the bound is
# for "every session gets its map", the load-time figures are benchmarks/sessions.py's.
SESSIONS = 6
SESSION_BOUND_S = 120.0

# The briefing screen at speed=0.1: ten steps a second asked for, 3.5-5.5 drawn here.
WARMUP_STEPS = 25
SOAK_STEPS = 120
# The page's JS heap after a forced garbage collection is ~23 MB and moves by +-0.5 MB with
# what is on the map. Measured over 150 steps: +0.9..+1.4 MB (7 runs), most of it the
# feature-group and <style> leak of the xfail test below (flat without it, and flat over
# 3,600 steps in benchmarks/soak.py). Keeping 35 KB a step (a few markers) fails this.
HEAP_GROWTH_MB = 4.0
# The server's RSS is ~200 MB; measured over 150 steps -1.6..+1.7 MB (7 runs; +1.5 MB over
# 3,600 steps in benchmarks/soak.py). Keeping 85 KB a step fails this.
SERVER_GROWTH_MB = 10.0
# Leaflet's layers on the map: ~500 (the basemap's paths and the visible markers), +-3.
LAYER_GROWTH = 25

# When the map frame's <html data-visible-events> first appears (checked every 25 ms), on
# the top page's clock (its performance.timeOrigin is the navigation's start). A timer, not a
# MutationObserver: the script first runs in the frame's initial about:blank document, whose
# window (and timers) the component's same-origin page reuses, but not its document.
MAP_STAMP_JS = """
if (window !== window.top) {
    var cmStamp = setInterval(function () {
        var html = document.documentElement;
        if (html && html.hasAttribute("data-visible-events")) {
            clearInterval(cmStamp);
            try {
                window.top.__cmMapAt = window.top.__cmMapAt
                    || performance.timeOrigin + performance.now();
            } catch (e) {}
        }
    }, 25);
}
"""
# Steps the briefing screen drew: changes of its period label.
STEP_COUNTER_JS = """() => {
    window.__cmSteps = 0;
    var label = null;
    new MutationObserver(function () {
        var el = document.querySelector(".cm-period");
        var text = el ? el.textContent : null;
        if (text && text !== label) {
            if (label !== null) { window.__cmSteps += 1; }
            label = text;
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
# `elements`: the page around the map. What the map draws (markers, clusters, labels, edge
# hints) comes and goes as the briefing map follows the window's events.
MAP_STATE_JS = """() => ({
    layers: Object.keys(window.map._layers).length,
    elements: document.getElementsByTagName("*").length -
        window.map.getContainer().getElementsByTagName("*").length,
    feature_groups: (window.feature_group || []).length,
    mounted: document.documentElement.getAttribute("data-mounted-at")})"""


def remote(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlparse(u).scheme in {"http", "https", "ws", "wss"}
        and urlparse(u).hostname not in LOCAL_HOSTS
    ]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@pytest.fixture(scope="module")
def app_pid(app_url: str) -> int:
    """The Streamlit server behind `app_url`: the child of this process serving its port."""
    port = str(urlparse(app_url).port)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace").split("\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "geo.app.server" in args and port in args:
            return int(entry)
    raise RuntimeError(f"no Streamlit server on port {port} among this process's children")


def test_concurrent_sessions_all_get_their_map(browser, app_url) -> None:
    contexts, pages, urls, errors = [], [], [], []
    try:
        for _ in range(SESSIONS):
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.add_init_script(MAP_STAMP_JS)
            context.on("request", lambda request: urls.append(request.url))
            contexts.append(context)
            pg = context.new_page()
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pages.append(pg)
        # Start every navigation before waiting on any: the sessions load together.
        for pg in pages:
            pg.goto(app_url, wait_until="commit")
        loads = []
        for pg in pages:
            pg.locator(MAP_FRAME).last.content_frame.locator("html[data-visible-events]").wait_for(
                state="attached", timeout=SESSION_BOUND_S * 1000
            )
            # The attribute can come before the events' data (a count of 0 under load).
            wait_map_data(pg.locator(MAP_FRAME).last.content_frame, timeout=SESSION_BOUND_S * 1000)
            pg.wait_for_function("() => window.__cmMapAt", timeout=5_000, polling=50)
            loads.append(pg.evaluate("window.__cmMapAt - performance.timeOrigin") / 1000)
            frame = pg.locator(MAP_FRAME).last.content_frame
            assert int(frame.locator("html").get_attribute("data-visible-events")) > 30
        print(
            f"{SESSIONS} sessions: map after {', '.join(f'{t:.1f}' for t in sorted(loads))} s "
            f"(load average {os.getloadavg()[0]:.2f})"
        )
        assert max(loads) < SESSION_BOUND_S, loads
        assert remote(urls) == [], remote(urls)
        assert errors == [], errors
    finally:
        for context in contexts:
            context.close()


def steps(pg) -> int:
    return pg.evaluate("window.__cmSteps")


def wait_steps(pg, target: int, timeout: float) -> None:
    try:
        pg.wait_for_function(
            "([n]) => window.__cmSteps >= n", arg=[target], timeout=timeout * 1000, polling=200
        )
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError: say why it stopped
        dialog = pg.locator('[role="dialog"]')
        said = " ".join(dialog.first.inner_text().split()) if dialog.count() else "no dialog"
        # "Cached ForwardMsg MISS": Streamlit's message cache (off in .streamlit/config.toml)
        raise AssertionError(f"playback stopped at step {steps(pg)} of {target}: {said}") from exc


@pytest.fixture(scope="module")
def soak(browser, app_url, app_pid) -> dict:
    """The briefing screen playing ten steps a second: memory after a warm-up and after
    SOAK_STEPS more steps (after a forced garbage collection in the page each time)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    urls, errors = [], []
    context.on("request", lambda request: urls.append(request.url))
    pg = context.new_page()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        pg.goto(f"{app_url}/?view=briefing&speed=0.1", wait_until="domcontentloaded")
        frame = pg.wait_for_selector(MAP_FRAME, state="attached", timeout=60_000).content_frame()
        frame.wait_for_selector("html[data-visible-events]", state="attached", timeout=60_000)
        pg.evaluate(STEP_COUNTER_JS)
        cdp = context.new_cdp_session(pg)
        cdp.send("Performance.enable")

        def memory() -> dict[str, float]:
            cdp.send("HeapProfiler.collectGarbage")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            return {
                "heap_mb": round(metrics["JSHeapUsedSize"] / 2**20, 2),
                "nodes": metrics["Nodes"],
                "server_mb": round(rss_mb(app_pid), 1),
                **frame.evaluate(MAP_STATE_JS),
            }

        wait_steps(pg, WARMUP_STEPS, 60)
        before, first, started = memory(), steps(pg), time.monotonic()
        wait_steps(pg, first + SOAK_STEPS, 90)
        after, done = memory(), steps(pg) - first
        rate = done / (time.monotonic() - started)
    finally:
        context.close()
    print(
        f"soak: {done} steps at {rate:.1f}/s; before {before}; after {after}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return {
        "before": before,
        "after": after,
        "steps": done,
        "remote": remote(urls),
        "errors": errors,
    }


def test_briefing_soak_memory_stays_flat(soak) -> None:
    before, after = soak["before"], soak["after"]
    assert soak["steps"] >= SOAK_STEPS
    assert after["mounted"] == before["mounted"]  # the map was never rebuilt
    assert after["heap_mb"] - before["heap_mb"] < HEAP_GROWTH_MB, (before, after)
    assert after["server_mb"] - before["server_mb"] < SERVER_GROWTH_MB, (before, after)
    assert after["layers"] - before["layers"] < LAYER_GROWTH, (before, after)
    assert soak["remote"] == [], soak["remote"]
    assert soak["errors"] == [], soak["errors"]


def test_briefing_map_frame_does_not_grow(soak) -> None:
    before, after = soak["before"], soak["after"]
    assert after["feature_groups"] <= 2, (before, after)
    # The map's own drawing is not counted (MAP_STATE_JS); the leak this guards
    # against (a theme <style> and a feature group per step) adds one or two per step.
    assert after["elements"] - before["elements"] < 15, (before, after)
