"""The briefing screen (`?view=briefing`) in a real browser: it fills the screen at 1920x1080
and 3840x2160, plays by itself, shows the captions of the events that start in each step's
window (as many as fit whole), and its map follows the events from one country to another.

The seeds run on the session's app (`app_url`); the moving front (tests/data/moving_front,
written for this test: a made-up exercise in Portugal in January and in Finland in March)
on one app of its own for this module.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

from geo.corpus.build import build
from geo.map import filters
from geo.map.framing import is_country_level

from .conftest import LOCAL_HOSTS, ROOT, RequestLog, running_app, screenshot, wait_map_data

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
SCREENS = [(1920, 1080), (3840, 2160)]
MIN_KM = 200  # geo.map.follow.FOLLOW_MIN_KM: the least the map spans, read here as a fact

# Where the captions are, measured in one go: the captions box, and each caption's box
# and start date, in order.
CAPTIONS_JS = """() => {
    const box = document.querySelector(".cm-captions");
    const panel = document.querySelector(".cm-brief");
    if (!box || !panel) { return null; }
    const r = e => { const b = e.getBoundingClientRect();
                     return {left: b.left, top: b.top, right: b.right, bottom: b.bottom}; };
    return {start: panel.dataset.start, end: panel.dataset.end, box: r(box),
            period: document.querySelector(".cm-period").innerText,
            gap: parseFloat(getComputedStyle(box.firstElementChild).marginBottom),
            captions: [...box.querySelectorAll(".cm-caption")].map(c => ({...r(c),
                start: (c.querySelector("time") || {}).dateTime || null}))};
}"""
# The map's centre and zoom, how many km its height spans, whether follow.js is moving it
# (or about to), and the visible point events: where they are, and where on the screen.
MAP_VIEW_JS = """() => {
    const layer = window.campaignLayers.find(l => l.kind === "points");
    const map = layer.cluster._map, size = map.getSize(), c = map.getCenter();
    const top = map.containerPointToLatLng([size.x / 2, 0]);
    const bottom = map.containerPointToLatLng([size.x / 2, size.y]);
    return {lat: c.lat, lng: c.lng, zoom: map.getZoom(), km: top.distanceTo(bottom) / 1000,
            moving: !!window.cmFollowing, width: size.x, height: size.y,
            events: layer.markers.filter(m => m.cmOn).map(m => {
                const p = m.feature.properties, at = map.latLngToContainerPoint([p.y, p.x]);
                return {lat: p.y, lng: p.x, x: at.x, y: at.y}; })};
}"""


@contextmanager
def screen(browser, width: int, height: int) -> Iterator[tuple[object, RequestLog]]:
    """A page of that size whose requests to other hosts are recorded and aborted."""
    context = browser.new_context(viewport={"width": width, "height": height})
    log = RequestLog()
    context.on("request", lambda request: log.urls.append(request.url))
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("data:", "blob:"))
            or urlparse(route.request.url).hostname in LOCAL_HOSTS
            else route.abort()
        ),
    )
    try:
        yield context.new_page(), log
    finally:
        context.close()


def open_briefing(pg, url: str, query: str = ""):
    pg.goto(f"{url}/?view=briefing{query}", wait_until="domcontentloaded")
    pg.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = pg.locator(MAP_FRAME).last.element_handle().content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=60_000)
    wait_map_data(frame)
    pg.wait_for_selector(".cm-brief", timeout=60_000)
    return frame


def check_captions(layout: dict) -> int:
    """The captions of one step: each starts inside the window, newest first; those shown
    are whole and inside their box, the others wholly outside it (the box is full: the
    first of them would not have fitted). Returns how many were left out."""
    box, captions = layout["box"], [c for c in layout["captions"] if c["start"]]
    starts = [c["start"] for c in captions]
    assert all(layout["start"] <= s <= layout["end"] for s in starts), layout
    assert starts == sorted(starts, reverse=True), layout
    shown = [c for c in captions if c["left"] < box["right"]]
    hidden = captions[len(shown) :]
    assert captions[: len(shown)] == shown, layout  # the first ones, in order
    if captions:
        assert shown, layout  # at least the newest is on the screen
    for c in shown:
        assert box["top"] - 1 <= c["top"] and c["bottom"] <= box["bottom"] + 1, layout
    for c in hidden:
        assert c["left"] >= box["right"], layout
    if hidden:
        room = box["bottom"] - (shown[-1]["bottom"] + layout["gap"])
        assert hidden[0]["bottom"] - hidden[0]["top"] > room, layout
    return len(hidden)


def test_briefing_view_plays_by_itself(page, app_url) -> None:
    """At its own pace (a step a second), with no sidebar and no console error."""
    pg, log, errors = page
    frame = open_briefing(pg, app_url)
    first = pg.locator(".cm-period").inner_text()
    pg.wait_for_function(
        "([text]) => document.querySelector('.cm-period').innerText !== text",
        arg=[first],
        timeout=30_000,
    )
    assert frame.locator(".leaflet-container").is_visible()
    assert not pg.locator('[data-testid="stSidebar"]').is_visible()
    screenshot(pg, "app-briefing")
    assert log.remote() == [], log.remote()
    assert not errors, errors


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_briefing_fills_the_screen(browser, app_url, width: int, height: int) -> None:
    with screen(browser, width, height) as (pg, log):
        frame = open_briefing(pg, app_url, "&speed=60")  # stays on its first window
        viewport = width * height
        for where, selector in ((pg, MAP_FRAME), (frame, ".leaflet-container")):
            b = where.locator(selector).last.bounding_box()
            shown = max(0, min(b["x"] + b["width"], width) - max(b["x"], 0)) * max(
                0, min(b["y"] + b["height"], height) - max(b["y"], 0)
            )
            assert shown >= 0.9 * viewport, (selector, b)
        frame.wait_for_function(
            "([w, h]) => { const l = window.campaignLayers.find(l => l.kind === 'points');"
            " const s = l.cluster._map.getSize(); return s.x === w && s.y === h; }",
            arg=[width, height],
            timeout=10_000,
        )
        # Readable from the back of a room, and as large on a 4K screen: the period's type
        # follows the screen (48 px on a 1080-pixel-high one).
        size = pg.locator(".cm-period").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 48 * height / 1080
        assert not pg.locator('[data-testid="stSidebar"]').is_visible()
        layout = pg.evaluate(CAPTIONS_JS)
        check_captions(layout)
        assert layout["box"]["bottom"] <= height
        # The map has framed the window's events: each on the screen, beside the panel.
        frame.wait_for_function("() => !window.cmFollowing", timeout=20_000)
        view = frame.evaluate(MAP_VIEW_JS)
        panel = pg.locator(".cm-brief").bounding_box()["width"]
        assert view["events"], view
        for e in view["events"]:
            assert panel <= e["x"] <= width and 0 <= e["y"] <= height, view
        # No map label under the caption panel, where no one could read it.
        time.sleep(0.5)  # labels lay out after the last move
        under = frame.evaluate(
            """(panel) => Array.from(document.querySelectorAll(".cm-label"))
                .filter(e => getComputedStyle(e).visibility !== "hidden")
                .map(e => e.getBoundingClientRect())
                .filter(r => r.width && r.left < panel && r.right > 0 && r.bottom > 0 &&
                             r.top < window.innerHeight).length""",
            panel,
        )
        assert under == 0, under
        overlaps = frame.evaluate(
            """() => { const r = Array.from(document.querySelectorAll(".cm-label"))
                .filter(e => getComputedStyle(e).visibility !== "hidden")
                .map(e => e.getBoundingClientRect()).filter(b => b.width);
              let n = 0;
              for (let i = 0; i < r.length; i++) { for (let j = i + 1; j < r.length; j++) {
                if (r[i].left < r[j].right && r[j].left < r[i].right &&
                    r[i].top < r[j].bottom && r[j].top < r[i].bottom) { n += 1; } } }
              return n; }"""
        )
        assert overlaps == 0, overlaps
        screenshot(pg, f"app-briefing-{width}x{height}")
        assert log.remote() == [], log.remote()


def test_briefing_plays_through_the_seeds(browser, app_url) -> None:
    """Every step's captions start inside its window; the map never zooms closer than a
    town; the loop comes back to the start."""
    with screen(browser, *SCREENS[0]) as (pg, log):
        frame = open_briefing(pg, app_url, "&speed=0.3&step=month")
        frame.evaluate(
            "() => { const map = window.campaignLayers.find(l => l.kind === 'points')"
            ".cluster._map; window.__cmKm = [];"
            " map.on('zoomend', () => { const s = map.getSize();"
            " window.__cmKm.push(map.containerPointToLatLng([s.x / 2, 0]).distanceTo("
            "map.containerPointToLatLng([s.x / 2, s.y])) / 1000); }); }"
        )
        seen: dict[tuple[str, str], dict] = {}
        last = pg.evaluate(CAPTIONS_JS)["start"]
        deadline = time.monotonic() + 120
        wrapped = False
        while time.monotonic() < deadline and not wrapped:
            layout = pg.evaluate(CAPTIONS_JS)
            seen.setdefault((layout["start"], layout["end"]), layout)
            wrapped = layout["start"] < last  # past the end, it starts again
            last = layout["start"]
            time.sleep(0.05)
        assert wrapped, sorted(seen)
        assert len(seen) >= 10  # a step per month over the seeds' years
        left_out = sum(check_captions(layout) for layout in seen.values())
        assert left_out > 0  # some windows hold more captions than fit: they were left out
        assert max(len(layout["captions"]) for layout in seen.values()) >= 2
        assert frame.evaluate("window.cmFollowMoves") > 0  # the map followed the events
        spans = frame.evaluate("window.__cmKm")
        assert spans and min(spans) >= MIN_KM, spans
        assert log.remote() == [], log.remote()


@pytest.fixture(scope="module")
def moving_front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    """The app over the moving front; its URL and its events."""
    base = tmp_path_factory.mktemp("moving_front")
    corpus, data = base / "corpus", base / "mapdata"
    shutil.copytree(ROOT / "tests" / "data" / "moving_front", corpus)
    build(corpus, data, processes=1, progress=False)
    features = filters.load_events(data / "events.geojson")
    with running_app(corpus, data) as url:
        yield url, features


def centroid(features: list) -> tuple[float, float]:
    points = [f["geometry"]["coordinates"] for f in features]
    return sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def test_briefing_map_follows_the_front(browser, moving_front) -> None:
    url, features = moving_front
    located = [f for f in features if not is_country_level(f)]
    months = {f["properties"]["date_start"][:7] for f in located}
    assert {"2021-01", "2021-03"} <= months, months  # the corpus moves as written
    january = centroid([f for f in located if f["properties"]["date_start"][:7] == "2021-01"])
    march = centroid([f for f in located if f["properties"]["date_start"][:7] == "2021-03"])
    assert km(january, march) > 2000
    last_january = max(
        f["properties"]["date_start"]
        for f in located
        if f["properties"]["date_start"][:7] == "2021-01"
    )

    def nearer(event: dict, target, other) -> bool:
        return km((event["lat"], event["lng"]), target) < km((event["lat"], event["lng"]), other)

    def settled_near(frame, target, other, timeout: float = 20.0) -> dict:
        """Poll until most visible events are nearer `target` than `other` (a background
        event elsewhere may be on the map too) and the map has stopped moving (follow.js
        has framed them)."""
        deadline = time.monotonic() + timeout
        while True:
            view = frame.evaluate(MAP_VIEW_JS)
            near = [nearer(e, target, other) for e in view["events"]]
            if not view["moving"] and near and sum(near) * 2 > len(near):
                return view
            assert time.monotonic() < deadline, (view["moving"], view["events"], target)
            time.sleep(0.1)

    def framed(view: dict, target, other, panel: float) -> None:
        """The map's centre is on the target's side, and every visible event there is on
        the screen beside the caption panel."""
        here = (view["lat"], view["lng"])
        assert float(view["zoom"]).is_integer(), view  # at rest, not mid-flight
        assert km(here, target) < km(here, other), view
        for e in view["events"]:
            if nearer(e, target, other):
                assert panel <= e["x"] <= view["width"] and 0 <= e["y"] <= view["height"], view

    with screen(browser, *SCREENS[0]) as (pg, log):
        frame = open_briefing(pg, url, "&speed=2.5&step=week")
        start = pg.evaluate(CAPTIONS_JS)
        assert start["start"] < last_january  # the first window is January's
        panel = pg.locator(".cm-brief").bounding_box()["width"]
        before = settled_near(frame, january, march)
        framed(before, january, march, panel)
        screenshot(pg, "app-briefing-front-january")
        # The window leaves January behind: only the March events are left to frame.
        pg.wait_for_function(
            "([day]) => { const p = document.querySelector('.cm-brief');"
            " return p && p.dataset.start > day; }",
            arg=[last_january],
            timeout=60_000,
        )
        after = settled_near(frame, march, january)
        framed(after, march, january, panel)
        screenshot(pg, "app-briefing-front-march")
        assert km((after["lat"], after["lng"]), march) < km((before["lat"], before["lng"]), march)
        # Framed, not zoomed in to a street: the map still spans a town's surroundings.
        assert after["km"] >= MIN_KM and before["km"] >= MIN_KM
        assert log.remote() == [], log.remote()
